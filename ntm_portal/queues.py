"""The work queue each role finds on its home page: what needs doing first, across every period.

Each function takes the user and "now" and returns plain data for the template; the number of queries
does not grow with the number of communes (the commune official's queue runs a few per own commune)."""

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone

from communes import access
from communes.selectors import existing_between_q
from criteria.models import Indicator
from inspections.selectors import (
    actions_due,
    actions_of_commune,
    actions_to_verify,
    actions_visible_to,
    inspections_under_way,
    latest_findings,
)
from meetings.models import MinutesState
from meetings.selectors import meetings_visible_to
from reports.models import IndicatorStatus, MonthlyReport, ReportingPeriod
from reports.selectors import (
    accepted_standings,
    deadlines_for,
    disputed_pairs,
    period_overview,
    reports_awaiting_review,
    reports_needing_action,
    standings,
)

SOON_DAYS = 14  # tasks due within two weeks are "due soon"
LIST_LIMIT = 10  # items listed per queue; the count says how many there are in all
CRITERION_IN_TEXT = re.compile(r"[Tt]iêu chí (?:số )?(\d{1,2})\b")


def criteria_named_in(text):
    """The criterion numbers a review comment names ("Tiêu chí 13 (Y tế): …" → [13]), in order, once each."""
    return list(dict.fromkeys(int(n) for n in CRITERION_IN_TEXT.findall(text or "")))


# --- Commune official ------------------------------------------------------------------------------


@dataclass
class CommuneQueue:
    commune: object
    enrolment: object
    current: MonthlyReport | None  # this period's report
    pending: list = field(default_factory=list)  # returned / draft reports, oldest first
    must_open: bool = False  # enrolled, reporting now, and nothing opened yet: "Lập báo cáo"
    acts: bool = True  # False: the official's role there has ended (read only: no actions offered)
    deadline_text: str = ""
    tasks: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def first(self):
        """The one report that needs action first (None: "Lập báo cáo" when `must_open`, else nothing)."""
        return self.pending[0] if self.pending else None


def commune_queues(communes_with_enrolment, period, now, acting):
    """One queue per commune of the official: pending reports of every period (oldest first), then this
    period's report to open; the deadline; tasks due soon; the latest inspection findings. Only at the
    communes in `acting` (ids) are actions offered."""
    communes = [c for c, _e in communes_with_enrolment]
    pending = list(reports_needing_action(communes))
    for report in pending:
        report.reason_criteria = criteria_named_in(report.review_comment)
    current = {r.commune_id: r for r in MonthlyReport.objects.filter(period=period, commune__in=communes)}
    deadlines = deadlines_for(communes, period)
    soon = timezone.localtime(now).date() + datetime.timedelta(days=SOON_DAYS)
    queues = []
    for commune, enrolment in communes_with_enrolment:
        report, acts = current.get(commune.pk), commune.pk in acting
        deadline_text = report.deadline_text(now) if report else period.deadline_text(now, deadlines[commune.pk])
        queues.append(
            CommuneQueue(
                commune=commune,
                enrolment=enrolment,
                current=report,
                pending=[r for r in pending if r.commune_id == commune.pk] if acts else [],
                must_open=acts and enrolment is not None and report is None,
                acts=acts,
                deadline_text=deadline_text,
                tasks=list(actions_due(actions_of_commune(commune), until=soon)[:LIST_LIMIT]),
                findings=list(latest_findings(commune, 5)),
            )
        )
    return queues


# --- Office ------------------------------------------------------------------------------------------


@dataclass
class PeriodProgress:
    period: ReportingPeriod
    reporting: int
    submitted: int
    accepted: int
    missing: list  # [(commune, days left, days overdue)], fewest days left first
    late: list  # [(commune, report or None, days late)]


def open_periods(period, now):
    """The current period and the one before it while it is still open (the office chases its late reports)."""
    year, month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    previous = ReportingPeriod.objects.filter(year=year, month=month).first()
    return [period] + ([previous] if previous and previous.is_open(now) else [])


def period_progress(user, period, now):
    """Where the period stands for the communes the user sees: reporting, submitted, accepted; who has not
    submitted with the days left to their deadline; who is late (submitted after it, or not yet). Three
    queries."""
    rows = period_overview(user, period)
    deadlines = deadlines_for([c for c, _r in rows], period)
    missing, late = [], []
    for commune, report in rows:
        days = period.days_left(now, deadlines[commune.pk])
        if report is None or report.submitted_at is None:
            missing.append((commune, days, -days))  # days left; days overdue
            if days < 0:
                late.append((commune, report, -days))
        elif report.is_late:
            report.deadline = deadlines[commune.pk]
            late.append((commune, report, report.late_days))
    missing.sort(key=lambda row: (row[1], row[0].name))
    return PeriodProgress(
        period=period,
        reporting=len(rows),
        submitted=sum(1 for _c, r in rows if r is not None and r.submitted_at is not None),
        accepted=sum(1 for _c, r in rows if r is not None and r.status == "accepted"),
        missing=missing,
        late=late,
    )


