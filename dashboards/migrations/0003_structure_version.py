from django.db import migrations

from core.data_version import ACTIVITY, STRUCTURE, create_triggers, drop_triggers

# The tables whose changes bump the STRUCTURE number from this migration on (before it: the one number).
TABLES = (
    "communes_administrativeunit",
    "communes_membership",
    "criteria_criteriaset",
    "criteria_criterion",
    "criteria_indicator",
    "criteria_indicatortarget",
    "criteria_enrolment",
)


def forwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES, keep_function=True)
    create_triggers(schema_editor, TABLES, group=STRUCTURE)
    schema_editor.execute(f"INSERT INTO dashboards_dataversion (id, number) VALUES ({STRUCTURE}, 1)")


def backwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES, keep_function=True)
    create_triggers(schema_editor, TABLES, group=ACTIVITY)
    schema_editor.execute(f"DELETE FROM dashboards_dataversion WHERE id = {STRUCTURE}")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0002_watch_evidence_and_events")]

    operations = [migrations.RunPython(forwards, backwards)]
