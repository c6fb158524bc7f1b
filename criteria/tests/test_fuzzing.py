"""Bad input, property-based (hypothesis): the importers and the main forms never answer with a 500,
never leave a partial write and always explain the problem in Vietnamese.

Every example runs inside a savepoint that is rolled back afterwards, so that examples do not see each
other's writes; "no partial write" is checked by comparing snapshots of the tables taken right before
and right after the call, inside the example.

Defects found this way are pinned with `@example(...)`, so that the property fails on them (or, once
fixed, keeps them fixed) deterministically; the random examples look for more. A successful import is
also checked for what SQLite stores silently but PostgreSQL refuses with a DataError (too long texts,
too large numbers) and, for units, for a sound tree (no cycle, paths matching the parents).
"""

import contextlib
import datetime
import decimal
import io
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from communes.models import AdministrativeUnit, UnitLevel
from communes.services import UNIT_COLUMNS, units_import
from core.tabular import ImportFileError
from core.testing import csv_bytes, xlsx_bytes
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

VI_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
_VI = frozenset(VI_LETTERS + VI_LETTERS.upper())
_ENGLISH = re.compile(
    r"\b(Error|Traceback|invalid literal|Exception|Enter a|Ensure this|Null characters|not allowed|This field|"
    r"Select a valid)\b",
    re.IGNORECASE,
)
_OPENPYXL_ILLEGAL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)])

_SETTINGS = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
PURE = settings(max_examples=100, **_SETTINGS)  # the importers on CSV or bytes: a few ms an example
XLSX = settings(max_examples=50, **_SETTINGS)  # writing and reading a workbook takes ~100 ms
VIEWS = settings(max_examples=30, **_SETTINGS)  # a request through the view, 100-400 ms


def assert_vietnamese(message):
    message = str(message)
    assert any(c in _VI for c in message), f"message without Vietnamese: {message!r}"
    assert not _ENGLISH.search(message), f"English in the message: {message!r}"


def assert_import_error_is_vietnamese(error):
    assert error.errors, "ImportFileError without any error"
    for row_error in error.errors:
        assert_vietnamese(row_error.message)
        assert_vietnamese(row_error)


def assert_storable(obj):
    """The saved object fits its columns. SQLite keeps too long texts and too large numbers silently;
    PostgreSQL refuses them with a DataError, a 500 for the user."""
    decimals = [f for f in obj._meta.concrete_fields if isinstance(f, models.DecimalField)]
    try:
        obj.clean_fields(exclude=[f.name for f in decimals])
    except ValidationError as error:
        too_big = {
            name: [e.message % (e.params or {}) for e in errors if e.code in ("max_length", "min_value", "max_value")]
            for name, errors in error.error_dict.items()
        }
        too_big = {name: messages for name, messages in too_big.items() if messages}
        assert not too_big, f"the import stored a value its column cannot hold: {obj._meta.label} {too_big}"
    for field in obj._meta.concrete_fields:  # SQLite takes any 64-bit integer, PostgreSQL has smaller types
        low, high = BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type(), (None, None))
        value = getattr(obj, field.attname)
        assert low is None or value is None or low <= value <= high, (
            f"the import stored a number its column cannot hold: {obj._meta.label}.{field.name} = {value}"
        )
    for field in decimals:  # the database rounds extra decimal places, but refuses extra whole digits
        value = getattr(obj, field.attname)
        limit = 10 ** (field.max_digits - field.decimal_places)
        assert value is None or abs(round(value, field.decimal_places)) < limit, (
            f"the import stored a number its column cannot hold: {obj._meta.label}.{field.name} = {value}"
        )


