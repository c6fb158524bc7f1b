"""The reporting loop in a real browser: the commune submits, the office returns, the commune reads why."""

import re

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from ntm_portal.testing import fill
from reports.models import MonthlyReport, ReportStatus
from reports.services import period_current, period_for, report_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commune_submits_office_returns_commune_sees_the_reason(live_server, new_page, users, xuan_truong):
    march = report_open(commune=xuan_truong, period=period_for(2021, 3))
    fill(march, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    period = period_current()

    page = new_page(viewport=(390, 844))  # a commune official on a phone
    sign_in(page, live_server.url, "xa_xuantruong")
    page.click(f"text=Lập báo cáo tháng {period}")  # the home page leads straight to this month's report
    summary = page.locator("#summary")
    expect(summary).to_contain_text("9/15 tiêu chí, 25/41 tiểu tiêu chí", use_inner_text=True)  # pre-filled from March

    row = page.locator("[id^=s-]", has_text="2.2").first
    row.locator("input[name^=value_]").fill("62")
    row.locator("input[name^=value_]").dispatch_event("change")
    expect(summary).to_contain_text("24/41")  # (no wait_for_function: the page's CSP forbids eval)
    # 8/15, or at least no longer 9/15
    expect(summary).to_contain_text(re.compile(r"8/15 tiêu chí|^(?![\s\S]*9/15 tiêu chí)"), use_inner_text=True)

    page.click("button[name=submit]")  # 2.2 is no longer met: a responsible person and a date are needed
    expect(page.locator("body")).to_contain_text("Chưa đạt: cần ghi người chịu trách nhiệm.")
    row = page.locator("[id^=s-]", has_text="2.2").first
    expect(row.locator("input[name^=value_]")).to_have_value("62")  # nothing typed was lost
    row.locator("input[name^=person_]").fill("Nguyễn Văn Bình")
    row.locator("input[name^=planned_]").fill("30/09/2021")
    page.click("button[name=save]")
    expect(page.locator("body")).to_contain_text("Đã lưu nháp")
    page.click("button[name=submit]")
    expect(page.locator("body")).to_contain_text("Đã nộp báo cáo: đạt")
    report = MonthlyReport.objects.get(commune=xuan_truong, period=period)
    assert report.status == ReportStatus.SUBMITTED and report.indicators_met == 24

    office = new_page()
    sign_in(office, live_server.url, "vpdp_thoxuan")
    office.click("text=Báo cáo tháng")
    office.click("text=Xã Xuân Trường")
    office.fill("#id_comment", "Tiêu chí 2: đề nghị bổ sung biên bản nghiệm thu đường thôn.")
    office.click("button[value=return]")
    expect(office.locator("body")).to_contain_text("Đã trả lại báo cáo cho xã.")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sửa và nộp lại").first.click()  # the returned report leads the queue
    reason = page.locator(".alert-warning")
    expect(reason).to_contain_text("Báo cáo bị trả lại", use_inner_text=True)
    expect(reason).to_contain_text("bổ sung biên bản nghiệm thu đường thôn", use_inner_text=True)
    assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.RETURNED


def test_office_reads_the_overview_and_the_matrix(live_server, new_page, demo_reports):
    import os

    from communes.models import AdministrativeUnit
    from conftest import SCREENSHOTS

    enrolled = set(
        AdministrativeUnit.objects.filter(parent__code="395", enrolments__isnull=False).values_list("name", flat=True)
    )
    page = new_page()
    sign_in(page, live_server.url, "vpdp_thoxuan")
    page.click("text=Bảng điều khiển — Huyện Thọ Xuân")
    page.wait_for_load_state()  # the picker's listener is attached on DOMContentLoaded (deferred script)
    page.select_option("#period", "2021-4")
    page.wait_for_url("**period=2021-4**")
    table = page.locator("#overview-table")
    for name in sorted(enrolled):
        expect(table).to_contain_text(name, use_inner_text=True)
    expect(table).to_contain_text("9/15", use_inner_text=True)
    expect(table).to_contain_text("25/41", use_inner_text=True)
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, "dashboard-overview.png"), full_page=True)

    page.click("text=Ma trận tiêu chí")
    matrix = page.locator("#matrix-table")
    for name in sorted(enrolled):
        expect(matrix).to_contain_text(name, use_inner_text=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, "dashboard-matrix.png"), full_page=True)
    page.locator("#matrix-table a.cell-unmet").first.click()  # drill down into a commune's criterion
    expect(page.locator("details[open]")).to_have_count(1)  # auto-waits for the commune page


def test_leader_downloads_the_minutes_as_a_real_pdf(live_server, new_page, demo_reports, tmp_path):
    import subprocess

    from ntm_portal.demo import seed_inspection, seed_meeting

    seed_inspection()
    seed_meeting()  # rendered in-process (eager tasks) as soon as each change commits
    page = new_page()
    sign_in(page, live_server.url, "lanhdao_thoxuan")
    page.locator("main").get_by_text("Biên bản làm việc").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải biên bản PDF").first.click()
    path = tmp_path / "bien-ban.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "BIÊN BẢN" in text and "9/15" in text and "25/41" in text


def test_office_accepts_the_resubmission_and_reads_the_dashboard(live_server, new_page, users, xuan_truong):
    from reports.services import report_return, report_submit

    april = report_open(commune=xuan_truong, period=period_for(2021, 4))
    fill(april, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    april = report_submit(report=april, user=users["xa_xuantruong"])
    report_return(report=april, user=users["vpdp_thoxuan"], reason="Bổ sung minh chứng")

    commune = new_page(viewport=(390, 844))
    sign_in(commune, live_server.url, "xa_xuantruong")
    commune.goto(f"{live_server.url}/reports/{april.pk}/")
    expect(commune.locator(".alert-warning")).to_contain_text("Bổ sung minh chứng", use_inner_text=True)
    commune.click("button[name=submit]")
    expect(commune.locator("body")).to_contain_text("Đã nộp báo cáo")

    office = new_page()
    sign_in(office, live_server.url, "vpdp_thoxuan")
    office.goto(f"{live_server.url}/reports/{april.pk}/")
    office.fill("#id_comment", "Đã đủ minh chứng.")
    office.click("button[value=accept]")
    expect(office.locator("body")).to_contain_text("Đã duyệt báo cáo.")
    assert MonthlyReport.objects.get(pk=april.pk).status == ReportStatus.ACCEPTED
    office.goto(f"{live_server.url}/")
    office.get_by_role("link", name="Bảng điều khiển — Huyện Thọ Xuân").click()
    office.wait_for_load_state()  # the picker's listener is attached on DOMContentLoaded (deferred script)
    office.select_option("#period", "2021-4")
    office.wait_for_url("**period=2021-4**")
    row = office.locator("#overview-table tr", has_text="Xã Xuân Trường")
    expect(row).to_contain_text("Đã duyệt", use_inner_text=True)
    expect(row).to_contain_text("9/15", use_inner_text=True)
