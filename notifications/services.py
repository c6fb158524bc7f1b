"""Telling a person something: an inbox entry, and a mail when they have an address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from core import outbox

from .models import Notification
from .tasks import send_notification_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notify(*, users: Iterable[User], kind: str, params: dict, url: str = "") -> list[Notification]:
    """An inbox entry per user (a kind registered in notifications.texts and its parameters, worded in the
    reader's language), and an email to those with an address once the transaction commits (through the
    outbox: a broker that is down delays the mail, it neither fails the request nor loses the mail)."""
    created = Notification.objects.bulk_create(
        Notification(user=user, kind=kind, params=params, url=url) for user in users
    )
    outbox.enqueue_on_commit(send_notification_email, [n.pk for n in created if n.user.email])
    return created


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
