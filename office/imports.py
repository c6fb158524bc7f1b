"""Imports through the browser: a province's top office uploads a unit file or a criteria file, reads
what it would change (or every bad line), then applies it.

The same services as the management commands do the work (communes.services.units_import,
criteria.services.criteria_set_import_with_changes): the upload runs them with `dry_run`, the apply runs
them for real from the stored file, each inside one transaction. The file is kept with its ImportRecord
(private storage, served only through office.views_imports).
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.services import units_import
from core.errors import ApplicationError
from core.tabular import ImportFileError, WorkbookRefused, open_workbook
from core.uploads import sniff_kind, validate_upload
from criteria.services import criteria_set_import_with_changes

from .models import ImportKind, ImportRecord, ImportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

    from communes.models import AdministrativeUnit


def _file_kind(uploaded_file: UploadedFile) -> str:
    """ "xlsx" or "csv", recognised from the content (never the name); ApplicationError otherwise."""
    name = os.path.basename(uploaded_file.name or "")
    try:
        return validate_upload(uploaded_file, kinds=("xlsx",), max_bytes=settings.IMPORT_MAX_BYTES)
    except ValidationError as exc:
        if exc.code != "bad_type":
            raise ApplicationError(" ".join(exc.messages), field="file") from exc
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    if sniff_kind(head, uploaded_file) is None and not head.startswith(b"PK"):
        uploaded_file.seek(0)
        try:
            text = uploaded_file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" not in text:
            return "csv"
    raise ApplicationError(
        _("Tệp “%(name)s” không phải là tệp CSV (UTF-8) hoặc Excel (XLSX). Loại tệp được nhận biết theo nội dung.")
        % {"name": name},
        field="file",
    )


def _run(record: ImportRecord, data: bytes, *, dry_run: bool) -> tuple[list[list[Any]], str]:
    """Run the import's service on the file: (changes as [[line, text], …], summary). ImportFileError
    when a line is bad (nothing changed)."""
    if record.kind == ImportKind.UNITS:
        summary = units_import(data, within=record.unit, dry_run=dry_run)
        return [[line, text] for line, text in summary.changes], str(summary)
    parameters = record.parameters
    result = criteria_set_import_with_changes(
        data,
        code=parameters["code"],
        name=parameters["name"],
        legal_basis=parameters.get("legal_basis", ""),
        level=parameters["level"],
        effective_from=_day(parameters.get("effective_from")),
        effective_until=_day(parameters.get("effective_until")),
        owner=record.unit,
        dry_run=dry_run,
    )
    return [[line, text] for line, text in result.changes], str(result)


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _errors(exc: ImportFileError) -> list[list[Any]]:
    return [[error.line, error.message] for error in exc.errors]


def import_upload(
    *,
    user: User,
    unit: AdministrativeUnit,
    kind: str,
    uploaded_file: UploadedFile,
    parameters: dict[str, Any],
) -> ImportRecord:
    """Keep the file with a new ImportRecord and preview it: PREVIEWED with what it would change, or
    REFUSED with every bad line. Nothing else changes. A file that is not CSV/XLSX, too large, or an
    XLSX that would not stay small when read is refused (ApplicationError) and not kept.

    `parameters` (criteria files): code, name, legal_basis, level, effective_from/until (ISO dates)."""
    file_kind = _file_kind(uploaded_file)
    uploaded_file.seek(0)
    data = uploaded_file.read()
    if file_kind == "xlsx":
        try:
            open_workbook(data).close()  # refused before anything is kept when it would not stay small
        except WorkbookRefused as exc:
            raise ApplicationError(exc.message, field="file") from exc
    record = ImportRecord(
        kind=kind,
        unit=unit,
        original_name=os.path.basename(uploaded_file.name or "")[:255],
        parameters=parameters,
        uploaded_by=user,
    )
    try:
        record.changes, record.summary = _run(record, data, dry_run=True)
        record.status = ImportStatus.PREVIEWED
    except ImportFileError as exc:
        record.status, record.errors = ImportStatus.REFUSED, _errors(exc)
    record.file.save(f"import.{file_kind}", ContentFile(data), save=False)
    record.save()
    return record


def import_apply(*, record: ImportRecord, user: User) -> ImportRecord:
    """Apply a previewed import from its stored file, atomically: APPLIED with who, when and the final
    changes; if the file no longer applies (the data changed since the preview), REFUSED with its bad
    lines and nothing changed. A record applied or refused already is refused (ApplicationError)."""
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().select_related("unit").get(pk=record.pk)
        if record.status == ImportStatus.APPLIED:
            raise ApplicationError(_("Lần nhập này đã được áp dụng."))
        if record.status != ImportStatus.PREVIEWED:
            raise ApplicationError(_("Lần nhập này có lỗi nên không thể áp dụng; hãy sửa tệp rồi tải lên lại."))
        with record.file.open("rb") as stored:
            data = stored.read()
        fields = ["status", "changes", "summary", "errors"]
        try:
            record.changes, record.summary = _run(record, data, dry_run=False)
        except ImportFileError as exc:  # the service's own transaction is rolled back: nothing changed
            record.status, record.changes, record.errors = ImportStatus.REFUSED, [], _errors(exc)
        else:
            record.status, record.errors = ImportStatus.APPLIED, []
            record.applied_by, record.applied_at = user, timezone.now()
            fields += ["applied_by", "applied_at"]
        record.save(update_fields=fields)
    return record
