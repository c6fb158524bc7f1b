from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.tabular import ImportFileError
from core.testing import csv_bytes, xlsx_bytes
from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget
from criteria.services import CRITERIA_COLUMNS, criteria_set_import

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = list(CRITERIA_COLUMNS)
GOOD = [
    HEADER,
    ["1", "Quy hoạch", "I. Quy hoạch", "1.1", "Có quy hoạch chung", "yes_no", "", "Đạt", "", "", "Phòng KT-HT"],
    ["13", "Y tế", "IV", "13.1", "Tỷ lệ tham gia BHYT", "percent_min", "%", "≥ 95%", "95", "", "Phòng Y tế"],
    ["13", "Y tế", "IV", "13.2", "Tỷ lệ hộ nghèo", "percent_max", "%", "", "2,5", "Vùng 1", "Phòng Y tế"],
    ["13", "Y tế", "IV", "13.2", "Tỷ lệ hộ nghèo", "percent_max", "%", "≤ 1,5%", "1.5", "Vùng 2", "Phòng Y tế"],
]


def snapshot():
    return (
        sorted(CriteriaSet.objects.values_list("code", "name", "is_complete")),
        sorted(Criterion.objects.values_list("criteria_set__code", "number", "name")),
        sorted(Indicator.objects.values_list("code", "name", "kind")),
        sorted(IndicatorTarget.objects.values_list("indicator__code", "zone", "target_text", "threshold")),
    )


def do_import(content, code="thu-nghiem"):
    return criteria_set_import(content, code=code, name="Bộ thử nghiệm", legal_basis="QĐ 1/2021")


@pytest.mark.parametrize("encode", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_good_file_imports_criteria_indicators_and_zone_targets(db, encode):
    criteria_set = do_import(encode(GOOD))
    assert criteria_set.is_complete
    assert criteria_set.criteria.count() == 2
    assert criteria_set.indicators.count() == 3
    poverty = Indicator.objects.get(code="13.2")
    assert poverty.target_for("Vùng 1").threshold == Decimal("2.5")
    assert poverty.target_for("Vùng 1").target_text == "≤ 2,5%"  # generated when the file leaves it empty
    assert poverty.target_for("Vùng 2").target_text == "≤ 1,5%"
    assert Indicator.objects.get(code="13.1").target_for("Vùng 2").threshold == 95  # all-zones fallback
    assert criteria_set.zones == ["Vùng 1", "Vùng 2"]


def test_reimport_is_idempotent_and_updates(db):
    do_import(csv_bytes(GOOD))
    before = snapshot()
    do_import(csv_bytes(GOOD))
    assert snapshot() == before

    changed = [row[:] for row in GOOD[:3]]
    changed[2][8] = "90"
    do_import(csv_bytes(changed))
    assert Indicator.objects.get(code="13.1").target_for("").threshold == 90
    assert not Indicator.objects.filter(code="13.2").exists()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([HEADER[:-1], GOOD[1][:-1]], "Dòng 1: Thiếu cột bắt buộc: responsible_department."),
        ([HEADER, GOOD[1], GOOD[1]], "Dòng 3: mã tiểu tiêu chí 1.1 bị trùng (đã có ở dòng 2)"),
        (
            [HEADER, ["13", "Y tế", "", "13.1", "BHYT", "percent_min", "%", "", "chín lăm", "", ""]],
            "Dòng 2: ngưỡng “chín lăm” không phải là số",
        ),
        ([HEADER, ["13", "Y tế", "", "13.1", "BHYT", "percent_min", "%", "", "", "", ""]], "cần có ngưỡng"),
        ([HEADER, ["13", "Y tế", "", "13.1", "BHYT", "percent_min", "%", "", "120", "", ""]], "từ 0 đến 100"),
        ([HEADER, ["1", "QH", "", "1.1", "Có QH", "maybe", "", "", "", "", ""]], "loại “maybe” không hợp lệ"),
        ([HEADER, ["1", "QH", "", "2.1", "Có QH", "yes_no", "", "", "", "", ""]], "phải bắt đầu bằng số tiêu chí 1"),
        ([HEADER, ["x", "QH", "", "", "", "", "", "", "", "", ""]], "số thứ tự tiêu chí “x”"),
        ([HEADER, GOOD[1], ["1", "Tên khác", "", "1.2", "B", "yes_no", "", "", "", "", ""]], "có tên khác"),
        ([HEADER, ["1", "QH", "", "1.1", "Có QH", "yes_no", "", "Đạt", "5", "", ""]], "không dùng ngưỡng"),
    ],
)
def test_bad_file_changes_nothing_and_names_the_line(db, rows, expected):
    do_import(csv_bytes(GOOD))
    before = snapshot()
    with pytest.raises(ImportFileError) as error:
        do_import(csv_bytes(rows))
    assert expected in str(error.value)
    assert snapshot() == before


