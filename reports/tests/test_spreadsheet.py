import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from communes.models import AdministrativeUnit
from reports.models import IndicatorStatus, ReportStatus
from reports.selectors import report_statuses
from reports.services import ReportConflict, ReportError, period_for, report_open
from reports.spreadsheet import SpreadsheetError, report_import, report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def report(demo):
    return report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 4))


@pytest.fixture
def official(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="xa_xuantruong")


def download(report):
    return report_workbook(report, report_statuses(report))


def upload(content, name="bao-cao.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


def header_row(sheet):
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == "Mã")


def columns(sheet):
    return {cell.value: cell.column for cell in sheet[header_row(sheet)] if cell.value}


def rows_by_code(sheet):
    start = header_row(sheet) + 1
    return {sheet.cell(row=r, column=1).value: r for r in range(start, sheet.max_row + 1)}


def fill(content, changes, extra_rows=()):
    """The workbook with `changes` {code: {header: value}} written in, and `extra_rows` appended."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Báo cáo"]
    cols, rows = columns(sheet), rows_by_code(sheet)
    for code, values in changes.items():
        for header, value in values.items():
            sheet.cell(row=rows[code], column=cols[header], value=value)
    for values in extra_rows:
        sheet.append([values.get(header) for header in cols])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def stored(report):
    return {
        s.indicator.code: (s.value, s.declared_met, s.met, s.text_value, s.note, s.responsible_person, s.planned_date)
        for s in IndicatorStatus.objects.filter(report=report).select_related("indicator")
    }


def status_of(report, code):
    return IndicatorStatus.objects.get(report=report, indicator__code=code)


def test_workbook_lists_every_sub_criterion_with_the_targets_of_the_communes_zone(report):
    workbook = load_workbook(io.BytesIO(download(report)))
    assert workbook.sheetnames == ["Báo cáo", "_meta"]
    sheet = workbook["Báo cáo"]
    assert "Xã Xuân Trường" in sheet["A1"].value and "04/2021" in sheet["A1"].value
    assert list(columns(sheet)) == [
        "Mã", "Tiêu chí", "Tiểu tiêu chí", "Chỉ tiêu", "Loại", "Giá trị", "Tự đánh giá",
        "Mô tả hiện trạng", "Ghi chú", "Người chịu trách nhiệm", "Dự kiến hoàn thành",
    ]  # fmt: skip
    rows = rows_by_code(sheet)
    expected = [s.indicator.code for s in report_statuses(report)]
    assert len(expected) == 41
    assert list(rows) == expected
    cols = columns(sheet)
    # Xuân Trường is in "Vùng 2": 2.2 asks ≥ 90% there (≥ 75% in Vùng 1).
    assert sheet.cell(row=rows["2.2"], column=cols["Chỉ tiêu"]).value == "≥ 90%"
    assert sheet.cell(row=rows["6.2"], column=cols["Chỉ tiêu"]).value == "≥ 250 chỗ ngồi"
    assert sheet.cell(row=rows["1.1"], column=cols["Chỉ tiêu"]).value == "Đạt"
    assert sheet.cell(row=rows["2.2"], column=cols["Tiêu chí"]).value == "2. Giao thông"
    assert sheet.freeze_panes == f"B{header_row(sheet) + 1}"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"Đạt,Chưa đạt"'
    assert f"G{rows['1.1']}" in str(validation.sqref)
    meta = workbook["_meta"]
    assert meta.sheet_state == "hidden"
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)}["report_id"] == report.pk


def test_round_trip_stores_the_values_and_derives_met(report, official):
    content = fill(
        download(report),
        {
            "2.1": {"Giá trị": 100},
            "2.2": {"Giá trị": 62, "Người chịu trách nhiệm": "Lê Văn Thành",
                    "Dự kiến hoàn thành": datetime.date(2021, 9, 30)},
            "2.3": {"Giá trị": "3,5"},
            "1.1": {"Tự đánh giá": "Đạt"},
            "1.2": {"Tự đánh giá": "Chưa đạt", "Dự kiến hoàn thành": "15/06/2021", "Ghi chú": "Đang trình"},
            "6.3": {"Tự đánh giá": "Có", "Mô tả hiện trạng": "Đã tổ chức 3 lớp"},
        },
    )  # fmt: skip
    version = report.version

    assert report_import(report=report, user=official, upload=upload(content)) == 41

    report.refresh_from_db()
    assert report.version == version + 1
    s22 = status_of(report, "2.2")
    assert (s22.value, s22.met) == (Decimal("62"), False)  # 62 against ≥ 90 for Vùng 2
    assert s22.responsible_person == "Lê Văn Thành" and s22.planned_date == datetime.date(2021, 9, 30)
    assert (status_of(report, "2.1").value, status_of(report, "2.1").met) == (Decimal("100"), True)
    assert (status_of(report, "2.3").value, status_of(report, "2.3").met) == (Decimal("3.5"), True)
    assert (status_of(report, "1.1").declared_met, status_of(report, "1.1").met) == (True, True)
    s12 = status_of(report, "1.2")
    assert (s12.met, s12.planned_date, s12.note) == (False, datetime.date(2021, 6, 15), "Đang trình")
    assert (status_of(report, "6.3").declared_met, status_of(report, "6.3").text_value) == (True, "Đã tổ chức 3 lớp")
    assert report.indicators_answered == 6

    # The next download shows what is stored: numbers as numbers, dates as dates.
    sheet = load_workbook(io.BytesIO(download(report)))["Báo cáo"]
    cols, rows = columns(sheet), rows_by_code(sheet)
    assert sheet.cell(row=rows["2.2"], column=cols["Giá trị"]).value == 62
    assert sheet.cell(row=rows["2.3"], column=cols["Giá trị"]).value == 3.5
    assert sheet.cell(row=rows["1.2"], column=cols["Tự đánh giá"]).value == "Chưa đạt"
    planned = sheet.cell(row=rows["2.2"], column=cols["Dự kiến hoàn thành"])
    assert planned.value.date() == datetime.date(2021, 9, 30) and planned.number_format == "DD/MM/YYYY"


def test_rows_missing_from_the_file_keep_their_values(report, official):
    report_import(report=report, user=official, upload=upload(fill(download(report), {"2.2": {"Giá trị": 95}})))
    workbook = load_workbook(io.BytesIO(download(report)))
    sheet = workbook["Báo cáo"]
    sheet.delete_rows(rows_by_code(sheet)["2.2"])
    out = io.BytesIO()
    workbook.save(out)
    content = fill(out.getvalue(), {"2.1": {"Giá trị": 80}})

    report.refresh_from_db()
    assert report_import(report=report, user=official, upload=upload(content)) == 40

    assert status_of(report, "2.2").value == Decimal("95")
    assert status_of(report, "2.1").value == Decimal("80")


def test_lenient_cells_percent_format_and_vietnamese_words(report, official):
    workbook = load_workbook(io.BytesIO(download(report)))
    sheet = workbook["Báo cáo"]
    cols, rows = columns(sheet), rows_by_code(sheet)
    percent = sheet.cell(row=rows["2.2"], column=cols["Giá trị"], value=0.925)  # typed "92,5%" in Excel
    percent.number_format = "0.0%"
    sheet.cell(row=rows["1.1"], column=cols["Tự đánh giá"], value="x")
    sheet.cell(row=rows["1.2"], column=cols["Tự đánh giá"], value=" không ")
    sheet.cell(row=rows["2.1"], column=cols["Giá trị"], value="99,5 %")
    out = io.BytesIO()
    workbook.save(out)

    report_import(report=report, user=official, upload=upload(out.getvalue()))

    assert (status_of(report, "2.2").value, status_of(report, "2.2").met) == (Decimal("92.5"), True)
    assert status_of(report, "1.1").declared_met is True
    assert status_of(report, "1.2").declared_met is False
    assert status_of(report, "2.1").value == Decimal("99.5")


def test_every_wrong_row_is_named_and_nothing_is_saved(report, official):
    content = fill(
        download(report),
        {"2.1": {"Giá trị": 100}, "2.2": {"Giá trị": "abc"}, "1.1": {"Tự đánh giá": "có lẽ"}},
        extra_rows=[{"Mã": "99.9", "Giá trị": 5}, {"Mã": "2.1", "Giá trị": 50}],
    )
    rows = rows_by_code(load_workbook(io.BytesIO(download(report)))["Báo cáo"])
    last = load_workbook(io.BytesIO(content))["Báo cáo"].max_row
    before, version = stored(report), report.version

    with pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(content))

    errors = caught.value.errors
    assert f"Dòng {rows['2.2']} (2.2): “abc” không phải là số." in errors
    assert any(e.startswith(f"Dòng {rows['1.1']} (1.1)") and "có lẽ" in e for e in errors)
    assert any(e.startswith(f"Dòng {last - 1} (99.9)") and "không có trong báo cáo" in e for e in errors)
    assert any(e.startswith(f"Dòng {last} (2.1)") and f"trùng với dòng {rows['2.1']}" in e for e in errors)
    assert len(errors) == 4
    assert stored(report) == before
    report.refresh_from_db()
    assert report.version == version


def test_values_in_a_column_the_kind_does_not_use_are_refused(report, official):
    content = fill(download(report), {"1.1": {"Giá trị": 3}, "2.2": {"Tự đánh giá": "Đạt", "Giá trị": 101}})
    rows = rows_by_code(load_workbook(io.BytesIO(content))["Báo cáo"])

    with pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(content))

    errors = caught.value.errors
    assert any(e.startswith(f"Dòng {rows['1.1']} (1.1), cột “Giá trị”") for e in errors)
    assert any(e.startswith(f"Dòng {rows['2.2']} (2.2), cột “Tự đánh giá”") for e in errors)
    assert f"Dòng {rows['2.2']} (2.2): Tỷ lệ phải từ 0 đến 100." in errors


def test_a_file_that_is_not_xlsx_is_refused(report, official):
    for content in (b"Ma,Gia tri\n2.2,62\n", b"PK\x03\x04 not really a zip"):
        with pytest.raises(SpreadsheetError) as caught:
            report_import(report=report, user=official, upload=upload(content, "bao-cao.csv"))
        assert caught.value.errors == ["Không đọc được tệp Excel (XLSX)."]


def test_a_file_of_another_report_is_refused(report, official):
    other = report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 5))
    content = fill(download(other), {"2.2": {"Giá trị": 99}})
    before = stored(report)

    with pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(content))

    assert len(caught.value.errors) == 1 and "báo cáo khác" in caught.value.errors[0]
    assert stored(report) == before
    assert status_of(other, "2.2").value is None


def test_a_file_without_the_report_information_is_refused(report, official):
    workbook = load_workbook(io.BytesIO(fill(download(report), {"2.2": {"Giá trị": 99}})))
    del workbook["_meta"]
    out = io.BytesIO()
    workbook.save(out)

    with pytest.raises(SpreadsheetError) as caught:
        report_import(report=report, user=official, upload=upload(out.getvalue()))

    assert "thiếu thông tin báo cáo" in caught.value.errors[0]


def test_a_submitted_report_is_refused(report, official):
    content = fill(download(report), {"2.2": {"Giá trị": 99}})
    report.status = ReportStatus.SUBMITTED
    report.save(update_fields=["status"])
    before = stored(report)

    with pytest.raises(ReportError):
        report_import(report=report, user=official, upload=upload(content))

    assert stored(report) == before


def test_a_stale_report_copy_conflicts(report, official):
    stale = type(report).objects.get(pk=report.pk)
    report_import(report=report, user=official, upload=upload(fill(download(report), {"2.2": {"Giá trị": 95}})))

    with pytest.raises(ReportConflict):
        report_import(report=stale, user=official, upload=upload(fill(download(stale), {"2.2": {"Giá trị": 10}})))

    assert status_of(report, "2.2").value == Decimal("95")


def test_download_and_upload_through_the_pages(report, official, client_for):
    from django.urls import reverse

    client = client_for(official)
    response = client.get(reverse("reports:report_xlsx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    content = fill(response.content, {"2.2": {"Giá trị": 62}})

    response = client.post(reverse("reports:report_xlsx_upload", args=[report.pk]), {"file": upload(content)})

    assert response.status_code == 302
    assert (status_of(report, "2.2").value, status_of(report, "2.2").met) == (Decimal("62"), False)

    # The first file is now stale: importing it again would overwrite the newer version.
    response = client.post(
        reverse("reports:report_xlsx_upload", args=[report.pk]), {"file": upload(content)}, follow=True
    )
    assert "đã được cập nhật sau khi tệp Excel này được tải về" in response.content.decode()

    fresh = client.get(reverse("reports:report_xlsx", args=[report.pk])).content
    bad = fill(fresh, {"2.2": {"Giá trị": "abc"}})
    response = client.post(reverse("reports:report_xlsx_upload", args=[report.pk]), {"file": upload(bad)})
    assert response.status_code == 400
    assert "“abc” không phải là số." in response.content.decode()
