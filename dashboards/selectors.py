"""Reads behind the dashboards. Each page costs a fixed number of queries, whatever the number of
communes or months: numbers come from the summaries stored on each report, never from a query per row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from communes import access
from communes.models import AdministrativeUnit, UnitLevel
from criteria.models import CriteriaSet, Criterion, Enrolment, IndicatorTarget
from inspections.selectors import actions_of_commune, latest_findings
from reports.models import IndicatorStatus, MonthlyReport, ReportingPeriod, ReportStatus
from reports.selectors import disputed_pairs, enrolments_reporting_in, standings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_stubs_ext import StrPromise

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
# What the office sees as a commune's state for a period (symbol + label, readable without colour).
STATES = {
    "missing": ("✗", _("Chưa nộp")),
    "draft": ("✎", _("Nháp")),
    "on_time": ("➜", _("Đã nộp đúng hạn")),
    "late": ("⏱", _("Nộp trễ")),
    "returned": ("↩", _("Bị trả lại")),
    "accepted": ("✓", _("Đã duyệt")),
}


def state_of(report: MonthlyReport | None) -> str:
    if report is None:
        return "missing"
    if report.status == ReportStatus.SUBMITTED:
        return "late" if report.is_late else "on_time"
    return report.status


@dataclass
class OverviewRow:
    commune: AdministrativeUnit
    enrolment: Enrolment
    report: MonthlyReport | None
    previous: MonthlyReport | None
    disputed: int = 0
    # Where the commune stood at the end of the period (reports.selectors.standings with as_of): its latest
    # accepted report, else its latest submitted one, of this period or an earlier one.
    standing: MonthlyReport | None = None

    @property
    def state(self) -> str:
        return state_of(self.report)

    @property
    def state_symbol(self) -> str:
        return STATES[self.state][0]

    @property
    def state_label(self) -> StrPromise:
        return STATES[self.state][1]

    @property
    def shows_numbers(self) -> bool:
        return self.report is not None and self.report.status != ReportStatus.DRAFT

    def change(self, attribute: str) -> int | None:
        if not (self.shows_numbers and self.previous and self.previous.status != ReportStatus.DRAFT):
            return None
        if self.previous.criteria_set_id != self.report.criteria_set_id:  # type: ignore[union-attr]
            return None  # counts of two different sets do not compare
        return getattr(self.report, attribute) - getattr(self.previous, attribute)  # type: ignore[no-any-return]

    @property
    def criteria_change(self) -> int | None:
        return self.change("criteria_met")

    @property
    def indicators_change(self) -> int | None:
        return self.change("indicators_met")

    @property
    def basis(self) -> MonthlyReport | None:
        """The report the matrix and the criterion page read this commune's criteria from: the period's
        report when it shows numbers, else its standing when on the same criteria set (a commune that has
        not reported yet this month still shows where it stands, with that report's month)."""
        if self.shows_numbers:
            return self.report
        if self.standing is not None and self.standing.criteria_set_id == self.enrolment.criteria_set_id:
            return self.standing
        return None

    @property
    def basis_is_standing(self) -> bool:
        return self.basis is not None and self.basis is not self.report

    @property
    def completeness(self) -> int:
        if not self.report or not self.report.indicators_total:
            return 0
        return round(100 * self.report.indicators_answered / self.report.indicators_total)


@dataclass
class SetChoice:
    """A criteria set the communes of a unit report on in a period, and how many of them do."""

    criteria_set: CriteriaSet
    communes: int


@dataclass
class Overview:
    """The communes of one criteria set (`criteria_set`) that must report in a period, with their reports.

    A page shows one set at a time: its criteria, numbers and names mean nothing for a commune on another
    set. `sets` lists every set the unit's communes are on in the period (most used first)."""

    unit: AdministrativeUnit
    period: ReportingPeriod
    rows: list = field(default_factory=list)
    criteria_set: CriteriaSet | None = None
    sets: list[SetChoice] = field(default_factory=list)

    @property
    def other_sets(self) -> list[SetChoice]:
        return [s for s in self.sets if s.criteria_set != self.criteria_set]

    @property
    def other_communes(self) -> int:
        """How many communes of the unit report on another set than the page's in the period."""
        return sum(s.communes for s in self.other_sets)

    @property
    def totals(self) -> dict[str, int]:
        states = Counter(row.state for row in self.rows)
        submitted = sum(1 for row in self.rows if row.report and row.report.status in SUBMITTED)
        late = sum(1 for row in self.rows if row.report and row.report.status in SUBMITTED and row.report.is_late)
        return {
            "communes": len(self.rows),
            "submitted": submitted,
            "on_time": submitted - late,
            "late": late,
            "missing": len(self.rows) - submitted,
            "returned": states["returned"],
            "accepted": states["accepted"],
            "standard": sum(
                1 for r in self.rows if r.shows_numbers and r.report.criteria_met == r.report.criteria_total
            ),
        }

    @property
    def standing_totals(self) -> dict[str, int]:
        """Where the communes stand (see OverviewRow.standing): how many have a result, how many of those
        are accepted, how many meet every criterion."""
        standings = [row.standing for row in self.rows if row.standing is not None]
        return {
            "with_result": len(standings),
            "accepted": sum(1 for s in standings if s.status == ReportStatus.ACCEPTED),
            "standard": sum(1 for s in standings if s.criteria_total and s.criteria_met == s.criteria_total),
            "without_result": len(self.rows) - len(standings),
        }


def previous_month(period: ReportingPeriod) -> tuple[int, int]:
    return (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)


def _reports_by_month(
    months: Sequence[tuple[int, int]], unit: AdministrativeUnit
) -> dict[tuple[int, int], dict[int, MonthlyReport]]:
    """{(year, month): {commune id: report}} of the periods of `months` below `unit`, in one query (the
    periods are matched by year and month in it: no query for the periods themselves)."""
    months_q = Q()
    for year, month in months:
        months_q |= Q(period__year=year, period__month=month)
    reports = (
        MonthlyReport.objects.filter(months_q, commune__path__startswith=unit.path)
        .select_related("period")
        .defer("zone", "review_comment")
        .order_by()
    )
    found: dict[tuple[int, int], dict[int, MonthlyReport]] = {month: {} for month in months}
    for report in reports:
        found[(report.period.year, report.period.month)][report.commune_id] = report
    return found


def set_choices(enrolments: Iterable[Enrolment]) -> list[SetChoice]:
    """The criteria sets of `enrolments` (loaded with their set), most used first (ties: by code)."""
    counts = Counter(e.criteria_set_id for e in enrolments)
    sets = {e.criteria_set_id: e.criteria_set for e in enrolments}
    choices = [SetChoice(sets[pk], n) for pk, n in counts.items()]
    return sorted(choices, key=lambda c: (-c.communes, c.criteria_set.code))


def chosen_set(choices: Sequence[SetChoice], code: str = "") -> CriteriaSet | None:
    """The set asked for by `code` when the communes use it, else the one most of them use."""
    for choice in choices:
        if choice.criteria_set.code == code:
            return choice.criteria_set
    return choices[0].criteria_set if choices else None


def export_set(unit: AdministrativeUnit, period: ReportingPeriod, code: str = "") -> CriteriaSet | None:
    """The set a long export (every period) is limited to: the one asked for by `code`, else the one most
    communes below `unit` use in `period`; None when none is enrolled then (the export is not limited)."""
    if code:
        asked = CriteriaSet.objects.filter(code=code).first()
        if asked is not None:
            return asked
    return chosen_set(set_choices(enrolments_reporting_in(period, within=unit)))


def overview(
    unit: AdministrativeUnit, period: ReportingPeriod, *, compare: bool = True, set_code: str = ""
) -> Overview:
    """Every commune below `unit` that must report in `period` (reports.selectors.communes_reporting_in) on
    one criteria set (`set_code` when they use it, else the one most of them use), with its report and,
    with `compare`, the previous month's report, the sub-criteria disputed by inspections and where the
    commune stands (its latest accepted, else submitted, report up to `period`)."""
    enrolments = enrolments_reporting_in(period, within=unit)
    sets = set_choices(enrolments)
    criteria_set = chosen_set(sets, set_code)
    this_month = (period.year, period.month)
    months = _reports_by_month([this_month, previous_month(period)] if compare else [this_month], unit)
    current = months[this_month]
    enrolments = [e for e in enrolments if e.criteria_set_id == getattr(criteria_set, "pk", None)]
    previous, disputed, standing = {}, Counter(), {}
    if compare:
        standing = standings([e.commune for e in enrolments], as_of=period)
        previous = months[previous_month(period)]
        disputed = Counter(commune for commune, _indicator in disputed_pairs(list(current.values())))
    return Overview(
        unit=unit,
        period=period,
        rows=[
            OverviewRow(
                e.commune,
                e,
                current.get(e.commune_id),
                previous.get(e.commune_id),
                disputed[e.commune_id],
                standing.get(e.commune_id),
            )
            for e in enrolments
        ],
        criteria_set=criteria_set,
        sets=sets,
    )


def criteria_of(data: Overview, departments: set[str] | None = None) -> list[Criterion]:
    """The criteria of the page's set (the matrix's columns); for a department (`departments`, see
    access.sector_departments) only the criteria it is responsible for."""
    if data.criteria_set is None:
        return []
    criteria = Criterion.objects.filter(criteria_set=data.criteria_set).order_by("number")
    return list(access.limit_to_sectors(criteria, departments, criterion=""))


SHORT_NAME_LENGTH = 18


def short_name(name: str, limit: int = SHORT_NAME_LENGTH) -> str:
    """A criterion's name short enough for a matrix column header: the words before the first comma,
    parenthesis, colon or dash, cut at a word within `limit` characters; "…" marks a name cut short."""
    head = name
    for mark in (",", "(", ":", ";", " - ", " – "):
        head = head.split(mark, 1)[0]
    head = head.strip() or name.strip()
    if len(head) > limit:
        words, kept = head.split(), ""
        for word in words:
            if len(f"{kept} {word}".strip()) > limit:
                break
            kept = f"{kept} {word}".strip()
        head = kept or head[:limit]
    return head if head == name.strip() else f"{head}…"


MATRIX_SORTS = {
    "name": lambda row: row.commune.name,
    "criteria": lambda row: -(row.basis.criteria_met if row.basis else -1),
    "indicators": lambda row: -(row.basis.indicators_met if row.basis else -1),
}


def matrix(
    unit: AdministrativeUnit,
    period: ReportingPeriod,
    *,
    criterion: int | None = None,
    zone: str = "",
    state: str = "",
    sort: str = "name",
    departments: set[str] | None = None,
    set_code: str = "",
) -> dict[str, Any]:
    """Rows of (overview row, [cell per criterion]) of one set's communes (see `overview`); a cell is
    "met", "unmet" or "none" (no result). A commune without numbers for the period shows its standing
    (OverviewRow.basis). `totals`: per column, (criterion, communes meeting it); `headers`: per column,
    (criterion, its short name)."""
    data = overview(unit, period, set_code=set_code)
    criteria = criteria_of(data, departments)
    rows = data.rows
    if zone:
        rows = [r for r in rows if r.enrolment.zone == zone]
    if state:
        rows = [r for r in rows if r.state == state]
    rows = sorted(rows, key=MATRIX_SORTS.get(sort, MATRIX_SORTS["name"]))
    columns = [c for c in criteria if criterion is None or c.number == criterion]
    table = []
    meeting: Counter[int] = Counter()
    for row in rows:
        met = set(row.basis.met_criteria) if row.basis else None
        cells = [("none" if met is None else "met" if c.number in met else "unmet", c) for c in columns]
        meeting.update(c.number for kind, c in cells if kind == "met")
        table.append((row, cells))
    zones = sorted({r.enrolment.zone for r in data.rows if r.enrolment.zone})
    return {
        "overview": data,
        "criteria": criteria,
        "columns": columns,
        "headers": [(c, short_name(c.name)) for c in columns],
        "table": table,
        "totals": [(c, meeting[c.number]) for c in columns],
        "with_result": sum(1 for row in rows if row.basis),
        "zones": zones,
    }


def commune_page(commune: AdministrativeUnit, *, departments: set[str] | None = None) -> dict[str, Any]:
    """Trajectory (stored summaries of every report), the latest report's criteria, open actions.

    A department (`departments`, see access.sector_departments) gets only its criteria's detail."""
    reports = list(
        MonthlyReport.objects.filter(commune=commune)
        .select_related("period", "criteria_set")
        .order_by("period__year", "period__month")
    )
    reported = [r for r in reports if r.status != ReportStatus.DRAFT]
    latest = reported[-1] if reported else None
    criteria = []
    if latest:
        met = set(latest.met_criteria)
        statuses = (
            access.limit_to_sectors(IndicatorStatus.objects.filter(report=latest), departments)
            .select_related("indicator", "indicator__criterion")
            .order_by("indicator__criterion__number", "indicator__position")
        )
        by_criterion = {}
        for status in statuses:
            by_criterion.setdefault(status.indicator.criterion, []).append(status)
        criteria = [(c, c.number in met, items) for c, items in by_criterion.items()]
    return {
        "reports": list(reversed(reports)),
        "trajectory": reported,
        "latest": latest,
        "criteria": criteria,
        "disputed": {indicator for _c, indicator in disputed_pairs([latest])} if latest else set(),
        "actions": list(actions_of_commune(commune, open_only=True, departments=departments)),
        "findings": list(latest_findings(commune, departments=departments)),
    }


def criterion_page(data: Overview, criterion: Criterion, departments: set[str] | None = None) -> dict[str, Any]:
    """For one criterion of the overview's set: each commune's status, and every numeric sub-criterion's
    values vs target (for a department, see access.sector_departments, its own sub-criteria only)."""
    reports = [row.basis for row in data.rows if row.basis]
    statuses = (
        access.limit_to_sectors(
            IndicatorStatus.objects.filter(report__in=reports, indicator__criterion=criterion), departments
        )
        .select_related("indicator", "report")
        .prefetch_related(Prefetch("indicator__targets", queryset=IndicatorTarget.objects.all()))
        .order_by("indicator__position")
    )
    by_indicator = {}
    for status in statuses:
        by_indicator.setdefault(status.indicator, []).append(status)
    names = {row.commune.pk: row.commune.name for row in data.rows}
    # Reports of an earlier month (a commune's standing) carry their month beside the value.
    months = {row.basis.pk: str(row.basis.period) for row in data.rows if row.basis_is_standing}
    distributions = []
    for indicator, items in by_indicator.items():
        valued = sorted((s for s in items if s.value is not None), key=lambda s: (float(s.value), s.report_id))
        if indicator.has_threshold:
            distributions.append(
                {
                    "indicator": indicator,
                    "values": [float(s.value) for s in valued],
                    # (commune name, value, met, the month of a report of an earlier month or ""): one bar each.
                    "points": [
                        (names.get(s.report.commune_id, ""), float(s.value), s.met, months.get(s.report_id, ""))
                        for s in valued
                    ],
                    "met": sum(1 for s in items if s.met),
                    "count": len(items),
                    "targets": list(indicator.targets.all()),
                }
            )
    rows = [(row, criterion.number in row.basis.met_criteria if row.basis else None) for row in data.rows]
    return {"overview": data, "rows": rows, "distributions": distributions}


def rollup(
    unit: AdministrativeUnit,
    period: ReportingPeriod,
    *,
    departments: set[str] | None = None,
    set_code: str = "",
) -> dict[str, Any]:
    """Per child unit (district) of `unit`: communes of one set (see `overview`) enrolled, reporting, at the
    standard; missed criteria (for a department, among its own criteria only)."""
    data = overview(unit, period, compare=False, set_code=set_code)
    children = {
        c.pk: c
        for c in AdministrativeUnit.objects.filter(parent=unit).exclude(level=UnitLevel.COMMUNE).order_by("name")
    }
    groups = {pk: [] for pk in children}
    direct = []
    for row in data.rows:
        groups.get(row.commune.parent_id, direct).append(row)
    missed = Counter()
    criteria = {c.number: c for c in criteria_of(data, departments)}
    lines = []
    for pk, rows in groups.items():
        lines.append(_rollup_line(children[pk], rows, criteria, missed))
    if direct:
        lines.append(_rollup_line(unit, direct, criteria, missed))
    most_missed = [(criteria[n], count) for n, count in missed.most_common(5) if n in criteria]
    return {"overview": data, "lines": [line for line in lines if line["enrolled"]], "most_missed": most_missed}


def _rollup_line(
    unit: AdministrativeUnit, rows: Sequence[OverviewRow], criteria: dict[int, Criterion], missed: Counter[int]
) -> dict[str, Any]:
    reporting: list[Any] = [r for r in rows if r.report and r.report.status in SUBMITTED]  # rows with a report
    standard = [r for r in reporting if r.report.criteria_met == r.report.criteria_total]
    local = Counter()
    for r in reporting:
        for number in set(criteria) - set(r.report.met_criteria):
            local[number] += 1
    missed.update(local)
    return {
        "unit": unit,
        "enrolled": len(rows),
        "reporting": len(reporting),
        "late": sum(1 for r in reporting if r.report.is_late),
        "standard": len(standard),
        "missed": [(criteria[n], c) for n, c in local.most_common(3)],
    }


def dashboard_units(user: User | AnonymousUser) -> list[AdministrativeUnit]:
    """Units whose dashboard the user may open (their own units with a dashboard role), highest first."""
    units = [m.unit for m in access.memberships_of(user) if access.can(user, "dashboard.view", m.unit)]
    return sorted(set(units), key=lambda u: (u.path.count("/"), u.name))
