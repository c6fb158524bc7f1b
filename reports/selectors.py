"""Reads of the reporting loop, always scoped to what the asking user may see."""

from django.db.models import Prefetch
from django.http import Http404

from communes import access
from communes.models import Role
from criteria.models import IndicatorTarget

from .models import IndicatorStatus, MonthlyReport, Notification, ReportingPeriod


def reports_visible_to(user):
    return access.scope_by_unit(MonthlyReport.objects.all(), user, unit_field="commune")


def get_report(user, pk, action="unit.view"):
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


def department_filter(user, unit):
    """Department names limiting what the user sees of a report, or None when they see it all."""
    memberships = [m for m in access.memberships_of(user) if unit.path.startswith(m.unit.path)]
    if user.is_superuser or any(m.role != Role.DEPARTMENT for m in memberships):
        return None
    return {m.department for m in memberships}


def report_statuses(report, departments=None):
    """The report's statuses in order, each with `.target` (for the commune's zone) attached."""
    statuses = IndicatorStatus.objects.filter(report=report).select_related("indicator", "indicator__criterion")
    if departments is not None:
        statuses = statuses.filter(indicator__criterion__responsible_department__in=departments)
    statuses = list(
        statuses.prefetch_related(
            Prefetch("indicator__targets", queryset=IndicatorTarget.objects.all()), "evidence"
        ).order_by("indicator__criterion__number", "indicator__position")
    )
    for status in statuses:
        status.target = status.indicator.target_for(report.zone)
    return statuses


def reports_of_commune(commune):
    return (
        MonthlyReport.objects.filter(commune=commune)
        .select_related("period")
        .order_by("-period__year", "-period__month")
    )


def period_overview(user, period):
    """Each enrolled commune the user sees, with its report for the period (or None), ordered by name."""
    communes = list(
        access.communes_visible_to(user)
        .filter(enrolments__active=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    reports = {
        r.commune_id: r for r in MonthlyReport.objects.filter(period=period, commune__in=[c.pk for c in communes])
    }
    return [(commune, reports.get(commune.pk)) for commune in communes]


def recent_periods(limit=24):
    return ReportingPeriod.objects.order_by("-year", "-month")[:limit]


def unread_count(user):
    return Notification.objects.filter(user=user, read_at=None).count()


REPORT_TRACKED = ("status", "submitted_at", "is_late", "review_comment", "criteria_met", "indicators_met")
STATUS_TRACKED = ("value", "text_value", "declared_met", "met", "note", "responsible_person", "planned_date")


def _diffs(records, fields, describe):
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


def report_changes(report, departments=None):
    """Every recorded change to the report and its sub-criteria, newest first."""
    report_records = (
        MonthlyReport.history.filter(id=report.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    status_records = (
        IndicatorStatus.history.filter(report_id=report.pk)
        .select_related("history_user", "indicator", "indicator__criterion")
        .order_by("history_date", "history_id")
    )
    if departments is not None:
        status_records = status_records.filter(indicator__criterion__responsible_department__in=departments)
    changes = _diffs(report_records, REPORT_TRACKED, lambda r: str(report.period))
    changes += _diffs(status_records, STATUS_TRACKED, lambda r: r.indicator.code)
    return sorted(changes, key=lambda c: c[0], reverse=True)


def latest_report(commune):
    return (
        MonthlyReport.objects.filter(commune=commune)
        .select_related("period", "criteria_set")
        .order_by("-period__year", "-period__month")
        .first()
    )


def unmet_criteria(report):
    """Criteria of the report with at least one sub-criterion not met (or not answered)."""
    statuses = IndicatorStatus.objects.filter(report=report).select_related("indicator__criterion")
    unmet = {}
    for status in statuses:
        if status.met is not True:
            unmet.setdefault(status.indicator.criterion.number, status.indicator.criterion)
    return [unmet[n] for n in sorted(unmet)]
