"""The province office after the 2025 reform, in a real browser: the current period's overview and matrix
of Thanh Hóa on the 2026–2030 set, then the new Xã Thọ Xuân and its predecessor Xuân Trường's 2021 report."""

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from criteria.models import CriteriaSet
from ntm_portal.demo import PROVINCE_CODE, REFORM_SET_CODE
from reports.services import period_current

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_province_office_drills_into_xa_tho_xuan_and_reads_xuan_truong_2021(live_server, new_page, demo_reform):
    criteria = CriteriaSet.objects.get(code=REFORM_SET_CODE).criteria.order_by("number")
    names = list(criteria.values_list("name", flat=True))
    assert len(names) == 10
    period = period_current()
    page = new_page()
    sign_in(page, live_server.url, "vpdp_thanhhoa")

    page.goto(f"{live_server.url}/dashboards/{PROVINCE_CODE}/")
    expect(page.locator("body")).to_contain_text(f"{period.month:02d}/{period.year}")
    expect(page.locator("body")).to_contain_text("Xã Thọ Xuân")

    page.goto(f"{live_server.url}/dashboards/{PROVINCE_CODE}/matrix/")
    headers = page.locator("thead th[title]")
    expect(headers).to_have_count(10)
    for index, name in enumerate(names):
        expect(headers.nth(index)).to_have_attribute("title", name)

    page.get_by_role("link", name="Xã Thọ Xuân", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Xã Thọ Xuân")
    history = page.locator("#predecessor-history")
    expect(history).to_contain_text("Lịch sử các xã trước sáp nhập")
    expect(history).to_contain_text("Xã Xuân Trường")
    history.locator("li", has_text="Xã Xuân Trường").get_by_role("link", name="04/2021").click()
    expect(page.locator("body")).to_contain_text("Xã Xuân Trường")
    expect(page.locator("body")).to_contain_text("9/15")
    expect(page.locator("body")).to_contain_text("25/41")
