"""Bad input, property-based (hypothesis), for the import of administrative units: never a 500, never a
partial write, a sound tree, errors in Vietnamese (see core/testing_fuzz.py)."""

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from communes.models import AdministrativeUnit, UnitLevel
from communes.services import UNIT_COLUMNS, units_import
from core.tabular import ImportFileError
from core.testing import csv_bytes, xlsx_bytes
from core.testing_fuzz import (
    PURE,
    XLSX,
    assert_import_error_is_vietnamese,
    assert_storable,
    cell,
    junk_date_text,
    mangled,
    random_file,
    rolled_back,
    table,
    unit_name,
    valid_date_text,
    xlsx_broken_cell,
    xlsx_table,
    xlsx_with_cell,
)

EXISTING_UNITS = ["T1", "T10", "T20", "T100", "T101", "T200"]  # from the `tree` fixture


@st.composite
def valid_unit_rows(draw):
    """New units and updates of existing ones, each parent either existing or earlier in the file."""
    codes = draw(
        st.lists(
            st.one_of(st.sampled_from(EXISTING_UNITS), st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True)),
            max_size=6,
            unique=True,
        )
    )
    rows = []
    for index, code in enumerate(codes):
        parents = ["", *EXISTING_UNITS, *codes[:index]]
        rows.append(
            {
                "code": code,
                "name": draw(unit_name),
                "level": draw(st.sampled_from([*UnitLevel.values, "Commune", " district "])),
                "parent_code": draw(st.sampled_from([p for p in parents if p != code])),
                "valid_from": draw(valid_date_text),
            }
        )
    return rows


unit_junk_cell = st.one_of(cell, junk_date_text, st.from_regex(r"[A-Za-z0-9_.-]{21,30}", fullmatch=True))
unit_table = table(UNIT_COLUMNS, valid_unit_rows(), unit_junk_cell, st.lists(cell, max_size=7))


def units_snapshot():
    return (
        list(AdministrativeUnit.objects.order_by("pk").values_list()),
        AdministrativeUnit.history.count(),
    )


def assert_tree_is_sound():
    """Every unit hangs below a root, without a cycle, and its path spells that chain."""
    units = {u.pk: u for u in AdministrativeUnit.objects.all()}
    for unit in units.values():
        chain, current = [], unit
        while current is not None:
            assert current.pk not in {u.pk for u in chain}, f"cycle in the tree: {[u.code for u in chain]}"
            chain.append(current)
            current = units.get(current.parent_id)
        expected = "".join(f"{u.code}/" for u in reversed(chain))
        assert unit.path == expected, f"path of {unit.code} is {unit.path!r}, not {expected!r}"


def check_units_import(data):
    """units_import succeeds with a sound stored tree, or raises ImportFileError without writing."""
    before = units_snapshot()
    try:
        units_import(data)
    except ImportFileError as error:
        event("refused")
        assert units_snapshot() == before, "ImportFileError after a partial write"
        assert_import_error_is_vietnamese(error)
        return
    event("imported")
    for unit in AdministrativeUnit.objects.all():
        assert_storable(unit)
    assert_tree_is_sound()


@pytest.fixture
def units_db(tree):
    return tree


@PURE
@given(data=random_file)
def test_units_import_random_bytes(units_db, data):
    with rolled_back():
        check_units_import(data)


_VALID_UNITS_XLSX = xlsx_bytes([UNIT_COLUMNS, ["FZ1", "Xa Fuzz", "commune", "T10", "14/04/2021"]])


@XLSX
@given(data=mangled(_VALID_UNITS_XLSX))
def test_units_import_mangled(units_db, data):
    with rolled_back():
        check_units_import(data)


@PURE
@example(rows=[UNIT_COLUMNS, ["FZ1", "x" * 201, "commune", "", ""]])  # the name is longer than its 200
@example(  # a chain of 13 levels: the path is longer than its 255 characters
    rows=[
        UNIT_COLUMNS,
        *([f"L{i:02d}" + "x" * 17, "Xa", "village", f"L{i - 1:02d}" + "x" * 17 if i else "", ""] for i in range(13)),
    ],
)
@example(rows=[UNIT_COLUMNS[:4], ["T1", "Tinh", "province", "T10"]])  # the province under its own district
@given(rows=unit_table)
def test_units_import_random_csv(units_db, rows):
    with rolled_back():
        check_units_import(csv_bytes(rows))


@XLSX
@given(rows=xlsx_table(unit_table))
def test_units_import_random_xlsx(units_db, rows):
    with rolled_back():
        check_units_import(xlsx_bytes(rows))


@XLSX
@example(broken=("s", "", "99"))  # a shared string that does not exist → IndexError
@example(broken=("n", "", "abc"))  # ValueError: invalid literal for int() with base 10: 'abc'
@example(broken=("d", "", "0"))  # ValueError: Invalid datetime value 0
@given(broken=xlsx_broken_cell)
def test_units_import_xlsx_with_broken_cell(units_db, broken):
    data = xlsx_with_cell(list(UNIT_COLUMNS), ["FZ1", "Xa Fuzz", "commune", "T10", ""], broken)
    with rolled_back():
        check_units_import(data)
