"""The portal's one upload validator (evidence files of monthly reports, inspection photos).

The type of a file is recognised from its content (magic bytes, ZIP structure, Pillow), never from
its name or the content type the browser sent. Messages are in Vietnamese, like the rest of the portal.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Collection
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image

EVIDENCE_KINDS = ("pdf", "jpeg", "png", "docx", "xlsx")
PHOTO_KINDS = ("jpeg", "png")
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "docx": ".docx", "xlsx": ".xlsx"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_IMAGE_KINDS = ("jpeg", "png")
_IMAGE_MAGIC = {b"\xff\xd8\xff": ("jpeg", "JPEG"), b"\x89PNG\r\n\x1a\n": ("png", "PNG")}
_OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_MB = 1024 * 1024

# Pillow's own limit (it warns above it and refuses twice as many) for any code that decodes an image;
# uploads are refused far earlier, from the header (`validate_upload`, inspections.photos).
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS


def _is_image(fileobj: IO[bytes], pil_format: str) -> bool:
    fileobj.seek(0)
    try:
        with Image.open(fileobj, formats=[pil_format]) as image:
            image.verify()
    except Image.DecompressionBombError:
        return True  # an image all right, refused for its size by validate_upload
    except Exception:  # Pillow raises many kinds of errors for broken or hostile images.
        return False
    return True


def _too_many_pixels(fileobj: IO[bytes]) -> bool:
    """Whether the image has more pixels than IMAGE_MAX_PIXELS, from its header: nothing is decoded."""
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:
            return image.width * image.height > settings.IMAGE_MAX_PIXELS
    except Image.DecompressionBombError:
        return True
    finally:
        fileobj.seek(0)


def megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return number_format(value, 0 if value.is_integer() else 1)


def _office_kind(fileobj: IO[bytes]) -> str | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, part in _OFFICE_PARTS.items() if part in names), None)


def sniff_kind(head: bytes, fileobj: IO[bytes]) -> str | None:
    """Return "pdf", "jpeg", "png", "docx" or "xlsx" from the file's content, or None; rewinds `fileobj`."""
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        for magic, (kind, pil_format) in _IMAGE_MAGIC.items():
            if head.startswith(magic):
                return kind if _is_image(fileobj, pil_format) else None
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(fileobj)
        return None
    finally:
        fileobj.seek(0)


def _megabytes(size: int) -> str:
    return number_format(size / _MB, 1)


def validate_upload(uploaded_file: File, *, kinds: Collection[str], max_bytes: int) -> str:
    """Check size, content type and an image's pixels of an uploaded file; return its kind or raise ValidationError."""
    name = os.path.basename(uploaded_file.name or "")
    size = uploaded_file.size
    if size > max_bytes:
        raise ValidationError(
            _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(max)s MB."),
            code="too_large",
            params={"name": name, "size": _megabytes(size), "max": _megabytes(max_bytes)},
        )
    if not size:
        raise ValidationError(_("Tệp “%(name)s” rỗng."), code="empty", params={"name": name})
    uploaded_file.seek(0)
    kind = sniff_kind(uploaded_file.read(8), uploaded_file)
    if kind is None or kind not in kinds:
        raise ValidationError(
            _(
                "Tệp “%(name)s” không đúng định dạng cho phép (%(allowed)s). "
                "Loại tệp được nhận biết theo nội dung, không theo tên tệp."
            ),
            code="bad_type",
            params={"name": name, "allowed": ", ".join(k.upper() for k in kinds)},
        )
    if kind in _IMAGE_KINDS and _too_many_pixels(uploaded_file):
        raise ValidationError(
            _("Ảnh “%(name)s” quá lớn (tối đa %(max)s megapixel); hãy chụp hoặc lưu ảnh ở độ phân giải thấp hơn."),
            code="too_many_pixels",
            params={"name": name, "max": megapixels(settings.IMAGE_MAX_PIXELS)},
        )
    return kind


@deconstructible
class UploadValidator:
    """Field validator; the size limit is read from the named setting each time it runs."""

    def __init__(self, kinds: Collection[str], max_bytes_setting: str) -> None:
        self.kinds = tuple(kinds)
        self.max_bytes_setting = max_bytes_setting

    def __call__(self, uploaded_file: File) -> None:
        # A file already in storage (e.g. a model saved again without a new upload) was checked on upload.
        if getattr(uploaded_file, "_committed", False) is True:
            return
        validate_upload(uploaded_file, kinds=self.kinds, max_bytes=getattr(settings, self.max_bytes_setting))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UploadValidator)
            and self.kinds == other.kinds
            and self.max_bytes_setting == other.max_bytes_setting
        )


evidence_validator = UploadValidator(EVIDENCE_KINDS, "EVIDENCE_MAX_BYTES")
photo_validator = UploadValidator(PHOTO_KINDS, "PHOTO_MAX_BYTES")


def minutes_path(instance: object, filename: str) -> str:
    """Where a meeting's minutes are stored (private: served only through the portal's permission check)."""
    return f"private/minutes/{filename}"


def open_or_404(stored: FieldFile) -> IO[bytes]:
    """A stored file opened for a download; 404 when it is gone from the storage (deleted by hand, a bucket
    restored from an older backup) rather than a server error."""
    try:
        return stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
