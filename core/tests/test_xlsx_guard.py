"""The XLSX guard (core.tabular.open_workbook): a file whose reading would not stay small is refused
before openpyxl parses it, with a Vietnamese message, quickly and without growing the process."""

import pytest

from communes.services import units_import
from core.tabular import ImportFileError, WorkbookRefused, open_workbook, read_rows, sheet_rows
from core.testing import xlsx_bytes
from core.tests.hostile import (
    SHARED_STRING,
    measured,
    with_declared_size,
    with_shared_strings,
    xlsx_bomb,
    xlsx_edit,
    zip_bytes,
)
from criteria.services import CRITERIA_COLUMNS, criteria_set_import

SHEET = "xl/worksheets/sheet1.xml"
UNIT_HEADER = ["code", "name", "level", "parent_code"]
CRITERIA_HEADER = list(CRITERIA_COLUMNS)
WORKBOOK = (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'  # no sheet
)


def refusal(data):
    with pytest.raises(WorkbookRefused) as caught:
        open_workbook(data).close()
    return str(caught.value)


def import_criteria(data):
    criteria_set_import(data, code="bom", name="Bom")


@pytest.mark.parametrize(
    ("run", "header"), [(import_criteria, CRITERIA_HEADER), (units_import, UNIT_HEADER)], ids=["criteria", "units"]
)
def test_an_xlsx_bomb_is_refused_by_the_importers_before_parsing(db, run, header):
    bomb = xlsx_bomb(xlsx_bytes([header, ["x"] * len(header)]), SHEET, megabytes=110)
    assert len(bomb) < 1024 * 1024  # 110 MB of rows in a file of about 330 KB

    with measured() as cost, pytest.raises(ImportFileError) as caught:
        run(bomb)

    print(f"XLSX bomb on the {run.__name__}: {cost}")
    assert [str(e) for e in caught.value.errors] == [
        "Tệp Excel chiếm 110,0 MB khi giải nén, vượt giới hạn 20,0 MB. "
        "Hãy xóa các trang tính, hình ảnh không cần dùng rồi lưu lại."
    ]
    assert cost.seconds < 2
    assert cost.python_peak_mb < 50 and cost.rss_growth_mb < 50


def test_a_shared_strings_bomb_is_refused():
    base = with_shared_strings(xlsx_bytes([["code", "name"], ["a", "b"]]))
    bomb = xlsx_bomb(base, "xl/sharedStrings.xml", megabytes=30, unit=SHARED_STRING, before=b"</sst>")

    assert "khi giải nén" in refusal(bomb)


def test_a_part_packed_too_tightly_is_refused_even_under_the_size_limit():
    bomb = xlsx_bomb(xlsx_bytes([["code"], ["a"]]), SHEET, megabytes=5)  # 5 MB in about 5 KB

    assert "cấu trúc bất thường" in refusal(bomb)


def test_too_many_parts_are_refused(settings):
    settings.XLSX_MAX_PARTS = 20
    parts = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": WORKBOOK}
    parts.update({f"xl/media/image{n}.bin": b"x" for n in range(19)})

    assert "cấu trúc bất thường" in refusal(zip_bytes(parts))


def test_a_size_declared_too_small_is_caught_while_reading():
    honest = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w>" + b"<s/>" * 500_000 + b"</w>"})
    lying = with_declared_size(honest, "xl/workbook.xml", 1000)

    with measured() as cost:
        message = refusal(lying)

    assert message == "Không đọc được tệp Excel (XLSX)."
    assert cost.python_peak_mb < 5  # read no further than the 1000 bytes declared


def test_too_many_xml_elements_are_refused_whatever_the_part(settings):
    # openpyxl builds styles.xml as a whole tree: 50 MB of <xf/> took it 239 s and 6.4 GB.
    settings.XLSX_MAX_XML_ELEMENTS = 10_000
    base = xlsx_bytes([["code"], ["a"]])
    styles = xlsx_bomb(base, "xl/styles.xml", megabytes=1, unit=b"<xf/>", before=b"</cellXfs>")

    with measured() as cost:
        assert "cấu trúc bất thường" in refusal(styles)
    assert cost.seconds < 1


def test_a_row_wider_than_the_limit_is_refused(settings):
    settings.XLSX_MAX_COLUMNS = 8
    settings.XLSX_MAX_RATIO = 10_000  # let the bomb below reach the scan
    assert open_workbook(xlsx_bytes([["x"] * 8])).worksheets[0].title

    assert refusal(xlsx_bytes([["x"] * 9])) == "Trang tính có quá nhiều cột (tối đa 8 cột)."
    # one row of a million empty cells: openpyxl would hold the whole row (4 GB for 50 MB of <c/>)
    wide = xlsx_bomb(xlsx_bytes([["x"]]), SHEET, megabytes=4, unit=b"<c/>", before=b"</row>")
    assert refusal(wide) == "Trang tính có quá nhiều cột (tối đa 8 cột)."


def test_rows_beyond_the_limit_are_refused_counted_or_numbered(settings):
    settings.XLSX_MAX_ROWS = 50
    assert len(read_rows(xlsx_bytes([UNIT_HEADER] + [["x"] * 4] * 49), UNIT_HEADER)) == 49

    assert refusal(xlsx_bytes([UNIT_HEADER] + [["x"] * 4] * 50)) == "Trang tính có quá nhiều dòng (tối đa 50 dòng)."
    far = b'<row r="51"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    assert "quá nhiều dòng" in refusal(xlsx_edit(xlsx_bytes([["x"]]), SHEET, b"</sheetData>", far))


def test_a_doctype_is_refused():
    laughs = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><w>&a;</w>'
    parts = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": laughs}

    assert "cấu trúc bất thường" in refusal(zip_bytes(parts))


def test_sheet_rows_stay_within_the_limits(settings):
    settings.XLSX_MAX_COLUMNS = 3
    workbook = open_workbook(xlsx_bytes([["a", "b"], ["c", "d", "e"]]))

    rows = list(sheet_rows(workbook.worksheets[0]))

    assert rows == [("a", "b", None), ("c", "d", "e")]
    workbook.close()


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a zip", b"", xlsx_bytes([["x"]])[:500]])
def test_a_broken_file_is_unreadable(content):
    assert refusal(content) == "Không đọc được tệp Excel (XLSX)."
