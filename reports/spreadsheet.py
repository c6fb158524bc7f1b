"""The spreadsheet route of the monthly report: download the month as an XLSX template, upload it filled.

The uploaded file goes through the same form as the web page (`ReportForm`), so the same rules apply;
nothing is saved when any row is wrong, and every wrong row is named by its line in the sheet.
Evidence files are not part of the spreadsheet.
"""

import datetime
import io
import unicodedata
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.spreadsheets import protect_xlsx_cell, xlsx_row
from core.tabular import WorkbookRefused, open_workbook, sheet_rows
from criteria.models import PERCENT_KINDS, IndicatorKind

from . import services
from .forms import ReportForm
from .selectors import report_statuses

SHEET_TITLE = "Báo cáo"
META_TITLE = "_meta"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MET_YES, MET_NO = "Đạt", "Chưa đạt"
DATE_FORMAT = "DD/MM/YYYY"

# (key, header, width). The header texts are what the import looks for (case- and accent-form-insensitive).
COLUMNS = [
    ("code", "Mã", 8),
    ("criterion", "Tiêu chí", 24),
    ("indicator", "Tiểu tiêu chí", 50),
    ("target", "Chỉ tiêu", 18),
    ("kind", "Loại", 20),
    ("value", "Giá trị", 12),
    ("met", "Tự đánh giá", 13),
    ("text", "Mô tả hiện trạng", 40),
    ("note", "Ghi chú", 30),
    ("person", "Người chịu trách nhiệm", 22),
    ("planned", "Dự kiến hoàn thành", 14),
]
COLUMN_LABELS = {key: header for key, header, _width in COLUMNS}
INPUT_COLUMNS = ("value", "met", "text", "note", "person", "planned")

_MET_WORDS = {
    "1": {"đạt", "dat", "có", "co", "x", "1", "yes", "true", "✓", "✔"},
    "0": {"chưa đạt", "chua dat", "không đạt", "khong dat", "không", "khong", "0", "no", "false"},
}


class SpreadsheetError(ApplicationError):
    """The uploaded file cannot be imported; `errors` lists every problem (Vietnamese)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors), extra={"errors": self.errors})


# --- Download --------------------------------------------------------------------------------


def _number_cell(value):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _kind_label(indicator):
    label = str(indicator.get_kind_display())
    return f"{label} ({indicator.unit})" if indicator.unit and indicator.unit != "%" else label


def report_workbook(report, statuses):
    """The report as an XLSX template (bytes): one row per sub-criterion, pre-filled with what is stored.

    Typed text (notes, names, descriptions) is written as text even when it looks like a formula
    (core.spreadsheets), unchanged, so reading the file back returns exactly what was stored.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    last_column = get_column_letter(len(COLUMNS))

    sheet["A1"] = _("Báo cáo tiến độ NTM — %(commune)s — tháng %(period)s") % {
        "commune": report.commune.name,
        "period": report.period,
    }
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A2"] = _(
        "Bộ tiêu chí: %(set)s · Vùng: %(zone)s · Phiên bản báo cáo: %(version)s · Tải về lúc %(now)s. "
        "Điền các cột Giá trị, Tự đánh giá (Đạt / Chưa đạt), Mô tả hiện trạng, Ghi chú, Người chịu trách nhiệm, "
        "Dự kiến hoàn thành (dd/mm/yyyy) rồi tải tệp lên trang báo cáo. Không sửa cột Mã; ô màu xám không dùng."
    ) % {
        "set": report.criteria_set.name,
        "zone": report.zone or "—",
        "version": report.version,
        "now": timezone.localtime().strftime("%H:%M %d/%m/%Y"),
    }
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(f"A2:{last_column}2")
    sheet.row_dimensions[2].height = 45

    header_row = 3
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (_key, header, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=index, value=header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width

    column_of = {key: index for index, (key, _h, _w) in enumerate(COLUMNS, start=1)}
    unused = PatternFill("solid", fgColor="D9D9D9")
    wrap = Alignment(wrap_text=True, vertical="top")
    met_validation = DataValidation(
        type="list",
        formula1=f'"{MET_YES},{MET_NO}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Tự đánh giá"),
        error=_("Chọn “Đạt” hoặc “Chưa đạt”."),
    )
    sheet.add_data_validation(met_validation)

    row = header_row
    for status in statuses:
        row += 1
        indicator = status.indicator
        target = getattr(status, "target", None)
        values = {
            "code": indicator.code,
            "criterion": str(indicator.criterion),
            "indicator": indicator.name,
            "target": target.target_text if target else "",
            "kind": _kind_label(indicator),
            "value": _number_cell(status.value) if indicator.has_threshold else None,
            "met": None if indicator.has_threshold else {True: MET_YES, False: MET_NO}.get(status.declared_met),
            "text": (status.text_value or None) if indicator.kind == IndicatorKind.TEXT else None,
            "note": status.note or None,
            "person": status.responsible_person or None,
            "planned": status.planned_date,
        }
        for key, value in values.items():
            cell = protect_xlsx_cell(sheet.cell(row=row, column=column_of[key], value=value))
            cell.alignment = wrap
        sheet.cell(row=row, column=column_of["code"]).number_format = "@"
        sheet.cell(row=row, column=column_of["planned"]).number_format = DATE_FORMAT
        if indicator.has_threshold:
            sheet.cell(row=row, column=column_of["met"]).fill = unused
        else:
            sheet.cell(row=row, column=column_of["value"]).fill = unused
            met_validation.add(sheet.cell(row=row, column=column_of["met"]))
        if indicator.kind != IndicatorKind.TEXT:
            sheet.cell(row=row, column=column_of["text"]).fill = unused

    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    sheet.print_title_rows = f"{header_row}:{header_row}"

    meta = workbook.create_sheet(META_TITLE)
    meta.append(["report_id", report.pk])
    meta.append(["version", report.version])
    meta.append(xlsx_row(meta, ["commune", report.commune.code]))
    meta.append(xlsx_row(meta, ["period", str(report.period)]))
    meta.sheet_state = "hidden"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Upload ----------------------------------------------------------------------------------


def _normal(text):
    return unicodedata.normalize("NFC", " ".join(str(text).split())).casefold()


_HEADER_KEYS = {_normal(header): key for key, header, _width in COLUMNS}


def _text(value):
    """A cell's content as text, the way a person reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{Decimal(repr(value)).normalize():f}" if value == value and abs(value) != float("inf") else ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value).strip()


def _met_text(value):
    """Self-assessment as form data ("1", "0" or ""), or None when the cell says something else."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    word = _normal(_text(value))
    for code, words in _MET_WORDS.items():
        if word in words:
            return code
    return None


def _stored_data(status):
    """The form data for a status as it is stored (what the web form shows)."""
    pk, indicator = status.pk, status.indicator
    data = {
        f"note_{pk}": status.note,
        f"person_{pk}": status.responsible_person,
        f"planned_{pk}": status.planned_date.isoformat() if status.planned_date else "",
    }
    if indicator.has_threshold:
        data[f"value_{pk}"] = "" if status.value is None else f"{status.value.normalize():f}"
    else:
        data[f"met_{pk}"] = {True: "1", False: "0"}.get(status.declared_met, "")
    if indicator.kind == IndicatorKind.TEXT:
        data[f"text_{pk}"] = status.text_value
    return data


def _applies(indicator, key):
    if key == "value":
        return indicator.has_threshold
    if key == "met":
        return not indicator.has_threshold
    if key == "text":
        return indicator.kind == IndicatorKind.TEXT
    return True


def _open(upload):
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise SpreadsheetError([_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}])
    upload.seek(0)
    data = upload.read()
    if data[:4] != b"PK\x03\x04":
        raise SpreadsheetError([_("Không đọc được tệp Excel (XLSX).")])
    try:
        return open_workbook(data)  # refuses an XLSX bomb before parsing
    except WorkbookRefused as exc:
        raise SpreadsheetError([str(exc)]) from exc


