"""A cached dashboard page is never stale: submitting, returning or accepting a report changes it at once.

The writes commit for real (transactional database), as in production, where the version triggers fire
as each transaction commits."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import data_version
from ntm_portal.testing import fill
from reports import services

pytestmark = pytest.mark.django_db(transaction=True)
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PAGES = ["dashboards:overview", "dashboards:matrix", "dashboards:summary", "dashboards:rollup"]


def read(client, name, district):
    """(the page's main content, whether the page was built rather than taken from the cache, queries
    run). Outside the main content, the page changes with every request (the logout form's CSRF token)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=[district.code]) + "?period=2021-3")
    assert response.status_code == 200
    page = response.content.decode()
    built = any(t.name == "dashboards/_parts.html" for t in response.templates)
    return page[page.index("<main") : page.index("</main>")], built, len(queries)


def test_submit_return_accept_each_change_the_cached_pages_at_once(client, users, xuan_truong):
    district = xuan_truong.parent
    client.force_login(users["vpdp_thoxuan"])
    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 3))
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)

    first = {name: read(client, name, district) for name in PAGES}
    again = {name: read(client, name, district) for name in PAGES}
    for name in PAGES:
        assert again[name][0] == first[name][0]
        assert first[name][1] and not again[name][1], f"{name}: the second read is not served from the cache"
        assert again[name][2] < first[name][2]
    assert "Đã nộp đúng hạn" not in first["dashboards:overview"][0]

    version = data_version.current()
    services.report_submit(
        report=report, user=users["xa_xuantruong"], now=datetime.datetime(2021, 3, 24, 16, 0, tzinfo=HCM)
    )
    assert data_version.current() > version
    submitted = {name: read(client, name, district)[0] for name in PAGES}
    for name in PAGES:
        assert submitted[name] != first[name][0], f"{name} still shows the page from before the submission"
    assert "Đã nộp đúng hạn" in submitted["dashboards:overview"]
    assert "9/15" in submitted["dashboards:overview"]

    report.refresh_from_db()
    services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Thiếu minh chứng tiêu chí 2.")
    returned = read(client, "dashboards:overview", district)[0]
    assert "Bị trả lại" in returned and "Đã nộp đúng hạn" not in returned

    report.refresh_from_db()
    services.report_submit(report=report, user=users["xa_xuantruong"])
    report.refresh_from_db()
    services.report_accept(report=report, user=users["vpdp_thoxuan"])
    accepted = read(client, "dashboards:overview", district)[0]
    assert "Đã duyệt" in accepted and "Bị trả lại" not in accepted


def test_the_cache_is_per_reader(client, users, xuan_truong):
    """Two readers of the same address get their own pages (their reach and menus differ)."""
    district = xuan_truong.parent
    client.force_login(users["vpdp_thoxuan"])
    assert read(client, "dashboards:overview", district)[1]  # opens the period: a change of the data
    assert read(client, "dashboards:overview", district)[1]
    assert not read(client, "dashboards:overview", district)[1]
    client.force_login(users["lanhdao_thoxuan"])
    assert read(client, "dashboards:overview", district)[1]
