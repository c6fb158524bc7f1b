from __future__ import annotations

from django.contrib.auth.models import AbstractUser


def person_name(user: AbstractUser | None) -> str:
    """A user's name in Vietnamese order (family name first), or the login when no name is set."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()
