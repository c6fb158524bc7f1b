from __future__ import annotations

from typing import Any

from django import forms


class DayFirstDateInput(forms.DateInput):
    """dd/mm/yyyy whatever the browser's locale (a native date picker would follow the browser)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y")
