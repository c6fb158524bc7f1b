"""Cells of the CSV and XLSX files the portal writes: typed text never becomes a live formula.

A note, a name or a finding is typed by someone; a spreadsheet program that opens the export would run
text starting with "=", "+", "-", "@", a tab or a carriage return as a formula (CSV / formula injection,
e.g. `=HYPERLINK(...)` leaking data or luring a click). OWASP's rule: prefix such text with a single
quote so the program shows it as text.

- CSV (`safe_cell`): the quote is written into the text, as OWASP says; a person sees `'=x`.
- XLSX (`xlsx_cell`, `protect_xlsx_cell`): the cell is written as a string cell (data type "s", never a
  formula) carrying Excel's own quote-prefix flag (`quotePrefix`), which is what Excel stores when a user
  types a leading apostrophe. The text itself is kept as typed: Excel and LibreOffice show `=x`, keep it
  text even when the cell is edited, and a template read back (reports/spreadsheet.py) returns exactly
  what was written, so the download → upload round trip stays lossless with nothing to strip.

Only text is touched: numbers (a negative number is a number), dates, booleans and None pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard, TypeVar

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

_C = TypeVar("_C", bound=Cell)
_V = TypeVar("_V")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> TypeGuard[str]:
    """Whether `value` is text a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_cell(value: _V) -> _V | str:
    """`value` for a CSV cell: text that looks like a formula gets a leading "'"; anything else unchanged."""
    return "'" + value if looks_like_formula(value) else value


def protect_xlsx_cell(cell: _C) -> _C:
    """Keep an openpyxl cell holding formula-looking text a string cell (with Excel's quote prefix)."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_cell(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    """`value` ready for `sheet.append(...)` (write-only sheets too): formula-looking text becomes a
    protected string cell; every other value is returned as it is (no cell object, so rows stay cheap)."""
    if not looks_like_formula(value):
        return value
    return protect_xlsx_cell(WriteOnlyCell(sheet, value))


def xlsx_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append(...)` with every value passed through `xlsx_cell`."""
    return [xlsx_cell(sheet, value) for value in values]
