import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from core.errors import ApplicationError
from inspections.photos import _coordinate, process_photo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0112, 306, 36867, 36881


def make_image(size=(400, 300), fmt="JPEG", mode="RGB", exif=None, color="red"):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, color).save(buffer, fmt, **options)
    buffer.seek(0)
    return buffer


def phone_exif(latitude=(19.0, 55.0, 30.0), lat_ref="N", longitude=(105, 27, 45.5), lon_ref="E", orientation=6):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2021:04:14 09:35:12"
    gps = exif.get_ifd(GPS_IFD)
    for tag, value in ((1, lat_ref), (2, latitude), (3, lon_ref), (4, longitude)):
        if value is not None:
            gps[tag] = value
    return exif


def open_display(info):
    image = Image.open(io.BytesIO(info.display))
    assert image.format == "JPEG"
    assert image.size == (info.width, info.height)
    return image


@pytest.mark.parametrize(
    "latitude",
    [(19.0, 55.0, 30.0), (IFDRational(19, 1), IFDRational(55, 1), IFDRational(3000, 100))],
    ids=["floats", "rationals"],
)
def test_phone_jpeg_gives_time_place_and_upright_display(latitude):
    info = process_photo(make_image((400, 300), exif=phone_exif(latitude=latitude)))

    assert info.taken_at == datetime.datetime(2021, 4, 14, 9, 35, 12, tzinfo=HANOI)
    assert info.taken_at.utcoffset() == datetime.timedelta(hours=7)
    assert info.latitude == Decimal("19.925000")
    assert info.longitude == Decimal("105.462639")
    assert (info.width, info.height) == (300, 400)  # Orientation 6: the phone was held upright
    display = open_display(info)
    assert display.mode == "RGB"
    assert display.info.get("progressive")
    exif = display.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert ORIENTATION not in exif
    assert b"Exif" not in info.display[:200]


def test_southern_and_western_coordinates_are_negative():
    exif = phone_exif(latitude=(33, 52, 4.0), lat_ref="S", longitude=(151, 12, 36.0), lon_ref="W")
    info = process_photo(make_image(exif=exif))

    assert info.latitude == Decimal("-33.867778")
    assert info.longitude == Decimal("-151.210000")


@pytest.mark.parametrize(
    "changes",
    [
        {"lat_ref": None, "lon_ref": None},  # refs missing
        {"lat_ref": "X", "lon_ref": "?"},  # refs broken
        {"latitude": (IFDRational(19, 0), 55, 30), "longitude": (IFDRational(105, 0), 27, 45)},  # zero denominators
        {"latitude": (95, 0, 0), "longitude": (200, 0, 0)},  # out of range
        {"latitude": None, "longitude": None},  # refs without values
    ],
    ids=["missing-refs", "broken-refs", "zero-denominator", "out-of-range", "missing-values"],
)
def test_broken_gps_gives_none_without_crashing(changes):
    info = process_photo(make_image(exif=phone_exif(**changes)))

    assert info.latitude is None
    assert info.longitude is None
    assert info.taken_at == datetime.datetime(2021, 4, 14, 9, 35, 12, tzinfo=HANOI)


def test_coordinate_accepts_tuple_rationals_and_rejects_zero_denominators():
    gps = {1: "S", 2: ((19, 1), (55, 1), (3000, 100)), 3: b"E\x00", 4: ((105, 1), (27, 0), (0, 1))}

    assert _coordinate(gps, 2, 1, "S", "N", 90) == Decimal("-19.925000")
    assert _coordinate(gps, 4, 3, "W", "E", 180) is None


def test_datetime_falls_back_to_ifd0_and_unparsable_time_is_none():
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "0000:00:00 00:00:00"
    exif[DATETIME] = "2022:12:31 23:59:59"
    assert process_photo(make_image(exif=exif)).taken_at == datetime.datetime(2022, 12, 31, 23, 59, 59, tzinfo=HANOI)

    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "yesterday"
    assert process_photo(make_image(exif=exif)).taken_at is None


def test_recorded_utc_offset_is_honoured():
    exif = phone_exif()
    exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = "+09:00"

    info = process_photo(make_image(exif=exif))

    assert info.taken_at == datetime.datetime(2021, 4, 14, 7, 35, 12, tzinfo=HANOI)
    assert info.taken_at.tzinfo == HANOI


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_malformed_exif_does_not_crash():
    info = process_photo(make_image((40, 30), exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7fgarbage"))

    assert (info.taken_at, info.latitude, info.longitude) == (None, None, None)
    assert (info.width, info.height) == (40, 30)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_large_image_is_resized_to_a_1600px_jpeg(fmt):
    info = process_photo(make_image((4000, 3000), fmt=fmt))

    assert (info.width, info.height) == (1600, 1200)
    assert open_display(info).size == (1600, 1200)
    assert (info.taken_at, info.latitude, info.longitude) == (None, None, None)


def test_small_image_is_not_upscaled():
    info = process_photo(make_image((300, 200)))

    assert (info.width, info.height) == (300, 200)


def test_png_with_alpha_is_flattened_onto_white():
    info = process_photo(make_image((120, 80), fmt="PNG", mode="RGBA", color=(0, 0, 0, 0)))

    display = open_display(info)
    assert display.mode == "RGB"
    assert all(channel > 245 for channel in display.getpixel((60, 40)))


def test_file_is_rewound_before_and_after():
    fileobj = make_image(exif=phone_exif())
    fileobj.seek(0, io.SEEK_END)

    info = process_photo(fileobj)

    assert info.latitude == Decimal("19.925000")
    assert fileobj.tell() == 0


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    fileobj = make_image((300, 200), fmt="PNG")

    with pytest.raises(ApplicationError, match="Ảnh quá lớn"):
        process_photo(fileobj)
    assert fileobj.tell() == 0


def test_unreadable_file_is_refused():
    with pytest.raises(ApplicationError, match="Không đọc được ảnh"):
        process_photo(io.BytesIO(b"not an image at all"))
