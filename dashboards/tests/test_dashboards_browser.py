"""The dashboards on a phone (390×844) and a laptop (1366×768): no page scrolls sideways; the matrix
scrolls inside its container with the commune column in view; the start of a month shows standings."""

import datetime
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import sign_in
from criteria.models import THRESHOLD_KINDS, Indicator
from ntm_portal.demo import DEMO_SET_CODE, DISTRICT_CODE, XUAN_TRUONG_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START_OF_MAY = datetime.datetime(2021, 5, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)])
def test_dashboards_fit_the_screen(viewport, live_server, new_page, demo_reports):
    number = (
        Indicator.objects.filter(criterion__criteria_set__code=DEMO_SET_CODE, kind__in=THRESHOLD_KINDS)
        .order_by("criterion__number")
        .values_list("criterion__number", flat=True)
        .first()
    )
    base = f"{live_server.url}/dashboards"
    pages = {
        "overview": f"{base}/{DISTRICT_CODE}/",
        "matrix": f"{base}/{DISTRICT_CODE}/matrix/",
        "criterion": f"{base}/{DISTRICT_CODE}/criterion/{number}/",
        "commune": f"{base}/commune/{XUAN_TRUONG_CODE}/",
    }
    with time_machine.travel(START_OF_MAY, tick=True):
        page = new_page(viewport=viewport)
        sign_in(page, live_server.url, "vpdp_thoxuan")
        for name, url in pages.items():
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport[0], (name, width)
            if name == "overview":
                row = page.locator(f"#row-{XUAN_TRUONG_CODE}")
                expect(row).to_contain_text("9/15", use_inner_text=True)
                expect(row).to_contain_text("25/41", use_inner_text=True)
                expect(row).to_contain_text("03/2021", use_inner_text=True)
            if name == "matrix":
                expect(page.locator("#matrix-table tfoot")).to_contain_text("Số xã đạt")
                expect(page.locator("#matrix-table thead .crit-short").first).to_be_visible()
                # The commune column stays in view when the criteria scroll sideways inside their box.
                page.locator(".matrix-scroll").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
                left = page.locator(".matrix-scroll").bounding_box()["x"]
                cell = page.locator(f"#row-{XUAN_TRUONG_CODE} th.sticky-col")
                box = cell.bounding_box()
                assert box is not None and abs(box["x"] - left) < 2, (box, left)
                # A commune name stays on one line.
                link = cell.locator("a")
                assert link.bounding_box()["height"] < 30
            if name == "criterion":
                expect(page.locator("svg.chart-distribution text.bar-name").first).to_be_visible()
                # Every label lies inside its chart (none cut off at the right edge).
                overflow = page.evaluate(
                    """() => [...document.querySelectorAll('svg.chart-distribution')].flatMap(svg => {
                        const right = svg.getBoundingClientRect().right + 1;
                        return [...svg.querySelectorAll('text')].filter(t => t.getBoundingClientRect().right > right)
                            .map(t => t.textContent); })"""
                )
                assert overflow == [], overflow
