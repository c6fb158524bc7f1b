"""Deadline reminders: who is due a reminder today, and sending each one exactly once.

Every reminder is first stored as a row (unit, period, kind, channel) that the database keeps unique;
a sender claims a row with a conditional UPDATE before delivering it, so a second run, a retry or a
second worker never sends it again. A sender that crashed after claiming leaves a stale claim,
which is taken over after REMINDER_CLAIM_TIMEOUT_SECONDS. Reminders are sent in batches (`send_batch`):
what a batch shares is read once, its mails go over one connection, and each reminder keeps its own
state (a mail that failed is retried later on its own).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from communes.models import AdministrativeUnit, Membership, Role
from communes.selectors import languages_of, users_with_role_over
from notifications.services import notify

from .channels import CHANNELS, Batch, enabled_channels
from .models import MonthlyReport, PeriodDeadline, Reminder, ReminderKind, ReminderState, ReportingPeriod, ReportStatus
from .selectors import communes_reporting_in, deadlines_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
    return bool(_claim(Q(pk=reminder_id), now or timezone.now()))


def _claim(which: Q, now: datetime.datetime) -> list[Reminder]:
    """Take the claimable reminders `which` for sending (with their unit and period). Rows another sender is
    claiming at this moment are skipped (locked), rows it has claimed are no longer claimable."""
    with transaction.atomic():
        claimed = list(
            claimable(now)
            .filter(which)
            .select_related("unit", "period")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        Reminder.objects.filter(pk__in=[r.pk for r in claimed]).update(state=ReminderState.SENDING, claimed_at=now)
    for reminder in claimed:
        reminder.state, reminder.claimed_at = ReminderState.SENDING, now
    return claimed


def message_for(
    reminder: Reminder, *, deadline: datetime.datetime, returned_reason: str | None = None
) -> dict[str, Any]:
    """The reminder's content as plain values (stored with an inbox entry, worded per reader). `deadline`:
    its unit's (the commune's own; for a digest, the office unit's); `returned_reason`: the reason its
    commune's report was returned, when it was.

    Days are counted from the reminder's own day (the run's date), never from the clock.
    """
    period = reminder.period
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
        officials = officials_of(late)
        message.update(
            template="reports/email/digest",
            late=[{"name": c.name, "silent": not any(u.email for u in officials[c.pk])} for c in late],
            path=reverse("reports:report_list") + f"?year={period.year}&month={period.month}",
        )
    elif returned_reason is not None:
        message["returned_reason"] = returned_reason
    message["link"] = settings.SITE_URL + message["path"]
    return message


# A sending task delivers a batch: the reminders whose ids fall in one block of BATCH_SIZE ids (a daily run's
# rows are stored together, so a batch is mostly one period's communes). The outbox keeps an entry per
# reminder and hands over one task per batch (`batch_of` is registered with it in reports.tasks).
BATCH_SIZE = 100


def batch_of(reminder_id: int) -> int:
    return reminder_id // BATCH_SIZE


def send_batch(reminder_id: int, now: datetime.datetime | None = None) -> dict[int, str]:
    """Deliver every claimable reminder of the batch of `reminder_id`. Returns {id: final state} of those
    it claimed (the others were done, or another sender has them)."""
    first = batch_of(reminder_id) * BATCH_SIZE
    return _send(Q(pk__gte=first, pk__lt=first + BATCH_SIZE), now)


def send(reminder_id: int, now: datetime.datetime | None = None) -> str | None:
    """Deliver one claimable reminder (a batch of one). Returns its final state (None if not ours)."""
    return _send(Q(pk=reminder_id), now).get(reminder_id)


def _send(which: Q, now: datetime.datetime | None) -> dict[int, str]:
    """Claim the reminders `which` and deliver them; what they share (deadlines, report states, recipients
    and their languages, the mail connection) is read or opened once, so the queries do not grow with the
    batch. The states are written together at the end, with the inbox entries."""
    now = now or timezone.now()
    batch = _claim(which, now)
    if not batch:
        return {}
    submitted, returned = _report_states(batch)
    cancelled = {r.pk for r in batch if r.kind != ReminderKind.DIGEST and (r.unit_id, r.period_id) in submitted}
    live = [r for r in batch if r.pk not in cancelled]
    people = _recipients(live)
    languages = languages_of({user for users in people.values() for user in users})
    deadlines = _deadlines(live)
    messages = {}
    for reminder in live:
        recipients = people[reminder.pk]
        reminder.recipients = ", ".join(u.email if reminder.channel == "email" else u.username for u in recipients)
        if recipients:
            reason = returned.get((reminder.unit_id, reminder.period_id))
            messages[reminder.pk] = message_for(reminder, deadline=deadlines[reminder.pk], returned_reason=reason)
    batches: dict[str, Batch] = defaultdict(dict)
    for reminder in live:
        if reminder.pk in messages:
            batches[reminder.channel][reminder.pk] = (people[reminder.pk], messages[reminder.pk])
    failed = {}
    for name, channel in CHANNELS.items():
        if not channel.in_transaction:
            failed.update(channel.deliver(batches[name], languages))
    with transaction.atomic():
        _tell_offices_nobody_to_remind([r for r in live if r.pk not in messages])
        for name, channel in CHANNELS.items():
            if channel.in_transaction:
                failed.update(channel.deliver(batches[name], languages))
        for reminder in batch:
            if reminder.pk in cancelled:
                reminder.state = ReminderState.CANCELLED  # submitted since the reminder was planned
            elif reminder.pk not in messages:
                reminder.state = ReminderState.NO_RECIPIENT
            elif reminder.pk in failed:
                _retry_later(reminder, failed[reminder.pk], now)
            else:
                reminder.state, reminder.sent_at = ReminderState.SENT, now
        Reminder.objects.bulk_update(
            batch, ["state", "sent_at", "recipients", "attempts", "last_error", "next_attempt_at"]
        )
    return {r.pk: r.state for r in batch}


def _report_states(reminders: list[Reminder]) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    """Of the reminders' (unit, period): those submitted (or accepted), and each returned report's reason.
    One query, not `missing_communes`, which reads every commune that must report."""
    rows = list(
        MonthlyReport.objects.filter(
            commune_id__in={r.unit_id for r in reminders},
            period_id__in={r.period_id for r in reminders},
            status__in=(*DONE_STATUSES, ReportStatus.RETURNED),
        ).values_list("commune_id", "period_id", "status", "review_comment")
    )
    submitted = {(unit, period) for unit, period, status, _reason in rows if status in DONE_STATUSES}
    returned = {(unit, period): reason for unit, period, status, reason in rows if status == ReportStatus.RETURNED}
    return submitted, returned


def _deadlines(reminders: list[Reminder]) -> dict[int, datetime.datetime]:
    """{reminder id: the deadline of its unit (the commune's own; for a digest, the office unit's)}: one
    query per period."""
    units_by_period: dict[ReportingPeriod, list[AdministrativeUnit]] = defaultdict(list)
    for reminder in reminders:
        units_by_period[reminder.period].append(reminder.unit)
    deadlines = {
        (period.pk, unit_id): deadline
        for period, units in units_by_period.items()
        for unit_id, deadline in deadlines_for(units, period).items()
    }
    return {r.pk: deadlines[r.period_id, r.unit_id] for r in reminders}


def _recipients(reminders: list[Reminder]) -> dict[int, list[User]]:
    """{reminder id: whom its channel reaches}: the officials of the batch's communes in one query (e-mail:
    those with an address), the office's people for each digest (few) through its channel."""
    officials = officials_of([r.unit for r in reminders if r.kind != ReminderKind.DIGEST])
    people = {}
    for reminder in reminders:
        channel = CHANNELS[reminder.channel]
        if reminder.kind == ReminderKind.DIGEST:
            people[reminder.pk] = channel.recipients(reminder.unit, reminder.kind)
        else:
            people[reminder.pk] = channel.reachable(officials[reminder.unit_id])
    return people


