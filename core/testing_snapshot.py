"""Test data built once per test session, replayed in each test's own transaction.

`Snapshot(build)` runs `build()` once, inside a transaction that it rolls back, and keeps every row
the build added (all models, m2m through tables and the historical tables included). `restore()` then
inserts those rows again, with the same primary keys, in the current test's transaction: a few bulk
INSERTs instead of the whole seeding code. A snapshot may sit on top of another one (`base`): it then
holds only what its build added to the base.

A restore is exact only on the database state the build started from. Each snapshot keeps a
fingerprint of that state (the row count and the highest primary key of every table); when the
test's database differs (a fixture created rows before, an earlier transactional test left the
tables in another state), `restore()` runs `build()` itself instead, as the fixture always did.

What a build may not do, checked when it runs: change or delete rows that existed before it, write
media files or send mail on the spot. The callbacks it registered with `transaction.on_commit` (mails
handed to the outbox) are registered again by each restore: a transactional test (live server, real
worker) runs them on the spot, as it did when it seeded itself, and any other test never runs them.
"""

import time

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management.color import no_style
from django.db import connection, transaction

# Rows the framework makes (post_migrate) or the tests' clients make, never part of a snapshot.
NOT_CAPTURED = (ContentType, Permission, Session)
# Tables the database's triggers write (the dashboards' data version), never part of a snapshot either.
MAINTAINED_BY_TRIGGERS = ("core.DataVersion",)


def _tables():
    """Every concrete model with a table of its own, m2m through models and historical models included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and model._meta.label not in MAINTAINED_BY_TRIGGERS
    ]


def _fingerprint():
    """(row count, highest primary key) of every table, in one query.

    Only the count of the tables never captured: a transactional test's flush makes their rows again
    (post_migrate) under new primary keys, which no captured row refers to (checked by `take`)."""
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{m._meta.db_table}', COUNT(*), "
        f"{'NULL' if issubclass(m, NOT_CAPTURED) else f'CAST(MAX({quote(m._meta.pk.column)}) AS TEXT)'} "
        f"FROM {quote(m._meta.db_table)}"
        for m in _tables()
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, top) for table, count, top in cursor.fetchall()}


def _captured():
    return [m for m in _tables() if not issubclass(m, NOT_CAPTURED)]


def _rows(model):
    """{pk: tuple of the stored values} of a table."""
    names = [f.attname for f in model._meta.local_concrete_fields]
    pk = model._meta.pk.attname
    return {row[names.index(pk)]: row for row in model._base_manager.values_list(*names)}


class Snapshot:
    """The rows `build()` adds to the database, replayable in any later transaction."""

    def __init__(self, build, *, base=None, settings=None, media_root=None, name=""):
        self.build, self.base, self.name = build, base, name or getattr(build, "__name__", "snapshot")
        self.settings, self.media_root = settings or {}, media_root
        self.rows = {}  # model → [instance]
        self.on_commit = []  # [(callback, robust)]
        self.start = None  # the fingerprint the build started from
        self.end = None  # … and the one it ended with
        self.restored = self.rebuilt = 0
        self.seconds = 0.0

    def take(self):
        """Run the build in a transaction rolled back afterwards, keeping what it added."""
        from django.test.utils import override_settings

        started = time.monotonic()
        with override_settings(**self.settings), transaction.atomic():
            if self.base is not None:
                self.base.restore()
            self.start = _fingerprint()
            before = {model: _rows(model) for model in _captured()}
            sent = len(getattr(mail, "outbox", []))
            pending = len(connection.run_on_commit)
            self.build()
            self.end = _fingerprint()
            if len(getattr(mail, "outbox", [])) != sent:
                raise AssertionError(f"{self.name}: the build sent mail, which a snapshot cannot replay")
            if self.media_root is not None and any(p.is_file() for p in self.media_root.rglob("*")):
                raise AssertionError(f"{self.name}: the build wrote media files, which a snapshot cannot replay")
            for model, old in before.items():
                after = _rows(model)
                if any(after.get(pk) != row for pk, row in old.items()):
                    raise AssertionError(f"{self.name}: the build changed or deleted rows of {model._meta.label}")
                new = set(after) - set(old)
                if new:
                    self.rows[model] = [obj for obj in model._base_manager.order_by("pk") if obj.pk in new]
            for model in self.rows:
                for field in model._meta.local_concrete_fields:
                    if field.is_relation and issubclass(field.related_model, NOT_CAPTURED):
                        raise AssertionError(f"{self.name}: {field} refers to rows a snapshot does not keep")
            self.on_commit = [(func, robust) for _sids, func, robust in connection.run_on_commit[pending:]]
            transaction.set_rollback(True)
        self.seconds = time.monotonic() - started
        return self

    def restore(self):
        """Insert the build's rows in the current transaction (or run the build, on another starting state)."""
        if _fingerprint() != self.start:
            self.rebuilt += 1
            self.build()
            return
        self.restored += 1
        with transaction.atomic():  # foreign keys are checked at commit: the insert order does not matter
            for model, objs in self.rows.items():
                fields = model._meta.local_concrete_fields
                size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
                for start in range(0, len(objs), size):
                    # raw=True: the stored values as they are (bulk_create would stamp auto_now fields anew)
                    model._base_manager._insert(objs[start : start + size], fields=fields, raw=True)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                    cursor.execute(sql)
        if _fingerprint() != self.end:
            raise AssertionError(f"{self.name}: the restored tables differ from those the build left")
        for func, robust in self.on_commit:
            transaction.on_commit(func, robust=robust)

    def summary(self):
        rows = sum(len(objs) for objs in self.rows.values())
        return (
            f"{self.name}: {rows} rows in {len(self.rows)} tables, built in {self.seconds:.1f}s, "
            f"restored {self.restored}×, rebuilt {self.rebuilt}× (another starting state)"
        )
