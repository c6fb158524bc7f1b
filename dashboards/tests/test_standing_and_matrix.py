"""Issue parts 2 and 7: where each commune stands at the start of a month, the matrix's totals and short
headers, the criterion page's labelled chart."""

import datetime
import re
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from communes.models import AdministrativeUnit
from criteria.models import THRESHOLD_KINDS, Criterion, Indicator
from dashboards import charts
from dashboards.selectors import short_name
from ntm_portal.demo import DEMO_SET_CODE, DISTRICT_CODE, XUAN_TRUONG_CODE
from reports.models import MonthlyReport, ReportStatus
from reports.selectors import standings

# The 3rd of May 2021: the current period (05/2021) has no report yet.
START_OF_MAY = datetime.datetime(2021, 5, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


def expected_basis(commune_id, year, month):
    """Independently of the dashboards: the report a commune's criteria are read from for (year, month):
    that month's report unless a draft, else its latest accepted report up to then, else its latest
    submitted one."""
    reports = MonthlyReport.objects.filter(commune_id=commune_id, criteria_set__code=DEMO_SET_CODE).select_related(
        "period"
    )
    own = reports.filter(period__year=year, period__month=month).exclude(status=ReportStatus.DRAFT).first()
    if own:
        return own
    earlier = [r for r in reports if (r.period.year, r.period.month) <= (year, month)]
    earlier.sort(key=lambda r: (r.period.year, r.period.month), reverse=True)
    for status in (ReportStatus.ACCEPTED, ReportStatus.SUBMITTED):
        for report in earlier:
            if report.status == status:
                return report
    return None


def enrolled_communes():
    return list(
        AdministrativeUnit.objects.filter(
            parent__code=DISTRICT_CODE, enrolments__criteria_set__code=DEMO_SET_CODE
        ).distinct()
    )


@time_machine.travel(START_OF_MAY, tick=False)
def test_overview_at_the_start_of_a_month_shows_where_each_commune_stands(demo_reports, client_for, users):
    xuan_truong = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    april = MonthlyReport.objects.get(commune=xuan_truong, period__year=2021, period__month=4)
    assert april.status == ReportStatus.SUBMITTED  # not accepted: the standing is March's accepted report
    march = standings([xuan_truong])[xuan_truong.pk]
    assert (march.period.year, march.period.month, march.status) == (2021, 3, ReportStatus.ACCEPTED)

    response = client_for(users["vpdp_thoxuan"]).get(reverse("dashboards:overview", args=[DISTRICT_CODE]))
    assert response.status_code == 200
    data = response.context["data"]
    assert (data.period.year, data.period.month) == (2021, 5)
    assert response.context["totals"]["submitted"] == 0  # nothing submitted for May yet
    body = response.content.decode()
    row = body.split(f'id="row-{XUAN_TRUONG_CODE}"')[1].split("</tr>")[0]
    assert "9/15" in row and "25/41" in row and "03/2021" in row and "đã duyệt" in row
    # Every commune with a report shows its standing and its month; the summary counts them.
    with_reports = {r.commune_id for r in MonthlyReport.objects.exclude(status=ReportStatus.DRAFT)}
    for overview_row in data.rows:
        expected = expected_basis(overview_row.commune.pk, 2021, 5)
        assert overview_row.standing == expected
        assert (overview_row.standing is not None) == (overview_row.commune.pk in with_reports)
    assert data.standing_totals["with_result"] == len(with_reports) > 0
    assert 'id="standing-summary"' in body


@time_machine.travel(START_OF_MAY, tick=False)
def test_a_past_month_shows_where_communes_stood_then(demo_reports, client_for, users):
    response = client_for(users["vpdp_thoxuan"]).get(
        reverse("dashboards:overview", args=[DISTRICT_CODE]) + "?period=2021-2"
    )
    for row in response.context["data"].rows:
        if row.standing is not None:
            assert (row.standing.period.year, row.standing.period.month) <= (2021, 2)


@pytest.mark.parametrize("period", ["", "?period=2021-4", "?period=2021-2"])
@time_machine.travel(START_OF_MAY, tick=False)
def test_matrix_totals_row_and_column(period, demo_reports, client_for, users):
    response = client_for(users["vpdp_thoxuan"]).get(reverse("dashboards:matrix", args=[DISTRICT_CODE]) + period)
    year, month = (2021, 5) if not period else (2021, int(period[-1]))
    table, columns = response.context["table"], response.context["columns"]
    communes = enrolled_communes()
    assert len(table) == len(communes) == 27
    basis = {c.pk: expected_basis(c.pk, year, month) for c in communes}
    assert any(basis.values())
    # The totals row: communes meeting each criterion, computed from the stored met_criteria.
    expected_totals = [sum(1 for r in basis.values() if r and c.number in r.met_criteria) for c in columns]
    assert [n for _c, n in response.context["totals"]] == expected_totals
    body = response.content.decode()
    footer = body.split("<tfoot>")[1].split("</tfoot>")[0]
    assert re.findall(r'data-criterion="\d+">(\d+)<', footer) == [str(n) for n in expected_totals]
    # The per-commune column: criteria met, from the same report.
    for row, cells in table:
        report = basis[row.commune.pk]
        assert row.basis == report
        html = body.split(f'id="row-{row.commune.code}"')[1].split("</tr>")[0]
        if report:
            assert f'<span class="met-count">{report.criteria_met}</span>/{report.criteria_total}' in html
            assert sum(1 for kind, _c in cells if kind == "met") == report.criteria_met
        else:
            assert all(kind == "none" for kind, _c in cells)


@time_machine.travel(START_OF_MAY, tick=False)
def test_matrix_headers_carry_number_short_name_and_full_name(demo_reports, client_for, users):
    response = client_for(users["vpdp_thoxuan"]).get(reverse("dashboards:matrix", args=[DISTRICT_CODE]))
    body = response.content.decode()
    thead = body.split("<thead>")[1].split("</thead>")[0]
    criteria = Criterion.objects.filter(criteria_set__code=DEMO_SET_CODE).order_by("number")
    assert criteria.count() == 15
    for criterion in criteria:
        short = short_name(criterion.name)
        assert len(short) <= 19
        header = thead.split(f'title="{criterion.name}"')[1].split("</th>")[0]
        assert f'<span class="crit-no">{criterion.number}</span>' in header
        assert f'<span class="crit-short" aria-hidden="true">{short}</span>' in header
        assert criterion.name in header  # for screen readers
    assert 'id="criteria-legend"' in body
    assert 'class="table-responsive matrix-scroll"' in body


def test_short_names_come_from_the_criterion_names():
    assert short_name("Quy hoạch") == "Quy hoạch"
    assert short_name("Thủy lợi và phòng, chống thiên tai") == "Thủy lợi và phòng…"
    assert short_name("Tổ chức sản xuất và phát triển kinh tế nông thôn") == "Tổ chức sản xuất…"
    assert short_name("Văn hóa (thiết chế và hoạt động)") == "Văn hóa…"
    assert short_name("Hệ thống chính trị, tiếp cận pháp luật, quốc phòng và an ninh") == "Hệ thống chính trị…"
    assert short_name("Mộtchữrấtdàikhôngcókhoảngtrắng") == "Mộtchữrấtdàikhôngc…"


@time_machine.travel(START_OF_MAY, tick=False)
def test_criterion_chart_labels_each_commune_with_its_value(demo_reports, client_for, users):
    indicator = (
        Indicator.objects.filter(criterion__criteria_set__code=DEMO_SET_CODE, kind__in=THRESHOLD_KINDS)
        .order_by("criterion__number", "position")
        .first()
    )
    number = indicator.criterion.number
    response = client_for(users["vpdp_thoxuan"]).get(
        reverse("dashboards:criterion", args=[DISTRICT_CODE, number]) + "?period=2021-4"
    )
    chart = next(c for c in response.context["charts"] if c["indicator"] == indicator)
    assert chart["kind"] == "bars" and chart["bars"]
    names = [b["full_name"] for b in chart["bars"]]
    assert "Xã Xuân Trường" in names
    values = [float(b["value"]) for b in chart["bars"]]
    assert values == sorted(values)
    body = response.content.decode()
    assert '<text class="bar-name"' in body and ">Xã Xuân Trường</text>" in body
    assert '<text class="bar-value"' in body
    assert chart["thresholds"] and 'class="threshold"' in body
    svg = body.split('class="chart chart-distribution')[1].split("</svg>")[0]
    assert not re.search(r'="-?\d+,\d+"', svg)  # SVG numbers with a dot, whatever the language
    # At the start of May the same chart reads each commune's standing, with its month.
    response = client_for(users["vpdp_thoxuan"]).get(reverse("dashboards:criterion", args=[DISTRICT_CODE, number]))
    chart = next(c for c in response.context["charts"] if c["indicator"] == indicator)
    assert chart["bars"] and all(b["month"] for b in chart["bars"])
    assert "(03/2021)" in response.content.decode() or "(04/2021)" in response.content.decode()


def test_a_criterion_chart_of_many_communes_counts_them_per_band():
    target = SimpleNamespace(threshold=50, zone="", target_text="≥ 50%")
    points = [(f"Xã {i}", float(i), i >= 50, "") for i in range(100)]
    chart = charts.distribution({"points": points, "values": [p[1] for p in points], "targets": [target]})
    assert chart["kind"] == "histogram"
    assert sum(column["count"] for column in chart["columns"]) == 100
    assert [t["text"] for t in chart["thresholds"]] == ["≥ 50%"]
