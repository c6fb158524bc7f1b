"""Reads of the reporting loop, always scoped to what the asking user may see."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from communes import access
from communes.models import AdministrativeUnit, UnitLevel
from communes.selectors import existing_between_q
from criteria.models import Enrolment, IndicatorTarget
from criteria.selectors import applying_enrolment_id
from inspections.selectors import open_shortcomings

from .models import (
    IndicatorStatus,
    MonthlyReport,
    PeriodDeadline,
    ReportingPeriod,
    ReportStatus,
    applying_deadlines,
    path_prefixes,
)
from .services import period_current

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_stubs_ext import StrOrPromise

    from criteria.models import Criterion

    # A recorded change: (when, who, what, field label, old value, new value).
    Change = tuple[datetime.datetime, User | None, str, StrOrPromise, Any, Any]


def reports_visible_to(user: User | AnonymousUser) -> QuerySet[MonthlyReport]:
    return access.scope_by_unit(MonthlyReport.objects.all(), user, unit_field="commune")


def get_report(user: User | AnonymousUser, pk: int, action: str = "unit.view") -> MonthlyReport:
    """The report if the user may see it (else 404) and may do `action` on it (else 403)."""
    report = (
        reports_visible_to(user)
        .select_related("commune", "commune__parent", "period", "criteria_set", "submitted_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    access.check(user, action, report.commune)
    return report


def report_statuses(report: MonthlyReport, departments: set[str] | None = None) -> list[IndicatorStatus]:
    """The report's statuses in order, each with `.target` (for the commune's zone) attached."""
    statuses: QuerySet[IndicatorStatus] | list[IndicatorStatus]  # the query, then the list it reads
    statuses = IndicatorStatus.objects.filter(report=report).select_related("indicator", "indicator__criterion")
    statuses = access.limit_to_sectors(statuses, departments)
    statuses = list(
        statuses.prefetch_related(
            Prefetch("indicator__targets", queryset=IndicatorTarget.objects.all()), "evidence"
        ).order_by("indicator__criterion__number", "indicator__position")
    )
    for status in statuses:
        status.target = status.indicator.target_for(report.zone)  # type: ignore[attr-defined]  # for the page
    return statuses


def zone_unmatched(statuses: Iterable[IndicatorStatus]) -> list[str]:
    """Codes of the sub-criteria (of `report_statuses`) that have targets, but none for the report's
    zone: the commune is enrolled without a zone its set defines, so they cannot be judged."""
    return [s.indicator.code for s in statuses if s.target is None and s.indicator.targets.all()]  # type: ignore[attr-defined]


def reports_of_commune(commune: AdministrativeUnit) -> QuerySet[MonthlyReport]:
    return (
        MonthlyReport.objects.filter(commune=commune)
        .select_related("period")
        .order_by("-period__year", "-period__month")
    )


def communes_reporting_in(
    period: ReportingPeriod, *, within: AdministrativeUnit | None = None
) -> QuerySet[AdministrativeUnit]:
    """The communes that must report in `period` (below `within`, when given): the commune-level units in
    existence during the month (a commune abolished before it, or created after it, does not report),
    each with an enrolment applying then, whose id is annotated as `applying_enrolment`.

    The one answer to "who must report in P": reminders, late counts, dashboards, the period overview and
    the home pages all ask here, so a merger or a new criteria set never changes what an earlier period
    shows."""
    first, last = period.first_day, period.last_day
    communes = AdministrativeUnit.objects.filter(existing_between_q(first, last), level=UnitLevel.COMMUNE)
    if within is not None:
        communes = communes.filter(path__startswith=within.path)
    return communes.annotate(applying_enrolment=applying_enrolment_id(first, last)).filter(
        applying_enrolment__isnull=False
    )


def enrolments_reporting_in(
    period: ReportingPeriod,
    *,
    within: AdministrativeUnit | None = None,
    among: QuerySet[AdministrativeUnit] | None = None,
) -> list[Enrolment]:
    """The enrolment of each commune that must report in `period` (`communes_reporting_in`), restricted to
    `among` when given, with its commune and set, ordered by district and commune name. One query."""
    communes = communes_reporting_in(period, within=within)
    if among is not None:
        communes = communes.filter(pk__in=among.values("pk"))
    applying = communes.values("applying_enrolment")  # type: ignore[misc]  # annotated by communes_reporting_in
    return list(
        Enrolment.objects.filter(pk__in=applying)
        .select_related("commune", "commune__parent", "criteria_set")
        .order_by("commune__parent__name", "commune__name", "commune_id")
    )


def period_overview(
    user: User | AnonymousUser, period: ReportingPeriod
) -> list[tuple[AdministrativeUnit, MonthlyReport | None]]:
    """Each commune the user sees that must report in the period, with its report (or None), by name."""
    enrolments = enrolments_reporting_in(period, among=access.communes_visible_to(user))
    communes = [e.commune for e in enrolments]
    reports = {
        r.commune_id: r for r in MonthlyReport.objects.filter(period=period, commune__in=[c.pk for c in communes])
    }
    return [(commune, reports.get(commune.pk)) for commune in communes]


def period_from_query(query: Mapping[str, str], default: ReportingPeriod | None = None) -> ReportingPeriod:
    """The period a page's query string asks for ("period=2021-4", or "year=2021&month=4"), when it exists;
    else `default`, or the current one. Anything malformed is the default, never an error."""
    year, month = query.get("year", ""), query.get("month", "")
    if "period" in query:  # the period picker without JavaScript sends "2021-4"
        year, _sep, month = query["period"].partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        period = ReportingPeriod.objects.filter(year=int(year), month=int(month)).first()
        if period:
            return period
    return default or period_current()


def roles_ended_on(user: User | AnonymousUser) -> datetime.date | None:
    """The day the user's roles ended, when every one has (they read, and act on nothing); else None."""
    memberships = access.memberships_of(user)
    if not memberships or access.acting_memberships_of(user):
        return None
    return max(m.valid_until for m in memberships if m.valid_until)