def test_skeleton_set_is_marked_incomplete(db):
    rows = [
        HEADER,
        ["1", "Quy hoạch", "I", "", "", "", "", "", "", "", ""],
        ["2", "Giao thông", "II", "", "", "", "", "", "", "", ""],
    ]
    criteria_set = do_import(csv_bytes(rows), code="khung")
    assert not criteria_set.is_complete
    assert criteria_set.criteria.count() == 2 and criteria_set.indicators.count() == 0


def test_shipped_reference_sets(db):
    call_command("load_reference_data", verbosity=0)
    illustrative = CriteriaSet.objects.get(code="minh-hoa-nang-cao-15-41")
    assert "minh họa" in illustrative.name
    assert (illustrative.criteria.count(), illustrative.indicators.count()) == (15, 41)
    assert illustrative.is_complete and not illustrative.verified
    qd318 = CriteriaSet.objects.get(code="qd318-2022-xa-ntm")
    assert (qd318.criteria.count(), qd318.is_complete, qd318.legal_basis) == (19, False, "QĐ 318/QĐ-TTg ngày 08/3/2022")
    assert qd318.criteria.get(number=17).name == "Môi trường và an toàn thực phẩm"
    qd51 = CriteriaSet.objects.get(code="qd51-2025-xa-ntm")
    assert qd51.criteria.count() == 10 and not qd51.is_complete
    qd51_illustrative = CriteriaSet.objects.get(code="minh-hoa-qd51-10-47")
    assert "minh họa" in qd51_illustrative.name and "không phải văn bản chính thức" in qd51_illustrative.legal_basis
    assert (qd51_illustrative.criteria.count(), qd51_illustrative.indicators.count()) == (10, 47)
    assert qd51_illustrative.is_complete and not qd51_illustrative.verified


def test_illustrative_2026_2030_set_imports_complete_with_commune_groups(db):
    """The illustrative set (minh họa) on the QĐ 51/2025 frame: the official 10 criterion names, 47 made-up
    sub-criteria, ten of them with one threshold per commune group (Nhóm 1 strictest, Nhóm 3 loosest)."""
    criteria_set = criteria_set_import(
        DATA / "minh_hoa_qd51_10_47.csv", code="minh-hoa-qd51-10-47", name="Minh họa QĐ 51", level="ntm"
    )
    assert criteria_set.is_complete
    assert (criteria_set.criteria.count(), criteria_set.indicators.count()) == (10, 47)
    skeleton = criteria_set_import(DATA / "qd51_2025_xa_ntm.csv", code="qd51-2025-xa-ntm", name="Khung QĐ 51")
    assert list(criteria_set.criteria.order_by("number").values_list("number", "name")) == list(
        skeleton.criteria.order_by("number").values_list("number", "name")
    )
    assert all(criterion.indicators.exists() for criterion in criteria_set.criteria.all())
    assert criteria_set.zones == ["Nhóm 1", "Nhóm 2", "Nhóm 3"]
    zoned = sorted(
        set(
            IndicatorTarget.objects.filter(indicator__criteria_set=criteria_set)
            .exclude(zone="")
            .values_list("indicator__code", flat=True)
        )
    )
    assert zoned == ["2.2", "2.4", "2.6", "3.1", "4.2", "5.5", "6.1", "7.2", "8.1", "8.3"]
    income = criteria_set.indicators.get(code="3.1")
    assert (income.kind, income.unit) == ("number_min", "triệu đồng/người/năm")
    assert [income.target_for(z).threshold for z in ("Nhóm 1", "Nhóm 2", "Nhóm 3")] == [90, 75, 60]
    poverty = criteria_set.indicators.get(code="6.1")
    assert poverty.kind == "percent_max" and poverty.target_for("Nhóm 3").threshold == 5
    assert criteria_set.indicators.get(code="1.1").target_for("Nhóm 2").target_text == "Đạt"  # all-groups row
    assert set(criteria_set.indicators.values_list("kind", flat=True)) == {
        "yes_no",
        "number_min",
        "number_max",
        "percent_min",
        "percent_max",
        "text",
    }


def test_command_fails_loudly_on_a_bad_file(db, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([HEADER, GOOD[1], GOOD[1]]))
    with pytest.raises(CommandError) as error:
        call_command("import_criteria", str(bad), "--code", "x", "--name", "X")
    assert "Dòng 3" in str(error.value)
    assert not CriteriaSet.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "threshold", "met"),
    [
        ("percent_min", "62", "80", False),
        ("percent_min", "80", "80", True),
        ("percent_max", "1.4", "1.5", True),
        ("number_max", "2", "0", False),
        ("number_min", "55.5", "50", True),
        ("yes_no", "1", None, None),
        ("text", "ok", None, None),
    ],
)
def test_met_is_derived_from_value_and_threshold(kind, value, threshold, met):
    indicator = Indicator(kind=kind)
    assert indicator.is_met_by(value if kind != "text" else None, threshold) is met


