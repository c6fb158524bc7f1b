"""The province office runs its communes without the shell or the admin, in a real browser: it adds an
official for a new commune (the set-password mail arrives and its link works), enrols the commune in the
10/47 set from the current period, uploads a criteria file with a bad line, sees the line named, fixes it
and applies it; the new official then sets a password, signs in and opens the month's report form."""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from communes.models import AdministrativeUnit, Membership, Role, UnitLevel
from conftest import sign_in
from core.testing import csv_bytes
from criteria.models import CriteriaSet, Enrolment
from criteria.services import CRITERIA_COLUMNS
from ntm_portal.demo import PROVINCE_CODE, REFORM_DAY, REFORM_SET_CODE
from office.models import ImportRecord, ImportStatus
from reports.services import period_current

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _criteria_file(threshold):
    rows = [
        ["1", "Quy hoạch", "", "1.1", "Có quy hoạch chung xã được phê duyệt", "yes_no", "", "", "", "", ""],
        ["2", "Giao thông", "", "2.1", "Tỷ lệ đường xã được nhựa hóa", "percent_min", "%", "", threshold, "", ""],
    ]
    return csv_bytes([list(CRITERIA_COLUMNS), *rows])


def open_office_home(page):
    """The office's pages sit under the bar's "Quản lý" menu."""
    page.locator("#mainnav").get_by_role("button", name="Quản lý").click()
    page.locator("#mainnav").get_by_role("link", name="Quản lý của Văn phòng Điều phối").click()
    page.wait_for_url("**/office/")  # before looking for links: the page left behind has the same menu open


def test_province_office_adds_an_official_enrols_the_commune_and_imports_a_criteria_set(
    live_server, new_page, demo_reform, tmp_path
):
    province = AdministrativeUnit.objects.by_code(PROVINCE_CODE)
    commune = AdministrativeUnit.objects.create(
        code="99001", name="Xã Minh Họa", level=UnitLevel.COMMUNE, parent=province, valid_from=REFORM_DAY
    )
    period = period_current()
    month = f"{period.month:02d}/{period.year}"
    page = new_page()
    sign_in(page, live_server.url, "vpdp_thanhhoa")

    # 1. People: a commune official for the new commune.
    open_office_home(page)
    page.get_by_role("link", name="Thêm người dùng").click()
    page.fill("#id_username", "xa_minhhoa")
    page.fill("#id_last_name", "Phạm Thị")
    page.fill("#id_first_name", "Lan")
    page.fill("#id_email", "lan.pham@example.org")
    page.select_option("#id_role", Role.COMMUNE_OFFICIAL)
    page.select_option("#id_unit", str(commune.pk))
    page.fill("#id_position", "Công chức Văn phòng - Thống kê")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".alert-success")).to_contain_text("lan.pham@example.org")
    expect(page.locator("body")).to_contain_text("Gửi liên kết đặt mật khẩu")
    [message] = [m for m in mail.outbox if m.to == ["lan.pham@example.org"]]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    assert Membership.objects.get(user__username="xa_minhhoa").unit == commune

    # 2. Enrolment: the 10/47 set, zone and target year, from the current period.
    open_office_home(page)
    page.get_by_role("link", name="Đăng ký bộ tiêu chí").first.click()
    page.fill("#filter_q", "Minh Họa")
    page.get_by_role("button", name="Lọc").click()
    page.check(f"#commune-{commune.pk}")
    criteria_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
    page.select_option("#id_criteria_set", str(criteria_set.pk))
    page.fill("#id_zone", "Nhóm 2")
    page.fill("#id_target_year", "2028")
    page.fill("#id_starts_on", month)
    page.get_by_role("button", name="Xem trước thay đổi").click()
    expect(page.locator("body")).to_contain_text("Xã Minh Họa")
    assert not Enrolment.objects.filter(commune=commune).exists()  # a preview changes nothing
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".alert-success")).to_be_visible()
    enrolment = Enrolment.objects.get(commune=commune)
    assert (enrolment.criteria_set, enrolment.zone, enrolment.starts_on) == (
        criteria_set,
        "Nhóm 2",
        datetime.date(period.year, period.month, 1),
    )

    # 3. A criteria file with a bad line, then the fixed file, applied.
    open_office_home(page)
    page.get_by_role("link", name="Nhập dữ liệu từ tệp").click()
    page.get_by_role("link", name="Nhập bộ tiêu chí").click()
    bad, good = tmp_path / "bo-tieu-chi.csv", tmp_path / "bo-tieu-chi-da-sua.csv"
    bad.write_bytes(_criteria_file("nhiều"))
    good.write_bytes(_criteria_file("80"))
    form_url = page.url
    page.fill("#id_code", "thanh-hoa-thu-nghiem-2027")
    page.fill("#id_name", "Bộ tiêu chí thử nghiệm của tỉnh")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator("body")).to_contain_text("Dòng 3:")
    expect(page.locator("body")).to_contain_text("nhiều")
    assert not CriteriaSet.objects.filter(code="thanh-hoa-thu-nghiem-2027").exists()
    page.goto(form_url)
    page.fill("#id_code", "thanh-hoa-thu-nghiem-2027")
    page.fill("#id_name", "Bộ tiêu chí thử nghiệm của tỉnh")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator("body")).to_contain_text("2.1")
    assert not CriteriaSet.objects.filter(code="thanh-hoa-thu-nghiem-2027").exists()
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("body")).to_contain_text("Đã áp dụng")
    imported = CriteriaSet.objects.get(code="thanh-hoa-thu-nghiem-2027")
    assert imported.indicators.count() == 2 and imported.owner == province
    assert list(ImportRecord.objects.order_by("pk").values_list("status", flat=True)) == [
        ImportStatus.REFUSED,
        ImportStatus.APPLIED,
    ]

    # 4. The new official sets a password through the mailed link, signs in, opens the month's report.
    official = new_page()
    official.goto(live_server.url + link[len(_site(link)) :])
    official.fill("#id_new_password1", "Minh-Hoa-2026!")
    official.fill("#id_new_password2", "Minh-Hoa-2026!")
    official.locator("main button[type=submit]").click()
    sign_in(official, live_server.url, "xa_minhhoa", password="Minh-Hoa-2026!")
    expect(official.locator("body")).to_contain_text("Xã Minh Họa")
    official.get_by_role("button", name=f"Lập báo cáo tháng {period}").click()
    expect(official.locator("body")).to_contain_text("Xã Minh Họa")
    expect(official.locator("body")).to_contain_text(month)
    expect(official.locator("form input[name=version]")).to_have_count(1)


def _site(link):
    """The scheme and host of SITE_URL in the mailed link (the live server listens elsewhere)."""
    return re.match(r"https?://[^/]+", link).group(0)
