from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from communes.selectors import languages_of

from . import outbox
from .models import Notification

# The tasks below are safe to run twice (each claims its row first), so a message whose worker was killed
# mid-task goes back to the queue (acks_late with reject_on_worker_lost) instead of being lost.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def send_notification_email(notification_id):
    """Mail one inbox entry to its user; claimed first so that a second run sends nothing.

    A failed mail is tried again by the outbox sweep (reports/outbox.py), not by a Celery retry: a retry
    countdown longer than the broker's visibility timeout would be delivered twice."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at=None).update(emailed_at=timezone.now())
    if not claimed:
        return "already sent"
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    context = {"notification": notification, "link": f"{settings.SITE_URL}{notification.url}"}
    try:
        with translation.override(languages_of([notification.user])[notification.user.pk]):
            send_mail(
                subject=f"[Cổng NTM] {notification.title_text}",
                message=render_to_string("reports/email/notification.txt", context),
                html_message=render_to_string("reports/email/notification.html", context),
                from_email=None,
                recipient_list=[notification.user.email],
            )
    except Exception:
        # Release the claim so that the outbox sweep sends it later.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return "sent"


@shared_task
def create_periods_ahead():
    """Monthly: make sure this month's and the next two months' periods exist."""
    from .services import periods_ensure_ahead

    return [str(p) for p in periods_ensure_ahead(months_ahead=2)]


@shared_task
def run_daily_reminders(date=None):
    """07:30 every day: store today's reminders and queue one sending task per reminder."""
    import datetime

    from . import reminders

    today = datetime.date.fromisoformat(date) if date else None

    def queue(ids):
        outbox.enqueue_on_commit(send_reminder, ids)

    planned, ids = reminders.run(today, deliver=queue)
    return {"planned": len(planned), "queued": len(ids)}


@shared_task(**IDEMPOTENT)
def send_reminder(reminder_id):
    """Send one reminder; safe to run twice (the row is claimed first)."""
    from . import reminders

    return reminders.send(reminder_id)


@shared_task(**IDEMPOTENT)
def render_minutes(meeting_id):
    """Render a meeting's minutes to PDF (WeasyPrint); ids only, safe to run twice."""
    from .meetings import minutes_render

    return minutes_render(meeting_id)


@shared_task(**IDEMPOTENT)
def sweep_outbox():
    """Every two minutes: hand over again the work a broker outage or a killed worker lost."""
    return outbox.sweep()
