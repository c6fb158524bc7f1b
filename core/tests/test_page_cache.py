"""A cached dashboard page is never stale: submitting, returning or accepting a report changes it at once.

The writes commit for real (transactional database), as in production, where the version triggers fire
as each transaction commits."""

import datetime
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Membership
from core import data_version
from core.page_cache import CSRF_PLACEHOLDER
from ntm_portal.testing import fill
from reports import services
from reports.models import EvidenceFile, IndicatorStatus
from reports.selectors import report_statuses
from reports.tests.test_views import form_data

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
    built = any(t.name == "partials/_page_parts.html" for t in response.templates)
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
    assert data_version.current()[0] > version[0]
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


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def read_form(client, report):
    """(the form page's own content (without the shell's messages) and without its CSRF tokens (masked anew
    on every request), whether it was built, the token of its form)."""
    response = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index('<nav aria-label="breadcrumb"') : page.index("</main>")]
    built = any(t.name == "reports/report_form.html" for t in response.templates)
    return TOKEN.sub("", main), built, TOKEN.search(main).group(1)


def test_the_kept_report_form_changes_with_each_save_and_carries_each_readers_csrf_token(users, xuan_truong):
    """The official's form page is kept like a dashboard: a save, an evidence file or a return shows at once,
    and the page taken from the cache holds the token of the session reading it (its forms can be posted)."""
    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 4))
    official = Client(enforce_csrf_checks=True)
    official.force_login(users["xa_xuantruong"])
    first, built, _token = read_form(official, report)
    again, built_again, token = read_form(official, report)
    assert built and not built_again and again == first
    assert CSRF_PLACEHOLDER not in again and CSRF_PLACEHOLDER not in token

    person = next(s for s in report_statuses(report) if s.indicator.code == "1.1")
    data = form_data(report, **{f"person_{person.pk}": "Ông Lê Văn Cường"})
    data["csrfmiddlewaretoken"] = token  # the token of the page served from the cache
    response = official.post(reverse("reports:report_edit", args=[report.pk]), data)
    assert response.status_code == 302, "the form taken from the cache could not be posted"
    saved, built, _token = read_form(official, report)
    assert built and "Ông Lê Văn Cường" in saved and "Ông Lê Văn Cường" not in first

    # Another session of the same official (a second browser) is served the kept page with its own token.
    second = Client(enforce_csrf_checks=True)
    second.force_login(users["xa_xuantruong"])
    page, built, token = read_form(second, report)
    assert not built and page == saved
    report.refresh_from_db()
    data = form_data(report, **{f"person_{person.pk}": "Bà Trần Thị Dung"})
    data["csrfmiddlewaretoken"] = token
    assert second.post(reverse("reports:report_edit", args=[report.pk]), data).status_code == 302

    # Evidence removed behind the portal's back (the admin, a shell) is a change too.
    status = IndicatorStatus.objects.get(pk=person.pk)
    evidence = EvidenceFile.objects.create(
        status=status,
        file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n"),
        original_name="bien-ban.pdf",
        kind="pdf",
        size=9,
        uploaded_by=users["xa_xuantruong"],
    )
    with_evidence, built, _token = read_form(official, report)
    assert built and "bien-ban.pdf" in with_evidence
    evidence.delete()
    without, built, _token = read_form(official, report)
    assert built and "bien-ban.pdf" not in without


def test_access_kept_with_the_pages_is_withdrawn_with_the_membership(users, xuan_truong):
    """Whether a reader may open a page is kept with it: removing a membership, or submitting the report (the
    form becomes the read-only page), takes effect at the next request."""
    district = xuan_truong.parent
    office = Client()
    office.force_login(users["vpdp_thoxuan"])
    url = reverse("dashboards:overview", args=[district.code]) + "?period=2021-3"
    assert office.get(url).status_code == 200
    assert office.get(url).status_code == 200  # served from the cache
    Membership.objects.filter(user=users["vpdp_thoxuan"]).delete()
    assert office.get(url).status_code == 403

    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 4))
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    official = Client()
    official.force_login(users["xa_xuantruong"])
    form_url = reverse("reports:report_detail", args=[report.pk])
    assert 'id="report-form"' in official.get(form_url).content.decode()
    assert 'id="report-form"' in official.get(form_url).content.decode()  # served from the cache
    report.refresh_from_db()
    services.report_submit(report=report, user=users["xa_xuantruong"])
    assert 'id="report-form"' not in official.get(form_url).content.decode()
    Membership.objects.filter(user=users["xa_xuantruong"]).delete()
    assert official.get(form_url).status_code == 404
