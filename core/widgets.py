from django import forms


class DayFirstDateInput(forms.DateInput):
    """dd/mm/yyyy whatever the browser's locale (a native date picker would follow the browser)."""

    def __init__(self, attrs=None):
        attrs = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y")
