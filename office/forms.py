from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Role
from core.widgets import DayFirstDateInput

USERNAME = RegexValidator(
    r"^[A-Za-z0-9_.-]{3,150}$", _("Chỉ dùng chữ không dấu, số, dấu chấm, gạch dưới, gạch nối (3–150 ký tự).")
)
DATE_FORMATS = ["%d/%m/%Y"]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parent = f" – {obj.parent.name}" if obj.parent_id else ""
        return f"{obj.name} ({obj.code}){parent}"


def _date(label, required=False, help_text=""):
    return forms.DateField(
        label=label, required=required, input_formats=DATE_FORMATS, widget=DayFirstDateInput(), help_text=help_text
    )


class _RoleFields(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    unit = UnitChoiceField(label=_("Tại đơn vị"), queryset=None)
    department = forms.CharField(
        label=_("Phòng, ngành phụ trách"),
        max_length=120,
        required=False,
        help_text=_("Chỉ với vai trò Phòng, ngành: tên như trong bộ tiêu chí, ví dụ: Phòng Y tế."),
    )
    position = forms.CharField(label=_("Chức vụ"), max_length=120, required=False)
    valid_from = _date(_("Hiệu lực từ ngày"), required=True)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.select_related("parent")
        self.fields["valid_from"].initial = timezone.localdate()


class PersonAddForm(_RoleFields):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150, validators=[USERNAME])
    last_name = forms.CharField(label=_("Họ và tên đệm"), max_length=150)
    first_name = forms.CharField(label=_("Tên"), max_length=150)
    email = forms.EmailField(label=_("Email"), help_text=_("Liên kết đặt mật khẩu được gửi tới địa chỉ này."))
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    field_order = ["username", "last_name", "first_name", "email", "phone", "role", "unit", "department", "position"]


class RoleAddForm(_RoleFields):
    valid_until = _date(_("Hiệu lực đến ngày"), help_text=_("Để trống: không thời hạn."))


class PersonEditForm(forms.Form):
    last_name = forms.CharField(label=_("Họ và tên đệm"), max_length=150)
    first_name = forms.CharField(label=_("Tên"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    seen = forms.CharField(widget=forms.HiddenInput)


class RoleEditForm(forms.Form):
    position = forms.CharField(label=_("Chức vụ"), max_length=120, required=False)
    department = forms.CharField(label=_("Phòng, ngành phụ trách"), max_length=120, required=False)
    valid_from = _date(_("Hiệu lực từ ngày"))
    valid_until = _date(
        _("Hiệu lực đến ngày"),
        help_text=_("Ghi ngày cuối cùng để kết thúc vai trò: sau ngày đó người này chỉ còn xem, không thao tác."),
    )
    seen = forms.CharField(widget=forms.HiddenInput)


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm"), required=False)
    role = forms.ChoiceField(label=_("Vai trò"), choices=[("", _("Mọi vai trò")), *Role.choices], required=False)
    unit = forms.CharField(label=_("Mã đơn vị"), required=False)
    ended = forms.BooleanField(label=_("Gồm cả vai trò đã kết thúc"), required=False)
