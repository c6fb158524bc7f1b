"""Units that begin and end: a reused GSO code is a new version; mergers in the file (issue 17)."""

import datetime

import pytest

from communes.models import AdministrativeUnit
from communes.services import units_import
from core.tabular import ImportFileError
from core.testing import csv_bytes

HEADER = ["code", "name", "level", "parent_code", "valid_from", "valid_until", "successor_code"]
BEFORE = [
    HEADER[:5],
    ["90", "Tỉnh Mẫu", "province", "", ""],
    ["910", "Huyện Mẫu", "district", "90", ""],
    ["9101", "Xã Đông", "commune", "910", ""],
    ["9102", "Xã Tây", "commune", "910", ""],
    ["9103", "Xã Nam", "commune", "910", ""],
]
# 1/7/2025: Đông, Tây and Nam merge into Xã Đông Tây Nam, which reuses Đông's code 9101.
MERGER = [
    HEADER,
    ["90", "Tỉnh Mẫu", "province", "", "", "", ""],
    ["910", "Huyện Mẫu", "district", "90", "", "30/06/2025", ""],
    ["9101", "Xã Đông Tây Nam", "commune", "90", "01/07/2025", "", ""],
    ["9102", "Xã Tây", "commune", "910", "", "", "9101"],
    ["9103", "Xã Nam", "commune", "910", "", "", "9101"],
]


def rows():
    return sorted(
        AdministrativeUnit.objects.values_list(
            "code", "name", "parent__code", "path", "valid_from", "valid_until", "replaced_by__name"
        )
    )


def by(code, **lookup):
    return AdministrativeUnit.objects.get(code=code, **lookup)


def test_a_reused_code_is_a_new_version_and_the_old_unit_keeps_everything(db):
    units_import(csv_bytes(BEFORE))
    old = by("9101")
    summary = units_import(csv_bytes(MERGER))
    assert (summary.versions, summary.ended) == (1, 3)
    old.refresh_from_db()
    new = by("9101", valid_from=datetime.date(2025, 7, 1))
    assert (old.name, old.parent.code, old.path) == ("Xã Đông", "910", "90/910/9101/")
    assert (old.valid_until, old.replaced_by) == (datetime.date(2025, 6, 30), new)
    assert (new.name, new.path, new.valid_until) == ("Xã Đông Tây Nam", "90/9101/", None)
    for code in ("9102", "9103"):
        assert (by(code).valid_until, by(code).replaced_by) == (datetime.date(2025, 6, 30), new)
    assert by("910").valid_until == datetime.date(2025, 6, 30)
    assert AdministrativeUnit.objects.by_code("9101", on=datetime.date(2025, 6, 30)) == old
    assert AdministrativeUnit.objects.by_code("9101") == new
    assert AdministrativeUnit.objects.by_code("9102") == by("9102")  # ended: the latest version

    before = rows()
    again = units_import(csv_bytes(MERGER))  # idempotent
    assert (again.created, again.versions, again.updated, again.ended) == (0, 0, 0, 0)
    units_import(csv_bytes(BEFORE))  # the pre-reform file again: every row matches a version
    assert rows() == before


def test_post_reform_file_leaves_pre_reform_reports_on_the_old_unit(demo_reports, xuan_truong):
    """The shipped file reloaded with a post-reform file that reuses Xuân Trường's GSO code."""
    from reports.models import MonthlyReport

    reports = set(MonthlyReport.objects.filter(commune=xuan_truong).values_list("pk", flat=True))
    assert reports
    units_import(csv_bytes([HEADER[:5], ["15514", "Xã Xuân Trường Mới", "commune", "38", "01/07/2025"]]))
    xuan_truong.refresh_from_db()
    assert (xuan_truong.name, xuan_truong.parent.code, xuan_truong.path) == ("Xã Xuân Trường", "395", "38/395/15514/")
    assert set(MonthlyReport.objects.filter(commune=xuan_truong).values_list("pk", flat=True)) == reports
    new = AdministrativeUnit.objects.by_code("15514")
    assert new != xuan_truong and xuan_truong.replaced_by == new
    assert not MonthlyReport.objects.filter(commune=new).exists()


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["9101", "Xã Đông Mới", "commune", "910", "", "", ""], "Dòng 2: mã 9101 đã có phiên bản từ ngày 01/01/2021"),
        (
            ["9101", "Xã Đông Mới", "commune", "910", "01/01/2020", "", ""],
            "Dòng 2: ngày hiệu lực 01/01/2020 sớm hơn phiên bản hiện hành của mã 9101 (từ ngày 01/01/2021)",
        ),
        (["9102", "Xã Tây", "commune", "910", "", "", "9999"], "Dòng 2: không tìm thấy đơn vị kế thừa có mã 9999"),
        (["9102", "Xã Tây", "commune", "910", "", "", "9102"], "Dòng 2: đơn vị không thể kế thừa chính nó"),
        (["9102", "Xã Tây", "commune", "910", "", "32/06/2025", ""], "Dòng 2: ngày hết hiệu lực “32/06/2025”"),
        (
            ["9102", "Xã Tây", "commune", "910", "", "", "9103"],
            "Dòng 2: đơn vị kế thừa mã 9103 chưa có ngày hiệu lực",
        ),
        (
            ["9102", "Xã Tây", "commune", "910", "", "2019-12-31", ""],
            "Dòng 2: ngày hết hiệu lực 31/12/2019 sớm hơn ngày hiệu lực 01/01/2020 của đơn vị",
        ),
    ],
)
def test_bad_version_lines_are_named_and_change_nothing(db, row, expected):
    dated = [r[:] for r in BEFORE]
    dated[3][4], dated[4][4] = "2021-01-01", "2020-01-01"
    units_import(csv_bytes(dated))
    before = rows()
    with pytest.raises(ImportFileError) as error:
        units_import(csv_bytes([HEADER, row]))
    assert expected in str(error.value)
    assert rows() == before


def test_every_bad_line_of_a_merger_is_named_and_nothing_changes(db):
    units_import(csv_bytes(BEFORE))
    before = rows()
    bad = [r[:] for r in MERGER]
    bad[4][6] = "404"
    bad[5][5] = "xx"
    with pytest.raises(ImportFileError) as error:
        units_import(csv_bytes(bad))
    assert [e.line for e in error.value.errors] == [5, 6]
    assert rows() == before
