from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def inbox_of(user: User, limit: int = 100) -> QuerySet[Notification]:
    """The user's latest inbox entries, newest first (a user reads only their own)."""
    return Notification.objects.filter(user=user)[:limit]


def language_of(user: AbstractBaseUser) -> str:
    """The language the user chose for the portal and its mails (communes.Profile), else the default."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE
