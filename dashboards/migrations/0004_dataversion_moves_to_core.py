from django.db import migrations


class Migration(migrations.Migration):
    """DataVersion now belongs to core (core/migrations/0003_dataversion.py); its table stays."""

    dependencies = [
        ("dashboards", "0003_structure_version"),
        ("core", "0003_dataversion"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="DataVersion")]),
    ]
