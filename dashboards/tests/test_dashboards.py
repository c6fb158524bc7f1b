import csv
import io
import random

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import AdministrativeUnit, Role, UnitLevel
from criteria.models import CriteriaSet, Enrolment, SetLevel
from inspections.models import ActionItem
from ntm_portal.demo import make_member
from reports.models import IndicatorStatus, MonthlyReport, ReportStatus
from reports.services import period_for


def build_district(code, communes, *, seed=7):
    """A district of `communes` enrolled communes with March and April 2021 reports (bulk, no services)."""
    rng = random.Random(seed)
    province = AdministrativeUnit.objects.get(code="38")
    district = AdministrativeUnit.objects.create(
        code=code, name=f"Huyện Thử {code}", level=UnitLevel.DISTRICT, parent=province
    )
    criteria_set = CriteriaSet.objects.get(code="minh-hoa-nang-cao-15-41")
    indicators = list(criteria_set.indicators.select_related("criterion"))
    numbers = sorted({i.criterion.number for i in indicators})
    periods = [period_for(2021, 3), period_for(2021, 4)]
    units = AdministrativeUnit.objects.bulk_create(
        AdministrativeUnit(
            code=f"{code}{i:03d}",
            name=f"Xã Thử {i:03d}",
            level=UnitLevel.COMMUNE,
            parent=district,
            path=f"{district.path}{code}{i:03d}/",
        )
        for i in range(communes)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            commune=u,
            criteria_set=criteria_set,
            target_level=SetLevel.ADVANCED,
            target_year=2022,
            zone=rng.choice(["Vùng 1", "Vùng 2"]),
        )
        for u in units
    )
    reports = []
    for unit in units:
        for period in periods:
            if rng.random() < 0.15:
                continue
            met = sorted(rng.sample(numbers, rng.randint(3, 12)))
            reports.append(
                MonthlyReport(
                    commune=unit,
                    period=period,
                    criteria_set=criteria_set,
                    status=rng.choice(["submitted", "accepted"]),
                    is_late=rng.random() < 0.2,
                    criteria_total=15,
                    criteria_met=len(met),
                    indicators_total=41,
                    indicators_met=rng.randint(len(met) * 2, 41),
                    indicators_answered=41,
                    met_criteria=met,
                )
            )
    reports = MonthlyReport.objects.bulk_create(reports)
    IndicatorStatus.objects.bulk_create(
        IndicatorStatus(
            report=r,
            indicator=i,
            value=rng.randint(50, 100) if i.has_threshold else None,
            met=i.criterion.number in r.met_criteria,
        )
        for r in reports
        for i in indicators
    )
    return district


@pytest.fixture
def office_of(demo):
    def make(district):
        return make_member(f"office_{district.code}", Role.OFFICE, district)

    return make


PAGES = [
    ("dashboards:overview", {}),
    ("dashboards:matrix", {}),
    ("dashboards:rollup", {}),
    ("dashboards:summary", {}),
    ("dashboards:criterion", {"number": 13}),
]


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_query_count_does_not_grow_with_communes(name, extra, office_of, client_for, django_assert_max_num_queries):
    small, large = build_district("T5", 5), build_district("T50", 50, seed=8)
    counts, offices = {}, {d.code: office_of(d) for d in (small, large)}
    for district in (small, large):
        client = client_for(offices[district.code])
        url = reverse(name, kwargs={"code": district.code, **extra}) + "?period=2021-4"
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[district.code] = len(queries)
    assert counts["T5"] == counts["T50"], counts
    client = client_for(offices["T50"])
    with django_assert_max_num_queries(counts["T5"]):
        client.get(reverse(name, kwargs={"code": large.code, **extra}) + "?period=2021-4")


def test_commune_page_query_count_does_not_grow_with_months(demo_reports, client_for, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import services

    commune = AdministrativeUnit.objects.get(code="15514")
    client = client_for(users["vpdp_thoxuan"])
    client.get(reverse("dashboards:commune", args=["15514"]))  # the reader's access and menus, kept
    services.report_open(commune=commune, period=services.period_for(2021, 5))  # the page is built again
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboards:commune", args=["15514"]))
    for month in (6, 7):
        services.report_open(commune=commune, period=services.period_for(2021, month))
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("dashboards:commune", args=["15514"]))
    assert len(after) == len(before)


def test_overview_numbers_equal_the_stored_summaries(demo_reports, client_for, users):
    response = client_for(users["vpdp_thoxuan"]).get(reverse("dashboards:overview", args=["395"]) + "?period=2021-4")
    data = response.context["data"]
    stored = {r.commune_id: r for r in MonthlyReport.objects.filter(period__year=2021, period__month=4)}
    assert len(data.rows) == 27
    for row in data.rows:
        report = stored.get(row.commune.pk)
        assert row.report == report
        if row.shows_numbers:
            assert (row.report.criteria_met, row.report.indicators_met) == (report.criteria_met, report.indicators_met)
    totals = response.context["totals"]
    submitted = [r for r in stored.values() if r.status in ("submitted", "accepted")]
    assert totals["submitted"] == len(submitted)
    assert totals["late"] == sum(r.is_late for r in submitted)
    assert totals["missing"] == 27 - len(submitted)
    xuan_truong = next(r for r in data.rows if r.commune.code == "15514")
    assert (xuan_truong.state, xuan_truong.criteria_change, xuan_truong.indicators_change) == ("on_time", 0, 0)
    body = response.content.decode()
    assert "Xã Xuân Trường" in body and "9/15" in body and "25/41" in body


