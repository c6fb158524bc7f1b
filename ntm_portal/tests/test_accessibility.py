"""axe-core over the key pages of each role: no critical and no serious violation (WCAG 2.1 AA contrast,
names of links, buttons and form fields, landmarks)."""

import datetime

import pytest
import time_machine

from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's day after April 2021's deadline: April's reports are in, some reviewed, some returned.
DEMO_NOW = datetime.datetime.fromisoformat("2021-05-03T09:00:00+07:00")


def _inspection():
    from inspections.models import Inspection

    return Inspection.objects.order_by("pk").first()


def _finding():
    from inspections.models import Finding

    return Finding.objects.order_by("pk").first()


def _meeting():
    from meetings.models import Meeting

    return Meeting.objects.order_by("pk").first()


def _report(state=None):
    """Xuân Trường's latest report, or the demo's latest report in `state`."""
    from ntm_portal.demo import XUAN_TRUONG_CODE
    from reports.models import MonthlyReport

    reports = (
        MonthlyReport.objects.filter(status=state)
        if state
        else MonthlyReport.objects.filter(commune__code=XUAN_TRUONG_CODE)
    )
    return reports.order_by("-period__year", "-period__month", "pk").first()


def _draft():
    """Xuân Trường's May 2021 report, opened and still empty: the report form."""
    from communes.models import AdministrativeUnit
    from ntm_portal.demo import XUAN_TRUONG_CODE
    from reports.services import period_for, report_open

    return report_open(commune=AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE), period=period_for(2021, 5))


# Each role's key pages: a path, or a function of the demo's rows giving one.
KEY_PAGES = {
    None: ["/accounts/login/", "/accounts/password_reset/"],
    "vpdp_thoxuan": [
        "/",
        "/notifications/",
        "/inspections/",
        lambda: f"/inspections/{_inspection().pk}/",
        "/meetings/",
        lambda: f"/meetings/{_meeting().pk}/",
        "/criteria/",
        "/criteria/minh-hoa-nang-cao-15-41/",
        "/units/",
        "/office/",
        "/office/people/",
        "/office/enrolments/",
        "/reports/",
        "/reports/periods/",
        lambda: f"/reports/{_report('submitted').pk}/",
        lambda: f"/reports/{_report('accepted').pk}/",  # "Mở lại để xã chỉnh sửa"
        lambda: f"/reports/{_report('returned').pk}/",
        "/dashboards/395/",
        "/dashboards/395/matrix/",
        "/accounts/password_change/",
    ],
    "xa_xuantruong": [
        "/",
        "/notifications/",
        "/reports/",
        lambda: f"/reports/{_report().pk}/",
        lambda: f"/reports/{_draft().pk}/",
        "/reports/plan/15514/",
        "/inspections/",
        "/meetings/",
    ],
    "totrt_thoxuan": [
        "/",
        "/inspections/",
        lambda: f"/inspections/{_inspection().pk}/",
        lambda: f"/inspections/findings/{_finding().pk}/",
    ],
    "lanhdao_thoxuan": ["/", "/dashboards/395/", "/meetings/"],
    "phong_ythoxuan": ["/", "/reports/", "/inspections/"],
}


def seed_inspection_and_meeting():
    from ntm_portal.demo import seed_inspection, seed_meeting

    seed_inspection()
    seed_meeting()


@pytest.fixture
def demo_day(demo_reports):
    """The demo with its inspection and meeting, the clock pinned (ticking) before any page is served."""
    with time_machine.travel(DEMO_NOW, tick=True):
        seed_inspection_and_meeting()
        yield


def visit_key_pages(page, base_url, username, check):
    """Sign in (unless anonymous), visit the role's key pages and return {path: problems} for the pages
    where `check(page)` found any."""
    if username:
        sign_in(page, base_url, username)
    found = {}
    for entry in KEY_PAGES[username]:
        path = entry() if callable(entry) else entry
        response = page.goto(base_url + path)
        assert response.status == 200, (username, path, response.status)
        problems = check(page)
        if problems:
            found[path] = problems
    return found


def describe(violations):
    return [
        f"{v['impact']} {v['id']} ({v['help']}), {len(v['nodes'])} nodes: {[t for t, _ in v['nodes']]}"
        for v in violations
    ]


def fail_with(found):
    """pytest.fail, not assert: the message lists every page and node (assert's would be cut short)."""
    if found:
        pytest.fail("\n".join(f"{path}\n  " + "\n  ".join(problems) for path, problems in found.items()), pytrace=False)


@pytest.mark.parametrize("username", list(KEY_PAGES), ids=lambda u: u or "anonymous")
def test_key_pages_have_no_serious_axe_violation(live_server, new_page, demo_day, axe_violations, username):
    page = new_page()
    fail_with(visit_key_pages(page, live_server.url, username, lambda p: describe(axe_violations(p))))


def test_the_bell_says_how_many_notifications_are_unread(live_server, new_page, demo_day):
    from django.contrib.auth import get_user_model

    from notifications.models import Notification

    user = get_user_model().objects.get(username="xa_xuantruong")
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    page = new_page()
    sign_in(page, live_server.url, "xa_xuantruong")
    bell = page.locator("a[href='/notifications/']")
    expected = f"Thông báo, {unread} chưa đọc" if unread else "Thông báo"
    assert bell.get_attribute("aria-label") == expected
