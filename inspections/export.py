import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.spreadsheets import xlsx_row


def inspections_workbook(inspections):
    """One row per finding of each inspection (an inspection without findings gets one row); typed text
    (names, shortcomings, recommendations) is written as text even when it looks like a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Kết quả kiểm tra")
    headers = [
        _("Ngày"),
        _("Xã"),
        _("Tổ công tác"),
        _("Trạng thái"),
        _("Địa điểm"),
        _("Loại địa điểm"),
        _("Thôn"),
        _("Mã tiểu tiêu chí"),
        _("Tiểu tiêu chí"),
        _("Đánh giá"),
        _("Tồn tại, hạn chế"),
        _("Kiến nghị"),
        _("Đã xử lý"),
    ]
    sheet.append(xlsx_row(sheet, headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for inspection in inspections:
        base = [inspection.date, inspection.commune.name, inspection.team_name, inspection.get_status_display()]
        rows = 0
        for visit in inspection.visits.all():
            for finding in visit.findings.all():
                details = [
                    visit.name,
                    visit.get_site_type_display(),
                    visit.village,
                    finding.indicator.code,
                    finding.indicator.name,
                    finding.get_assessment_display(),
                    finding.shortcoming,
                    finding.recommendation,
                    _("Có") if finding.resolved_at else "",
                ]
                sheet.append(xlsx_row(sheet, base + details))
                rows += 1
        if not rows:
            sheet.append(xlsx_row(sheet, base))
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format = "DD/MM/YYYY"
        for cell in row[8:12]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJKLM", [11, 20, 20, 14, 24, 18, 12, 8, 40, 16, 40, 40, 9], strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