def test_matrix_cells_follow_the_met_criteria_and_filters(demo_reports, client_for, users):
    client = client_for(users["vpdp_thoxuan"])
    response = client.get(reverse("dashboards:matrix", args=["395"]) + "?period=2021-4")
    table = {row.commune.code: cells for row, cells in response.context["table"]}
    report = MonthlyReport.objects.get(commune__code="15514", period__month=4, period__year=2021)
    assert [c.number for kind, c in table["15514"] if kind == "met"] == report.met_criteria
    assert len(report.met_criteria) == 9
    drafts = MonthlyReport.objects.filter(period__month=4, period__year=2021, status=ReportStatus.DRAFT)
    for draft in drafts:
        assert {kind for kind, _c in table[draft.commune.code]} == {"none"}
    filtered = client.get(reverse("dashboards:matrix", args=["395"]) + "?period=2021-4&zone=Vùng 1&criterion=13")
    assert {row.enrolment.zone for row, _cells in filtered.context["table"]} == {"Vùng 1"}
    assert all(len(cells) == 1 for _row, cells in filtered.context["table"])
    by_state = client.get(reverse("dashboards:matrix", args=["395"]) + "?period=2021-4&state=returned")
    assert [row.commune.code for row, _c in by_state.context["table"]] == ["15517"]


def test_exports_read_back(demo_reports, client_for, users):
    client = client_for(users["vpdp_thoxuan"])
    url = reverse("dashboards:overview", args=["395"]) + "?period=2021-4"
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get(url + "&format=csv").streaming_content).decode("utf-8-sig")))
    )
    assert rows[0][:4] == ["Mã xã", "Xã", "Thuộc", "Trạng thái"]
    assert len(rows) == 28
    xuan_truong = next(r for r in rows if r[0] == "15514")
    assert xuan_truong[3] == "Đã nộp đúng hạn" and xuan_truong[5:9] == ["9", "15", "25", "41"]

    response = client.get(reverse("dashboards:matrix", args=["395"]) + "?period=2021-4&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][:3] == ("Mã xã", "Xã", "Trạng thái") and values[0][3].startswith("TC1.")
    assert len(values) == 28
    row = next(v for v in values if v[0] == "15514")
    assert list(row[3:]).count("Đạt") == 9

    long = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(long.streaming_content).decode("utf-8-sig"))))
    assert lines[0][:4] == ["Kỳ", "Năm", "Tháng", "Mã xã"]
    assert len(lines) - 1 == IndicatorStatus.objects.filter(report__commune__parent__code="395").count()
    assert next(line for line in lines if line[3] == "15514" and line[0] == "04/2021")[:4] == [
        "04/2021",
        "2021",
        "4",
        "15514",
    ]

    xlsx = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == len(lines)


def test_long_xlsx_beyond_excels_row_limit_is_refused_with_a_pointer_to_csv(
    demo_reports, client_for, users, monkeypatch
):
    from dashboards import exports

    rows = IndicatorStatus.objects.filter(report__commune__parent__code="395").count()
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", rows - 1)
    client = client_for(users["vpdp_thoxuan"])
    response = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=xlsx", follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboards:overview", args=["395"])
    body = response.content.decode()
    assert "vượt giới hạn 1.048.576 dòng của Excel: hãy tải bản CSV" in body
    assert f"{rows:,}".replace(",", ".") in body
    csv_response = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=csv")
    assert csv_response.status_code == 200  # CSV has no such limit


def test_commune_page_shows_trajectory_and_actions(demo_reports, client_for, users):
    body = client_for(users["lanhdao_thoxuan"]).get(reverse("dashboards:commune", args=["15514"])).content.decode()
    assert "<svg" in body and "polyline" in body
    assert "04/2021: 9/15" in body
    assert ActionItem.objects.filter(commune__code="15514").exists()
    assert "Vận động người dân tham gia BHYT" in body


def test_criterion_page(demo_reports, client_for, users):
    response = client_for(users["vpdp_thoxuan"]).get(
        reverse("dashboards:criterion", args=["395", 13]) + "?period=2021-4"
    )
    assert response.status_code == 200
    assert response.context["distributions"][0]["indicator"].code == "13.1"
    assert "≥ 95%" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("xa_xuantruong", "395", 403),
        ("xa_xuantruong", "15514", 403),
        ("lanhdao_thoxuan", "395", 200),
        ("phong_ythoxuan", "395", 200),
        ("vpdp_thoxuan", "402", 404),
        ("vpdp_thoxuan", "38", 404),
    ],
)
def test_dashboard_scope(demo, client_for, users, who, code, status):
    AdministrativeUnit.objects.get_or_create(
        code="402",
        defaults={"name": "Huyện Khác", "level": "district", "parent": AdministrativeUnit.objects.get(code="38")},
    )
    response = client_for(users[who]).get(reverse("dashboards:overview", args=[code]))
    assert response.status_code == status


def test_commune_page_scope(demo, client_for, users):
    assert client_for(users["xa_xuantruong"]).get(reverse("dashboards:commune", args=["15514"])).status_code == 200
    assert client_for(users["xa_xuanhoa"]).get(reverse("dashboards:commune", args=["15514"])).status_code == 404


def test_province_rollup(demo_reports, client_for):
    province = AdministrativeUnit.objects.get(code="38")
    build_district("T9", 6)
    client = client_for(make_member("vpdp_tinh", Role.OFFICE, province))
    response = client.get(reverse("dashboards:rollup", args=["38"]) + "?period=2021-4")
    lines = {line["unit"].code: line for line in response.context["lines"]}
    assert set(lines) == {"395", "T9"}
    assert lines["395"]["enrolled"] == 27
    april = MonthlyReport.objects.filter(commune__parent__code="395", period__month=4, period__year=2021)
    assert lines["395"]["reporting"] == april.filter(status__in=["submitted", "accepted"]).count()
    assert response.context["most_missed"]
