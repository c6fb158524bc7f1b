"""Processing of inspection photos taken on phones in the field (JPEG or PNG, checked by `photo_validator`).

`process_photo` returns a display copy (orientation applied, RGB, at most 1600 px, no EXIF/GPS) and when and where
the photo was taken, read from its EXIF; broken or missing metadata gives None, never an error.
HEIC (the iPhone default) is not supported: it would need pillow-heif and the libheif system library.
"""

import contextlib
import io
import numbers
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from PIL.ExifTags import GPS, IFD, Base

from core.errors import ApplicationError
from core.uploads import megapixels

MAX_SIDE = 1600
JPEG_QUALITY = 82
_RESIZABLE_MODES = ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # EXIF times without an offset are local times of the commune
_MICRODEGREE = Decimal("0.000001")
_EXIF_TIME = "%Y:%m:%d %H:%M:%S"
_TIME_TAGS = ((Base.DateTimeOriginal, Base.OffsetTimeOriginal), (Base.DateTime, Base.OffsetTime))


@dataclass
class PhotoInfo:
    display: bytes
    width: int
    height: int
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    return value.strip("\x00 ").upper() if isinstance(value, str) else ""


def _taken_at(exif):
    exif_ifd = exif.get_ifd(IFD.Exif)
    for time_tag, offset_tag in _TIME_TAGS:
        text = _text(exif_ifd.get(time_tag) or exif.get(time_tag))
        try:
            naive = datetime.strptime(text, _EXIF_TIME)
        except ValueError:  # absent, "0000:00:00 00:00:00" or garbage: try the next tag
            continue
        with contextlib.suppress(ValueError):  # newer phones also record their UTC offset, e.g. "+07:00"
            return datetime.strptime(text + _text(exif_ifd.get(offset_tag)), _EXIF_TIME + "%z").astimezone(LOCAL_TZ)
        return timezone.make_aware(naive, LOCAL_TZ)
    return None


def _fraction(value):
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator) as some writers store it
        return Fraction(*value)
    if isinstance(value, numbers.Rational):  # IFDRational; Fraction(r) would accept a zero denominator
        return Fraction(value.numerator, value.denominator)
    return Fraction(value)


def _coordinate(gps, value_tag, ref_tag, negative_ref, positive_ref, limit):
    ref, parts = _text(gps.get(ref_tag)), gps.get(value_tag)
    if ref not in (negative_ref, positive_ref) or not isinstance(parts, tuple | list) or not 1 <= len(parts) <= 3:
        return None
    try:  # degrees, minutes, seconds; some writers give only decimal degrees
        degrees = sum(_fraction(part) / 60**index for index, part in enumerate(parts))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    value = (Decimal(degrees.numerator) / Decimal(degrees.denominator)).quantize(_MICRODEGREE, ROUND_HALF_UP)
    return (-value if ref == negative_ref else value) if 0 <= value <= limit else None


def _metadata(image):
    try:
        exif = image.getexif()
        gps = exif.get_ifd(IFD.GPSInfo)
        latitude = _coordinate(gps, GPS.GPSLatitude, GPS.GPSLatitudeRef, "S", "N", 90)
        longitude = _coordinate(gps, GPS.GPSLongitude, GPS.GPSLongitudeRef, "W", "E", 180)
        return _taken_at(exif), latitude, longitude
    except Exception:  # Pillow raises many kinds of errors on malformed EXIF; metadata is optional.
        return None, None, None


def _display_image(image):
    """The display copy, shrunk first so that nothing after works on more than MAX_SIDE × MAX_SIDE pixels."""
    if image.mode not in _RESIZABLE_MODES:  # palette, 1-bit, 16-bit: resampled badly or not at all
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # shrinks only, keeps the aspect ratio
    with contextlib.suppress(Exception):  # a broken Orientation tag: show the photo as stored
        image = ImageOps.exif_transpose(image)
    if _has_alpha(image):  # flatten onto white, not black
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    return image.convert("RGB")


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def process_photo(fileobj) -> PhotoInfo:
    """Return the display JPEG, its size, and when/where the photo was taken; rewinds `fileobj`.

    The size is read from the header and checked before anything is decoded (a PNG of one colour can
    hold 144 megapixels in 2 MB); a JPEG is decoded at a reduced scale.
    Raises ApplicationError (Vietnamese message) for an image too large to decode safely or unreadable."""
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:  # reads the header only
            if image.width * image.height > settings.IMAGE_MAX_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}×{image.height}")
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, much faster
            taken_at, latitude, longitude = _metadata(image)
            display = _display_image(image)
    except Image.DecompressionBombError as error:
        raise ApplicationError(
            _("Ảnh quá lớn (tối đa %(max)s megapixel); hãy chụp hoặc lưu ảnh ở độ phân giải thấp hơn.")
            % {"max": megapixels(settings.IMAGE_MAX_PIXELS)}
        ) from error
    except Exception as error:  # Pillow raises many kinds of errors for unidentified, truncated or hostile images
        raise ApplicationError(_("Không đọc được ảnh.")) from error
    finally:
        fileobj.seek(0)
    buffer = io.BytesIO()
    display.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return PhotoInfo(buffer.getvalue(), display.width, display.height, taken_at, latitude, longitude)