def _read_meta(workbook):
    if META_TITLE not in workbook.sheetnames:
        return {}
    sheet = workbook[META_TITLE]
    sheet.reset_dimensions()
    meta = {}
    for row in sheet.iter_rows(min_row=1, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    return meta


def _check_meta(meta, report):
    report_id = meta.get("report_id")
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        report_id = None
    if report_id is None:
        raise SpreadsheetError(
            [
                _(
                    "Tệp không phải là mẫu tải từ trang báo cáo (thiếu thông tin báo cáo). "
                    "Hãy tải mẫu Excel của báo cáo này, điền vào đó rồi tải lên."
                )
            ]
        )
    if report_id != report.pk:
        raise SpreadsheetError(
            [
                _(
                    "Tệp này được tải từ một báo cáo khác, không phải báo cáo của %(commune)s tháng %(period)s. "
                    "Hãy tải đúng mẫu Excel của báo cáo này."
                )
                % {"commune": report.commune.name, "period": report.period}
            ]
        )
    try:
        version = int(meta.get("version"))
    except (TypeError, ValueError):
        version = None
    if version != report.version:
        # Someone saved the report after this file was downloaded: importing it would silently
        # overwrite their work.
        raise services.ReportConflict(
            _(
                "Báo cáo đã được cập nhật sau khi tệp Excel này được tải về; nhập tệp sẽ ghi đè thay đổi mới. "
                "Hãy tải lại mẫu Excel, chép phần bạn đã điền sang rồi nhập lại."
            )
        )


def _cell_value(cell):
    """The cell's value; a number shown as a percentage (typed "62%", stored 0.62) comes back as 62."""
    value = cell.value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return Decimal(repr(value) if isinstance(value, float) else value) * 100
    return value


def _read_rows(workbook):
    """(header {key: column index}, [(line, {key: raw cell value})]) from the report sheet."""
    names = [n for n in workbook.sheetnames if n != META_TITLE]
    if not names:
        raise SpreadsheetError([_("Tệp không có trang tính nào.")])
    sheet = workbook[SHEET_TITLE if SHEET_TITLE in names else names[0]]
    header, rows = None, []
    for line, raw in enumerate(sheet_rows(sheet, values_only=False), start=1):
        cells = list(raw or ())
        if header is None:
            found = {}
            for index, cell in enumerate(cells):
                key = _HEADER_KEYS.get(_normal(cell.value)) if isinstance(cell.value, str) else None
                if key and key not in found:
                    found[key] = index
            if "code" in found:
                header = found
            continue
        values = {key: _cell_value(cells[i]) if i < len(cells) else None for key, i in header.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        rows.append((line, values))
    if header is None:
        raise SpreadsheetError(
            [_("Không tìm thấy dòng tiêu đề (ô “Mã”) trong trang “%(sheet)s”.") % {"sheet": sheet.title}]
        )
    if not rows:
        raise SpreadsheetError([_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")])
    return header, rows


def _row_error(line, code, message, column=None):
    """(line, "Dòng 7 (13.1), cột “Ghi chú”: …") — the line keeps the list in the sheet's order."""
    values = {"line": line, "code": code, "message": message, "column": COLUMN_LABELS.get(column, column)}
    if not code:
        return line, _("Dòng %(line)s: %(message)s") % values
    if column:
        return line, _("Dòng %(line)s (%(code)s), cột “%(column)s”: %(message)s") % values
    return line, _("Dòng %(line)s (%(code)s): %(message)s") % values


def report_import(*, report, user, upload):
    """Import a filled template into the report's draft; returns the number of sub-criterion rows imported.

    Raises SpreadsheetError listing every problem (nothing is saved then), or ReportError / ReportConflict.
    """
    if not report.is_editable:
        raise services.ReportError(_("Báo cáo đã nộp, không thể sửa (chỉ sửa được khi bị trả lại)."))
    workbook = _open(upload)
    try:
        _check_meta(_read_meta(workbook), report)
        header, rows = _read_rows(workbook)
    except ApplicationError:
        raise
    except Exception as exc:  # openpyxl parses a sheet only as it is read: broken XML shows up here
        raise SpreadsheetError([_("Không đọc được tệp Excel (XLSX).")]) from exc
    finally:
        workbook.close()

    statuses = report_statuses(report)
    by_code = {_normal(s.indicator.code): s for s in statuses}
    data = {"version": str(report.version)}
    for status in statuses:
        data.update(_stored_data(status))

    errors = []  # (line, message)
    seen = {}  # status pk → line
    for line, values in rows:
        code = _text(values.get("code"))
        if not code:
            errors.append(_row_error(line, "", _("thiếu mã tiểu tiêu chí (cột “Mã”).")))
            continue
        status = by_code.get(_normal(code))
        if status is None:
            errors.append(_row_error(line, code, _("mã “%(code)s” không có trong báo cáo này.") % {"code": code}))
            continue
        if status.pk in seen:
            errors.append(_row_error(line, code, _("mã trùng với dòng %(other)s.") % {"other": seen[status.pk]}))
            continue
        seen[status.pk] = line
        indicator, pk = status.indicator, status.pk
        for key in INPUT_COLUMNS:
            if key not in values:
                continue  # the column was removed from the sheet: keep what is stored
            raw = values[key]
            if not _applies(indicator, key):
                if _text(raw):
                    message = _("không dùng cho tiểu tiêu chí loại “%(kind)s”; hãy để trống.") % {
                        "kind": indicator.get_kind_display()
                    }
                    errors.append(_row_error(line, code, message, key))
                continue
            if key == "met":
                met = _met_text(raw)
                if met is None:
                    message = _("“%(value)s” không hợp lệ; chọn “Đạt” hoặc “Chưa đạt”.") % {"value": _text(raw)}
                    errors.append(_row_error(line, code, message, key))
                    continue
                data[f"met_{pk}"] = met
            elif key == "value" and indicator.kind in PERCENT_KINDS:
                data[f"value_{pk}"] = _text(raw).removesuffix("%").strip()  # "62,5 %" typed as text
            else:
                data[f"{key}_{pk}"] = _text(raw)

    form = ReportForm(data, report=report, statuses=statuses, submitting=False)
    if not form.is_valid():
        by_pk = {s.pk: s for s in statuses}
        for field, messages in form.errors.items():
            prefix, _sep, pk = field.rpartition("_")
            status = by_pk.get(int(pk)) if pk.isdigit() else None
            for message in messages:
                if status is None:
                    errors.append((0, message))
                    continue
                code = status.indicator.code
                if status.pk in seen:
                    # The number errors already say what is wrong with the value; the others get their column.
                    column = None if prefix == "value" else prefix
                    errors.append(_row_error(seen[status.pk], code, message, column))
                else:  # a stored value the form refuses (not expected; named so it can be fixed on the web form)
                    errors.append(
                        (0, _("%(code)s (giá trị đang lưu): %(message)s") % {"code": code, "message": message})
                    )
    if errors:
        raise SpreadsheetError(message for _line, message in sorted(errors, key=lambda e: e[0]))

    answers = {pk: answer for pk, answer in form.answers().items() if pk in seen}
    services.report_save(report=report, user=user, answers=answers, expected_version=report.version)
    return len(answers)
