"""The scale-data generator, and the guard of issue 9: dashboard query counts do not grow with N."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import AdministrativeUnit, UnitLevel
from criteria.models import Enrolment, IndicatorKind, IndicatorTarget
from inspections.models import Finding, Inspection
from ntm_portal.scale_data import ScaleGenerator, synthetic_set
from reports.models import IndicatorStatus, MonthlyReport, ReportingPeriod, ReportStatus
from reports.scoring import summarize
from reports.selectors import disputed_pairs

pytestmark = pytest.mark.django_db


def generate(communes, months, *, seed=3, per_district=25, criteria="5x12"):
    criteria_set = synthetic_set(*(int(n) for n in criteria.split("x")))
    return ScaleGenerator(
        provinces=1, communes=communes, months=months, criteria_set=criteria_set, seed=seed, per_district=per_district
    ).run()


def test_generator_builds_a_consistent_province():
    result = generate(40, 6)
    province = AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, code__startswith="SX")
    communes = AdministrativeUnit.objects.filter(path__startswith=province.path, level=UnitLevel.COMMUNE)
    assert result.communes == communes.count() == 40
    assert result.districts == 2  # about 25 communes a district
    assert all(not c.code.isdigit() for c in communes)  # invented codes cannot clash with real ones
    assert Enrolment.objects.filter(commune__in=communes).count() == 40
    reports = MonthlyReport.objects.filter(commune__in=communes)
    assert reports.count() == result.reports
    assert 0.8 * 40 * 6 < result.reports < 40 * 6  # some months are missing
    assert (
        IndicatorStatus.objects.filter(report__commune__in=communes).count() == result.statuses == 12 * result.reports
    )
    statuses = {s for s in reports.values_list("status", flat=True)}
    assert {ReportStatus.ACCEPTED, ReportStatus.SUBMITTED} <= statuses
    assert reports.filter(is_late=True).exists()
    assert Inspection.objects.filter(commune__in=communes).count() == result.inspections > 0
    assert Finding.objects.filter(visit__inspection__commune__in=communes, resolved_at__isnull=True).exists()


def test_every_submitted_report_is_complete_including_targets_for_every_zone():
    criteria_set = synthetic_set(5, 12)
    indicator = criteria_set.indicators.filter(kind=IndicatorKind.PERCENT_MIN).first()
    indicator.targets.all().delete()
    IndicatorTarget.objects.create(indicator=indicator, zone="", threshold=80)  # one target for every zone
    generate(12, 3)
    submitted = MonthlyReport.objects.filter(commune__code__startswith="SX").exclude(status=ReportStatus.DRAFT)
    assert submitted.exists()
    assert all(r.indicators_answered == r.indicators_total == 12 for r in submitted)
    assert set(Enrolment.objects.values_list("zone", flat=True)) <= {"Vùng 1", "Vùng 2"}
    values = IndicatorStatus.objects.filter(indicator=indicator).values_list("value", flat=True)
    assert None not in values


def test_stored_summaries_match_the_statuses_and_progress_rises():
    generate(10, 12)
    for report in MonthlyReport.objects.filter(commune__code__startswith="SX")[:30]:
        rows = IndicatorStatus.objects.filter(report=report).select_related("indicator__criterion")
        summary = summarize((s.indicator.criterion.number, s.met, s.met is not None) for s in rows)
        assert (report.criteria_met, report.indicators_met) == (summary.criteria_met, summary.indicators_met)
        assert sorted(report.met_criteria) == sorted(summary.met_criteria)
    first, last = (
        MonthlyReport.objects.filter(commune__code__startswith="SX", period=p).values_list("indicators_met", flat=True)
        for p in (
            MonthlyReport.objects.order_by("period__year", "period__month").first().period,
            MonthlyReport.objects.order_by("period__year", "period__month").last().period,
        )
    )
    assert sum(last) / len(last) > sum(first) / len(first)


def test_a_second_run_adds_a_new_province_with_its_own_codes():
    generate(5, 2)
    generate(5, 2, seed=4)
    provinces = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code__startswith="SX")
    assert sorted(provinces.values_list("code", flat=True)) == ["SX001", "SX002"]
    assert get_user_model().objects.filter(username="vp.sx002h01").exists()


def test_command_reports_what_it_made_and_refuses_bad_arguments(capsys):
    call_command("generate_scale_data", "--communes", "6", "--months", "2", "--criteria-set", "4x9")
    out = capsys.readouterr().out
    assert "6 xã" in out and "sx-tong-hop-4-9" in out
    with pytest.raises(CommandError, match="Tham số không hợp lệ"):
        call_command("generate_scale_data", "--communes", "0", "--months", "2")
    with pytest.raises(CommandError, match="Không có bộ tiêu chí"):
        call_command("generate_scale_data", "--communes", "3", "--criteria-set", "khong-co")


DASHBOARDS = [
    ("dashboards:overview", "district"),
    ("dashboards:matrix", "district"),
    ("dashboards:summary", "district"),
    ("dashboards:rollup", "province"),
    ("dashboards:commune", "commune"),
]


def _counts(result_prefix, client, period, *, again=False):
    """Queries per dashboard page for the generated province whose code is `result_prefix`; with
    `again`, of the same page asked a second time (served from the page cache)."""
    province = AdministrativeUnit.objects.get(code=result_prefix)
    district = AdministrativeUnit.objects.filter(parent=province).order_by("code").first()
    commune = AdministrativeUnit.objects.filter(parent=district).order_by("code").first()
    units = {"province": province, "district": district, "commune": commune}
    client.force_login(get_user_model().objects.get(username=f"vp.{province.code.lower()}"))
    counts = {}
    for name, level in DASHBOARDS:
        url = reverse(name, args=[units[level].code]) + f"?period={period.year}-{period.month}"
        if again:
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


# The generator builds its months back from "today": pinned, so that the guard measures the same
# data on any calendar day (on the 1st the current month has no report yet, on the 26th it has many).
PINNED_NOW = datetime.datetime(2026, 11, 10, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


@time_machine.travel(PINNED_NOW, tick=False)
def test_dashboard_queries_do_not_grow_with_communes_or_months(client):
    generate(10, 2, per_district=5)
    generate(90, 8, per_district=45, seed=9)
    # Like with like: the last complete month, in which both provinces have submitted reports and
    # inspection shortcomings (the disputed check skips its second query when there are none).
    period = ReportingPeriod.objects.get(year=2026, month=10)
    for prefix in ("SX001", "SX002"):
        reports = list(MonthlyReport.objects.filter(period=period, commune__code__startswith=prefix))
        assert any(r.status != ReportStatus.DRAFT for r in reports)
        assert disputed_pairs(reports), prefix
    small, large = _counts("SX001", client, period), _counts("SX002", client, period)
    assert small == large
    # A constant number of queries per page (the last: the deadline that applies at the unit; one more
    # since the page cache: the data version its keys hold).
    assert large["dashboards:overview"] <= 17
    assert large["dashboards:matrix"] <= 17
    # Asked again, a page costs what the reader's session and access cost, whatever its size.
    small_again, large_again = (
        _counts("SX001", client, period, again=True),
        _counts("SX002", client, period, again=True),
    )
    assert small_again == large_again
    # The session, the user, the data version and the unread count: access and menus are kept too.
    assert all(n <= 4 for n in large_again.values()), large_again

    # The province overview shows its 90 communes 50 at a time; the totals count them all.
    province = AdministrativeUnit.objects.get(code="SX002")
    url = reverse("dashboards:overview", args=[province.code]) + "?period=2026-10"
    first, second = client.get(url).content.decode(), client.get(url + "&page=2").content.decode()
    assert first.count('<tr id="row-') == 50 and second.count('<tr id="row-') == 40
    assert '<div class="fs-3 fw-semibold">90</div>' in first
    assert "Trang 1/2" in first and 'href="?period=2026-10&amp;page=2"' in first