def officials_of(communes: list[AdministrativeUnit]) -> dict[int, list[User]]:
    """{commune id: its officials, by username}: the commune's active members who are commune officials
    there or above (as `channels` reminds one commune), for many communes in one query."""
    official_at_or_above = (
        Membership.objects.filter(user=OuterRef("user"), role=Role.COMMUNE_OFFICIAL)
        .alias(member_at=ExpressionWrapper(OuterRef("unit__path"), output_field=CharField()))
        .filter(member_at__startswith=F("unit__path"))
    )
    members = (
        Membership.objects.filter(unit__in=[c.pk for c in communes], user__is_active=True)
        .filter(Exists(official_at_or_above))
        .select_related("user")
        .order_by("user__username")
    )
    officials: dict[int, dict[int, User]] = defaultdict(dict)
    for membership in members:
        officials[membership.unit_id][membership.user_id] = membership.user
    return {commune.pk: list(officials[commune.pk].values()) for commune in communes}


def _tell_offices_nobody_to_remind(reminders: list[Reminder]) -> None:
    """A commune nobody can be reminded in is reported to its office (once per period)."""
    communes = {(r.unit_id, r.period_id): r for r in reminders if r.kind != ReminderKind.DIGEST}
    if not communes:
        return
    already = set(
        Reminder.objects.filter(
            unit_id__in={unit for unit, _period in communes},
            period_id__in={period for _unit, period in communes},
            state=ReminderState.NO_RECIPIENT,
        ).values_list("unit_id", "period_id")
    )
    for key, reminder in communes.items():
        if key not in already:
            notify(
                users=users_with_role_over(reminder.unit, Role.OFFICE),
                kind="no_recipient",
                params={"commune": reminder.unit.name, "period": str(reminder.period)},
                url=reverse("reports:report_list"),
            )


def _retry_later(reminder: Reminder, error: OSError, now: datetime.datetime) -> None:
    reminder.attempts += 1
    reminder.last_error = f"{error.__class__.__name__}: {error}"[:2000]
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        reminder.state, reminder.next_attempt_at = ReminderState.FAILED, None
    else:
        reminder.state = ReminderState.PENDING
        reminder.next_attempt_at = now + datetime.timedelta(minutes=5 * 2 ** (reminder.attempts - 1))


def run(
    today: datetime.date | None = None,
    *,
    dry_run: bool = False,
    deliver: Callable[[list[int]], object] | None = None,
) -> tuple[list[PlannedReminder], list[int] | list[tuple[int, str | None]]]:
    """The daily job: plan and store today's reminders, then send every claimable one.

    `deliver(ids)` hands the sending to someone else (the Celery task queues one task per batch);
    by default they are sent here, synchronously, batch by batch.
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
    states: dict[int, str] = {}
    for first in dict.fromkeys(batch_of(pk) * BATCH_SIZE for pk in ids):
        states.update(send_batch(first))
    return planned, [(pk, states.get(pk)) for pk in ids]
