import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communes.models import AdministrativeUnit, Role


class ChangeKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("account change", "Tạo tài khoản")
    DETAILS = "details", pgettext_lazy("account change", "Sửa thông tin liên hệ")
    ROLE_GRANTED = "role_granted", pgettext_lazy("account change", "Giao vai trò")
    ROLE_CHANGED = "role_changed", pgettext_lazy("account change", "Sửa vai trò")
    ROLE_ENDED = "role_ended", pgettext_lazy("account change", "Kết thúc vai trò")
    DEACTIVATED = "deactivated", pgettext_lazy("account change", "Khóa tài khoản")
    REACTIVATED = "reactivated", pgettext_lazy("account change", "Mở lại tài khoản")
    LINK_SENT = "link_sent", pgettext_lazy("account change", "Gửi liên kết đặt mật khẩu")


class AccountChange(models.Model):
    """One change an office made to a person's account or roles: who, when, what (shown on the person's
    page). A LINK_SENT row is also the work of the invitation mail (`mailed_at`, office.tasks)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="account_changes",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    kind = models.CharField(_("thay đổi"), max_length=20, choices=ChangeKind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)
    mailed_at = models.DateTimeField(_("đã gửi thư lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thay đổi tài khoản")
        verbose_name_plural = _("thay đổi tài khoản")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.at:%d/%m/%Y %H:%M}"

    @property
    def text(self) -> str:
        return describe_change(self)


class ImportKind(models.TextChoices):
    UNITS = "units", _("Đơn vị hành chính")
    CRITERIA = "criteria", _("Bộ tiêu chí")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Chờ xác nhận")
    REFUSED = "refused", _("Có lỗi, không áp dụng")
    APPLIED = "applied", _("Đã áp dụng")


def import_path(instance, filename):
    # Private storage, a random name: served only through the import's page (office.views_imports).
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"private/imports/{uuid.uuid4().hex}{suffix}"


class ImportRecord(models.Model):
    """A file an office uploaded to import (units or a criteria set), kept with what it would change,
    every bad line, and whether and when it was applied."""

    kind = models.CharField(_("loại dữ liệu"), max_length=20, choices=ImportKind.choices)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("tệp"), upload_to=import_path)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    parameters = models.JSONField(_("thông số"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ImportStatus.choices)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    changes = models.JSONField(_("thay đổi"), default=list, blank=True)
    summary = models.CharField(_("tóm tắt"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người áp dụng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("áp dụng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name} · {self.get_status_display()}"


FIELD_LABELS = {
    "first_name": _("Tên"),
    "last_name": _("Họ và tên đệm"),
    "email": _("Email"),
    "phone": _("Số điện thoại"),
    "position": _("Chức vụ"),
    "department": _("Phòng, ngành"),
    "valid_from": _("Hiệu lực từ"),
    "valid_until": _("Hiệu lực đến"),
}


def _shown(value):
    """A stored value as people read it: dates dd/mm/yyyy, nothing as a dash."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return str(value)


def describe_change(change: AccountChange) -> str:
    """What the change did, in words (the person's page): the role and unit, each field before → after."""
    details = change.details
    parts = []
    if details.get("role") in Role.values:
        parts.append(_("%(role)s tại %(unit)s") % {"role": Role(details["role"]).label, "unit": change.unit})
    if change.kind == ChangeKind.ROLE_GRANTED:
        parts.append(_("từ %(day)s") % {"day": _shown(details.get("valid_from"))})
        if details.get("valid_until"):
            parts.append(_("đến %(day)s") % {"day": _shown(details["valid_until"])})
        if details.get("position"):
            parts.append(str(details["position"]))
    if change.kind == ChangeKind.CREATED:
        parts.append(_("tên đăng nhập %(username)s") % {"username": details.get("username", "")})
    for field, (before, after) in details.get("changed", {}).items():
        label = FIELD_LABELS.get(field, field)
        parts.append(f"{label}: {_shown(before)} → {_shown(after)}")
    if change.kind == ChangeKind.LINK_SENT:
        parts.append(_("tới %(email)s") % {"email": details.get("email", "")})
        parts.append(_("đã gửi") if change.mailed_at else _("đang chờ gửi"))
    return "; ".join(str(p) for p in parts)
