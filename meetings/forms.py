from django import forms
from django.utils.translation import gettext_lazy as _

from core.names import person_name
from core.widgets import DayFirstDateInput

from .models import Meeting, MeetingRemark

DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DayFirstDateTimeInput(forms.DateTimeInput):
    def __init__(self):
        super().__init__(attrs={"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}, format="%d/%m/%Y %H:%M")


class _SessionForm(forms.ModelForm):
    """Times and people, shared by creating and editing a working session."""

    started_at = forms.DateTimeField(label=_("Bắt đầu"), input_formats=DATETIME_FORMATS, widget=DayFirstDateTimeInput())
    ended_at = forms.DateTimeField(
        label=_("Kết thúc"), input_formats=DATETIME_FORMATS, widget=DayFirstDateTimeInput(), required=False
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("chair", "secretary", "attendees"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = person_name
        self.fields["attendees"].required = False

    def clean(self):
        data = super().clean()
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and end <= start:
            self.add_error("ended_at", _("Giờ kết thúc phải sau giờ bắt đầu."))
        return data


PEOPLE_FIELDS = ["chair", "chair_position", "secretary", "secretary_position", "attendees", "guests"]
TEXT_WIDGETS = {"guests": forms.Textarea(attrs={"rows": 4}), "subject": forms.Textarea(attrs={"rows": 2})}


class MeetingForm(_SessionForm):
    class Meta:
        model = Meeting
        fields = ["commune", "inspection", "subject", "place", "started_at", "ended_at", *PEOPLE_FIELDS]
        widgets = TEXT_WIDGETS

    def __init__(self, *args, communes, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["inspection"].queryset = inspections
        self.fields["inspection"].required = False

    def clean(self):
        data = super().clean()
        inspection, commune = data.get("inspection"), data.get("commune")
        if inspection and commune and inspection.commune_id != commune.pk:
            self.add_error("inspection", _("Đợt kiểm tra này không thuộc xã đã chọn."))
        return data


class MeetingEditForm(_SessionForm):
    class Meta:
        model = Meeting
        fields = ["subject", "place", "started_at", "ended_at", *PEOPLE_FIELDS, "content", "conclusions", "recipients"]
        widgets = {
            **TEXT_WIDGETS,
            "content": forms.Textarea(attrs={"rows": 8}),
            "conclusions": forms.Textarea(attrs={"rows": 6}),
            "recipients": forms.Textarea(attrs={"rows": 3}),
        }


class RemarkForm(forms.ModelForm):
    class Meta:
        model = MeetingRemark
        fields = ["speaker", "criterion", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria
        self.fields["criterion"].required = False


class DirectiveForm(forms.Form):
    text = forms.CharField(label=_("Nhiệm vụ"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    owner = forms.CharField(label=_("Đơn vị, người thực hiện"), max_length=300)
    due_date = forms.DateField(label=_("Thời hạn"), required=False, widget=DayFirstDateInput())


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Lý do mở lại"), max_length=500)
