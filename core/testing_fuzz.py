"""Shared by the fuzzing tests (`*/tests/test_fuzzing.py`, hypothesis): bad input never gets a 500 from
the importers and the main forms, never leaves a partial write, and is always explained in Vietnamese.

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
import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from core.testing import xlsx_bytes

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


def form_errors(response):
    form = response.context["form"]
    return [str(message) for messages in form.errors.values() for message in messages]


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


# --- Texts the forms and the files share ------------------------------------------------------

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
long_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=190, max_size=230),
    st.integers(4990, 5100).map(lambda n: "ghi chú " * (n // 8) + "x" * (n % 8)),
    st.sampled_from(["<script>alert(1)</script>", "\x00", "a\x01\x1f\x7fb", "\u202eabc", "{{ 1 }}", "%(x)s"]),
)
