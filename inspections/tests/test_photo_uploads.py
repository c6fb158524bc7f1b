"""Hostile photos on both photo routes (the finding form, the photo form of a finding's page): each one is
refused with the form's message, nothing is saved, and a pixel bomb is refused from its header, undecoded."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communes.models import AdministrativeUnit
from core.errors import ApplicationError
from core.tests.hostile import hostile_photos, jpeg, measured, png_bomb
from criteria.models import Indicator
from inspections import services
from inspections.models import Finding, Photo
from inspections.photos import process_photo


@pytest.fixture
def inspector(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="totrt_thoxuan")


@pytest.fixture
def visit(inspector):
    inspection = services.inspection_create(
        commune=AdministrativeUnit.objects.get(code="15514"),
        date=datetime.date(2021, 4, 14),
        team_name="Tổ công tác số 1",
        leader=inspector,
        created_by=inspector,
    )
    return services.visit_add(inspection=inspection, site_type="school", name="Trường THCS Xuân Trường")


@pytest.fixture
def finding(visit, inspector):
    return services.finding_add(
        visit=visit,
        indicator=Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code="5.1"),
        assessment="shortcoming",
        shortcoming="Nhà vệ sinh xuống cấp",
        user=inspector,
    )


def photo(name, content=None):
    return SimpleUploadedFile(name, hostile_photos()[name] if content is None else content, content_type="image/jpeg")


def post_finding(client, visit, photos):
    indicator = Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code="5.1")
    data = {"indicator": indicator.pk, "assessment": "shortcoming", "shortcoming": "Tường rào đổ", "photos": photos}
    return client.post(reverse("inspections:finding_create", args=[visit.pk]), data)


def post_photos(client, finding, photos):
    return client.post(reverse("inspections:photo_add", args=[finding.pk]), {"photos": photos})


def stored_files(settings):
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


EXPECTED = {
    "van-ban.jpg": "không đúng định dạng",
    "rong.jpg": "rỗng",
    "tai-lieu.jpg": "không đúng định dạng",
    "anh.gif": "không đúng định dạng",
    "cat-doi.jpg": "Tệp “cat-doi.jpg”: Không đọc được ảnh.",
    "cat-doi.png": "không đúng định dạng",
    "hong-crc.png": "không đúng định dạng",
    "dau-jpeg.jpg": "không đúng định dạng",
    "bom-diem-anh.png": "Ảnh “bom-diem-anh.png” quá lớn (tối đa 40 megapixel)",
    "bom-tieu-de.jpg": "Ảnh “bom-tieu-de.jpg” quá lớn (tối đa 40 megapixel)",
    "qua-lon.jpg": "quá lớn (15,0 MB); tối đa 15,0 MB",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_a_hostile_photo_is_refused_on_the_finding_form(name, visit, inspector, client_for, settings):
    response = post_finding(client_for(inspector), visit, [photo(name)])

    assert response.status_code == 400
    body = response.content.decode()
    assert EXPECTED[name] in body and "Tường rào đổ" in body
    assert not Finding.objects.exists() and not Photo.objects.exists() and not stored_files(settings)


@pytest.mark.parametrize("name", EXPECTED)
def test_a_hostile_photo_is_refused_on_the_finding_page(name, finding, inspector, client_for, settings):
    response = post_photos(client_for(inspector), finding, [photo(name)])

    assert response.status_code == 400
    assert EXPECTED[name] in response.content.decode()
    assert not Photo.objects.exists() and not stored_files(settings)


def test_a_good_photo_with_a_bad_one_saves_neither(visit, finding, inspector, client_for, settings):
    client = client_for(inspector)
    good = SimpleUploadedFile("IMG_0001.JPG", jpeg((800, 600)), content_type="image/jpeg")

    response = post_photos(client, finding, [good, photo("cat-doi.jpg")])

    assert response.status_code == 400
    assert "“cat-doi.jpg”" in response.content.decode()
    assert not Photo.objects.exists() and not stored_files(settings)

    good.seek(0)
    response = post_finding(client, visit, [good, photo("bom-diem-anh.png")])

    assert response.status_code == 400
    assert Finding.objects.count() == 1  # only the fixture's
    assert not Photo.objects.exists() and not stored_files(settings)


def test_every_bad_photo_is_named(finding, inspector, client_for):
    response = post_photos(client_for(inspector), finding, [photo("van-ban.jpg"), photo("bom-tieu-de.jpg")])

    body = response.content.decode()
    assert "“van-ban.jpg”" in body and "“bom-tieu-de.jpg”" in body


def test_good_photos_are_still_saved_from_the_finding_page(finding, inspector, client_for):
    photos = [SimpleUploadedFile(f"IMG_{i}.JPG", jpeg((800, 600)), content_type="image/jpeg") for i in range(2)]

    response = post_photos(client_for(inspector), finding, photos)

    assert response.status_code == 302
    assert sorted(finding.photos.values_list("original_name", flat=True)) == ["IMG_0.JPG", "IMG_1.JPG"]


@pytest.mark.parametrize("route", ["finding_form", "finding_page"])
def test_a_pixel_bomb_is_refused_from_its_header(route, visit, finding, inspector, client_for):
    client = client_for(inspector)
    bomb = photo("bom-diem-anh.png", png_bomb())  # 12000 × 12000: 1.9 MB on disk, 432 MB decoded

    with measured() as cost:
        if route == "finding_form":
            response = post_finding(client, visit, [bomb])
        else:
            response = post_photos(client, finding, [bomb])

    print(f"pixel bomb on the {route}: {cost}")
    assert response.status_code == 400 and "megapixel" in response.content.decode()
    assert cost.seconds < 2
    assert cost.python_peak_mb < 50 and cost.rss_growth_mb < 50


def test_process_photo_refuses_a_pixel_bomb_before_decoding(settings):
    import io

    with measured() as cost, pytest.raises(ApplicationError, match="tối đa 40 megapixel"):
        process_photo(io.BytesIO(png_bomb()))

    assert cost.seconds < 1 and cost.rss_growth_mb < 50
    settings.IMAGE_MAX_PIXELS = 400 * 300 - 1
    with pytest.raises(ApplicationError, match="megapixel"):
        process_photo(io.BytesIO(jpeg((400, 300))))
