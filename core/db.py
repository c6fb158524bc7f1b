from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model

_M = TypeVar("_M", bound=Model)


def upsert(model: type[_M], defaults: dict[str, Any], **lookup: Any) -> _M:
    """Like update_or_create, but writes (and so records history) only when something changed."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **defaults)
    changed = [key for key, value in defaults.items() if getattr(obj, key) != value]
    if changed:
        for key in changed:
            setattr(obj, key, defaults[key])
        obj.save(update_fields=changed)
    return obj
