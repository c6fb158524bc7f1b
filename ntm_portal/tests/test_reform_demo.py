"""The demo's sequel after the 2025 reform (issue 17): the successor reads its predecessors' records."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from communes.models import AdministrativeUnit, Role
from ntm_portal.demo import (
    DISTRICT_CODE,
    REFORM_COMMUNES,
    REFORM_SET_CODE,
    THO_XUAN_CODE,
    XUAN_TRUONG_CODE,
    make_member,
    reform_months,
    seed_reform,
)
from reports.models import MonthlyReport, ReportStatus

APRIL_2021 = {"period": "2021-4"}


def _xuan_truong_april():
    return MonthlyReport.objects.get(commune__code=XUAN_TRUONG_CODE, period__year=2021, period__month=4)


def _district_pages(client):
    """What the 04/2021 overview and matrix of the district show, as plain values."""
    overview = client.get(reverse("dashboards:overview", args=[DISTRICT_CODE]), APRIL_2021)
    matrix = client.get(reverse("dashboards:matrix", args=[DISTRICT_CODE]), APRIL_2021)
    assert overview.status_code == matrix.status_code == 200
    rows = [
        (r.commune.pk, r.state, r.report and (r.report.pk, r.report.criteria_met, r.report.indicators_met))
        for r in overview.context["data"].rows
    ]
    table = [(row.commune.pk, row.state_label, [kind for kind, _c in cells]) for row, cells in matrix.context["table"]]
    columns = [c.pk for c in matrix.context["columns"]]
    return rows, overview.context["totals"], table, columns


@pytest.fixture
def before_reform(demo_reports, client_for, users):
    """The district's 04/2021 pages as its office read them before the merger."""
    return _district_pages(client_for(users["vpdp_thoxuan"]))


def test_the_merger_keeps_the_2021_records_and_pages(before_reform, request, client_for, users):
    reports_before = sorted(MonthlyReport.objects.values_list("pk", "commune_id", "period_id", "status"))
    request.getfixturevalue("demo_reform")
    old = sorted(MonthlyReport.objects.filter(period__year=2021).values_list("pk", "commune_id", "period_id", "status"))
    assert old == reports_before  # every old report on its original unit, untouched
    assert AdministrativeUnit.objects.get(code=DISTRICT_CODE).valid_until.isoformat() == "2025-06-30"
    # the district's office, now read-only, reads the same 04/2021 overview and matrix
    office = client_for(users["vpdp_thoxuan"])
    assert _district_pages(office) == before_reform
    report = _xuan_truong_april()
    assert office.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    review = office.post(reverse("reports:report_review", args=[report.pk]), {"decision": "accept"})
    assert review.status_code == 403


def test_the_successor_official_reads_xuan_truong_2021_from_the_successor_page(demo_reform, client_for):
    from django.contrib.auth import get_user_model

    official = get_user_model().objects.get(username="xa_thoxuan")
    client = client_for(official)
    page = client.get(reverse("dashboards:commune", args=[THO_XUAN_CODE]))
    assert page.status_code == 200 and page.context["commune"].name == "Xã Thọ Xuân"
    history = dict(page.context["predecessor_history"])
    xuan_truong = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    report = _xuan_truong_april()
    assert {u.code for u in history} == {"15499", "15493", XUAN_TRUONG_CODE}
    assert report in history[xuan_truong]
    html = page.content.decode()
    assert "Lịch sử các xã trước sáp nhập" in html
    link = reverse("reports:report_detail", args=[report.pk])
    assert f'href="{link}"' in html
    read = client.get(link)
    assert read.status_code == 200 and "9/15" in re.sub(r"\s+", "", read.content.decode())
    edit = client.post(reverse("reports:report_edit", args=[report.pk]), {"submit": "1"})
    assert edit.status_code == 403
    # the predecessor's own page opens from the successor's, with its reports
    old_page = client.get(reverse("dashboards:commune", args=[XUAN_TRUONG_CODE]))
    assert old_page.status_code == 200 and report in old_page.context["reports"]
    # and the old Thị trấn Thọ Xuân, an older version of the reused code, by its version
    older = AdministrativeUnit.objects.filter(code=THO_XUAN_CODE).exclude(pk=page.context["commune"].pk).get()
    assert client.get(reverse("dashboards:commune", args=[THO_XUAN_CODE]), {"version": older.pk}).status_code == 200


