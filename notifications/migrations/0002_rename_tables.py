# The tables moved from `reports` take their app's name (a rename: no row is copied).

from django.db import migrations

from core.migration_helpers import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('reports', '0007_move_to_new_apps'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
        migrations.RunPython(move_content_types('reports', 'notifications', ['notification']), migrations.RunPython.noop),
    ]
