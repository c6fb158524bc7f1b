"""The import forms (office.views_imports): a unit file, or a criteria file and its set's details."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DayFirstDateInput
from criteria.models import SetLevel

DAY_FORMATS = ["%d/%m/%Y"]


class UnitsImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV hoặc XLSX"),
        help_text=_("Các cột: code, name, level, parent_code, valid_from, valid_until, successor_code."),
    )

    def parameters(self) -> dict[str, Any]:
        return {}


class CriteriaImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV hoặc XLSX"),
        help_text=_(
            "Các cột: criterion_number, criterion_name, criterion_group, indicator_code, indicator_name, "
            "kind, unit, target, threshold, zone, responsible_department."
        ),
    )
    code = forms.SlugField(
        label=_("Mã bộ tiêu chí"),
        max_length=60,
        help_text=_("Chữ thường không dấu, số và gạch nối, ví dụ: thanh-hoa-nang-cao-2026."),
    )
    name = forms.CharField(label=_("Tên bộ tiêu chí"), max_length=300)
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), max_length=300, required=False)
    level = forms.ChoiceField(label=_("Mức"), choices=SetLevel.choices, initial=SetLevel.ADVANCED)
    effective_from = forms.DateField(
        label=_("Áp dụng từ ngày"), input_formats=DAY_FORMATS, widget=DayFirstDateInput(), required=False
    )
    effective_until = forms.DateField(
        label=_("Áp dụng đến ngày"), input_formats=DAY_FORMATS, widget=DayFirstDateInput(), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("effective_from"), data.get("effective_until")
        if start and end and end < start:
            self.add_error("effective_until", _("Ngày hết hiệu lực sớm hơn ngày áp dụng."))
        return data

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        days = {f: (data[f].isoformat() if data[f] else "") for f in ("effective_from", "effective_until")}
        return {
            "code": data["code"],
            "name": data["name"],
            "legal_basis": data["legal_basis"],
            "level": data["level"],
        } | days


IMPORT_FORMS: dict[str, type[UnitsImportForm] | type[CriteriaImportForm]] = {
    "units": UnitsImportForm,
    "criteria": CriteriaImportForm,
}
