"""Deadline reminders: who is due a reminder today, and sending each one exactly once.

Every reminder is first stored as a row (unit, period, kind, channel) that the database keeps unique;
a sender claims a row with a conditional UPDATE before delivering it, so a second run, a retry or a
second worker never sends it again. A sender that crashed after claiming leaves a stale claim,
which is taken over after REMINDER_CLAIM_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from communes.models import AdministrativeUnit, Membership, Role
from communes.selectors import users_with_role_over
from notifications.services import notify

from .channels import CHANNELS, enabled_channels
from .models import MonthlyReport, PeriodDeadline, Reminder, ReminderKind, ReminderState, ReportingPeriod, ReportStatus
from .selectors import communes_reporting_in, deadline_for, deadlines_for

DONE_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


@dataclass
class PlannedReminder:
    unit: AdministrativeUnit
    period: ReportingPeriod
    kind: str
    late_communes: tuple = ()


def _kinds_by_offset() -> dict[int, str]:
    return {offset: kind for kind, offset in settings.REMINDER_OFFSETS.items()}


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def candidate_periods(today: datetime.date) -> list[ReportingPeriod]:
    """The periods where some commune's deadline (the default or one set by an office) falls in the window
    of the configured offsets around `today`."""
    offsets = _kinds_by_offset()
    # Deadlines are datetimes: widen by a day on each side; each commune's local date is compared in `plan`.
    low = today + datetime.timedelta(days=min(offsets) - 1)
    high = today + datetime.timedelta(days=max(offsets) + 1)
    moved = PeriodDeadline.objects.filter(deadline__date__gte=low, deadline__date__lte=high).values("period_id")
    return list(ReportingPeriod.objects.filter(Q(deadline__date__gte=low, deadline__date__lte=high) | Q(pk__in=moved)))


def missing_communes(period: ReportingPeriod) -> QuerySet[AdministrativeUnit]:
    """Communes that must report in the period (`communes_reporting_in`) and have not submitted it."""
    done = MonthlyReport.objects.filter(period=period, status__in=DONE_STATUSES).values("commune_id")
    return communes_reporting_in(period).exclude(pk__in=done).select_related("parent").order_by("path")


def _office_units() -> list[AdministrativeUnit]:
    return list({m.unit for m in Membership.objects.filter(role=Role.OFFICE).select_related("unit")})


def plan(today: datetime.date) -> list[PlannedReminder]:
    """Every reminder due on `today` (not yet stored): each commune on its own T-5/T-2/T-0/overdue days,
    counted from its deadline (`deadlines_for`); each office its digest on the overdue day of the deadline
    at its unit, listing the communes below it whose deadline has passed."""
    offsets = _kinds_by_offset()
    planned = []
    for period in candidate_periods(today):
        communes = list(missing_communes(period))
        deadlines = deadlines_for(communes, period)
        for commune in communes:
            kind = offsets.get((_local_date(deadlines[commune.pk]) - today).days)
            if kind:
                planned.append(PlannedReminder(commune, period, kind))
        offices = _office_units()
        office_deadlines = deadlines_for(offices, period)
        for office in sorted(offices, key=lambda unit: unit.path):
            if offsets.get((_local_date(office_deadlines[office.pk]) - today).days) != ReminderKind.OVERDUE:
                continue
            late = tuple(c for c in communes if c.path.startswith(office.path) and _local_date(deadlines[c.pk]) < today)
            if late:
                planned.append(PlannedReminder(office, period, ReminderKind.DIGEST, late))
    return planned


def store(planned: Iterable[PlannedReminder], today: datetime.date) -> None:
    """Create the reminder rows (one per channel); rows that exist already are left alone."""
    rows = [
        Reminder(unit=p.unit, period=p.period, kind=p.kind, channel=channel.name, due_on=today)
        for p in planned
        for channel in enabled_channels()
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def claimable(now: datetime.datetime | None = None) -> QuerySet[Reminder]:
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    return Reminder.objects.filter(
        Q(state=ReminderState.PENDING, next_attempt_at__isnull=True)
        | Q(state=ReminderState.PENDING, next_attempt_at__lte=now)
        | Q(state=ReminderState.SENDING, claimed_at__lt=stale)
    )


def claim(reminder_id: int, now: datetime.datetime | None = None) -> bool:
    """Take the reminder for sending; False when another sender has it or it is done."""
    now = now or timezone.now()
    return bool(claimable(now).filter(pk=reminder_id).update(state=ReminderState.SENDING, claimed_at=now))


def message_for(reminder: Reminder) -> dict[str, Any]:
    """The reminder's content as plain values (stored with an inbox entry, worded per reader).

    Days are counted from the reminder's own day (the run's date), never from the clock.
    """
    period = reminder.period
    deadline = deadline_for(reminder.unit, period)  # the commune's own; for a digest, the office unit's
    days_left = (_local_date(deadline) - reminder.due_on).days
    message = {
        "template": "reports/email/reminder",
        "kind": reminder.kind,
        "unit": {"name": reminder.unit.name},
        "period": str(period),
        "deadline": deadline.isoformat(),
        "days_left": days_left,
        "days_overdue": -days_left,
        "path": reverse("reports:report_list"),
    }
    if reminder.kind == ReminderKind.DIGEST:
        below = list(missing_communes(period).filter(path__startswith=reminder.unit.path))
        deadlines = deadlines_for(below, period)
        late = [c for c in below if _local_date(deadlines[c.pk]) < reminder.due_on]
        silent = {c.pk for c in late if not CHANNELS["email"].recipients(c, ReminderKind.T0)}
        message.update(
            template="reports/email/digest",
            late=[{"name": c.name, "silent": c.pk in silent} for c in late],
            path=reverse("reports:report_list") + f"?year={period.year}&month={period.month}",
        )
    else:
        returned = MonthlyReport.objects.filter(
            commune=reminder.unit, period=period, status=ReportStatus.RETURNED
        ).first()
        if returned:
            message["returned_reason"] = returned.review_comment
    message["link"] = settings.SITE_URL + message["path"]
    return message


def send(reminder_id: int, now: datetime.datetime | None = None) -> str | None:
    """Deliver one claimed-or-claimable reminder. Returns the final state (or None if not ours)."""
    now = now or timezone.now()
    if not claim(reminder_id, now):
        return None
    reminder = Reminder.objects.select_related("unit", "period").get(pk=reminder_id)
    channel = CHANNELS[reminder.channel]
    if reminder.kind != ReminderKind.DIGEST and _has_submitted(reminder.unit_id, reminder.period):
        return _finish(reminder, ReminderState.CANCELLED, now)  # submitted since the reminder was planned
    recipients = channel.recipients(reminder.unit, reminder.kind)
    reminder.recipients = ", ".join(u.email if channel.name == "email" else u.username for u in recipients)
    if not recipients:
        with transaction.atomic():
            _tell_office_nobody_to_remind(reminder)
            return _finish(reminder, ReminderState.NO_RECIPIENT, now)
    try:
        with transaction.atomic():
            channel.deliver(recipients=recipients, message=message_for(reminder))
            state = _finish(reminder, ReminderState.SENT, now)
    except OSError as error:  # SMTP and socket errors are OSErrors
        return _retry_later(reminder, error, now)
    return state


def _has_submitted(commune_id: int, period: ReportingPeriod) -> bool:
    """One indexed lookup (not `missing_communes`, which reads every commune that must report)."""
    return MonthlyReport.objects.filter(commune_id=commune_id, period=period, status__in=DONE_STATUSES).exists()


def _tell_office_nobody_to_remind(reminder: Reminder) -> None:
    """A commune nobody can be reminded in is reported to its office (once per period)."""
    if reminder.kind == ReminderKind.DIGEST:
        return
    already = Reminder.objects.filter(
        unit=reminder.unit, period=reminder.period, state=ReminderState.NO_RECIPIENT
    ).exists()
    if already:
        return
    notify(
        users=users_with_role_over(reminder.unit, Role.OFFICE),
        kind="no_recipient",
        params={"commune": reminder.unit.name, "period": str(reminder.period)},
        url=reverse("reports:report_list"),
    )


def _finish(reminder: Reminder, state: str, now: datetime.datetime) -> str:
    reminder.state = state
    reminder.sent_at = now if state == ReminderState.SENT else None
    reminder.save(update_fields=["state", "sent_at", "recipients"])
    return state


def _retry_later(reminder: Reminder, error: OSError, now: datetime.datetime) -> str:
    reminder.attempts += 1
    reminder.last_error = f"{error.__class__.__name__}: {error}"[:2000]
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        reminder.state, reminder.next_attempt_at = ReminderState.FAILED, None
    else:
        reminder.state = ReminderState.PENDING
        reminder.next_attempt_at = now + datetime.timedelta(minutes=5 * 2 ** (reminder.attempts - 1))
    reminder.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "recipients"])
    return reminder.state


def run(
    today: datetime.date | None = None,
    *,
    dry_run: bool = False,
    deliver: Callable[[list[int]], object] | None = None,
) -> tuple[list[PlannedReminder], list[int] | list[tuple[int, str | None]]]:
    """The daily job: plan and store today's reminders, then send every claimable one.

    `deliver(ids)` hands the sending to someone else (the Celery task queues one task per id);
    by default they are sent here, synchronously.
    """
    today = today or timezone.localdate()
    planned = plan(today)
    if dry_run:
        return planned, []
    store(planned, today)
    ids = list(claimable().values_list("pk", flat=True))
    if deliver:
        deliver(ids)
        return planned, ids
    return planned, [(pk, send(pk)) for pk in ids]