def period_for_reader(user: User | AnonymousUser) -> ReportingPeriod | None:
    """The period a reader's pages open on when the query names none: for someone whose roles have all
    ended, the last one their units reported in (today's would be empty); else None (the current one)."""
    ended_on = roles_ended_on(user)
    if ended_on is None:
        return None
    return last_reported_period([m.unit for m in access.memberships_of(user)], until=ended_on)


def last_reported_period(units: Iterable[AdministrativeUnit], until: datetime.date) -> ReportingPeriod | None:
    """The latest period, begun by `until`, in which a commune at or under one of `units` has a report: where
    the pages of a unit that has ended (or of people whose roles have) open, instead of an empty month."""
    within = Q(pk__in=[])
    for unit in units:
        within |= Q(reports__commune__path__startswith=unit.path)
    begun = Q(year__lt=until.year) | Q(year=until.year, month__lte=until.month)
    return ReportingPeriod.objects.filter(within, begun).order_by("-year", "-month").first()


def recent_periods(limit: int = 24) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.order_by("-year", "-month")[:limit]


def picker_periods(selected: ReportingPeriod, limit: int = 24) -> list[ReportingPeriod]:
    """The periods a period picker offers: the latest `limit`, and the one shown when it is older (a unit
    that ended years ago opens on its last month: the picker must say so)."""
    periods = list(recent_periods(limit))
    if selected.pk not in {p.pk for p in periods}:
        periods.append(selected)
    return periods


def deadline_for(commune: AdministrativeUnit, period: ReportingPeriod) -> datetime.datetime:
    """The deadline that applies to `commune` in `period`: the one set by the office of the nearest unit at
    or above it (a district office's beats the province's), else the period's default (the 25th)."""
    return period.deadline_for(commune)


def deadlines_for(communes: Iterable[AdministrativeUnit], period: ReportingPeriod) -> dict[int, datetime.datetime]:
    """{commune id: its deadline in `period`} (`deadline_for`) for a list, in one query."""
    rows = applying_deadlines([period], communes)
    return {unit_id: row.deadline if row else period.deadline for (_p, unit_id), row in rows.items()}


