import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from criteria.models import CriteriaSet

from .enrolments import NOT_ENROLLED

_MONTH = re.compile(r"^\s*(?:(\d{1,2})\s*/\s*(\d{4})|(\d{4})-(\d{1,2}))\s*$")


class MonthField(forms.CharField):
    """A month typed as MM/YYYY (or YYYY-MM, what a browser's month picker sends), kept as its first day."""

    default_error_messages = {"invalid": _("Nhập tháng dạng MM/YYYY, ví dụ 02/2026.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = _MONTH.match(value)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        try:
            return datetime.date(int(year), int(month), 1)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value):
        return f"{value:%m/%Y}" if isinstance(value, datetime.date) else value

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "placeholder": "MM/YYYY", "inputmode": "numeric", "autocomplete": "off"}


class CommuneIdsField(forms.Field):
    """The ids of the communes ticked in the table (hidden fields on the preview page)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Chọn ít nhất một xã trong bảng."),
        "invalid": _("Danh sách xã không hợp lệ."),
    }

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class EnrolmentFilterForm(forms.Form):
    """The list's filters (GET): the month shown, a set, a unit below the office, a name."""

    month = MonthField(label=_("Tháng"), required=False)
    criteria_set = forms.ChoiceField(label=_("Bộ tiêu chí"), required=False)
    unit = forms.ChoiceField(label=_("Đơn vị"), required=False)
    q = forms.CharField(label=_("Tên hoặc mã xã"), required=False, max_length=100)

    def __init__(self, *args, criteria_sets, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria_sets = {s.code: s for s in criteria_sets}
        self.units = {u.code: u for u in units}
        self.fields["criteria_set"].choices = [
            ("", _("Tất cả")),
            (NOT_ENROLLED, _("Chưa đăng ký")),
            *((s.code, s.name) for s in criteria_sets),
        ]
        self.fields["unit"].choices = [("", _("Tất cả")), *((u.code, u.name) for u in units)]

    def selection(self, default_month):
        """(month, set or NOT_ENROLLED or None, unit or None, query) of a valid form."""
        data = self.cleaned_data
        chosen = data.get("criteria_set")
        criteria_set = NOT_ENROLLED if chosen == NOT_ENROLLED else self.criteria_sets.get(chosen or "")
        return (
            data.get("month") or default_month,
            criteria_set,
            self.units.get(data.get("unit") or ""),
            data.get("q", "").strip(),
        )


class EnrolmentChangeForm(forms.Form):
    """Enrol the ticked communes in a set, with a zone and a target year, from a month."""

    communes = CommuneIdsField(label=_("Xã"))
    criteria_set = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=CriteriaSet.objects.order_by("-effective_from", "code"),
        empty_label=_("Chọn bộ tiêu chí"),
    )
    zone = forms.CharField(
        label=_("Vùng"),
        required=False,
        max_length=60,
        help_text=_("Để trống nếu bộ tiêu chí không chia vùng."),
    )
    target_year = forms.IntegerField(label=_("Năm phấn đấu đạt chuẩn"), min_value=2000, max_value=2100)
    starts_on = MonthField(label=_("Áp dụng từ tháng"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].widget.attrs["list"] = "zone-options"
        self.fields["target_year"].widget.attrs["inputmode"] = "numeric"

    def change(self):
        """The keyword arguments of the services, but the communes and the user."""
        data = self.cleaned_data
        return {
            "criteria_set": data["criteria_set"],
            "zone": data["zone"].strip(),
            "target_year": data["target_year"],
            "starts_on": data["starts_on"],
        }
