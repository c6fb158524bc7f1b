from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.names import person_name
from core.uploads import evidence_validator, photo_validator
from core.widgets import DayFirstDateInput

from .models import SHORTCOMINGS, ActionItem, ActionStatus, Finding, Inspection, SiteVisit
from .photos import process_photo


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = [
            "criterion",
            "title",
            "owner_name",
            "owner_position",
            "owner_department",
            "due_date",
            "status",
            "completion_note",
        ]
        widgets = {
            "due_date": DayFirstDateInput(),
            "title": forms.Textarea(attrs={"rows": 2}),
            "completion_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, criteria=None, may_verify=True, due_date_locked=False, **kwargs):
        """`may_verify` and `due_date_locked` reflect communes.access (may_verify_action, may_set_due_date);
        inspections.services.action_update enforces them whatever is posted."""
        super().__init__(*args, **kwargs)
        if criteria is not None:
            self.fields["criterion"].queryset = criteria
        self.fields["criterion"].required = True
        self.fields["owner_name"].required = True
        self.fields["owner_name"].help_text = _("Họ tên người chịu trách nhiệm (rõ người, rõ việc).")
        status = self.fields["status"]
        if not may_verify and self.instance.status == ActionStatus.VERIFIED:  # it stays as it is
            status.choices = [(ActionStatus.VERIFIED, ActionStatus.VERIFIED.label)]
            status.help_text = _(
                "Nhiệm vụ đã được xác nhận; chỉ đoàn kiểm tra hoặc Văn phòng Điều phối mới thay đổi được."
            )
        elif not may_verify:
            status.choices = [(value, label) for value, label in status.choices if value != ActionStatus.VERIFIED]
        if due_date_locked:
            self.fields["due_date"].widget.attrs["readonly"] = True
            self.fields["due_date"].help_text = _(
                "Hạn hoàn thành do đoàn kiểm tra hoặc Văn phòng Điều phối đặt; xã không thay đổi được."
            )


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["commune", "date", "team_name", "leader", "members", "purpose"]
        widgets = {"date": DayFirstDateInput(), "purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, communes, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people
        self.fields["members"].required = False
        self.fields["leader"].label_from_instance = person_name
        self.fields["members"].label_from_instance = person_name


class SiteVisitForm(forms.ModelForm):
    class Meta:
        model = SiteVisit
        fields = ["site_type", "name", "village", "latitude", "longitude"]
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "class": "js-gps-lat"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "class": "js-gps-lng"}),
        }

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None):
            raise forms.ValidationError(_("Cần cả vĩ độ và kinh độ, hoặc để trống cả hai."))
        if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise forms.ValidationError(_("Tọa độ không hợp lệ."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


def clean_photos(photos):
    """Every photo checked (type, size, pixels, and that it decodes) before any is stored; each bad one named."""
    errors = []
    for photo in photos:
        try:
            photo_validator(photo)
        except forms.ValidationError as error:
            errors.extend(error.error_list)
            continue
        try:
            process_photo(photo)
        except ApplicationError as error:
            errors.append(
                forms.ValidationError(_("Tệp “%(name)s”: %(error)s"), params={"name": photo.name, "error": str(error)})
            )
    if errors:
        raise forms.ValidationError(errors)
    return photos


class FindingForm(forms.ModelForm):
    photos = MultiplePhotoField(
        label=_("Ảnh hiện trường (JPEG, PNG; tối đa 15 MB mỗi ảnh)"),
        required=False,
        validators=[],
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )

    class Meta:
        model = Finding
        fields = ["indicator", "assessment", "shortcoming", "recommendation"]
        widgets = {
            "shortcoming": forms.Textarea(attrs={"rows": 3}),
            "recommendation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: f"{i.code}. {i.name}"

    def clean_photos(self):
        return clean_photos(self.cleaned_data.get("photos") or [])

    def clean(self):
        data = super().clean()
        if data.get("assessment") in SHORTCOMINGS and not (data.get("shortcoming") or "").strip():
            self.add_error("shortcoming", _("Cần mô tả tồn tại, hạn chế."))
        return data


class PhotoForm(forms.Form):
    photos = FindingForm.base_fields["photos"]

    def clean_photos(self):
        return clean_photos(self.cleaned_data.get("photos") or [])


class FollowUpForm(forms.ModelForm):
    """A follow-up action opened from a finding: an owner (a user or a named department) and a date."""

    class Meta:
        model = ActionItem
        fields = ["title", "owner_user", "owner_name", "owner_position", "owner_department", "due_date"]
        widgets = {"due_date": DayFirstDateInput(), "title": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = owners
        self.fields["owner_user"].label_from_instance = person_name

    def clean(self):
        data = super().clean()
        if not (
            data.get("owner_user")
            or (data.get("owner_name") or "").strip()
            or (data.get("owner_department") or "").strip()
        ):
            raise forms.ValidationError(_("Cần giao cho một người (tài khoản hoặc họ tên) hoặc một phòng, ngành."))
        return data


class ActionAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Tiến độ"),
        choices=[
            (ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS.label),
            (ActionStatus.DONE, ActionStatus.DONE.label),
        ],
    )
    completion_note = forms.CharField(
        label=_("Kết quả thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    evidence = forms.FileField(
        label=_("Minh chứng (PDF, ảnh, DOCX, XLSX)"), required=False, validators=[evidence_validator]
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Kết quả xử lý"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
