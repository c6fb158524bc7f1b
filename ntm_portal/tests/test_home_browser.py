"""Each 2021 demo role's home in a real browser at 03/05/2021: the queue is there, its first item leads to
the next action in one click, and at 390×844 the page does not scroll sideways."""

import datetime
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2021, 5, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))

# login → (text the queue shows, the first queue item's selector, a text of the page it opens)
JOURNEYS = {
    "xa_xuanhoa": ("Sửa và nộp lại", "#queue-15517 .queue-action >> nth=0", "Tiêu chí 13"),
    "xa_xuantruong": ("Lập báo cáo tháng 05/2021", "#queue-15514 .queue-action >> nth=0", "05/2021"),
    "vpdp_thoxuan": ("Chờ duyệt 4", "#awaiting .queue-action >> nth=0", "04/2021"),
    "totrt_thoxuan": ("Nhiệm vụ chờ xác nhận 1", "#to-verify .queue-action >> nth=0", "Cứng hóa"),
    "lanhdao_thoxuan": ("đạt 9/15 tiêu chí", "#standings .queue-action >> nth=0", "Xã Phú Xuân"),
    "phong_ythoxuan": ("Chưa đạt:", ".queue .queue-action >> nth=0", "Y tế"),
}


def test_each_role_home_is_a_queue_one_click_from_the_next_action(demo_reports, live_server, new_page):
    with time_machine.travel(NOW, tick=True):
        for username, (queue_text, first_item, next_page_text) in JOURNEYS.items():
            page = new_page(viewport=(390, 844))
            sign_in(page, live_server.url, username)
            expect(page.locator("main, body").first).to_contain_text(queue_text)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (username, width)
            home = page.url
            page.locator(first_item).click()
            page.wait_for_load_state()
            assert page.url != home, username
            expect(page.locator("body")).to_contain_text(next_page_text)
            page.context.close()