@contextlib.contextmanager
def rolled_back():
    """Run one example in a savepoint and undo its writes (examples share the test's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- Strategies -------------------------------------------------------------------------------

# User text never contains the Vietnamese letters, so a Vietnamese letter in a message comes from the
# portal's own wording, not from the echoed input.
_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=_VI)
text = st.text(_chars, max_size=30)
tricky = st.sampled_from(
    [",", '"', '""', "\n", "\r\n", "\r", " ", "\t", ";", "a,b", '"x"', "\ufeff", "\x00", "=1+1", "<b>x</b>", "—"]
)
cell = st.one_of(text, tricky, st.text(alphabet=',"\n\r \t;xX0.', max_size=12))
xlsx_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=_VI | set(_OPENPYXL_ILLEGAL)), max_size=30
)
xlsx_cell = st.one_of(
    xlsx_text,
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
)


def for_xlsx(value):
    """A text cell as XLSX can hold it (no control characters)."""
    if isinstance(value, str):
        return "".join(c for c in value if c not in _OPENPYXL_ILLEGAL)
    return value


any_date_text = st.one_of(
    st.just(""),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["31/02/2021", "00/00/0000", "1/1/1", "2021-13-01", "29/02/2100", "15/4/2021 08:00"]),
    text,
)


random_file = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),  # looks like an XLSX (a ZIP) from its magic
    st.binary(max_size=200).map(lambda b: b"\xef\xbb\xbf" + b),
)


@st.composite
def mangled(draw, valid):
    """A real file (XLSX, JPEG, PNG) with bytes flipped or cut off."""
    data = bytearray(valid)
    if draw(st.booleans()):
        del data[draw(st.integers(1, len(data) - 1)) :]
    for _ in range(draw(st.integers(0, 5))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def replace_in_zip(data, name, new):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in source.namelist():
            archive.writestr(member, new if member == name else source.read(member))
    return out.getvalue()


# A broken cell inside a well-formed XLSX container: (type attribute, style index, <v> text).
xlsx_broken_cell = st.tuples(
    st.sampled_from(["", "n", "s", "b", "d", "e", "str", "inlineStr", "junk"]),
    st.sampled_from(["", "0", "1", "99"]),
    st.one_of(
        st.text(alphabet="0123456789.-+eE:TZabc#/", max_size=25),
        st.integers(-(10**12), 10**12).map(str),
        st.sampled_from(["99", "-1", "1e308", "2958466", "1e10", "abc", "2021-13-45T00:00:00", ""]),
    ),
)


def xlsx_with_cell(header, row, broken):
    """An XLSX whose cell B2 holds what an odd or hostile writer could put there."""
    kind, style, value = broken
    # The date, in a column the importer ignores, gives the workbook a date style (s="1").
    data = xlsx_bytes([header, [*row, *[None] * (len(header) - len(row)), datetime.date(2021, 4, 14)]])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    attributes = (f' t="{kind}"' if kind else "") + (f' s="{style}"' if style else "")
    cell_xml = f'<c r="B2"{attributes}><v>{value}</v></c>'
    sheet, count = re.subn(r'<c r="B2"[^>]*?(/>|>.*?</c>)', lambda _m: cell_xml, sheet, count=1)
    assert count == 1
    return replace_in_zip(data, "xl/worksheets/sheet1.xml", sheet.encode())


# --- Import tables: mostly well-formed rows, with one cell or whole rows of junk ------------------


def _serialize(header, rows):
    """Rows (dicts by column) laid out under `header` (any order, any case, extra columns)."""
    return [[row.get(h.strip().lower(), "") for h in header] for row in rows]


@st.composite
def table(draw, columns, valid_rows, junk_cell, junk_row):
    header = draw(
        st.one_of(
            st.just(list(columns)),
            st.permutations(list(columns)),
            st.just([f" {c.upper()} " for c in columns]),
            st.just([*columns, "ghi chu"]),
            st.lists(st.sampled_from(columns), max_size=len(columns)),  # columns missing or repeated
        )
    )
    rows = draw(valid_rows)
    if rows and draw(st.booleans()):  # one bad cell in an otherwise good file
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(columns))] = draw(junk_cell)
    body = _serialize(header, rows)
    if draw(st.integers(0, 3)) == 0:  # and sometimes whole rows of junk
        for row in draw(st.lists(junk_row, min_size=1, max_size=3)):
            body.insert(draw(st.integers(0, len(body))), row)
    return [header, *body]


def xlsx_table(tables):
    """The same tables as XLSX, where a cell may also be a number, a date, a boolean or empty."""

    @st.composite
    def build(draw):
        rows = draw(tables)
        out = [rows[0]]
        for row in rows[1:]:
            out.append(
                [
                    draw(st.one_of(st.just(for_xlsx(v)), st.just(for_xlsx(v)), st.just(for_xlsx(v)), xlsx_cell))
                    for v in row
                ]
            )
        return out

    return build()


# --- Administrative units ---------------------------------------------------------------------

EXISTING_UNITS = ["T1", "T10", "T20", "T100", "T101", "T200"]  # from the `tree` fixture
_name_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=_VI | {"\x00"})
unit_name = st.one_of(
    st.text(_name_chars, min_size=1, max_size=40).filter(str.strip),
    st.text(_name_chars, min_size=150, max_size=260).filter(str.strip),
)
valid_date_text = st.one_of(
    st.just(""),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)).map(lambda d: d.isoformat()),
)
junk_date_text = st.one_of(
    st.sampled_from(["31/02/2021", "00/00/0000", "1/1/1", "2021-13-01", "29/02/2100", "15/4/2021 08:00"]),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    text,
)


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


# --- Criteria sets ----------------------------------------------------------------------------

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


# --- The monthly report form, through the view --------------------------------------------------


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def april_report(demo):
    from reports.services import period_for, report_open

    return report_open(commune=AdministrativeUnit.objects.get(code="15514"), period=period_for(2021, 4))


def _pick_statuses(report):
    """One sub-criterion of each kind (number, percentage, yes/no, text, ...), thresholds first."""
    from reports.selectors import report_statuses

    by_kind = {}
    for status in report_statuses(report):
        by_kind.setdefault(status.indicator.kind, status)
    return sorted(by_kind.values(), key=lambda s: (not s.indicator.has_threshold, s.indicator.kind))


long_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=190, max_size=230),
    st.integers(4990, 5100).map(lambda n: "ghi chú " * (n // 8) + "x" * (n % 8)),
    st.sampled_from(["<script>alert(1)</script>", "\x00", "a\x01\x1f\x7fb", "\u202eabc", "{{ 1 }}", "%(x)s"]),
)
number_text = st.one_of(
    st.just(""),
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(places=5, min_value=-(10**10), max_value=10**10).map(lambda d: str(d).replace(".", ",")),
    st.floats().map(repr),
    st.sampled_from(["62,5", "1.000,5", "9999999999,99999", "1e-30", "-0", "1 000", "1e9999999", "100,00001"]),
    st.sampled_from(["-1E+999999999", "1e-9999999", "9" * 400, "0," + "0" * 400 + "1", "999999999,99999"]),
    text,
)
_plain = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80)
well_formed_answer = st.fixed_dictionaries(
    {},
    optional={
        "value": st.one_of(
            st.just(""),
            st.decimals(0, 100, places=2).map(lambda d: str(d).replace(".", ",")),
            st.decimals(-(10**9) + 1, 10**9 - 1, places=4).map(str),
        ),
        "met": st.sampled_from(["", "1", "0"]),
        "text": _plain,
        "note": _plain,
        "person": _plain,
        "planned": valid_date_text,
    },
)
random_answer = st.fixed_dictionaries(
    {},
    optional={
        "value": number_text,
        "met": st.one_of(st.sampled_from(["", "1", "0", "2", "true"]), text),
        "text": long_text,
        "note": long_text,
        "person": long_text,
        "planned": any_date_text,
    },
)
# The answer typed for one sub-criterion; fields that do not apply to its kind are left out.
answer = st.one_of(well_formed_answer, well_formed_answer, random_answer)
version_text = st.one_of(
    st.none(), st.none(), st.none(), st.none(), st.integers(-(10**20), 10**20).map(str), text
)  # None: the current version


def report_snapshot(report):
    from reports.models import EvidenceFile, IndicatorStatus, MonthlyReport

    return (
        MonthlyReport.objects.filter(pk=report.pk).values_list("version", "status", "updated_at").get(),
        list(
            IndicatorStatus.objects.filter(report=report)
            .order_by("pk")
            .extra(select={"v": "CAST(value AS TEXT)"})
            .values_list("pk", "v", "declared_met", "met", "text_value", "note", "responsible_person", "planned_date")
        ),
        IndicatorStatus.history.count(),
        EvidenceFile.objects.count(),
    )


def _form_errors(response):
    form = response.context["form"]
    return [str(message) for messages in form.errors.values() for message in messages]


@VIEWS
@example(answers=[{"value": "9999999999,99999"}], button="save", version=None)  # was saved, then the report 500'd
@example(answers=[{"note": "\x00"}], button="save", version=None)  # was "Null characters are not allowed."
@example(answers=[{"value": "1e9999999"}], button="save", version=None)  # abs() of it raises decimal.Overflow
@given(
    answers=st.lists(answer, max_size=6),
    button=st.sampled_from(["save", "save", "submit"]),
    version=version_text,
)
def test_report_form_never_500(users, april_report, client_for, answers, button, version):
    from reports.models import MonthlyReport

    report = april_report
    client = client_for(users["xa_xuantruong"])
    data = {button: "1"}
    for status, typed in zip(_pick_statuses(report), answers, strict=False):
        data.update({f"{name}_{status.pk}": value for name, value in typed.items()})
    with rolled_back():
        data["version"] = MonthlyReport.objects.get(pk=report.pk).version if version is None else version
        before = report_snapshot(report)
        response = client.post(reverse("reports:report_edit", args=[report.pk]), data)
        event(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400, 409), response.status_code
        if response.status_code == 302:
            # What was saved can be shown again.
            assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
            return
        assert report_snapshot(report) == before, "refused form after a partial write"
        body = response.content.decode()
        if response.status_code == 400:
            event(f"refused: {', '.join(sorted({n.split('_')[0] for n in response.context['form'].errors}))}")
        if response.status_code == 409:
            assert "vừa được người khác lưu" in body
            return
        assert "Chưa lưu được" in body
        errors = _form_errors(response)
        assert errors
        for message in errors:
            assert_vietnamese(message)


# --- The inspection finding form, with random photos ----------------------------------------------


def _image(fmt, size, mode):
    buffer = io.BytesIO()
    Image.new(mode, size, "green").save(buffer, fmt)
    return buffer.getvalue()


@st.composite
def photo_bytes(draw):
    fmt = draw(st.sampled_from(["JPEG", "PNG"]))
    mode = draw(st.sampled_from(["RGB", "L"] + (["RGBA", "P"] if fmt == "PNG" else [])))
    size = draw(st.one_of(st.tuples(st.integers(1, 64), st.integers(1, 64)), st.just((1700, 1200))))
    valid = _image(fmt, size, mode)
    return draw(
        st.one_of(
            st.just(valid),
            st.just(valid),
            st.integers(1, len(valid) - 1).map(lambda n: valid[:n]),  # cut off (an interrupted upload)
            st.integers(1, 40).map(lambda n: valid[:-n]),  # only the last bytes missing
            st.integers(1, 40).map(lambda n: valid[:-n]),
            mangled(valid),  # bytes flipped
            st.binary(max_size=500).map(lambda b: valid[:8] + b),  # the right magic, garbage after it
            st.binary(max_size=500),
            st.just(b""),
        )
    )


photo_name = st.text(st.characters(categories=("L", "N", "Zs"), include_characters="._-"), min_size=1, max_size=300)


@pytest.fixture
def visit(users):
    from inspections import services

    inspection = services.inspection_create(
        commune=AdministrativeUnit.objects.get(code="15514"),
        date=datetime.date(2021, 4, 14),
        team_name="Tổ công tác số 1",
        leader=users["totrt_thoxuan"],
        created_by=users["totrt_thoxuan"],
    )
    return services.visit_add(inspection=inspection, site_type="school", name="Trường THCS Xuân Trường")


_TRUNCATED_JPEG = _image("JPEG", (64, 48), "RGB")[:-10]  # the end of an interrupted upload is missing


_WELL_FORMED_FINDING = {"assessment": "shortcoming", "shortcoming": "Nhà vệ sinh xuống cấp", "recommendation": ""}
finding_fields = st.one_of(
    st.none(),  # the typed fields are fine: only the photos are random
    st.fixed_dictionaries(
        {
            "assessment": st.one_of(st.sampled_from(["meets", "shortcoming", "serious", "MEETS", ""]), text),
            "shortcoming": st.one_of(st.just("Nhà vệ sinh xuống cấp"), long_text),
            "recommendation": long_text,
        },
        optional={"indicator": st.one_of(st.integers(), text)},
    ),
)


@settings(VIEWS, max_examples=40)  # photos are cheap: a few more examples
@example(  # a JPEG without its last bytes passes the upload check, then fails to decode: ValueError, 500
    photos=[("IMG_0001.JPG", _TRUNCATED_JPEG)], fields=None, another=False
)
@example(  # 400 with Django's "Null characters are not allowed." (untranslated before locale/vi)
    photos=[], fields={"assessment": "meets", "shortcoming": "", "recommendation": "\x00"}, another=False
)
@given(
    photos=st.lists(st.tuples(photo_name, photo_bytes()), max_size=2),
    fields=finding_fields,
    another=st.booleans(),
)
def test_finding_form_never_500(users, visit, client_for, photos, fields, another):
    from inspections.models import Finding, Photo

    indicator = Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code="5.1")
    client = client_for(users["totrt_thoxuan"])
    post = {"indicator": indicator.pk} | (_WELL_FORMED_FINDING if fields is None else fields)
    post["photos"] = [SimpleUploadedFile(name, content, content_type="image/jpeg") for name, content in photos]
    if another:
        post["another"] = "1"
    with rolled_back():
        before = (Finding.objects.count(), Photo.objects.count())
        response = client.post(reverse("inspections:finding_create", args=[visit.pk]), post)
        event(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        after = (Finding.objects.count(), Photo.objects.count())
        if response.status_code == 302:
            # Django drops a file whose name has no printable character before any view sees it,
            # exactly as when no file was chosen.
            sent = [name for name, _content in photos if MultiPartParser.sanitize_file_name(None, name)]
            assert after == (before[0] + 1, before[1] + len(sent))
            return
        assert after == before, "refused finding after a partial write"
        event(f"refused: {', '.join(sorted(response.context['form'].errors))}")
        errors = _form_errors(response)
        assert errors
        for message in errors:
            assert_vietnamese(message)
