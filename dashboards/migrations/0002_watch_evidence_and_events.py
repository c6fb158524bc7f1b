from django.db import migrations

from core.data_version import create_triggers, drop_triggers

# The report form page is kept under the data version too: its evidence and its events are watched.
TABLES = ("reports_evidencefile", "reports_reportevent")


def forwards(apps, schema_editor):
    create_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES, keep_function=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_data_version"),
        ("reports", "0008_period_deadlines"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
