from django.db import migrations, models


class Migration(migrations.Migration):
    """DataVersion moves from dashboards to core (core/page_cache.py serves the report form too): the
    table stays as it is, only Django's record of which app owns it changes."""

    dependencies = [
        ("core", "0002_rename_tables"),
        ("dashboards", "0003_structure_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DataVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.BigIntegerField(default=0)),
                    ],
                    options={"db_table": "dashboards_dataversion"},
                ),
            ]
        )
    ]
