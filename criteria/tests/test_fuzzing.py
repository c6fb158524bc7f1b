"""Bad input, property-based (hypothesis), for the import of criteria sets: never a 500, never a partial
write, stored values fit their columns, errors in Vietnamese (see core/testing_fuzz.py)."""

import decimal

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from core.tabular import ImportFileError
from core.testing import csv_bytes, xlsx_bytes
from core.testing_fuzz import (
    PURE,
    XLSX,
    assert_import_error_is_vietnamese,
    assert_storable,
    cell,
    mangled,
    random_file,
    rolled_back,
    table,
    text,
    unit_name,
    xlsx_table,
)
from criteria.models import (
    PERCENT_KINDS,
    THRESHOLD_KINDS,
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorKind,
    IndicatorTarget,
)
from criteria.services import CRITERIA_COLUMNS, criteria_set_import

ZONES = ["", "Vùng 1", "Vùng 2"]


def _threshold_text(draw, kind):
    if kind not in THRESHOLD_KINDS:
        return ""
    if kind in PERCENT_KINDS:
        number = draw(st.decimals(0, 100, places=draw(st.integers(0, 4))))
    else:
        number = draw(st.decimals(-(10**12), 10**12, places=draw(st.integers(0, 6))))
    written = str(number)
    return draw(st.sampled_from([written, written.replace(".", ",")]))


@st.composite
def valid_criteria_rows(draw):
    """Criteria with zero to three sub-criteria each, thresholds matching their kind, per zone."""
    numbers = draw(st.lists(st.one_of(st.integers(1, 20), st.integers(1, 10**6)), min_size=1, max_size=3, unique=True))
    rows = []
    for number in numbers:
        criterion = {
            "criterion_number": draw(st.sampled_from([str(number), f" {number} ", f"0{number}"])),
            "criterion_name": draw(st.one_of(st.just(f"Tiêu chí {number}"), unit_name)),
            "criterion_group": draw(st.one_of(st.just(""), text)),
            "responsible_department": draw(st.one_of(st.just(""), text)),
        }
        indicators = draw(st.integers(0, 3))
        if not indicators:
            rows.append(dict(criterion))
        for position in range(1, indicators + 1):
            code = f"{number}.{position}" + draw(st.one_of(st.just(""), st.from_regex(r"[a-z]{0,25}", fullmatch=True)))
            kind = draw(st.sampled_from(IndicatorKind.values))
            name = draw(st.one_of(st.just(f"Tiểu tiêu chí {code}"), unit_name))
            unit = draw(st.sampled_from(["", "%", "km", "m²"]))
            for zone in draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True)):
                rows.append(
                    criterion
                    | {
                        "indicator_code": code,
                        "indicator_name": name,
                        "kind": kind,
                        "unit": unit,
                        "target": draw(st.one_of(st.just(""), text)),
                        "threshold": _threshold_text(draw, kind),
                        "zone": zone,
                    }
                )
    return rows


