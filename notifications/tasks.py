from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import outbox

from .models import Notification
from .selectors import language_of


@shared_task(**outbox.IDEMPOTENT)
def send_notification_email(notification_id):
    """Mail one inbox entry to its user; claimed first so that a second run sends nothing.

    A failed mail is tried again by the outbox sweep (core/outbox.py), not by a Celery retry: a retry
    countdown longer than the broker's visibility timeout would be delivered twice."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at=None).update(emailed_at=timezone.now())
    if not claimed:
        return "already sent"
    notification = Notification.objects.select_related("user", "user__profile").get(pk=notification_id)
    context = {"notification": notification, "link": f"{settings.SITE_URL}{notification.url}"}
    try:
        with translation.override(language_of(notification.user)):
            send_mail(
                subject=f"[Cổng NTM] {notification.title_text}",
                message=render_to_string("notifications/email/notification.txt", context),
                html_message=render_to_string("notifications/email/notification.html", context),
                from_email=None,
                recipient_list=[notification.user.email],
            )
    except Exception:
        # Release the claim so that the outbox sweep sends it later.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return "sent"


# Messages queued before `reports` was split carry the task's old name: a worker still knows it.
shared_task(name="reports.tasks.send_notification_email", **outbox.IDEMPOTENT)(send_notification_email.run)

outbox.register(
    send_notification_email,
    still_to_do=lambda ids: Notification.objects.filter(pk__in=ids, emailed_at=None).exclude(user__email=""),
)
