"""Reading working sessions: who sees which, and whether their minutes are late."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from communes import access
from core import outbox

from .models import RENDERING, Meeting
from .tasks import render_minutes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


def meetings_visible_to(user: User | AnonymousUser) -> QuerySet[Meeting]:
    """Sessions of communes the user reaches with a role that may read minutes (others: 404)."""
    return access.scope_by_action(Meeting.objects.all(), user, "meeting.view", unit_field="commune")


def minutes_overdue(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Minutes still pending or stale longer than a render takes: the meeting page offers a retry."""
    if meeting.pdf_state not in RENDERING:
        return False
    now = now or timezone.now()
    patience = now - datetime.timedelta(seconds=settings.OUTBOX_RENDER_PATIENCE_SECONDS)
    requested = outbox.requested_at(render_minutes.name, meeting.pk)
    return requested is None or requested <= patience
