from django.db import migrations, models

from core.data_version import create_triggers, drop_triggers

# The tables watched when this migration was written (core.data_version.WATCHED_TABLES may grow:
# a later migration adds the triggers of a new table).
TABLES = (
    "communes_administrativeunit",
    "communes_membership",
    "criteria_criteriaset",
    "criteria_criterion",
    "criteria_indicator",
    "criteria_indicatortarget",
    "criteria_enrolment",
    "reports_reportingperiod",
    "reports_perioddeadline",
    "reports_monthlyreport",
    "reports_indicatorstatus",
    "inspections_inspection",
    "inspections_sitevisit",
    "inspections_finding",
    "inspections_actionitem",
)


def forwards(apps, schema_editor):
    create_triggers(schema_editor, TABLES)
    schema_editor.execute("INSERT INTO dashboards_dataversion (id, number) VALUES (1, 1)")


def backwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("communes", "0006_profile_phone"),
        ("criteria", "0004_criteriaset_owner"),
        ("reports", "0008_period_deadlines"),
        ("inspections", "0002_actionitem_evidence_actionitem_verified_at_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