def test_the_new_communes_report_monthly_on_the_new_set(demo_reform):
    months = reform_months()
    assert months[0] == (2026, 2) and months[-1] == (2026, 11)
    new = MonthlyReport.objects.filter(period__year=2026).select_related("period")
    assert {r.criteria_set.code for r in new} == {REFORM_SET_CODE}
    # five communes, ten months, one last report left as a draft
    assert new.count() == len(REFORM_COMMUNES) * len(months)
    assert new.filter(status=ReportStatus.RETURNED).count() == 1
    assert new.filter(status=ReportStatus.SUBMITTED).exists() and new.filter(status=ReportStatus.ACCEPTED).exists()
    assert sum(r.is_late for r in new) == 1
    tho_xuan = [r.indicators_met for r in new.filter(commune__code=THO_XUAN_CODE).order_by("period__month")]
    assert tho_xuan == sorted(tho_xuan) and tho_xuan[-1] > tho_xuan[0]


def test_the_reform_seeds_the_same_data_twice(demo_reform):
    def state():
        return (
            sorted(AdministrativeUnit.objects.values_list("pk", "code", "path", "valid_until", "replaced_by")),
            sorted(MonthlyReport.objects.values_list("pk", "commune_id", "status", "indicators_met")),
        )

    before = state()
    seed_reform()
    assert state() == before


LINK = re.compile(r'href="(/(?:dashboards/commune|units|reports/plan|inspections/actions)/[^"]*)"')


def _links(response):
    assert response.status_code == 200
    return {link.replace("&amp;", "&") for link in LINK.findall(response.content.decode())}


@pytest.fixture
def reform_after_inspection(demo_reports, request):
    """The demo's 2021 inspection and meeting (their open tasks go to the successor commune), then the reform."""
    import time_machine

    from ntm_portal.tests.test_accessibility import DEMO_NOW, seed_inspection_and_meeting

    with time_machine.travel(DEMO_NOW, tick=True):
        seed_inspection_and_meeting()
    request.getfixturevalue("demo_reform")


def test_after_the_merger_the_district_office_follows_only_links_that_open(reform_after_inspection, client_for, users):
    from inspections.models import ActionItem, Inspection
    from meetings.models import Meeting

    office = client_for(users["vpdp_thoxuan"])
    home = office.get("/").content.decode()
    # Its office membership ended with the district: no management pages offered (they answer 403), and
    # the greeting says until when it acted.
    for page in ("office:home", "office:person_list", "office:enrolment_list", "reports:period_list"):
        assert reverse(page) not in home and office.get(reverse(page)).status_code == 403
    assert "(đến 30/06/2025)" in home
    # The district's 2021 pages, its communes' pages (codes reused by the new communes are linked by version),
    # their action plans, the inspection and the minutes: every link opens.
    inspection, meeting = Inspection.objects.get(), Meeting.objects.get()
    start = [
        reverse("dashboards:overview", args=[DISTRICT_CODE]) + "?period=2021-4",
        reverse("communes:unit_detail", args=[DISTRICT_CODE]),
        reverse("inspections:inspection_detail", args=[inspection.pk]),
        reverse("meetings:meeting_detail", args=[meeting.pk]),
    ]
    links = set().union(*(_links(office.get(page)) for page in start))
    links |= set().union(*(_links(office.get(link)) for link in sorted(links) if "/inspections/" not in link))
    assert any("?version=" in link for link in links) and any("/reports/plan/" in link for link in links)
    assert {link: office.get(link).status_code for link in sorted(links)} == dict.fromkeys(sorted(links), 200)
    # The tasks carried to the new Xã Thọ Xuân are named where they came from, not linked.
    moved = ActionItem.objects.filter(commune__code=THO_XUAN_CODE, commune__valid_until__isnull=True)
    assert moved.filter(finding__isnull=False).exists() and moved.filter(source="meeting").exists()
    inspection_page = office.get(start[2]).content.decode()
    for task in moved.filter(finding__isnull=False):
        assert task.title in inspection_page
        assert reverse("inspections:action_detail", args=[task.pk]) not in inspection_page
    assert (
        "đã chuyển sang Xã Thọ Xuân" in inspection_page
        and "đã chuyển sang Xã Thọ Xuân" in office.get(start[3]).content.decode()
    )
    # The successor's official, who reads the 2021 inspection, opens them.
    successor = client_for(get_user_model().objects.get(username="xa_thoxuan"))
    for task in moved.filter(finding__isnull=False):
        link = reverse("inspections:action_detail", args=[task.pk])
        assert link in successor.get(start[2]).content.decode() and successor.get(link).status_code == 200


