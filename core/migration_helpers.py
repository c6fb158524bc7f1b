"""Helpers for the migrations that moved models out of `reports` (one room per domain)."""

from collections.abc import Callable, Iterable
from typing import Any

MigrationFunction = Callable[[Any, Any], None]


def move_content_types(from_app: str, to_app: str, models: Iterable[str]) -> MigrationFunction:
    """A RunPython function: the content types (and so the permissions and admin log entries) of `models`
    follow them from `from_app` to `to_app`, on a database that had them before the move."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=to_app, model=model).exists():
                ContentType.objects.filter(app_label=from_app, model=model).update(app_label=to_app)

    return forwards
