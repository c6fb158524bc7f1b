import pytest
from django.core.management import CommandError, call_command

from communes.models import AdministrativeUnit
from communes.services import units_import
from core.tabular import ImportFileError
from core.testing import csv_bytes, xlsx_bytes

HEADER = ["code", "name", "level", "parent_code", "valid_from"]
GOOD = [
    HEADER,
    ["90", "Tỉnh Mẫu", "province", "", ""],
    ["901", "Xã Lên Tỉnh", "commune", "90", "01/07/2025"],  # a commune directly under a province
    ["910", "Huyện Mẫu", "district", "90", ""],
    ["9101", "Xã Đông", "commune", "910", "2021-01-01"],
]


def snapshot():
    return sorted(AdministrativeUnit.objects.values_list("code", "name", "level", "parent__code", "path"))


@pytest.mark.parametrize("encode", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_good_file_builds_the_tree(db, encode):
    summary = units_import(encode(GOOD))
    assert (summary.created, summary.updated) == (4, 0)
    commune = AdministrativeUnit.objects.get(code="9101")
    assert commune.path == "90/910/9101/"
    assert commune.valid_from.isoformat() == "2021-01-01"
    assert AdministrativeUnit.objects.get(code="901").parent.code == "90"


def test_reimport_is_idempotent_and_updates(db):
    units_import(csv_bytes(GOOD))
    before = snapshot()
    again = units_import(csv_bytes(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot() == before

    moved = [row[:] for row in GOOD]
    # the same valid_from as the current version: a correction, made in place and kept in the history
    moved[4] = ["9101", "Xã Đông Mới", "commune", "90", "2021-01-01"]
    summary = units_import(csv_bytes(moved))
    assert summary.updated == 1
    commune = AdministrativeUnit.objects.get(code="9101")
    assert (commune.name, commune.path) == ("Xã Đông Mới", "90/9101/")
    assert commune.history.first().name == "Xã Đông Mới"
    assert AdministrativeUnit.objects.count() == 4


def test_children_may_come_before_their_parent(db):
    rows = [HEADER, GOOD[4], GOOD[3], GOOD[1]]
    units_import(csv_bytes(rows))
    assert AdministrativeUnit.objects.get(code="9101").path == "90/910/9101/"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["code", "name", "level"], ["90", "Tỉnh", "province"]], "Dòng 1: Thiếu cột bắt buộc: parent_code."),
        (
            [HEADER, GOOD[1], ["9101", "Xã Lạc", "commune", "999", ""]],
            "Dòng 3: không tìm thấy đơn vị cấp trên có mã 999",
        ),
        ([HEADER, GOOD[1], ["9102", "Xã", "hamlet", "90", ""]], "Dòng 3: cấp “hamlet” không hợp lệ"),
        ([HEADER, GOOD[1], ["9103", "", "commune", "90", ""]], "Dòng 3: thiếu tên đơn vị"),
        ([HEADER, GOOD[1], GOOD[1]], "Dòng 3: mã đơn vị 90 bị trùng (đã có ở dòng 2)"),
        ([HEADER, ["9104", "Xã", "commune", "90", "31/02/2021"]], "Dòng 2: ngày hiệu lực “31/02/2021” không hợp lệ"),
        ([HEADER, ["A", "X", "province", "B", ""], ["B", "Y", "province", "A", ""]], "quan hệ cấp trên bị vòng lặp"),
    ],
)
def test_bad_file_changes_nothing_and_names_the_line(db, rows, expected):
    units_import(csv_bytes(GOOD))
    before = snapshot()
    with pytest.raises(ImportFileError) as error:
        units_import(csv_bytes(rows))
    assert expected in str(error.value)
    assert snapshot() == before


def test_every_bad_row_is_reported_at_once(db):
    rows = [HEADER, ["1", "", "commune", "", ""], ["2", "X", "nope", "", ""], ["3", "Y", "commune", "404", ""]]
    with pytest.raises(ImportFileError) as error:
        units_import(csv_bytes(rows))
    assert [e.line for e in error.value.errors] == [2, 3, 4]
    assert AdministrativeUnit.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Tệp trống"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"PK\x03\x04not really a zip", "Không đọc được tệp Excel"),
        (b"code,name,level,parent_code\n", "không có dòng dữ liệu"),
    ],
)
def test_unreadable_files_get_a_vietnamese_message(db, content, expected):
    with pytest.raises(ImportFileError) as error:
        units_import(content)
    assert expected in str(error.value)


def test_command_reports_errors_and_leaves_database_unchanged(db, tmp_path):
    bad = tmp_path / "units.csv"
    bad.write_bytes(csv_bytes([HEADER, ["9101", "Xã Đông", "commune", "910", ""]]))
    with pytest.raises(CommandError) as error:
        call_command("import_units", str(bad))
    assert "Dòng 2: không tìm thấy đơn vị cấp trên có mã 910" in str(error.value)
    assert "dữ liệu không thay đổi" in str(error.value)
    assert AdministrativeUnit.objects.count() == 0


def test_command_imports_the_shipped_thanh_hoa_file(db, capsys):
    call_command("import_units", "communes/data/units_thanh_hoa.csv")
    assert AdministrativeUnit.objects.filter(level="commune").count() == 549
    assert AdministrativeUnit.objects.get(code="15514").path == "38/395/15514/"
    assert "576 mới" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name, seat, expected",
    [
        ("Huyện Thọ Xuân", "", "Thọ Xuân"),
        ("Tỉnh Thanh Hóa", "", "Thanh Hóa"),
        ("Thị trấn Thọ Xuân", "", "Thọ Xuân"),
        ("Thành phố Thanh Hóa", "", "Thanh Hóa"),
        ("Xã Xuân Trường", "", "Xuân Trường"),
        ("Tỉnh Thanh Hóa", "TP. Thanh Hóa", "TP. Thanh Hóa"),
    ],
)
def test_the_place_name_of_a_unit_is_its_seat_or_its_name_without_the_level(name, seat, expected):
    from communes.models import AdministrativeUnit

    assert AdministrativeUnit(code="1", name=name, level="province", seat_name=seat).place_name == expected


def test_an_office_is_named_at_its_level(tree):
    from communes.models import Membership, Role

    assert Membership(unit=tree["province"], role=Role.OFFICE).title == "Văn phòng Điều phối NTM tỉnh"
    assert Membership(unit=tree["district"], role=Role.OFFICE).title == "Văn phòng Điều phối NTM huyện"
    assert Membership(unit=tree["province"], role=Role.LEADER).title == "Lãnh đạo"
