"""Reading the portal's import files (CSV or XLSX, header row) into plain rows.

Every problem is reported in Vietnamese with the line number a user sees in their spreadsheet
(the header is line 1), so that a bad file can be fixed in one go.

Every XLSX file the portal reads (these imports, the monthly report's template) is opened by
`open_workbook`, which refuses a file whose reading would not stay small before openpyxl parses it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.parsers import expat

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.errors import ApplicationError

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


@dataclass
class RowError:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Dòng %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ImportFileError(ApplicationError):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors), extra={"errors": self.errors})


class WorkbookRefused(ApplicationError):
    """An XLSX file that is not read; the message (Vietnamese) says why."""


_MB = 1024 * 1024
_RATIO_FLOOR = _MB  # a part smaller than this cannot hurt, however tightly it is packed
_CHUNK = 64 * 1024
_COLUMN = re.compile(r"[A-Z]{1,3}")


def _unreadable() -> WorkbookRefused:
    return WorkbookRefused(_("Không đọc được tệp Excel (XLSX)."))


def _abnormal() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "Tệp Excel có cấu trúc bất thường (nén quá mức hoặc quá nhiều thành phần), không thể đọc an toàn. "
            "Hãy chép dữ liệu cần nhập sang một tệp Excel mới rồi tải lên lại."
        )
    )


def _too_large(size: int) -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "Tệp Excel chiếm %(size)s MB khi giải nén, vượt giới hạn %(max)s MB. "
            "Hãy xóa các trang tính, hình ảnh không cần dùng rồi lưu lại."
        )
        % {"size": number_format(size / _MB, 1), "max": number_format(settings.XLSX_MAX_UNCOMPRESSED_BYTES / _MB, 1)}
    )


def _check_directory(archive: zipfile.ZipFile) -> None:
    """Refuse from the zip's directory alone, before anything is decompressed."""
    parts = archive.infolist()
    if len(parts) > settings.XLSX_MAX_PARTS:
        raise _abnormal()
    declared = sum(part.file_size for part in parts)
    if declared > settings.XLSX_MAX_UNCOMPRESSED_BYTES:
        raise _too_large(declared)
    for part in parts:
        if part.file_size > _RATIO_FLOOR and part.file_size > settings.XLSX_MAX_RATIO * part.compress_size:
            raise _abnormal()


class _Scan:
    """Count, with expat (constant memory), what openpyxl would build from the XML parts.

    openpyxl reads a part as a whole tree (styles, the workbook) or one row at a time (sheets); either
    way its time and memory follow the number of XML elements, which a few megabytes can multiply
    (a row of a million empty cells, a million styles). Rows and cells are numbered as openpyxl does.
    """

    cells: int | None

    def __init__(self) -> None:
        self.elements = self.read = 0
        self.max_bytes, self.max_elements = settings.XLSX_MAX_UNCOMPRESSED_BYTES, settings.XLSX_MAX_XML_ELEMENTS
        self.max_rows, self.max_columns = settings.XLSX_MAX_ROWS, settings.XLSX_MAX_COLUMNS

    def part(self, stream: IO[bytes]) -> None:
        self.row = self.column = self.rows = 0
        self.cells = None  # cells of the current row; None outside a row
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype  # no part of an XLSX file has one (entity bombs)
        try:
            while chunk := stream.read(_CHUNK):
                self.read += len(chunk)
                if self.read > self.max_bytes:  # more than declared: zipfile stops first
                    raise _too_large(self.read)
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            # Not XML (an image) or broken XML: openpyxl's parser (expat too) stops where this one did.
            return

    def doctype(self, *args: object) -> None:
        raise _abnormal()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise _abnormal()
        name = name.rpartition(":")[2]
        if name == "row":
            reference = attrs.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column, self.cells = 0, 0
        elif name == "c" and self.cells is not None:
            column = _COLUMN.match(attrs.get("r", ""))
            self.column = _column_number(column.group()) if column else self.column + 1
            self.cells += 1
            if self.cells == 1:
                self.rows += 1
                if max(self.rows, self.row) > self.max_rows:
                    raise WorkbookRefused(
                        _("Trang tính có quá nhiều dòng (tối đa %(max)s dòng).")
                        % {"max": number_format(self.max_rows, force_grouping=True)}
                    )
            if max(self.cells, self.column) > self.max_columns:
                raise WorkbookRefused(
                    _("Trang tính có quá nhiều cột (tối đa %(max)s cột).") % {"max": self.max_columns}
                )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def open_workbook(data: bytes) -> Workbook:
    """The XLSX file opened read-only by openpyxl (rows are streamed), once reading it is known to stay small.

    Checked first from the zip's directory (parts, declared sizes, packing ratio), then by scanning every
    part as it is decompressed (bytes really read, XML elements, rows, columns). Raises WorkbookRefused.
    The caller closes the workbook.
    """
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_directory(archive)
            scan = _Scan()
            for part in archive.infolist():
                with archive.open(part) as stream:  # zipfile never returns more than the declared size
                    scan.part(stream)
    except WorkbookRefused:
        raise
    except Exception as exc:  # zipfile raises many kinds of errors for broken or lying archives
        raise _unreadable() from exc
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files
        raise _unreadable() from exc


def sheet_rows(sheet: ReadOnlyWorksheet, *, values_only: bool = True) -> Iterator[tuple[Any, ...]]:
    """The rows of a sheet of `open_workbook`, whatever its (optional, possibly wrong) recorded dimension."""
    sheet.reset_dimensions()
    # types-openpyxl types ReadOnlyWorksheet.iter_rows (= Worksheet.iter_rows) for a Worksheet `self`.
    return sheet.iter_rows(  # type: ignore[misc]
        max_row=settings.XLSX_MAX_ROWS, max_col=settings.XLSX_MAX_COLUMNS, values_only=values_only
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
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


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        workbook = open_workbook(data)
    except WorkbookRefused as exc:
        raise ImportFileError([RowError(None, str(exc))]) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet_rows(sheet)]
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files, also while reading cells
        raise ImportFileError([RowError(None, _("Không đọc được tệp Excel (XLSX)."))]) from exc
    finally:
        workbook.close()


def read_rows(
    source: str | Path | bytes | IO[bytes],
    required_columns: Iterable[str],
    optional_columns: Iterable[str] = (),
) -> list[tuple[int, dict[str, str]]]:
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


def parse_date(text: str) -> datetime.date | None:
    """dd/mm/yyyy or yyyy-mm-dd; None for empty; ValueError otherwise."""
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_decimal(text: str) -> Decimal | None:
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


def too_long(row: Mapping[str, str], limits: Mapping[str, int]) -> list[str]:
    """Messages for the cells longer than their column allows: limits = {column: max length}."""
    return [
        _("cột %(column)s dài quá %(max)s ký tự") % {"column": column, "max": limit}
        for column, limit in limits.items()
        if len(row.get(column, "")) > limit
    ]
