"""The field workflow on a phone: inspection → site visit → finding with a photo → follow-up for the commune."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from conftest import sign_in
from inspections.models import ActionItem, Finding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_records_a_visit_on_a_phone(live_server, new_page, demo, tmp_path):
    photo = tmp_path / "truong-hoc.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "#2e7d32").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    page = new_page(viewport=(390, 844))
    sign_in(page, live_server.url, "totrt_thoxuan")
    page.locator("main").get_by_text("Kiểm tra thực địa").first.click()  # from the home page
    page.click("text=Đợt kiểm tra mới")
    page.select_option("#id_commune", label="Xã Xuân Trường")
    page.fill("#id_date", "14/04/2021")
    page.fill("#id_team_name", "Tổ công tác số 1")
    page.click("text=Tạo đợt kiểm tra")
    expect(page.locator("body")).to_contain_text("Đã tạo đợt kiểm tra")

    page.get_by_role("link", name="+ Thêm địa điểm kiểm tra").click()
    page.select_option("#id_site_type", "school")
    page.fill("#id_name", "Trường THCS Xuân Trường")
    page.fill("#id_village", "Thôn 2")
    page.get_by_role("button", name="Lưu địa điểm").click()

    page.select_option("#id_indicator", index=9)
    page.select_option("#id_assessment", "shortcoming")
    page.fill("#id_shortcoming", "Nhà vệ sinh học sinh xuống cấp")
    page.fill("#id_recommendation", "Cải tạo trong hè 2021")
    page.set_input_files("#id_photos", str(photo))
    page.click("button[name=save]")
    expect(page.locator("body")).to_contain_text("Đã ghi kết quả kiểm tra")
    finding = Finding.objects.get()
    assert finding.photos.count() == 1
    image = page.locator("img[alt='Ảnh hiện trường']").first
    expect(image).to_have_js_property("complete", True)  # auto-waits for the photo to load
    expect(image).not_to_have_js_property("naturalWidth", 0)  # a decoded image, not a broken one

    page.fill("#id_title", "Cải tạo nhà vệ sinh học sinh")
    page.select_option("#id_owner_user", label="Lê Văn Thành")
    page.fill("#id_due_date", "30/09/2021")
    page.get_by_role("button", name="Giao nhiệm vụ").click()
    expect(page.locator("body")).to_contain_text("Đã giao nhiệm vụ khắc phục")
    assert ActionItem.objects.get().owner_user.username == "xa_xuantruong"

    commune = new_page(viewport=(390, 844))
    sign_in(commune, live_server.url, "xa_xuantruong")
    expect(commune.locator("main")).to_contain_text("Cải tạo nhà vệ sinh học sinh", use_inner_text=True)
