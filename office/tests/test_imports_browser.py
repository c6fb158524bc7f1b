"""A province office imports a unit file on a phone (390 px): upload, preview, apply, no sideways scroll."""

import pytest
from playwright.sync_api import expect

from communes.models import AdministrativeUnit, Role
from conftest import sign_in
from core.testing import csv_bytes
from ntm_portal.demo import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_province_office_imports_units_on_a_phone(live_server, new_page, demo, tmp_path):
    make_member("vpdp_tinh", Role.OFFICE, AdministrativeUnit.objects.get(code="38"), password="ntm-demo-2021")
    units = tmp_path / "don-vi-hanh-chinh-thanh-hoa-bo-sung-thang-12.csv"
    header = ["code", "name", "level", "parent_code", "valid_from", "valid_until", "successor_code"]
    rows = [header, ["99001", "Xã Thử Nghiệm Có Tên Rất Dài Để Xem Có Tràn Màn Hình", "commune", "395", "", "", ""]]
    rows.append(["15517", "Xã Xuân Hòa", "commune", "395", "", "30/06/2025", "15514"])
    units.write_bytes(csv_bytes(rows))

    page = new_page(viewport=(390, 844))
    sign_in(page, live_server.url, "vpdp_tinh")
    page.goto(f"{live_server.url}/office/imports/")
    no_sideways_scroll(page)
    page.get_by_role("link", name="+ Nhập đơn vị hành chính").click()
    no_sideways_scroll(page)
    page.set_input_files("#id_file", str(units))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator("body")).to_contain_text("Tạo mới 99001")
    expect(page.locator("body")).to_contain_text("kế thừa bởi 15514")
    no_sideways_scroll(page)
    assert AdministrativeUnit.objects.by_code("99001") is None
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("body")).to_contain_text("Đã áp dụng tệp")
    no_sideways_scroll(page)
    assert AdministrativeUnit.objects.by_code("99001").parent.code == "395"
