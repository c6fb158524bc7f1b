import datetime
from collections import Counter

from celery import shared_task

from core import outbox

from . import reminders
from .models import Reminder, ReminderState
from .services import periods_ensure_ahead


@shared_task
def create_periods_ahead():
    """Monthly: make sure this month's and the next two months' periods exist."""
    return [str(p) for p in periods_ensure_ahead(months_ahead=2)]


@shared_task
def run_daily_reminders(date=None):
    """07:30 every day: store today's reminders and queue one sending task per batch of them."""
    today = datetime.date.fromisoformat(date) if date else None

    def queue(ids):
        outbox.enqueue_on_commit(send_reminder, ids)

    planned, ids = reminders.run(today, deliver=queue)
    return {"planned": len(planned), "queued": len(ids)}


@shared_task(**outbox.IDEMPOTENT)
def send_reminder(reminder_id):
    """Send the batch of reminders `reminder_id` belongs to (`reminders.batch_of`); safe to run twice (each
    row is claimed first). Returns how many ended in each state."""
    return dict(Counter(reminders.send_batch(reminder_id).values()))


outbox.register(
    send_reminder,
    still_to_do=lambda ids: Reminder.objects.filter(
        pk__in=ids, state__in=(ReminderState.PENDING, ReminderState.SENDING)
    ),
    batch_of=reminders.batch_of,
)
