"""Reading working sessions: who sees which, and whether their minutes are late."""

import datetime

from django.conf import settings
from django.utils import timezone

from communes import access
from core import outbox

from .models import RENDERING, Meeting
from .tasks import render_minutes


def meetings_visible_to(user):
    """Sessions of communes the user reaches with a role that may read minutes (others: 404)."""
    return access.scope_by_action(Meeting.objects.all(), user, "meeting.view", unit_field="commune")


def minutes_overdue(meeting, now=None):
    """Minutes still pending or stale longer than a render takes: the meeting page offers a retry."""
    if meeting.pdf_state not in RENDERING:
        return False
    now = now or timezone.now()
    patience = now - datetime.timedelta(seconds=settings.OUTBOX_RENDER_PATIENCE_SECONDS)
    requested = outbox.requested_at(render_minutes.name, meeting.pk)
    return requested is None or requested <= patience
