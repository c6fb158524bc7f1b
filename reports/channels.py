"""How a reminder reaches people. A channel is small on purpose: SMS or Zalo can be added as one more.

A channel answers who it can reach in a unit (`recipients`) or among given people (`reachable`), and
delivers a batch of reminders at once (`deliver`), returning those that failed; the sender
(reports.reminders) retries them with backoff. A channel `in_transaction` delivers inside the transaction
that records the reminders' states; the others before it.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from communes.models import Role
from communes.selectors import users_with_role_over
from notifications.models import Notification
from notifications.texts import render

from .models import ReminderKind
from .notification_texts import reminder_context


def _people(unit, kind):
    role = Role.OFFICE if kind == ReminderKind.DIGEST else Role.COMMUNE_OFFICIAL
    people = users_with_role_over(unit, role)
    if role == Role.COMMUNE_OFFICIAL:
        people = people.filter(memberships__unit=unit)  # the commune's own officials, not the district's
    return people.order_by("username")


# What a channel delivers at once: {reminder id: (its recipients, its message)}.
Batch = dict[int, tuple[list, dict[str, Any]]]


class EmailChannel:
    name = "email"
    in_transaction = False  # a mail cannot be taken back: sent before the states are written

    def recipients(self, unit, kind):
        return [u for u in _people(unit, kind) if u.email]

    def reachable(self, people):
        return [u for u in people if u.email]

    def deliver(self, batch: Batch, languages: dict[int, str]) -> dict[int, OSError]:
        """One mail per person in that person's language, all over one connection; {reminder id: the
        error} for the reminders whose mails failed (SMTP and socket errors are OSErrors), to retry."""
        if not batch:
            return {}
        connection = get_connection()
        try:
            connection.open()
        except OSError as error:  # the mail server cannot be reached: every one of them waits
            return dict.fromkeys(batch, error)
        failed = {}
        try:
            for reminder_id, (recipients, message) in batch.items():
                try:
                    connection.send_messages([_mail(user, message, languages[user.pk]) for user in recipients])
                except OSError as error:
                    failed[reminder_id] = error
        finally:
            connection.close()
        return failed


def _mail(user, message: dict[str, Any], language: str) -> EmailMultiAlternatives:
    with translation.override(language):
        subject, text = render("reminder", message)
        html = render_to_string(message["template"] + ".html", reminder_context(message))
    email = EmailMultiAlternatives(subject, text, to=[user.email])
    email.attach_alternative(html, "text/html")
    return email


class InboxChannel:
    name = "inbox"
    in_transaction = True  # written with the reminders' states: never twice, never without them

    def recipients(self, unit, kind):
        return list(_people(unit, kind))

    def reachable(self, people):
        return list(people)

    def deliver(self, batch: Batch, languages: dict[int, str]) -> dict[int, OSError]:
        Notification.objects.bulk_create(
            Notification(user=user, kind="reminder", params=message, url=message["path"])
            for recipients, message in batch.values()
            for user in recipients
        )
        return {}


CHANNELS = {channel.name: channel for channel in (EmailChannel(), InboxChannel())}


def enabled_channels():
    return [CHANNELS[name] for name in settings.REMINDER_CHANNELS]
