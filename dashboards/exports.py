"""Tables out of the portal: CSV (streamed) and XLSX (written row by row to a temporary file)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from communes import access
from core.spreadsheets import safe_cell, xlsx_row
from reports.models import IndicatorStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from communes.models import AdministrativeUnit
    from criteria.models import CriteriaSet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, headers: Iterable[object], rows: Iterable[Iterable[object]]) -> StreamingHttpResponse:
    """Every cell goes through `safe_cell`: typed text never reaches a spreadsheet as a formula."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # lets Excel open the UTF-8 file with its Vietnamese letters intact
        yield writer.writerow([safe_cell(value) for value in headers])
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str, headers: Iterable[object], rows: Iterable[Iterable[object]], title: str
) -> FileResponse:
    """Every cell goes through `xlsx_row`: typed text is written as text, never as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)


def table_response(
    fmt: str, filename: str, headers: Iterable[object], rows: Iterable[Iterable[object]], title: str
) -> StreamingHttpResponse | FileResponse:
    headers = [str(h) for h in headers]
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows, title)
    return csv_response(filename, headers, rows)


LONG_HEADERS = [
    gettext_lazy("Kỳ"),
    gettext_lazy("Năm"),
    gettext_lazy("Tháng"),
    gettext_lazy("Mã xã"),
    gettext_lazy("Xã"),
    gettext_lazy("Mã tiêu chí"),
    gettext_lazy("Tiêu chí"),
    gettext_lazy("Mã tiểu tiêu chí"),
    gettext_lazy("Tiểu tiêu chí"),
    gettext_lazy("Giá trị"),
    gettext_lazy("Mô tả"),
    gettext_lazy("Tự đánh giá"),
    gettext_lazy("Đạt"),
    gettext_lazy("Trạng thái báo cáo"),
    gettext_lazy("Nộp trễ"),
]


# An Excel sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575


def _long_statuses(
    unit: AdministrativeUnit, departments: set[str] | None, criteria_set: CriteriaSet | None
) -> QuerySet[IndicatorStatus]:
    statuses = IndicatorStatus.objects.filter(report__commune__path__startswith=unit.path)
    if criteria_set is not None:
        statuses = statuses.filter(report__criteria_set=criteria_set)
    return access.limit_to_sectors(statuses, departments)


def long_count(
    unit: AdministrativeUnit, departments: set[str] | None = None, criteria_set: CriteriaSet | None = None
) -> int:
    return _long_statuses(unit, departments, criteria_set).count()


def long_rows(
    unit: AdministrativeUnit, departments: set[str] | None = None, criteria_set: CriteriaSet | None = None
) -> Iterator[tuple[object, ...]]:
    """Every sub-criterion value of every report below `unit` (on `criteria_set`, when given: criteria
    numbers and names belong to one set), one row each, read in chunks; for a department (`departments`,
    see access.sector_departments) only the sub-criteria of its criteria."""
    statuses = (
        _long_statuses(unit, departments, criteria_set)
        .order_by("report__period__year", "report__period__month", "report__commune__code", "indicator__code")
        .values_list(
            "report__period__year",
            "report__period__month",
            "report__commune__code",
            "report__commune__name",
            "indicator__criterion__number",
            "indicator__criterion__name",
            "indicator__code",
            "indicator__name",
            "value",
            "text_value",
            "declared_met",
            "met",
            "report__status",
            "report__is_late",
        )
    )
    yes, no = _("Có"), _("Không")
    for (
        year,
        month,
        code,
        name,
        c_number,
        c_name,
        i_code,
        i_name,
        value,
        text,
        declared,
        met,
        status,
        late,
    ) in statuses.iterator(chunk_size=5000):
        yield (
            f"{month:02d}/{year}",
            year,
            month,
            code,
            name,
            c_number,
            c_name,
            i_code,
            i_name,
            None if value is None else float(value),
            text,
            None if declared is None else (yes if declared else no),
            None if met is None else (yes if met else no),
            status,
            yes if late else no,
        )
