"""The report's XLSX upload refuses a file whose reading would not stay small, before parsing it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communes.models import AdministrativeUnit
from core.tests.hostile import SHARED_STRING, measured, with_shared_strings, xlsx_bomb, xlsx_edit
from reports.selectors import report_statuses
from reports.services import period_for, report_open
from reports.spreadsheet import SpreadsheetError, report_import, report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_SHEET, META_SHEET = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
TOO_LARGE = (
    "Tệp Excel chiếm 110,0 MB khi giải nén, vượt giới hạn 20,0 MB. "
    "Hãy xóa các trang tính, hình ảnh không cần dùng rồi lưu lại."
)


@pytest.fixture
def report(demo):
    return report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 4))


@pytest.fixture
def official(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="xa_xuantruong")


def upload(content):
    return SimpleUploadedFile("bao-cao.xlsx", content, content_type=XLSX)


def template(report):
    return report_workbook(report, report_statuses(report))


def test_an_xlsx_bomb_is_refused_on_the_upload_page(report, official, client_for):
    client = client_for(official)
    url = reverse("reports:report_xlsx_upload", args=[report.pk])
    bomb = xlsx_bomb(template(report), REPORT_SHEET, megabytes=110)  # the audit's was 1.25 GB in 3-4 MB
    version = report.version
    client.post(url, {"file": upload(b"PK\x03\x04 not a zip")})  # the first page rendered loads its templates

    with measured() as cost:
        response = client.post(url, {"file": upload(bomb)})

    print(f"XLSX bomb ({len(bomb) // 1024} KB) on the report upload page: {cost}")
    assert response.status_code == 400
    assert TOO_LARGE in response.content.decode()
    assert cost.seconds < 2
    assert cost.python_peak_mb < 50 and cost.rss_growth_mb < 50
    report.refresh_from_db()
    assert report.version == version


@pytest.mark.parametrize(
    ("part", "unit", "before"),
    [(META_SHEET, None, b"</sheetData>"), ("xl/sharedStrings.xml", SHARED_STRING, b"</sst>")],
    ids=["meta sheet", "shared strings"],
)
def test_a_bomb_in_any_part_is_refused(report, official, part, unit, before):
    base = with_shared_strings(template(report))
    bomb = xlsx_bomb(base, part, megabytes=110, before=before, **({"unit": unit} if unit else {}))

    with measured() as cost, pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(bomb))

    print(f"XLSX bomb in {part}: {cost}")
    assert caught.value.errors == [TOO_LARGE]
    assert cost.seconds < 2 and cost.python_peak_mb < 50


def test_a_sheet_broken_after_its_dimension_is_refused_not_a_500(report, official):
    broken = xlsx_edit(template(report), REPORT_SHEET, b"</sheetData>", b"<row><c></sheetData>")

    with pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(broken))

    assert caught.value.errors == ["Không đọc được tệp Excel (XLSX)."]
