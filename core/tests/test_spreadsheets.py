import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheets import looks_like_formula, protect_xlsx_cell, safe_cell, xlsx_cell, xlsx_row

FORMULA = '=HYPERLINK("http://x","y")'
DANGEROUS = [FORMULA, "+84 912 345 678", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=1"]
HARMLESS = ["Lê Văn Thành", "", "a=b", " =1", "'=1", "13.1"]
NOT_TEXT = [None, 0, -5, -2.5, Decimal("-3.75"), datetime.date(2021, 4, 25), True]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_text_that_looks_like_a_formula_gets_a_leading_quote(text):
    assert looks_like_formula(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_csv_other_text_is_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", NOT_TEXT)
def test_numbers_dates_and_none_are_unchanged(value):
    assert not looks_like_formula(value)
    assert safe_cell(value) is value
    assert xlsx_cell(Workbook(write_only=True).create_sheet(), value) is value


def _reload(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_rows_keep_formula_looking_text_as_text_and_numbers_as_numbers(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("x") if write_only else workbook.active
    sheet.append(xlsx_row(sheet, [FORMULA, "+84 912", "@a", -5, Decimal("-2.5"), "Xã An"]))

    cells = list(_reload(workbook).worksheets[0][1])

    assert [c.value for c in cells] == [FORMULA, "+84 912", "@a", -5, -2.5, "Xã An"]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "n", "s"]
    assert [c.quotePrefix for c in cells[:3]] == [True, True, True]  # Excel keeps them text when edited


def test_a_cell_assigned_formula_looking_text_is_protected():
    workbook = Workbook()
    cell = workbook.active.cell(row=1, column=1, value=FORMULA)
    assert cell.data_type == "f"  # what openpyxl does on its own

    protect_xlsx_cell(cell)
    protect_xlsx_cell(workbook.active.cell(row=1, column=2, value=-5))

    reloaded = _reload(workbook).active
    assert (reloaded["A1"].value, reloaded["A1"].data_type) == (FORMULA, "s")
    assert (reloaded["B1"].value, reloaded["B1"].data_type) == (-5, "n")
