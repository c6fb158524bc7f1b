"""Small helpers shared by the tests (and the demo): import files built in memory, the tests' settings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponseBase
from openpyxl import Workbook


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has an active worksheet
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def close_response(response: HttpResponseBase) -> int:
    """Close a test client's response (a file response holds its file open) and return its status code.

    Closing a response sends request_finished, whose close_old_connections would close the test's own
    database connection on PostgreSQL: it is muted meanwhile.
    """
    if hasattr(response, "close"):
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    return response.status_code


def fast_settings(media_root):
    """The settings every test runs with (conftest.py), also those of data built once per session."""
    from django.conf import settings

    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # The test client's login() passes no request, which django-axes needs; lockout has its own tests.
        "AXES_ENABLED": False,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MEDIA_ROOT": media_root,
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }


def migrate_to(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate the test database to `targets` (for migration tests, in a transactional test); the models
    as the database now has them (every applied migration: the apps not named stay where they are)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def migrate_to_latest() -> Any:
    """Back to every app's latest migration (a migration test's `finally`: the next tests need every table)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
