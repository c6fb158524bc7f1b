"""Reading the portal's import files (CSV or XLSX, header row) into plain rows.

Every problem is reported in Vietnamese with the line number a user sees in their spreadsheet
(the header is line 1), so that a bad file can be fixed in one go.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _


@dataclass
class RowError:
    line: int | None
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Dòng %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ImportFileError(Exception):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError([RowError(None, _("Tệp CSV phải được mã hóa UTF-8."))]) from exc
    if "\x00" in text:
        raise ImportFileError([RowError(None, _("Tệp không phải là tệp CSV hợp lệ."))])
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ImportFileError([RowError(None, _("Tệp CSV bị lỗi định dạng."))]) from exc


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files, also while reading cells
        raise ImportFileError([RowError(None, _("Không đọc được tệp Excel (XLSX)."))]) from exc


def read_rows(source, required_columns, optional_columns=()):
    """Return [(line_number, {column: text})] from a CSV or XLSX file (path, bytes or file).

    Raises ImportFileError when the file is unreadable or a required column is missing.
    """
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    is_xlsx = data[:4] == b"PK\x03\x04"  # a ZIP container, as every XLSX is
    table = _read_xlsx(data) if is_xlsx else _read_csv(data)
    table = [row for row in table]
    if not table or not any(table[0]):
        raise ImportFileError([RowError(None, _("Tệp trống hoặc thiếu dòng tiêu đề."))])

    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise ImportFileError([RowError(1, _("Thiếu cột bắt buộc: %(columns)s.") % {"columns": ", ".join(missing)})])
    wanted = list(required_columns) + [c for c in optional_columns if c in header]
    index = {c: header.index(c) for c in wanted}
    rows = []
    for offset, raw in enumerate(table[1:], start=2):
        if not any(cell for cell in raw):
            continue
        cells = {c: (raw[i].strip() if i < len(raw) and raw[i] else "") for c, i in index.items()}
        rows.append((offset, cells))
    if not rows:
        raise ImportFileError([RowError(None, _("Tệp không có dòng dữ liệu nào."))])
    return rows


def parse_date(text):
    """dd/mm/yyyy or yyyy-mm-dd; None for empty; ValueError otherwise."""
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_decimal(text):
    """A number written with a dot or a Vietnamese decimal comma; None for empty."""
    if not text:
        return None
    try:
        value = Decimal(text.replace(" ", "").replace(",", "."))
    except (InvalidOperation, ArithmeticError) as exc:  # also Overflow on absurd exponents
        raise ValueError(text) from exc
    if not value.is_finite() or value.adjusted() > 12:
        raise ValueError(text)  # also keeps absurd exponents ("1e9999999") away from arithmetic
    if value.adjusted() < -12:
        return Decimal(0)
    return value


def too_long(row, limits):
    """Messages for the cells longer than their column allows: limits = {column: max length}."""
    return [
        _("cột %(column)s dài quá %(max)s ký tự") % {"column": column, "max": limit}
        for column, limit in limits.items()
        if len(row.get(column, "")) > limit
    ]