def test_an_old_unit_names_its_successor_without_a_link_for_who_cannot_open_it(demo_reform, client_for, users):
    old = AdministrativeUnit.objects.filter(code=THO_XUAN_CODE, valid_until__isnull=False).get()
    successor_link = re.compile(rf'<a href="([^"]*)">{old.replaced_by.name}</a>')

    def successor_line(username):
        page = client_for(users.get(username) or get_user_model().objects.get(username=username)).get(
            reverse("communes:unit_detail", args=[THO_XUAN_CODE]), {"version": old.pk}
        )
        html = page.content.decode()
        assert page.status_code == 200 and "Được thay thế bởi" in html and old.replaced_by.name in html
        return successor_link.findall(html)

    assert successor_line("vpdp_thoxuan") == []  # the old district's office does not reach the new commune
    assert successor_line("vpdp_thanhhoa") == [reverse("communes:unit_detail", args=[THO_XUAN_CODE])]


def test_the_district_people_open_on_the_last_month_their_communes_reported(demo_reform, client_for, users):
    district = AdministrativeUnit.objects.get(code=DISTRICT_CODE)
    last = (
        MonthlyReport.objects.filter(commune__path__startswith=district.path)
        .order_by("-period__year", "-period__month")
        .values_list("period__year", "period__month")
        .first()
    )
    assert last == (2021, 4)
    office = client_for(users["vpdp_thoxuan"])
    home = office.get("/")
    assert (home.context["period"].year, home.context["period"].month) == last
    html = re.sub(r"\s+", " ", home.content.decode())
    assert "Vai trò của bạn đã kết thúc ngày 30/06/2025" in html and "Kỳ báo cáo tháng 04/2021" in html
    assert f"{reverse('reports:report_list')}?period=2021-4" in html
    # The district's dashboard and the monthly reports open on that month too; another month stays one click away.
    reports = office.get(reverse("reports:report_list")).context
    assert (reports["period"].year, reports["period"].month) == last and len(reports["rows"]) == 27
    overview = office.get(reverse("dashboards:overview", args=[DISTRICT_CODE]))
    assert (overview.context["period"].year, overview.context["period"].month) == last
    assert len(overview.context["data"].rows) == 27
    march = office.get(reverse("dashboards:overview", args=[DISTRICT_CODE]), {"period": "2021-3"})
    assert march.context["period"].month == 3
    # Someone still acting opens on the current month.
    province_office = client_for(get_user_model().objects.get(username="vpdp_thanhhoa"))
    current = province_office.get("/").context
    assert (current["period"].year, current["period"].month) == (2026, 12) and current["ended_on"] is None


def test_a_commune_official_after_the_merger_is_offered_only_the_communes_that_exist(demo_reform, client_for, users):
    """The predecessors of the new Xã Thọ Xuân are read from its page, not listed as communes to report for."""
    for username in ("xa_xuantruong", "xa_thoxuan"):  # the 2021 official acts at the new commune too
        client = client_for(get_user_model().objects.get(username=username))
        home = client.get("/")
        assert [q.commune.name for q in home.context["queues"]] == ["Xã Thọ Xuân"], username
        opens = re.findall(r'<form method="post" action="(/reports/open/[^"]+)"', home.content.decode())
        assert opens == [reverse("reports:report_open", args=[THO_XUAN_CODE, 2026, 12])], username
    assert client.post(opens[0]).status_code == 302  # to the new report, not refused


def test_an_official_whose_role_ended_reads_their_last_month_without_actions(demo_reform, client_for):
    from communes.models import Membership

    xuan_hoa = AdministrativeUnit.objects.get(name="Xã Xuân Hòa")
    former = make_member("xa_cu", Role.COMMUNE_OFFICIAL, xuan_hoa)
    Membership.objects.filter(user=former).update(valid_until=xuan_hoa.valid_until)
    client = client_for(former)
    home = client.get("/")
    [queue] = home.context["queues"]
    assert (home.context["period"].year, home.context["period"].month) == (2021, 4)
    assert queue.commune == xuan_hoa and queue.current.status == ReportStatus.RETURNED
    assert not queue.acts and not queue.pending and not queue.must_open
    html = home.content.decode()
    assert "Sửa và nộp lại" not in html and "Lập báo cáo" not in html
    assert reverse("reports:report_detail", args=[queue.current.pk]) in html  # "Xem báo cáo"
