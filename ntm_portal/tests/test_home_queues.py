"""Home pages as work queues, per role, on the demo's 2021 story (clock pinned at 03/05/2021 09:00 +07).

Every count is recomputed here from the database, not copied from the page's code."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats

from communes import access
from inspections.models import ActionItem, ActionStatus
from reports.models import IndicatorStatus, MonthlyReport, ReportingPeriod, ReportStatus
from reports.selectors import communes_reporting_in
from reports.services import period_for

NOW = datetime.datetime(2021, 5, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def at_may_2021(demo_reports):
    with time_machine.travel(NOW, tick=False):
        yield


def _home(client_for, users, username):
    response = client_for(users[username]).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_xuan_hoa_sees_its_returned_april_report_first_with_the_reason(at_may_2021, client_for, users, xuan_hoa):
    returned = MonthlyReport.objects.get(commune=xuan_hoa, status=ReportStatus.RETURNED)
    assert str(returned.period) == "04/2021"
    body = _home(client_for, users, "xa_xuanhoa")
    queue = body[body.index(f'id="queue-{xuan_hoa.code}"') :]
    first_item = queue[: queue.index("</li>")]
    assert "Báo cáo tháng 04/2021" in first_item and "Sửa và nộp lại" in first_item
    assert returned.review_comment in first_item
    assert f"{reverse('reports:report_detail', args=[returned.pk])}#tc-13" in first_item  # the reason's criterion 13
    # then this month's report to open
    assert queue.index("Sửa và nộp lại") < queue.index("Lập báo cáo tháng 05/2021")
    assert "Hạn nộp: 25/05/2021 — còn 22 ngày" in body


def test_a_draft_of_an_earlier_month_comes_before_a_later_one(at_may_2021, client_for, users, xuan_hoa):
    march = MonthlyReport.objects.get(commune=xuan_hoa, period__month=3, period__year=2021)
    MonthlyReport.objects.filter(pk=march.pk).update(status=ReportStatus.DRAFT)
    body = _home(client_for, users, "xa_xuanhoa")
    queue = body[body.index(f'id="queue-{xuan_hoa.code}"') :]
    assert queue.index("Báo cáo tháng 03/2021") < queue.index("Tiếp tục") < queue.index("Sửa và nộp lại")


def test_xuan_truong_sees_its_deadline_tasks_due_soon(at_may_2021, client_for, users, xuan_truong):
    ActionItem.objects.filter(commune=xuan_truong, status=ActionStatus.OPEN).update(due_date=datetime.date(2021, 5, 10))
    soon = ActionItem.objects.filter(
        commune=xuan_truong, status__in=["open", "in_progress"], due_date__lte="2021-05-17"
    )
    body = _home(client_for, users, "xa_xuantruong")
    assert "Lập báo cáo tháng 05/2021" in body
    assert soon.count() >= 1
    for task in soon:
        assert reverse("inspections:action_detail", args=[task.pk]) in body


def test_office_queue_counts_what_awaits_review_of_every_period(
    at_may_2021, client_for, users, django_assert_max_num_queries
):
    office = users["vpdp_thoxuan"]
    communes = access.communes_visible_to(office)
    awaiting = MonthlyReport.objects.filter(commune__in=communes, status=ReportStatus.SUBMITTED).order_by(
        "period__year", "period__month", "submitted_at"
    )
    assert awaiting.count() == 4  # the demo's April reports left for review
    may, april = period_for(2021, 5), period_for(2021, 4)
    reporting_may = communes_reporting_in(may).filter(pk__in=communes.values("pk")).count()
    april_reporting = communes_reporting_in(april).filter(pk__in=communes.values("pk"))
    april_unsubmitted = april_reporting.exclude(
        monthly_reports__period=april, monthly_reports__submitted_at__isnull=False
    ).count()
    client = client_for(office)
    with django_assert_max_num_queries(40):
        body = client.get(reverse("home")).content.decode()
    assert f"Chờ duyệt {awaiting.count()}" in body
    first = awaiting.first()
    section = body[body.index('id="awaiting"') :]
    assert section.index(reverse("reports:report_detail", args=[first.pk])) < section.index("</li>")
    assert "Xã Trường Xuân</a>" not in section or "· Huyện Thọ Xuân · 15598" in section  # parent and code shown
    assert f"Chưa nộp {reporting_may}" in body and "còn 22 ngày" in body
    assert f"Chưa nộp {april_unsubmitted}" in body and "quá hạn 8 ngày" in body  # April's deadline was 25/04
    assert f"Đã nộp {reporting_may - reporting_may}/{reporting_may}" in body


def test_office_home_queries_do_not_grow_with_the_communes(at_may_2021, client_for, users, django_assert_num_queries):
    """Three more communes with awaiting reports change nothing in the number of queries."""
    client = client_for(users["vpdp_thoxuan"])
    client.get(reverse("home"))
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    # Like with like: the change below is to the reporting data, so is this one (the kept pages and
    # queues are built again, the reader's access and menus are kept).
    ReportingPeriod.objects.filter(year=2021, month=5).update(deadline=F("deadline"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED, period__month=3).update(status=ReportStatus.SUBMITTED)
    with django_assert_num_queries(len(before)):
        client.get(reverse("home"))


def test_leader_sees_standing_from_latest_accepted_report_and_minutes(
    at_may_2021, client_for, users, xuan_truong, django_assert_max_num_queries
):
    accepted = (
        MonthlyReport.objects.filter(commune=xuan_truong, status=ReportStatus.ACCEPTED)
        .order_by("-period__year", "-period__month")
        .first()
    )
    assert (accepted.criteria_met, accepted.criteria_total) == (9, 15)
    client = client_for(users["lanhdao_thoxuan"])
    with django_assert_max_num_queries(25):
        body = client.get(reverse("home")).content.decode()
    standings = body[body.index('id="standings"') :]
    item = standings[standings.index(xuan_truong.name) :]
    item = item[: item.index("</li>")]
    assert "đạt 9/15 tiêu chí · 25/41 tiểu tiêu chí" in item
    assert "tháng 03/2021" in item and "▲ +1" in item  # February: 8/15
    # communes ordered by criteria met: Phú Xuân (11/15) before Xuân Trường (9/15)
    assert standings.index("Xã Phú Xuân") < standings.index(xuan_truong.name)
    assert "<table" not in body


def test_inspector_sees_tasks_to_verify(at_may_2021, client_for, users):
    done = ActionItem.objects.filter(status=ActionStatus.DONE)
    body = _home(client_for, users, "totrt_thoxuan")
    assert f"Nhiệm vụ chờ xác nhận {done.count()}" in body
    for task in done:
        assert reverse("inspections:action_detail", args=[task.pk]) in body


def test_department_sees_its_sub_criteria_failing_communes_and_values(at_may_2021, client_for, users):
    body = _home(client_for, users, "phong_ythoxuan")
    # Health's sub-criteria in each commune's standing report: its latest accepted one (all six have one).
    standing = {}
    for report in MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED).order_by("period__year", "period__month"):
        standing[report.commune_id] = report.pk
    failing = IndicatorStatus.objects.filter(report_id__in=standing.values(), indicator__criterion__number=13).exclude(
        met=True
    )
    assert failing.count() >= 1
    for status in failing.select_related("report__commune", "report__commune__parent"):
        assert reverse("reports:report_detail", args=[status.report.pk]) in body
        assert f"{status.report.commune.name}</a>" in body
    with_value = failing.exclude(value=None).first()
    if with_value is not None:
        assert formats.number_format(with_value.value, decimal_pos=None).rstrip("0").rstrip(",") in body
    assert "Chưa đạt:" in body
    assert "Tiểu tiêu chí của ngành tại các xã" in body


def test_a_commune_unit_page_links_to_its_progress_page(demo, client_for, users, xuan_truong):
    body = client_for(users["vpdp_thoxuan"]).get(reverse("communes:unit_detail", args=[xuan_truong.code])).content
    assert reverse("dashboards:commune", args=[xuan_truong.code]).encode() in body


def test_the_province_office_queue_holds_only_communes_that_exist_today(demo_reform, client_for):
    """After the merger the 2021 reports left unreviewed belong to communes that no longer exist: they stay
    readable on their pages and are nobody's work queue."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from communes.selectors import existing_between_q

    office = get_user_model().objects.get(username="vpdp_thanhhoa")
    today = timezone.localdate()
    awaiting = MonthlyReport.objects.filter(
        existing_between_q(today, today, prefix="commune__"), status=ReportStatus.SUBMITTED
    )
    assert awaiting.exists() and MonthlyReport.objects.filter(status=ReportStatus.SUBMITTED, period__year=2021).exists()
    body = client_for(office).get(reverse("home")).content.decode()
    assert f"Chờ duyệt {awaiting.count()}" in body
    section = body[body.index('id="awaiting"') :]
    section = section[: section.index("</ol>") if "</ol>" in section else len(section)]
    assert "/2021" not in section
