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
from .models import MonthlyReport, Reminder, ReminderKind, ReminderState, ReportingPeriod, ReportStatus
from .selectors import communes_reporting_in

DONE_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


@dataclass
class PlannedReminder:
    unit: AdministrativeUnit
    period: ReportingPeriod
    kind: str
    late_communes: tuple = ()


def _kinds_by_offset() -> dict[int, str]:
    return {offset: kind for kind, offset in settings.REMINDER_OFFSETS.items()}


def _local_deadline_date(period: ReportingPeriod) -> datetime.date:
    return timezone.localtime(period.deadline).date()


def due_periods(today: datetime.date) -> list[tuple[ReportingPeriod, str]]:
    """(period, kind) pairs whose reminder day is `today`, from the configured offsets."""
    offsets = _kinds_by_offset()
    low, high = today + datetime.timedelta(days=min(offsets)), today + datetime.timedelta(days=max(offsets))
    # The deadline is a datetime; widen by a day on each side and compare local dates in Python.
    candidates = ReportingPeriod.objects.filter(
        deadline__date__gte=low - datetime.timedelta(days=1), deadline__date__lte=high + datetime.timedelta(days=1)
    )
    pairs = []
    for period in candidates:
        kind = offsets.get((_local_deadline_date(period) - today).days)
        if kind:
            pairs.append((period, kind))
    return pairs


def missing_communes(period: ReportingPeriod) -> QuerySet[AdministrativeUnit]:
    """Communes that must report in the period (`communes_reporting_in`) and have not submitted it."""
    done = MonthlyReport.objects.filter(period=period, status__in=DONE_STATUSES).values("commune_id")
    return communes_reporting_in(period).exclude(pk__in=done).select_related("parent").order_by("path")


def _offices_over(communes: Iterable[AdministrativeUnit]) -> dict[AdministrativeUnit, list[AdministrativeUnit]]:
    """{office unit: [its late communes]} for every unit with an office membership above them."""
    offices = {}
    units = {m.unit for m in Membership.objects.filter(role=Role.OFFICE).select_related("unit")}
    for commune in communes:
        for unit in units:
            if commune.path.startswith(unit.path):
                offices.setdefault(unit, []).append(commune)
    return offices


def plan(today: datetime.date) -> list[PlannedReminder]:
    """Every reminder due on `today` (not yet stored)."""
    planned = []
    for period, kind in due_periods(today):
        communes = list(missing_communes(period))
        planned += [PlannedReminder(commune, period, kind) for commune in communes]
        if kind == ReminderKind.OVERDUE:
            for office, late in _offices_over(communes).items():
                planned.append(PlannedReminder(office, period, ReminderKind.DIGEST, tuple(late)))
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
    days_left = (_local_deadline_date(period) - reminder.due_on).days
    message = {
        "template": "reports/email/reminder",
        "kind": reminder.kind,
        "unit": {"name": reminder.unit.name},
        "period": str(period),
        "deadline": period.deadline.isoformat(),
        "days_left": days_left,
        "days_overdue": -days_left,
        "path": reverse("reports:report_list"),
    }
    if reminder.kind == ReminderKind.DIGEST:
        late = list(missing_communes(period).filter(path__startswith=reminder.unit.path))
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
    if reminder.kind != ReminderKind.DIGEST and not missing_communes(reminder.period).filter(pk=reminder.unit_id):
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
