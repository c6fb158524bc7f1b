import datetime
import zoneinfo
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.tabular import parse_decimal
from core.uploads import evidence_validator
from core.widgets import DayFirstDateInput
from criteria.models import PERCENT_KINDS, IndicatorKind

from . import scoring

MET_CHOICES = [("", "—"), ("1", _lazy("Đạt")), ("0", _lazy("Chưa đạt"))]


class NumberField(forms.CharField):
    """A number typed the Vietnamese way ("62,5") or with a dot; optional bounds for percentages."""

    def __init__(self, *, percent=False, **kwargs):
        self.percent = percent
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            raise forms.ValidationError(_("“%(value)s” không phải là số.") % {"value": value}) from exc
        if abs(number) >= 10**9:
            raise forms.ValidationError(_("Số quá lớn."))
        number = number.quantize(Decimal("0.0001"))  # what the database keeps
        if self.percent and not 0 <= number <= 100:
            raise forms.ValidationError(_("Tỷ lệ phải từ 0 đến 100."))
        return number

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}


def _met_to_python(value):
    return {"1": True, "0": False}.get(value)


class ReportForm(forms.Form):
    """The whole monthly report on one page: one group of fields per sub-criterion."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, report, statuses, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.report, self.statuses, self.submitting = report, statuses, submitting
        self.fields["version"].initial = report.version
        for status in statuses:
            self._add_fields(status)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def _add_fields(self, status):
        indicator, pk = status.indicator, status.pk
        if indicator.has_threshold:
            self.fields[f"value_{pk}"] = NumberField(
                label=_("Giá trị (%(unit)s)") % {"unit": indicator.unit} if indicator.unit else _("Giá trị"),
                required=False,
                percent=indicator.kind in PERCENT_KINDS,
                initial="" if status.value is None else f"{status.value.normalize():f}".replace(".", ","),
            )
        else:
            self.fields[f"met_{pk}"] = forms.TypedChoiceField(
                label=_("Tự đánh giá"),
                choices=MET_CHOICES,
                coerce=_met_to_python,
                empty_value=None,
                required=False,
                initial={True: "1", False: "0"}.get(status.declared_met, ""),
            )
        if indicator.kind == IndicatorKind.TEXT:
            self.fields[f"text_{pk}"] = forms.CharField(
                label=_("Mô tả hiện trạng"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=status.text_value,
                max_length=5000,
            )
        self.fields[f"note_{pk}"] = forms.CharField(
            label=_("Ghi chú"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 1}),
            initial=status.note,
            max_length=5000,
        )
        self.fields[f"person_{pk}"] = forms.CharField(
            label=_("Người chịu trách nhiệm"), required=False, initial=status.responsible_person, max_length=200
        )
        self.fields[f"planned_{pk}"] = forms.DateField(
            label=_("Dự kiến hoàn thành"),
            required=False,
            initial=status.planned_date,
            widget=DayFirstDateInput(),
        )
        self.fields[f"evidence_{pk}"] = forms.FileField(
            label=_("Thêm minh chứng"),
            required=False,
            validators=[evidence_validator],
            widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
        )

    def _answer(self, status, data):
        pk = status.pk
        return {
            "value": data.get(f"value_{pk}"),
            "declared_met": data.get(f"met_{pk}"),
            "text_value": data.get(f"text_{pk}") or "",
            "note": data.get(f"note_{pk}") or "",
            "responsible_person": (data.get(f"person_{pk}") or "").strip(),
            "planned_date": data.get(f"planned_{pk}"),
        }

    def clean(self):
        data = super().clean()
        if self.submitting:
            for status in self.statuses:
                self._check_complete(status, data)
        return data

    def _check_complete(self, status, data):
        pk, indicator = status.pk, status.indicator
        answer = self._answer(status, data)
        field = f"value_{pk}" if indicator.has_threshold else f"met_{pk}"
        if field in self.errors:
            return
        gaps = scoring.submission_gaps(
            indicator,
            value=answer["value"],
            declared_met=answer["declared_met"],
            met=scoring.derive_met(indicator, status.target, answer["value"], answer["declared_met"]),
            responsible_person=answer["responsible_person"],
            planned_date=answer["planned_date"],
        )
        fields = {"result": field, "person": f"person_{pk}", "planned": f"planned_{pk}"}
        for part, message in gaps:
            if fields[part] not in self.errors:
                self.add_error(fields[part], message)

    def answers(self):
        return {status.pk: self._answer(status, self.cleaned_data) for status in self.statuses}

    def evidence(self):
        return {
            status.pk: [self.cleaned_data[f"evidence_{status.pk}"]]
            for status in self.statuses
            if self.cleaned_data.get(f"evidence_{status.pk}")
        }

    def preview(self):
        """The summary with what is typed now (fields with errors count as empty), or as stored."""
        data = getattr(self, "cleaned_data", {})
        rows = []
        for status in self.statuses:
            if self.is_bound:
                answer = self._answer(status, data)
                value, declared = answer["value"], answer["declared_met"]
            else:
                value, declared = status.value, status.declared_met
            met = scoring.derive_met(status.indicator, status.target, value, declared)
            rows.append(
                (status.indicator.criterion.number, met, scoring.is_answered(status.indicator, value, declared))
            )
        return scoring.summarize(rows), {s.pk: r[1] for s, r in zip(self.statuses, rows, strict=True)}

    @cached_property
    def groups(self):
        """[(criterion, [(status, {name: bound field})])] in the set's order, for the template (built once
        per form: the template walks it twice)."""
        by_status: dict[str, dict] = {}
        for name in self.fields:
            kind, _sep, pk = name.rpartition("_")
            by_status.setdefault(pk, {})[kind] = self[name]
        groups, current = [], None
        for status in self.statuses:
            criterion = status.indicator.criterion
            if current is None or current[0].pk != criterion.pk:
                current = (criterion, [])
                groups.append(current)
            current[1].append((status, by_status.get(str(status.pk), {})))
        return groups


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_lazy("Ý kiến của Văn phòng Điều phối"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_lazy("Lý do"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class DeadlineForm(forms.Form):
    """A deadline set by an office: a day (dd/mm/yyyy), a time (empty: 23:59, the end of the day), a reason."""

    date = forms.DateField(
        label=_lazy("Ngày hạn nộp (ngày/tháng/năm)"),
        input_formats=["%d/%m/%Y"],
        widget=DayFirstDateInput(),
    )
    time = forms.TimeField(
        label=_lazy("Giờ (không bắt buộc, mặc định 23:59)"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TextInput(attrs={"placeholder": "23:59", "inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_lazy("Lý do điều chỉnh"), max_length=300)

    def deadline(self):
        """The chosen moment in Asia/Ho_Chi_Minh; without a time, the last second of the day (as the 25th's)."""
        time = self.cleaned_data["time"] or datetime.time(23, 59, 59)
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return datetime.datetime.combine(self.cleaned_data["date"], time, tzinfo=zone)


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(label=_lazy("Tệp Excel (XLSX) đã điền"))