criteria_junk_cell = st.one_of(
    cell,
    st.sampled_from([*IndicatorKind.values, "Yes_No", "number", "0", "-1", "1e3", "\u0661", "1_0", "1.0"]),
    st.sampled_from(["62,5", "1.000,5", "1,000.5", "NaN", "inf", "-0", "1e20", "1e-30", "9999999999,99999", "1 000"]),
    st.sampled_from(["1e9999999", "-1E+999999999", "1e-9999999", "9" * 400, "0." + "0" * 400 + "1"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.integers(-3, 10**25).map(str),
)
criteria_table = table(CRITERIA_COLUMNS, valid_criteria_rows(), criteria_junk_cell, st.lists(cell, max_size=12))


def _criteria_row(**values):
    row = {
        "criterion_number": "1",
        "criterion_name": "Tiêu chí 1",
        "indicator_code": "1.1",
        "indicator_name": "Tiểu tiêu chí",
        "kind": "number_min",
        "threshold": "5",
    } | values
    return [row.get(c, "") for c in CRITERIA_COLUMNS]


def criteria_snapshot():
    return (
        list(CriteriaSet.objects.order_by("pk").values_list("pk", "code", "name", "level", "is_complete")),
        list(Criterion.objects.order_by("pk").values_list()),
        list(Indicator.objects.order_by("pk").values_list()),
        list(IndicatorTarget.objects.order_by("pk").values_list("pk", "indicator_id", "zone", "target_text")),
        # thresholds as text: reading an out-of-range decimal back through Django fails
        list(IndicatorTarget.objects.order_by("pk").extra(select={"t": "CAST(threshold AS TEXT)"}).values_list("t")),
    )


def check_criteria_import(data):
    """criteria_set_import succeeds with valid stored rows, or raises ImportFileError without writing."""
    before = criteria_snapshot()
    try:
        criteria_set = criteria_set_import(data, code="fuzz", name="Bộ tiêu chí thử", level="advanced")
    except ImportFileError as error:
        event("refused")
        assert criteria_snapshot() == before, "ImportFileError after a partial write"
        assert_import_error_is_vietnamese(error)
        return
    event("imported")
    # What was stored fits its columns and can be read back.
    assert_storable(criteria_set)
    for model in (Criterion, Indicator):
        for obj in model.objects.filter(criteria_set=criteria_set):
            assert_storable(obj)
    try:
        targets = list(IndicatorTarget.objects.filter(indicator__criteria_set=criteria_set))
    except decimal.InvalidOperation:
        pytest.fail("a stored threshold cannot be read back: it has more digits than the column (max_digits=14)")
    for target in targets:
        assert_storable(target)


@pytest.fixture
def criteria_db(db):
    """An existing set with the same code, so that imports also update and delete."""
    criteria_set_import(
        csv_bytes([CRITERIA_COLUMNS, _criteria_row(), _criteria_row(criterion_number="2", indicator_code="2.1")]),
        code="fuzz",
        name="Bộ tiêu chí thử",
    )


@PURE
@given(data=random_file)
def test_criteria_import_random_bytes(criteria_db, data):
    with rolled_back():
        check_criteria_import(data)


@PURE
@example(rows=[CRITERIA_COLUMNS, _criteria_row(threshold="1e20")])  # above max_digits=14
@example(rows=[CRITERIA_COLUMNS, _criteria_row(threshold="9999999999,99999")])  # rounds to 15 digits
@example(rows=[CRITERIA_COLUMNS, _criteria_row(threshold="1e9999999")])  # abs() of it raises decimal.Overflow
@example(  # OverflowError: Python int too large to convert to SQLite INTEGER
    rows=[CRITERIA_COLUMNS, _criteria_row(criterion_number="1" + "0" * 19, indicator_code="1" + "0" * 19 + ".1")]
)
@example(rows=[CRITERIA_COLUMNS, _criteria_row(criterion_number="70000", indicator_code="70000.1")])  # smallint
@example(rows=[CRITERIA_COLUMNS, _criteria_row(indicator_code="1." + "x" * 30)])  # the code's max_length is 20
@example(rows=[CRITERIA_COLUMNS, _criteria_row(criterion_name="x" * 301)])  # the name's max_length is 300
@given(rows=criteria_table)
def test_criteria_import_random_csv(criteria_db, rows):
    with rolled_back():
        check_criteria_import(csv_bytes(rows))


@XLSX
@given(rows=xlsx_table(criteria_table))
def test_criteria_import_random_xlsx(criteria_db, rows):
    with rolled_back():
        check_criteria_import(xlsx_bytes(rows))


_VALID_CRITERIA_XLSX = xlsx_bytes([CRITERIA_COLUMNS, _criteria_row()])


@XLSX
@given(data=mangled(_VALID_CRITERIA_XLSX))
def test_criteria_import_mangled(criteria_db, data):
    with rolled_back():
        check_criteria_import(data)
