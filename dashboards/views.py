"""Dashboards of the coordination office and leaders. Every table here also exports to CSV and XLSX."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communes import access
from communes.selectors import unit_predecessors
from core import page_cache
from reports.models import MonthlyReport, ReportStatus
from reports.selectors import last_reported_period, period_from_query, picker_periods

from . import charts, exports, selectors


def _context(request, unit, period, tab, data):
    """What every dashboard page shows around its table: the period picker, the tabs, and the criteria set
    switcher (`data`: the page's selectors.Overview)."""
    return {
        "unit": unit,
        "period": period,
        "periods": picker_periods(period, 36),
        "tab": tab,
        "dashboard_units": selectors.dashboard_units(request.user),
        "query": request.GET.urlencode(),
        "criteria_set": data.criteria_set,
        # The deadline at this unit: the one its office or an office above set, else the 25th.
        "deadline_text": period.deadline_text(deadline=period.deadline_for(unit)),
        "set_links": [(choice, _query_with_set(request, choice.criteria_set.code)) for choice in data.sets],
        "other_communes": data.other_communes,
        # Links between pages carry the set only where there is a choice.
        "set_query": f"&set={data.criteria_set.code}" if len(data.sets) > 1 else "",
    }


OVERVIEW_ROWS_PER_PAGE = 50


def _query_with_set(request, code):
    """The page's query string on another criteria set: the period and the filters are kept, not the
    criterion (its number means another criterion in another set)."""
    query = request.GET.copy()
    for key in ("format", "criterion", "set"):
        query.pop(key, None)
    query["set"] = code
    return query.urlencode()


def _set_code(request):
    return request.GET.get("set", "")


def _dashboard_unit(request, code):
    """The unit whose dashboard is asked for: 403 for users without any dashboard role, 404 outside reach.
    A unit granted is kept for the reader under the data version (units and memberships are watched)."""
    return page_cache.per_reader(f"dashboard-unit:{code}", request, lambda: _reachable_unit(request.user, code))


def _reachable_unit(user, code):
    if not user.is_superuser and not selectors.dashboard_units(user):
        raise PermissionDenied
    return access.get_unit_or_404(user, code, "dashboard.view")


def _period(request, unit):
    """The period the query asks for; without one, the current period, or for a unit that has ended, the last
    one its communes reported in (its pages would be empty today)."""
    if unit.valid_until and unit.valid_until < timezone.localdate():
        return period_from_query(request.GET, default=last_reported_period([unit], until=unit.valid_until))
    return period_from_query(request.GET)


def _export_format(request):
    fmt = request.GET.get("format", "")
    return fmt if fmt in ("csv", "xlsx") else None


def _slug(unit, period, name):
    return f"{name}-{unit.code}-{period.year}-{period.month:02d}"


@login_required
@require_GET
def dashboard_home(request):
    units = selectors.dashboard_units(request.user)
    if not units:
        raise PermissionDenied
    return redirect("dashboards:overview", code=units[0].code)


@login_required
@require_GET
def dashboard_overview(request, code):
    unit = _dashboard_unit(request, code)
    if _export_format(request):
        return _overview(request, unit)
    return page_cache.cached_page(request, lambda: _overview(request, unit))


def _overview(request, unit):
    period = _period(request, unit)
    data = selectors.overview(unit, period, set_code=_set_code(request))
    fmt = _export_format(request)
    if fmt:
        headers = [
            _("Mã xã"),
            _("Xã"),
            _("Thuộc"),
            _("Trạng thái"),
            _("Nộp lúc"),
            _("Tiêu chí đạt"),
            _("Tổng tiêu chí"),
            _("Tiểu tiêu chí đạt"),
            _("Tổng tiểu tiêu chí"),
            _("Đã nhập"),
            _("Thay đổi tiêu chí so với tháng trước"),
            _("Thay đổi tiểu tiêu chí so với tháng trước"),
        ]
        rows = (
            [
                r.commune.code,
                r.commune.name,
                r.commune.parent.name if r.commune.parent else "",
                str(r.state_label),
                timezone.localtime(r.report.submitted_at).strftime("%d/%m/%Y %H:%M")
                if r.report and r.report.submitted_at
                else "",
                r.report.criteria_met if r.shows_numbers else None,
                r.report.criteria_total if r.shows_numbers else None,
                r.report.indicators_met if r.shows_numbers else None,
                r.report.indicators_total if r.shows_numbers else None,
                r.report.indicators_answered if r.report else 0,
                r.criteria_change,
                r.indicators_change,
            ]
            for r in data.rows
        )
        return exports.table_response(fmt, _slug(unit, period, "tong-quan"), headers, rows, _("Tổng quan"))
    query = request.GET.copy()
    query.pop("page", None)
    return "dashboards/overview.html", {
        **_context(request, unit, period, "overview", data),
        "data": data,
        # A province's hundreds of communes, a page at a time (the totals count them all; the export has all).
        "page": Paginator(data.rows, OVERVIEW_ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "page_query": query.urlencode(),
        "totals": data.totals,
    }


@login_required
@require_GET
def dashboard_matrix(request, code):
    unit = _dashboard_unit(request, code)
    if _export_format(request):
        return _matrix(request, unit)
    return page_cache.cached_page(request, lambda: _matrix(request, unit))


def _matrix(request, unit):
    period = _period(request, unit)
    number = request.GET.get("criterion", "")
    state = request.GET.get("state", "")
    data = selectors.matrix(
        unit,
        period,
        criterion=int(number) if number.isdigit() else None,
        zone=request.GET.get("zone", ""),
        state=state if state in selectors.STATES else "",
        sort=request.GET.get("sort", "name"),
        departments=access.sector_departments(request.user, unit),
        set_code=_set_code(request),
    )
    labels = {"met": _("Đạt"), "unmet": _("Chưa đạt"), "none": _("Chưa báo cáo")}
    fmt = _export_format(request)
    if fmt:
        headers = [_("Mã xã"), _("Xã"), _("Trạng thái")] + [f"TC{c.number}. {c.name}" for c in data["columns"]]
        rows = (
            [row.commune.code, row.commune.name, str(row.state_label)] + [str(labels[kind]) for kind, _c in cells]
            for row, cells in data["table"]
        )
        return exports.table_response(fmt, _slug(unit, period, "ma-tran"), headers, rows, _("Ma trận tiêu chí"))
    return "dashboards/matrix.html", {
        **_context(request, unit, period, "matrix", data["overview"]),
        **data,
        "states": selectors.STATES,
        "labels": labels,
        "filters": {
            "criterion": number,
            "zone": request.GET.get("zone", ""),
            "state": state,
            "sort": request.GET.get("sort", "name"),
        },
    }


def _predecessor_history(user, commune):
    """[(predecessor, its reports the user reads, newest first)] for the commune's history section."""
    predecessors = list(unit_predecessors(commune))
    reports = access.scope_by_unit(
        MonthlyReport.objects.filter(commune__in=predecessors).exclude(status=ReportStatus.DRAFT), user, "commune"
    ).select_related("period")
    by_unit: dict[int, list[MonthlyReport]] = {p.pk: [] for p in predecessors}
    for report in reports.order_by("-period__year", "-period__month"):
        by_unit[report.commune_id].append(report)
    return [(p, by_unit[p.pk]) for p in predecessors]


@login_required
@require_GET
def dashboard_commune(request, code):
    version = request.GET.get("version", "")  # an older version of a reused code (a predecessor's page)
    commune = page_cache.per_reader(
        f"commune-unit:{code}:{version}",
        request,
        lambda: access.get_unit_or_404(
            request.user, code, "unit.view", version=int(version) if version.isdigit() else None
        ),
    )
    if not commune.is_commune:
        raise Http404
    if _export_format(request):
        return _commune(request, commune)
    return page_cache.cached_page(request, lambda: _commune(request, commune))


def _commune(request, commune):
    departments = access.sector_departments(request.user, commune)
    data = selectors.commune_page(commune, departments=departments)
    fmt = _export_format(request)
    if fmt:
        headers = [
            _("Kỳ"),
            _("Trạng thái"),
            _("Tiêu chí đạt"),
            _("Tổng tiêu chí"),
            _("Tiểu tiêu chí đạt"),
            _("Tổng tiểu tiêu chí"),
            _("Nộp trễ"),
        ]
        rows = (
            [
                str(r.period),
                r.get_status_display(),
                r.criteria_met,
                r.criteria_total,
                r.indicators_met,
                r.indicators_total,
                _("Có") if r.is_late else _("Không"),
            ]
            for r in data["reports"]
        )
        return exports.table_response(fmt, f"xa-{commune.code}", headers, rows, commune.name)
    return "dashboards/commune.html", {
        "commune": commune,
        **data,
        "chart": charts.trajectory(data["trajectory"]),
        "focus": request.GET.get("criterion", ""),
        "departments": departments,
        "can_dashboard": access.can(request.user, "dashboard.view", commune),
        "predecessor_history": _predecessor_history(request.user, commune),
    }


@login_required
@require_GET
def dashboard_criterion(request, code, number):
    unit = _dashboard_unit(request, code)
    if _export_format(request):
        return _criterion(request, unit, number)
    return page_cache.cached_page(request, lambda: _criterion(request, unit, number))


def _criterion(request, unit, number):
    period = _period(request, unit)
    overview = selectors.overview(unit, period, set_code=_set_code(request))
    departments = access.sector_departments(request.user, unit)
    criteria = selectors.criteria_of(overview, departments)
    criterion = next((c for c in criteria if c.number == number), None)
    if criterion is None and "set" in request.GET and criteria:
        # The switcher asked for another set, whose numbers are its own: start at its first criterion.
        return redirect(
            reverse("dashboards:criterion", args=[unit.code, criteria[0].number]) + "?" + request.GET.urlencode()
        )
    if criterion is None:
        raise Http404  # no such criterion, or one of another department's sector
    data = selectors.criterion_page(overview, criterion, departments)
    fmt = _export_format(request)
    if fmt:
        labels = {True: _("Đạt"), False: _("Chưa đạt"), None: _("Chưa báo cáo")}
        rows = ([row.commune.code, row.commune.name, str(labels[met])] for row, met in data["rows"])
        return exports.table_response(
            fmt,
            _slug(unit, period, f"tieu-chi-{number}"),
            [_("Mã xã"), _("Xã"), criterion.name],
            rows,
            f"TC{number}",
        )
    return "dashboards/criterion.html", {
        **_context(request, unit, period, "criterion", overview),
        **data,
        "criterion": criterion,
        "criteria": criteria,
        "charts": [charts.distribution(d) for d in data["distributions"]],
    }


@login_required
@require_GET
def dashboard_rollup(request, code):
    unit = _dashboard_unit(request, code)
    if _export_format(request):
        return _rollup(request, unit)
    return page_cache.cached_page(request, lambda: _rollup(request, unit))


def _rollup(request, unit):
    period = _period(request, unit)
    data = selectors.rollup(
        unit, period, departments=access.sector_departments(request.user, unit), set_code=_set_code(request)
    )
    fmt = _export_format(request)
    if fmt:
        headers = [
            _("Đơn vị"),
            _("Xã đăng ký"),
            _("Xã đã nộp"),
            _("Nộp trễ"),
            _("Xã đạt chuẩn"),
            _("Tiêu chí hay chưa đạt"),
        ]
        rows = (
            [
                line["unit"].name,
                line["enrolled"],
                line["reporting"],
                line["late"],
                line["standard"],
                "; ".join(f"{c.number}. {c.name} ({n})" for c, n in line["missed"]),
            ]
            for line in data["lines"]
        )
        return exports.table_response(fmt, _slug(unit, period, "tong-hop"), headers, rows, _("Tổng hợp"))
    return "dashboards/rollup.html", {**_context(request, unit, period, "rollup", data["overview"]), **data}


@login_required
@require_GET
def dashboard_summary(request, code):
    """One printable page for a leader: totals, the matrix in brief, the criteria most often missed."""
    unit = _dashboard_unit(request, code)
    if _export_format(request):
        return _summary(request, unit)
    return page_cache.cached_page(request, lambda: _summary(request, unit))


def _summary(request, unit):
    period = _period(request, unit)
    data = selectors.rollup(
        unit, period, departments=access.sector_departments(request.user, unit), set_code=_set_code(request)
    )
    return "dashboards/summary.html", {
        **_context(request, unit, period, "summary", data["overview"]),
        **data,
        "totals": data["overview"].totals,
    }


@login_required
@require_GET
def dashboard_long_export(request, code):
    unit = _dashboard_unit(request, code)
    departments = access.sector_departments(request.user, unit)
    criteria_set = selectors.export_set(unit, _period(request, unit), _set_code(request))
    fmt = _export_format(request) or "csv"
    if fmt == "xlsx" and (rows := exports.long_count(unit, departments, criteria_set)) > exports.XLSX_MAX_ROWS:
        messages.error(
            request,
            _(
                "Dữ liệu chi tiết của %(unit)s có %(rows)s dòng, vượt giới hạn %(limit)s dòng của Excel: "
                "hãy tải bản CSV."
            )
            % {"unit": unit.name, "rows": f"{rows:,}".replace(",", "."), "limit": "1.048.576"},
        )
        return redirect("dashboards:overview", code=unit.code)
    return exports.table_response(
        fmt,
        f"du-lieu-chi-tiet-{unit.code}" + (f"-{criteria_set.code}" if criteria_set else ""),
        exports.LONG_HEADERS,
        exports.long_rows(unit, departments, criteria_set),
        _("Dữ liệu chi tiết"),
    )
