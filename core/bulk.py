"""Loading many rows at once: PostgreSQL's COPY where available, batched INSERTs elsewhere.

Only for generated data (no signals, no history rows, no `save()`): callers pass every column."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Model

BATCH = 5000


def _copy_text(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (datetime, date)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = format(value, "f")
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_text(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % (BATCH * 10) == 0:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        if buffer.tell():
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
    return count


def _insert(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    count = 0
    batch = []
    for row in rows:
        batch.append(model(**{attnames[c]: v for c, v in zip(columns, row, strict=True)}))
        if len(batch) == BATCH:
            model._default_manager.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)
        count += len(batch)
    return count


def load_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Insert `rows` (tuples in the order of the database `columns`) into `model`'s table; returns the count.

    `auto_now` fields are not filled in for you: pass them."""
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows)
    return _insert(model, columns, rows)
