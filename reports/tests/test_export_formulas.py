"""Typed text that looks like a formula leaves the portal as text, in CSV and in XLSX (issue 14)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import AdministrativeUnit
from reports.models import IndicatorStatus
from reports.selectors import report_statuses
from reports.services import period_for, report_open
from reports.spreadsheet import report_import, report_workbook

FORMULA = '=HYPERLINK("http://x","y")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def report(demo):
    """Xuân Trường's April 2021 draft with formula-looking text typed in, and a negative number."""
    report = report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 4))
    statuses = IndicatorStatus.objects.filter(report=report)
    statuses.filter(indicator__code="6.3").update(text_value=FORMULA, note="@SUM(A1)")
    statuses.filter(indicator__code="2.2").update(
        value=Decimal("-5"), note=FORMULA, responsible_person="+84 912 345 678"
    )
    statuses.filter(indicator__code="1.1").update(responsible_person="@nguyen", note="-1+2")
    return report


@pytest.fixture
def office(users, client_for):
    return client_for(users["vpdp_thoxuan"])


def _long_csv(client):
    response = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _long_xlsx(client):
    response = client.get(reverse("dashboards:long_export", args=["395"]) + "?format=xlsx")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_long_export_csv_quotes_formula_looking_text_and_keeps_numbers(report, office):
    AdministrativeUnit.objects.filter(code="15514").update(name="+Xã Xuân Trường")
    lines = _long_csv(office)
    by_code = {line[7]: line for line in lines[1:] if line[3] == "15514"}

    assert by_code["6.3"][10] == "'" + FORMULA
    assert by_code["6.3"][4] == "'+Xã Xuân Trường"
    assert by_code["2.2"][9] == "-5.0"  # a negative number is a number, not text


def test_long_export_xlsx_writes_formula_looking_text_as_text(report, office):
    AdministrativeUnit.objects.filter(code="15514").update(name="@Xã Xuân Trường")
    sheet = _long_xlsx(office)
    rows = {row[7].value: row for row in sheet.iter_rows(min_row=2) if row[3].value == "15514"}

    text = rows["6.3"][10]
    assert (text.value, text.data_type) == (FORMULA, "s")
    assert (rows["6.3"][4].value, rows["6.3"][4].data_type) == ("@Xã Xuân Trường", "s")
    assert (rows["2.2"][9].value, rows["2.2"][9].data_type) == (-5, "n")
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_table_exports_quote_formula_looking_names(report, office):
    AdministrativeUnit.objects.filter(code="15514").update(name="=Xã Xuân Trường")
    url = reverse("dashboards:overview", args=["395"]) + "?period=2021-4"

    csv_rows = list(
        csv.reader(io.StringIO(b"".join(office.get(url + "&format=csv").streaming_content).decode("utf-8-sig")))
    )
    assert next(r for r in csv_rows if r[0] == "15514")[1] == "'=Xã Xuân Trường"

    sheet = load_workbook(io.BytesIO(b"".join(office.get(url + "&format=xlsx").streaming_content))).active
    name = next(row for row in sheet.iter_rows() if row[0].value == "15514")[1]
    assert (name.value, name.data_type) == ("=Xã Xuân Trường", "s")


def _template_rows(content):
    sheet = load_workbook(io.BytesIO(content))["Báo cáo"]
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Mã")
    columns = {cell.value: cell.column - 1 for cell in sheet[header] if cell.value}
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=header + 1)}
    return columns, rows


def test_report_template_writes_typed_text_as_text_and_numbers_as_numbers(report):
    columns, rows = _template_rows(report_workbook(report, report_statuses(report)))

    def cell(code, header):
        found = rows[code][columns[header]]
        return found.value, found.data_type

    assert cell("2.2", "Ghi chú") == (FORMULA, "s")
    assert cell("2.2", "Người chịu trách nhiệm") == ("+84 912 345 678", "s")
    assert cell("1.1", "Người chịu trách nhiệm") == ("@nguyen", "s")
    assert cell("1.1", "Ghi chú") == ("-1+2", "s")
    assert cell("6.3", "Mô tả hiện trạng") == (FORMULA, "s")
    assert cell("2.2", "Giá trị") == (-5, "n")
    assert not any(c.data_type == "f" for row in rows.values() for c in row)


def test_report_template_round_trip_keeps_formula_looking_text_as_typed(report, users):
    IndicatorStatus.objects.filter(report=report, indicator__code="2.2").update(value=Decimal("62"))
    report.refresh_from_db()
    content = report_workbook(report, report_statuses(report))

    report_import(
        report=report,
        user=users["xa_xuantruong"],
        upload=SimpleUploadedFile("bao-cao.xlsx", content, content_type=XLSX),
    )

    stored = {s.indicator.code: s for s in IndicatorStatus.objects.filter(report=report).select_related("indicator")}
    assert (stored["2.2"].note, stored["2.2"].responsible_person) == (FORMULA, "+84 912 345 678")
    assert (stored["1.1"].note, stored["1.1"].responsible_person) == ("-1+2", "@nguyen")
    assert (stored["6.3"].text_value, stored["6.3"].note) == (FORMULA, "@SUM(A1)")
