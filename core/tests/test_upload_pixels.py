"""Every uploaded image (photo or evidence) is refused above IMAGE_MAX_PIXELS, from its header."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.tests.hostile import jpeg, jpeg_claiming, measured, png, png_bomb
from core.uploads import EVIDENCE_KINDS, PHOTO_KINDS, validate_upload

MB = 1024 * 1024


def check(name, content, kinds=EVIDENCE_KINDS):
    return validate_upload(SimpleUploadedFile(name, content), kinds=kinds, max_bytes=15 * MB)


@pytest.mark.parametrize(
    ("name", "make"), [("bom.png", png_bomb), ("bom.jpg", lambda: jpeg_claiming((60000, 60000)))], ids=["png", "jpeg"]
)
@pytest.mark.parametrize("kinds", [EVIDENCE_KINDS, PHOTO_KINDS], ids=["evidence", "photo"])
def test_a_pixel_bomb_is_refused_from_its_header(name, make, kinds):
    content = make()

    with measured() as cost, pytest.raises(ValidationError) as caught:
        check(name, content, kinds)

    assert caught.value.code == "too_many_pixels"
    assert caught.value.messages == [
        f"Ảnh “{name}” quá lớn (tối đa 40 megapixel); hãy chụp hoặc lưu ảnh ở độ phân giải thấp hơn."
    ]
    assert cost.seconds < 1 and cost.rss_growth_mb < 50


def test_the_limit_is_the_setting(settings):
    settings.IMAGE_MAX_PIXELS = 400 * 300

    assert check("anh.jpg", jpeg((400, 300))) == "jpeg"
    with pytest.raises(ValidationError, match="tối đa 0,1 megapixel"):
        check("anh.png", png((401, 300)))


def test_pillows_own_limit_follows_the_setting(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS == 40_000_000