@pytest.mark.parametrize("filename", ["qd51_2025_xa_ntm.csv", "minh_hoa_qd51_10_47.csv"])
def test_the_2026_2030_sets_name_no_abolished_district_office(db, filename):
    """After 1/7/2025 there is no Phòng LĐ-TB&XH, TN&MT, NN&PTNT or VH&TT: provincial Sở or the commune's offices."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / filename
    with open(path, encoding="utf-8") as file:
        departments = {row["responsible_department"] for row in csv.DictReader(file)}
    assert departments <= {
        "Sở Xây dựng",
        "Sở Nông nghiệp và Môi trường",
        "Sở Khoa học và Công nghệ",
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Sở Y tế",
        "Sở Giáo dục và Đào tạo",
        "Công an tỉnh",
        "Phòng Kinh tế",
        "Phòng Văn hóa - Xã hội",
    }


def test_a_set_is_imported_with_its_effective_dates(db, tmp_path):
    import datetime

    from django.core.management import call_command

    from criteria.models import CriteriaSet

    path = tmp_path / "set.csv"
    path.write_text(
        "criterion_number,criterion_name,criterion_group,indicator_code,indicator_name,kind,unit,target,threshold,"
        "zone,responsible_department\n1,Quy hoạch,,1.1,Có quy hoạch,yes_no,,Đạt,,,Sở Xây dựng\n",
        encoding="utf-8",
    )
    options = ["--code", "bo-moi", "--name", "Bộ mới", "--level", "ntm"]
    call_command("import_criteria", str(path), *options, "--effective-from", "2026-02-15")
    criteria_set = CriteriaSet.objects.get(code="bo-moi")
    assert (criteria_set.effective_from, criteria_set.effective_until) == (datetime.date(2026, 2, 15), None)
    dated = [*options, "--effective-from", "2026-02-15", "--effective-until"]
    call_command("import_criteria", str(path), *dated, "2030-12-31")
    criteria_set.refresh_from_db()
    assert criteria_set.effective_until == datetime.date(2030, 12, 31)
    with pytest.raises(CommandError, match="sớm hơn"):
        call_command("import_criteria", str(path), *dated, "2026-01-01")


def test_the_shipped_national_sets_carry_their_dates(db):
    import datetime
    import io

    from django.core.management import call_command

    from criteria.models import CriteriaSet

    call_command("load_reference_data", stdout=io.StringIO())
    dates = dict(CriteriaSet.objects.values_list("code", "effective_from"))
    assert dates["qd51-2025-xa-ntm"] == dates["minh-hoa-qd51-10-47"] == datetime.date(2026, 2, 15)
    assert CriteriaSet.objects.get(code="qd318-2022-xa-ntm").effective_until == datetime.date(2026, 2, 14)


@pytest.mark.parametrize("encode", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_each_row_s_department_is_stored_on_its_sub_criterion(db, encode):
    """Issue 17: "5. Văn hóa, giáo dục, y tế" spans several departments; the criterion keeps its first row's."""
    rows = [
        HEADER,
        ["5", "Văn hóa, giáo dục, y tế", "", "5.1", "Nhà văn hóa", "yes_no", "", "", "", "", "Sở Văn hóa"],
        ["5", "Văn hóa, giáo dục, y tế", "", "5.2", "Trường học", "yes_no", "", "", "", "", "Sở Giáo dục và Đào tạo"],
        ["5", "Văn hóa, giáo dục, y tế", "", "5.3", "Bảo hiểm y tế", "percent_min", "%", "", "95", "Vùng 1", "Sở Y tế"],
        ["5", "Văn hóa, giáo dục, y tế", "", "5.3", "Bảo hiểm y tế", "percent_min", "%", "", "90", "Vùng 2", "Sở Y tế"],
        ["5", "Văn hóa, giáo dục, y tế", "", "5.4", "Khác", "yes_no", "", "", "", "", ""],
    ]
    criteria_set = do_import(encode(rows))
    assert criteria_set.criteria.get().responsible_department == "Sở Văn hóa"
    departments = dict(criteria_set.indicators.values_list("code", "responsible_department"))
    assert departments == {"5.1": "Sở Văn hóa", "5.2": "Sở Giáo dục và Đào tạo", "5.3": "Sở Y tế", "5.4": ""}
    assert Indicator.objects.get(code="5.4").department == "Sở Văn hóa"  # none named: the criterion's

    rows[2][-1] = "Sở Y tế"  # a file imported again moves a sub-criterion to another department
    do_import(encode(rows))
    assert Indicator.objects.get(criteria_set=criteria_set, code="5.2").responsible_department == "Sở Y tế"
