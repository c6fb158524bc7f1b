"""The report pages on a phone (390×844): the decision within the first screen, no sideways scroll, the form's
✓/✗ as values are typed and its jump links landing below the sticky summary."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import sign_in
from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE
from reports.models import IndicatorStatus, MonthlyReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)


def april_of(code):
    return MonthlyReport.objects.get(commune__code=code, period__year=2021, period__month=4)


def phone(new_page):
    page = new_page(viewport=PHONE)
    page.emulate_media(reduced_motion="reduce")  # jumps without Bootstrap's smooth scrolling, measurable at once
    return page


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_office_decides_from_the_first_screen_of_a_phone(live_server, new_page, demo_reports):
    report = april_of(XUAN_TRUONG_CODE)
    page = phone(new_page)
    sign_in(page, live_server.url, "vpdp_thoxuan")
    page.goto(live_server.url + reverse("reports:report_detail", args=[report.pk]))
    for decision in ("accept", "return"):
        box = page.locator(f"button[name=decision][value={decision}]").bounding_box()
        assert box is not None and box["y"] + box["height"] < PHONE[1], (decision, box)
    assert scroll_width(page) <= PHONE[0]
    page.locator("#changed-since-previous a.changed-link").first.click()  # a jump lands on its row
    target = page.evaluate("location.hash")
    expect(page.locator(target)).to_be_in_viewport()

    page.goto(live_server.url + reverse("reports:report_history", args=[report.pk]))
    expect(page.locator("h1")).to_contain_text("Lịch sử thay đổi")
    assert scroll_width(page) <= PHONE[0]


def test_commune_form_on_a_phone(live_server, new_page, demo_reports):
    report = april_of(XUAN_HOA_CODE)  # returned: Xuân Hòa edits it
    page = phone(new_page)
    sign_in(page, live_server.url, "xa_xuanhoa")
    page.goto(live_server.url + reverse("reports:report_detail", args=[report.pk]))
    assert scroll_width(page) <= PHONE[0]

    # The return reason names criterion 13: its link lands on the criterion, not under the sticky summary.
    page.locator(".return-reason a[href='#tc-13']").click()
    heading = page.locator("#tc-13 h2").bounding_box()
    sticky = page.locator(".form-top").bounding_box()
    assert heading["y"] >= sticky["y"] + sticky["height"] - 1, (heading, sticky)
    assert heading["y"] < PHONE[1]

    # The jump links of the sticky summary do the same.
    page.locator("#criterion-nav a[href='#tc-2']").click()
    heading = page.locator("#tc-2 h2").bounding_box()
    sticky = page.locator(".form-top").bounding_box()
    assert sticky["y"] + sticky["height"] - 1 <= heading["y"] < PHONE[1]

    # ✓/✗ follow what is typed (13.1 is a percentage judged against the zone's threshold).
    status = IndicatorStatus.objects.select_related("indicator").get(report=report, indicator__code="13.1")
    threshold = status.indicator.target_for(report.zone).threshold
    row = page.locator(f"#s-{status.pk}")
    mark = row.locator(".js-row-met")
    field = row.locator("input[name^=value_]")
    field.fill(f"{threshold - 1:f}".replace(".", ","))
    expect(mark).to_have_text("✗ Chưa đạt")
    expect(mark).to_have_class("row-met js-row-met is-unmet")
    field.fill(f"{threshold:f}".replace(".", ","))
    expect(mark).to_have_text("✓ Đạt")
    field.fill("abc")
    expect(mark).to_contain_text("Chưa xác định")

    # A sub-criterion assessed by the commune: the select decides.
    declared = (
        IndicatorStatus.objects.filter(report=report, indicator__kind="yes_no").order_by("indicator__position").first()
    )
    select = page.locator(f"#s-{declared.pk} select[name^=met_]")
    select.select_option("0")
    expect(page.locator(f"#s-{declared.pk} .js-row-met")).to_have_text("✗ Chưa đạt")
    select.select_option("1")
    expect(page.locator(f"#s-{declared.pk} .js-row-met")).to_have_text("✓ Đạt")

    page.locator("#xlsx-upload").scroll_into_view_if_needed()
    assert scroll_width(page) <= PHONE[0]
    upload = page.locator("#xlsx-upload input[type=file]").bounding_box()
    assert upload["x"] + upload["width"] <= PHONE[0]

    page.goto(live_server.url + reverse("reports:report_history", args=[report.pk]))
    assert scroll_width(page) <= PHONE[0]
