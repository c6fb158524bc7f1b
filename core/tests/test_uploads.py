import contextlib
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.uploads import (
    EVIDENCE_KINDS,
    PHOTO_KINDS,
    UploadValidator,
    evidence_validator,
    photo_validator,
    sniff_kind,
    validate_upload,
)

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def image_bytes(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format=fmt)
    return buffer.getvalue()


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def xlsx_bytes():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Xã"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refused(uploaded_file, kinds=EVIDENCE_KINDS, max_bytes=10 * MB):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(uploaded_file, kinds=kinds, max_bytes=max_bytes)
    return excinfo.value


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("bao-cao.pdf", lambda: PDF, "pdf"),
        ("anh.jpg", lambda: image_bytes("JPEG"), "jpeg"),
        ("anh.png", lambda: image_bytes("PNG"), "png"),
        ("bien-ban.docx", docx_bytes, "docx"),
        ("so-lieu.xlsx", xlsx_bytes, "xlsx"),
    ],
)
def test_each_evidence_kind_is_accepted(name, make, kind):
    assert validate_upload(upload(name, make()), kinds=EVIDENCE_KINDS, max_bytes=10 * MB) == kind


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "jpeg"), ("PNG", "png")])
def test_photos_are_accepted(fmt, kind):
    assert validate_upload(upload("x.bin", image_bytes(fmt)), kinds=PHOTO_KINDS, max_bytes=MB) == kind


def test_kind_comes_from_content_not_name():
    assert validate_upload(upload("anh.pdf", image_bytes("PNG")), kinds=EVIDENCE_KINDS, max_bytes=MB) == "png"


def test_exe_renamed_pdf_is_refused():
    error = refused(upload("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"))
    assert error.code == "bad_type"
    message = error.messages[0]
    assert "bao-cao.pdf" in message
    assert "PDF, JPEG, PNG, DOCX, XLSX" in message
    assert "theo nội dung" in message


def test_html_renamed_png_is_refused():
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    assert refused(upload("anh.png", html, "image/png")).code == "bad_type"


def test_text_renamed_jpg_is_refused_for_photos():
    error = refused(upload("anh.jpg", "Chỉ là văn bản.\n".encode(), "image/jpeg"), kinds=PHOTO_KINDS)
    assert error.code == "bad_type"
    assert "(JPEG, PNG)" in error.messages[0]


def test_pdf_is_refused_for_photos():
    assert refused(upload("anh.pdf", PDF), kinds=PHOTO_KINDS).code == "bad_type"


def test_jpeg_magic_followed_by_garbage_is_refused():
    assert refused(upload("anh.jpg", b"\xff\xd8\xff" + b"garbage!" * 100, "image/jpeg")).code == "bad_type"


def test_png_magic_followed_by_garbage_is_refused():
    assert refused(upload("anh.png", b"\x89PNG\r\n\x1a\n" + b"garbage!" * 100, "image/png")).code == "bad_type"


def test_zip_without_office_parts_and_broken_zip_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")  # no [Content_Types].xml
    assert refused(upload("x.docx", buffer.getvalue())).code == "bad_type"
    assert refused(upload("x.xlsx", b"PK\x03\x04" + b"\x00" * 100)).code == "bad_type"


def test_too_large_file_is_refused_without_reading_it():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the content of a too large file must not be read")

    big = SimpleUploadedFile("lon.pdf", b"")
    big.file, big.size = Unreadable(), 11 * MB
    with translation.override("vi"):
        error = refused(big)
    assert error.code == "too_large"
    assert "quá lớn" in error.messages[0]
    assert "(11,0 MB); tối đa 10,0 MB" in error.messages[0]


def test_real_11_mb_file_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 10 * MB
    with pytest.raises(ValidationError) as excinfo:
        evidence_validator(upload("lon.pdf", PDF + b"\x00" * (11 * MB)))
    assert excinfo.value.code == "too_large"
    assert "quá lớn" in excinfo.value.messages[0]


def test_empty_file_is_refused():
    error = refused(upload("rong.pdf", b""))
    assert error.code == "empty"
    assert error.messages == ["Tệp “rong.pdf” rỗng."]


@pytest.mark.parametrize("content", [PDF, image_bytes("PNG"), image_bytes("JPEG"), docx_bytes(), b"MZ\x90\x00junk"])
def test_file_is_rewound_after_validation(content):
    f = upload("tep.bin", content)
    f.read(3)
    with contextlib.suppress(ValidationError):
        validate_upload(f, kinds=EVIDENCE_KINDS, max_bytes=MB)
    assert f.tell() == 0


def test_sniff_kind_rewinds_and_returns_none_for_unknown():
    f = io.BytesIO(b"hello world")
    assert sniff_kind(f.read(8), f) is None
    assert f.tell() == 0
    f = io.BytesIO(xlsx_bytes())
    assert sniff_kind(f.read(8), f) == "xlsx"
    assert f.tell() == 0


def test_validator_reads_limit_from_settings_lazily(settings):
    content = PDF + b"\x00" * 2000
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as excinfo:
        evidence_validator(upload("a.pdf", content))
    assert excinfo.value.code == "too_large"
    settings.EVIDENCE_MAX_BYTES = 10 * MB
    evidence_validator(upload("a.pdf", content))


def test_photo_validator_refuses_documents():
    with pytest.raises(ValidationError) as excinfo:
        photo_validator(upload("anh.jpg", docx_bytes()))
    assert excinfo.value.code == "bad_type"
    photo_validator(upload("anh.jpg", image_bytes("JPEG")))


def test_validator_skips_files_already_in_storage():
    class StoredFieldFile:
        _committed = True
        name = "evidence/cu.pdf"

    photo_validator(StoredFieldFile())  # must not open a file that was checked when it was uploaded


def test_validators_compare_equal_and_deconstruct():
    assert UploadValidator(list(EVIDENCE_KINDS), "EVIDENCE_MAX_BYTES") == evidence_validator
    assert evidence_validator != photo_validator
    assert UploadValidator(PHOTO_KINDS, "EVIDENCE_MAX_BYTES") != photo_validator
    path, args, kwargs = evidence_validator.deconstruct()
    assert path == "core.uploads.UploadValidator"
    assert args == (EVIDENCE_KINDS, "EVIDENCE_MAX_BYTES")
    assert kwargs == {}
    assert UploadValidator(*args, **kwargs) == evidence_validator