def disputed_list(communes):
    """[(commune, indicator)] of sub-criteria a commune's standing report declares met while an open
    inspection finding says otherwise."""
    standing = list(standings(communes).values())
    pairs = disputed_pairs(standing)
    by_id = {c.pk: c for c in communes}
    indicators = Indicator.objects.select_related("criterion").in_bulk({i for _c, i in pairs})
    return sorted(
        ((by_id[c], indicators[i]) for c, i in pairs if c in by_id),
        key=lambda row: (row[0].name, row[1].criterion.number, row[1].position),
    )


def office_queue(user, period, now):
    awaiting = reports_awaiting_review(user)
    today = timezone.localtime(now).date()
    overdue = actions_due(actions_visible_to(user), until=today - datetime.timedelta(days=1))
    communes = list(
        access.communes_visible_to(user)
        .filter(existing_between_q(period.first_day, period.last_day))
        .select_related("parent")
    )
    return {
        "awaiting_count": awaiting.count(),
        "awaiting": list(awaiting[:LIST_LIMIT]),
        "progress": [period_progress(user, p, now) for p in open_periods(period, now)],
        "overdue_count": overdue.count(),
        "overdue_tasks": list(overdue[:LIST_LIMIT]),
        "disputed": disputed_list(communes),
    }


# --- Leader ------------------------------------------------------------------------------------------


@dataclass
class Standing:
    commune: object
    report: MonthlyReport  # latest accepted
    previous: MonthlyReport | None

    @property
    def trend(self):
        """Criteria met more (+) or fewer (−) than in the accepted report before; None without one."""
        return None if self.previous is None else self.report.criteria_met - self.previous.criteria_met


def leader_standings(user, period):
    """The communes in existence now that have an accepted report, by criteria met (most first), then
    sub-criteria met, then name; plus the number of those without one."""
    communes = list(
        access.communes_visible_to(user)
        .filter(existing_between_q(period.first_day, period.last_day))
        .select_related("parent")
    )
    accepted = accepted_standings(communes)
    rows = [Standing(c, *accepted[c.pk]) for c in communes if c.pk in accepted]
    rows.sort(key=lambda s: (-s.report.criteria_met, -s.report.indicators_met, s.commune.name))
    return rows, len(communes) - len(rows)


def latest_minutes(user, limit=5):
    return list(
        meetings_visible_to(user)
        .filter(pdf_state=MinutesState.READY)
        .exclude(pdf="")
        .select_related("commune", "commune__parent")
        .order_by("-started_at")[:limit]
    )


# --- Inspector ----------------------------------------------------------------------------------------


def inspector_queue(user):
    inspections = inspections_under_way(user)
    to_verify = actions_to_verify(user)
    return {
        "inspections_count": inspections.count(),
        "inspections": list(inspections[:LIST_LIMIT]),
        "to_verify_count": to_verify.count(),
        "to_verify": list(to_verify[:LIST_LIMIT]),
    }


# --- Department ---------------------------------------------------------------------------------------


@dataclass
class SectorIndicator:
    indicator: Indicator
    failing: list = field(default_factory=list)  # [IndicatorStatus] not met, with .report and its commune
    reported: int = 0  # communes whose standing report answers it


def department_queue(user, departments, period):
    """The department's sub-criteria across the communes it sees, from each commune's standing report
    (`standings`): the communes that fail each one, with their latest values. Four queries."""
    communes = list(
        access.communes_visible_to(user)
        .filter(existing_between_q(period.first_day, period.last_day))
        .select_related("parent")
    )
    report_ids = [r.pk for r in standings(communes).values()]
    statuses = access.limit_to_sectors(
        IndicatorStatus.objects.filter(report_id__in=report_ids), departments
    ).select_related(
        "indicator", "indicator__criterion", "report", "report__commune", "report__commune__parent", "report__period"
    )
    rows: dict[int, SectorIndicator] = {}
    for status in statuses.order_by("indicator__criterion__number", "indicator__position", "report__commune__name"):
        row = rows.setdefault(status.indicator_id, SectorIndicator(status.indicator))
        row.reported += 1
        if status.met is not True:
            row.failing.append(status)
    return list(rows.values())