def attach_deadlines(reports: Sequence[MonthlyReport]) -> None:
    """Set each report's `deadline` (its commune's, `deadline_for`) in one query per period, for lists."""
    by_period: dict[int, list[MonthlyReport]] = {}
    for report in reports:
        by_period.setdefault(report.period_id, []).append(report)
    for same_period in by_period.values():
        period = same_period[0].period
        deadlines = deadlines_for([r.commune for r in same_period], period)
        for report in same_period:
            report.deadline = deadlines[report.commune_id]


@dataclass
class DeadlineChange:
    """One recorded change of a deadline set by an office: who, when, old → new (None: removed), why."""

    at: datetime.datetime
    by: User | None
    period: ReportingPeriod
    unit: AdministrativeUnit
    old: datetime.datetime
    new: datetime.datetime | None
    reason: str


def deadline_changes(user: User | AnonymousUser, periods: Iterable[ReportingPeriod]) -> list[DeadlineChange]:
    """Every recorded change of the deadlines of `periods` set at a unit the user reaches, or above one of
    their units (the province's deadline applies to a district's communes), newest first. One query.

    A first deadline at a unit replaces the one that applied there before, shown as the period's default."""
    by_id = {p.pk: p for p in periods}
    memberships = access.memberships_of(user)
    above = {prefix for m in memberships for prefix in path_prefixes(m.unit.path)}
    records = (
        PeriodDeadline.history.filter(period_id__in=list(by_id))
        .filter(Q(unit__in=access.units_visible_to(user)) | Q(unit__path__in=above))
        .select_related("unit", "set_by", "history_user")
        .order_by("history_date", "history_id")
    )
    changes, previous = [], {}
    for record in records:
        period = by_id[record.period_id]
        before = previous.get(record.id)
        old = before.deadline if before is not None else period.deadline
        new = None if record.history_type == "-" else record.deadline
        changes.append(
            DeadlineChange(
                at=record.history_date,
                by=record.set_by or record.history_user,
                period=period,
                unit=record.unit,
                old=old,
                new=new,
                reason=record.reason,
            )
        )
        previous[record.id] = record
    return changes[::-1]


def applying_deadline_rows(
    units: Sequence[AdministrativeUnit], periods: Sequence[ReportingPeriod]
) -> dict[tuple[int, int], PeriodDeadline | None]:
    """{(period id, unit id): the deadline set for the unit in the period (None: the default)}, one query:
    what the period page shows for an office's own units."""
    return applying_deadlines(periods, units)


REPORT_TRACKED = ("status", "submitted_at", "is_late", "review_comment", "criteria_met", "indicators_met")
STATUS_TRACKED = ("value", "text_value", "declared_met", "met", "note", "responsible_person", "planned_date")


def _diffs(records: Iterable[Any], fields: Iterable[str], describe: Callable[[Any], str]) -> list[Change]:
    """Consecutive history records of each object → [(when, who, what, field label, old, new)]."""
    changes, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        for field in fields:
            new = getattr(record, field)
            old = getattr(before, field) if before else None
            if before is None and new in (None, ""):
                continue
            if before is None or old != new:
                label = record.instance._meta.get_field(field).verbose_name
                changes.append((record.history_date, record.history_user, describe(record), label, old, new))
        previous[record.id] = record
    return changes


