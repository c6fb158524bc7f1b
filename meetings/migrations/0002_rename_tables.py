# The tables moved from `reports` take their app's name (a rename: no row is copied).

from django.db import migrations

from core.migration_helpers import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0001_initial'),
        ('reports', '0007_move_to_new_apps'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='directive',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicaldirective',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicalmeeting',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicalmeeting_attendees',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicalmeetingremark',
            table=None,
        ),
        migrations.AlterModelTable(
            name='meeting',
            table=None,
        ),
        migrations.AlterModelTable(
            name='meetingremark',
            table=None,
        ),
        migrations.RunPython(move_content_types('reports', 'meetings', ['meeting', 'historicalmeeting', 'historicalmeeting_attendees', 'meetingremark', 'historicalmeetingremark', 'directive', 'historicaldirective']), migrations.RunPython.noop),
    ]
