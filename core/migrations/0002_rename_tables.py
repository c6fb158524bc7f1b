# The table moved from `reports` takes its app's name (a rename: no row is copied).

from django.db import migrations

from core.migration_helpers import move_content_types

# The tasks that left `reports.tasks`: waiting entries keep their work under the task's new name.
RENAMED_TASKS = {
    "reports.tasks.send_notification_email": "notifications.tasks.send_notification_email",
    "reports.tasks.render_minutes": "meetings.tasks.render_minutes",
}


def rename_tasks(apps, schema_editor):
    OutboxEntry = apps.get_model("core", "OutboxEntry")
    for old, new in RENAMED_TASKS.items():
        OutboxEntry.objects.filter(task=old).update(task=new)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('reports', '0007_move_to_new_apps'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='outboxentry',
            table=None,
        ),
        migrations.RunPython(move_content_types('reports', 'core', ['outboxentry']), migrations.RunPython.noop),
        migrations.RunPython(rename_tasks, migrations.RunPython.noop),
    ]