def report_changes(report: MonthlyReport, departments: set[str] | None = None) -> list[Change]:
    """Every recorded change to the report and its sub-criteria, newest first."""
    report_records = (
        MonthlyReport.history.filter(id=report.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    status_records = (
        IndicatorStatus.history.filter(report_id=report.pk)
        .select_related("history_user", "indicator", "indicator__criterion")
        .order_by("history_date", "history_id")
    )
    status_records = access.limit_to_sectors(status_records, departments)
    changes = _diffs(report_records, REPORT_TRACKED, lambda r: str(report.period))
    changes += _diffs(status_records, STATUS_TRACKED, lambda r: r.indicator.code)
    return sorted(changes, key=lambda c: c[0], reverse=True)


def latest_report(commune: AdministrativeUnit) -> MonthlyReport | None:
    return (
        MonthlyReport.objects.filter(commune=commune)
        .select_related("period", "criteria_set")
        .order_by("-period__year", "-period__month")
        .first()
    )


def standings(communes: Iterable[AdministrativeUnit], as_of: ReportingPeriod | None = None) -> dict[int, MonthlyReport]:
    """Where each commune stands now, by commune id: its latest accepted report, else its latest submitted
    one (awaiting review), with its period and set; a commune with neither is missing. With `as_of`, only
    reports of that period and earlier count: a dashboard of a past month shows where each commune stood
    then. Three queries whatever the number of communes. Pages show it beside the current period's
    progress, so that no page is empty at the start of a month."""
    until = Q()
    if as_of is not None:
        until = Q(period__year__lt=as_of.year) | Q(period__year=as_of.year, period__month__lte=as_of.month)

    def latest(status: str) -> Subquery:
        reports = MonthlyReport.objects.filter(until, commune=OuterRef("pk"), status=status)
        return Subquery(reports.order_by("-period__year", "-period__month").values("pk")[:1])

    ids = [c.pk for c in communes]
    rows = (
        AdministrativeUnit.objects.filter(pk__in=ids)
        .annotate(accepted=latest(ReportStatus.ACCEPTED), submitted=latest(ReportStatus.SUBMITTED))
        .values_list("pk", "accepted", "submitted")
    )
    chosen = {pk: accepted or submitted for pk, accepted, submitted in rows if accepted or submitted}
    reports = MonthlyReport.objects.select_related("period", "criteria_set").in_bulk(list(chosen.values()))
    return {pk: reports[report_id] for pk, report_id in chosen.items()}


def unmet_criteria(report: MonthlyReport, departments: set[str] | None = None) -> list[Criterion]:
    """Criteria of the report with at least one sub-criterion not met (or not answered); for a department
    (`departments`, see access.sector_departments) one of its own sub-criteria."""
    statuses = IndicatorStatus.objects.filter(report=report).select_related("indicator__criterion")
    statuses = access.limit_to_sectors(statuses, departments)
    unmet = {}
    for status in statuses:
        if status.met is not True:
            unmet.setdefault(status.indicator.criterion.number, status.indicator.criterion)
    return [unmet[n] for n in sorted(unmet)]


def disputed_pairs(reports: Sequence[MonthlyReport]) -> set[tuple[int, int]]:
    """{(commune id, indicator id)}: sub-criteria a report declares met while an inspection found a
    shortcoming not yet resolved by the office ("disputed by inspection"). Two queries at most."""
    pairs = open_shortcomings([r.commune_id for r in reports])
    if not pairs:
        return set()
    communes = {commune for commune, _indicator in pairs}
    commune_of = {r.pk: r.commune_id for r in reports if r.commune_id in communes}
    met = (
        IndicatorStatus.objects.filter(
            report_id__in=commune_of, met=True, indicator_id__in={indicator for _commune, indicator in pairs}
        )
        .order_by()
        .values_list("report_id", "indicator_id")
    )
    return pairs & {(commune_of[report], indicator) for report, indicator in met}


def accepted_standings(
    communes: Iterable[AdministrativeUnit],
) -> dict[int, tuple[MonthlyReport, MonthlyReport | None]]:
    """{commune id: (its latest accepted report, the accepted one before it or None)}: the standing a
    leader reads ("đạt X/N") and its trend. Communes without an accepted report are missing. Two queries
    whatever the number of communes."""

    def accepted(offset: int) -> Subquery:
        reports = MonthlyReport.objects.filter(commune=OuterRef("pk"), status=ReportStatus.ACCEPTED)
        return Subquery(reports.order_by("-period__year", "-period__month").values("pk")[offset : offset + 1])

    rows = list(
        AdministrativeUnit.objects.filter(pk__in=[c.pk for c in communes])
        .annotate(latest=accepted(0), before=accepted(1))
        .values_list("pk", "latest", "before")
    )
    ids = [pk for _c, latest, before in rows for pk in (latest, before) if pk]
    reports = MonthlyReport.objects.select_related("period", "criteria_set").in_bulk(ids)
    return {pk: (reports[latest], reports.get(before) if before else None) for pk, latest, before in rows if latest}


def reports_awaiting_review(user: User | AnonymousUser) -> QuerySet[MonthlyReport]:
    """Submitted reports not yet reviewed, of every period, at the communes where the user may review
    (a current office membership) that exist today, oldest period first, then first submitted first.
    (A commune merged away is nobody's work queue: its old reports stay readable on its page.)"""
    reviewable = access.scope_by_action(MonthlyReport.objects.all(), user, "report.review", unit_field="commune")
    today = timezone.localdate()
    return (
        reviewable.filter(existing_between_q(today, today, prefix="commune__"), status=ReportStatus.SUBMITTED)
        .select_related("commune", "commune__parent", "period")
        .order_by("period__year", "period__month", "submitted_at", "pk")
    )


def reports_needing_action(communes: Iterable[AdministrativeUnit]) -> QuerySet[MonthlyReport]:
    """The communes' returned and draft reports of every period, oldest period first: what their
    officials must finish before anything else."""
    return (
        MonthlyReport.objects.filter(
            commune__in=[c.pk for c in communes], status__in=(ReportStatus.RETURNED, ReportStatus.DRAFT)
        )
        .select_related("commune", "period")
        .order_by("period__year", "period__month", "pk")
    )


# --- What the office reviews: the changes since the previous month and since the return -----------------

COMPARED = ("value", "text_value", "declared_met", "met")  # what a sub-criterion's result is made of


def previous_report(report: MonthlyReport) -> MonthlyReport | None:
    """The commune's report of the nearest earlier period, if any."""
    return (
        MonthlyReport.objects.filter(commune_id=report.commune_id)
        .filter(
            Q(period__year__lt=report.period.year)
            | Q(period__year=report.period.year, period__month__lt=report.period.month)
        )
        .select_related("period")
        .order_by("-period__year", "-period__month")
        .first()
    )


def changed_since(statuses: Iterable[IndicatorStatus], before: Mapping[str, IndicatorStatus | Any]) -> dict[int, Any]:
    """{status id: the earlier row (a status, or a history record)} for the statuses whose result differs from
    `before` ({indicator code: earlier row}); a sub-criterion absent before is not a change."""
    changed = {}
    for status in statuses:
        earlier = before.get(status.indicator.code)
        if earlier is not None and any(getattr(status, f) != getattr(earlier, f) for f in COMPARED):
            changed[status.pk] = earlier
    return changed


def changes_since_previous(
    report: MonthlyReport, statuses: Sequence[IndicatorStatus]
) -> tuple[MonthlyReport | None, dict[int, Any]]:
    """(the previous month's report, {status id: its row there}) for the sub-criteria of `statuses` whose
    result changed since that report; matched by code (a new set keeps its codes)."""
    previous = previous_report(report)
    if previous is None:
        return None, {}
    rows = IndicatorStatus.objects.filter(report=previous).select_related("indicator")
    return previous, changed_since(statuses, {row.indicator.code: row for row in rows})


def last_return_at(report: MonthlyReport) -> datetime.datetime | None:
    """When the office last returned the report (None: never)."""
    event = report.events.filter(action="return").order_by("-at", "-id").first()
    return event.at if event is not None else None


def changes_since_return(report: MonthlyReport, statuses: Sequence[IndicatorStatus]) -> dict[int, Any]:
    """{status id: its recorded state when the report was last returned} for the sub-criteria of `statuses`
    changed since; empty when the report was never returned or is still with the commune."""
    returned = last_return_at(report)
    if returned is None or report.is_editable:
        return {}
    at_return = {}
    records = IndicatorStatus.history.filter(report_id=report.pk, history_date__lte=returned).order_by(
        "history_date", "history_id"
    )
    codes = {s.pk: s.indicator.code for s in statuses}
    for record in records:
        if record.id in codes:
            at_return[codes[record.id]] = record  # the last one before the return wins
    return changed_since(statuses, at_return)
