"""How a reminder reaches people. A channel is small on purpose: SMS or Zalo can be added as one more.

A channel answers who it can reach in a unit (`recipients`) and delivers one message (`deliver`).
`deliver` raises on failure; the sender (reports.reminders) retries with backoff.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from communes.models import Role
from communes.selectors import languages_of, users_with_role_over
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


class EmailChannel:
    name = "email"

    def recipients(self, unit, kind):
        return [u for u in _people(unit, kind) if u.email]

    def deliver(self, *, recipients, message):
        """One mail per person, in that person's language."""
        languages = languages_of(recipients)
        connection = get_connection()
        emails = []
        for user in recipients:
            with translation.override(languages[user.pk]):
                subject, text = render("reminder", message)
                html = render_to_string(message["template"] + ".html", reminder_context(message))
            email = EmailMultiAlternatives(subject, text, to=[user.email], connection=connection)
            email.attach_alternative(html, "text/html")
            emails.append(email)
        connection.send_messages(emails)


class InboxChannel:
    name = "inbox"

    def recipients(self, unit, kind):
        return list(_people(unit, kind))

    def deliver(self, *, recipients, message):
        Notification.objects.bulk_create(
            Notification(user=user, kind="reminder", params=message, url=message["path"]) for user in recipients
        )


CHANNELS = {channel.name: channel for channel in (EmailChannel(), InboxChannel())}


def enabled_channels():
    return [CHANNELS[name] for name in settings.REMINDER_CHANNELS]
