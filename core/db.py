from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def _auto_now_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]


def model_update(*, instance: M, fields: Iterable[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set on `instance` the `fields` whose value in `data` differs, and save only those.

    Returns (instance, updated). One UPDATE of the changed columns (plus `auto_now` fields such as
    `updated_at`), so django-simple-history records exactly one row; nothing is written, and no
    history recorded, when nothing changed. A field missing from `data` is left alone.

    No `full_clean()`: the values come from a validated form or an importer that checks every line,
    database constraints guard the rest, and a ValidationError here would be neither a form error nor
    an ApplicationError (the caller could only turn it into a 500).
    """
    changed = [name for name in fields if name in data and getattr(instance, name) != data[name]]
    if not changed:
        return instance, False
    for name in changed:
        setattr(instance, name, data[name])
    with transaction.atomic():  # the row and its history row, together
        instance.save(update_fields=[*changed, *(f for f in _auto_now_fields(instance) if f not in changed)])
    return instance, True


def upsert(model: type[M], defaults: dict[str, Any], **lookup: Any) -> M:
    """Like update_or_create, but writes (and so records history) only when something changed."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **defaults)
    obj, _updated = model_update(instance=obj, fields=list(defaults), data=defaults)
    return obj
