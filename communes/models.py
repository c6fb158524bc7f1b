from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh/thành phố")
    DISTRICT = "district", _("Huyện/thị xã/thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã/phường/thị trấn")
    VILLAGE = "village", _("Thôn/bản/tổ dân phố")


class UnitQuerySet(models.QuerySet["AdministrativeUnit"]):
    def valid_on(self, day: datetime.date) -> UnitQuerySet:
        """The versions in force on `day` (an undated start or end is open)."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
        )

    def current(self) -> UnitQuerySet:
        return self.valid_on(timezone.localdate())

    def by_code(self, code: str, on: datetime.date | None = None) -> AdministrativeUnit | None:
        """The one way to find a unit by its code: the version in force on `on` (default today),
        else the latest version of the code (a unit that has ended), else None."""
        versions = self.filter(code=code).order_by(models.F("valid_from").desc(nulls_last=True))
        return versions.valid_on(on or timezone.localdate()).first() or versions.first()


# The words that name a unit's level at the start of its name (longest first).
LEVEL_PREFIXES = ("Thành phố ", "Thị trấn ", "Thị xã ", "Phường ", "Huyện ", "Tỉnh ", "Xã ")


class AdministrativeUnit(models.Model):
    """A node of the administrative tree. Depth is not fixed: since 1/7/2025 a commune's parent
    may be a province. `path` ("38/395/15514/") makes "every unit below" a single prefix query.

    Versions. A row is one version of a unit, in force from `valid_from` to `valid_until` (empty: open).
    A GSO code reused after a reorganisation (another name, level or parent) is a new row from its new
    date; the old row ends the day before, points to it through `replaced_by` and keeps its records.
    Find a unit by code with `AdministrativeUnit.objects.by_code(code, on=...)`, never `get(code=...)`.
    `path` is built from codes: two versions of one code under the same parent share a path, so a
    prefix query (access, "every unit below") reaches both."""

    code = models.CharField(_("mã đơn vị"), max_length=20, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=20, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    abbreviation = models.CharField(
        _("tên viết tắt của cơ quan"),
        max_length=30,
        blank=True,
        help_text=_("Dùng trong số biên bản, ví dụ: VPĐP."),
    )
    seat_name = models.CharField(
        _("địa danh"),
        max_length=100,
        blank=True,
        help_text=_("Địa danh trên văn bản của cơ quan ở đơn vị này, ví dụ: Thọ Xuân; bỏ trống: lấy từ tên đơn vị."),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay thế bởi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    history = HistoricalRecords()

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_version_unique_start"),
            # An undated first version: NULLs are distinct in a unique constraint, so one more rule.
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(valid_from__isnull=True), name="unit_one_undated_version"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(valid_until__isnull=True), name="unit_one_open_version"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="unit_version_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # `path` is derived from the parent; re-parenting a subtree goes through
        # communes.services.unit_paths_rebuild.
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self):
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"

    @property
    def place_name(self) -> str:
        """The địa danh in the place-and-date line of a document issued here (NĐ 30/2020): the seat name, else
        the unit's name without its level ("Huyện Thọ Xuân" → "Thọ Xuân")."""
        if self.seat_name:
            return self.seat_name
        for prefix in LEVEL_PREFIXES:
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name

    def is_within(self, other):
        """True when this unit is `other` or lies below it."""
        return self.path.startswith(other.path)

    @property
    def is_commune(self):
        return self.level == UnitLevel.COMMUNE


# "Văn phòng Điều phối NTM tỉnh / huyện / xã": the level word after an office's name.
OFFICE_LEVEL_WORDS = {
    UnitLevel.PROVINCE: pgettext_lazy("office level", "tỉnh"),
    UnitLevel.DISTRICT: pgettext_lazy("office level", "huyện"),
    UnitLevel.COMMUNE: pgettext_lazy("office level", "xã"),
}


class Role(models.TextChoices):
    COMMUNE_OFFICIAL = "commune_official", _("Cán bộ xã")
    OFFICE = "office", _("Văn phòng Điều phối NTM")
    INSPECTOR = "inspector", _("Tổ công tác kiểm tra")
    DEPARTMENT = "department", _("Phòng, ngành")
    LEADER = "leader", _("Lãnh đạo")


class Membership(models.Model):
    """A user's role at a unit; it reaches every unit below that unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    department = models.CharField(
        _("phòng, ngành phụ trách"),
        max_length=120,
        blank=True,
        help_text=_("Với vai trò Phòng, ngành: tên phòng như trong bộ tiêu chí, ví dụ: Phòng Y tế."),
    )
    position = models.CharField(_("chức vụ"), max_length=120, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(
        _("hiệu lực đến"),
        null=True,
        blank=True,
        help_text=_("Sau ngày này, người dùng chỉ còn xem được dữ liệu của đơn vị, không thao tác được."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    @property
    def title(self) -> str:
        """The body the role names, at its level: "Văn phòng Điều phối NTM tỉnh" for a province's office."""
        level = OFFICE_LEVEL_WORDS.get(self.unit.level) if self.role == Role.OFFICE else None
        return f"{self.get_role_display()} {level}" if level else str(self.get_role_display())

    def has_started(self, today: datetime.date) -> bool:
        return self.valid_from is None or self.valid_from <= today

    def has_ended(self, today: datetime.date) -> bool:
        """An ended membership still reads what it reached; it acts on nothing (communes.access)."""
        return self.valid_until is not None and self.valid_until < today


class Profile(models.Model):
    """What the portal keeps about a person beyond the account: the language mail is written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("người dùng"), on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(_("ngôn ngữ"), max_length=10, choices=settings.LANGUAGES, default="vi")
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("hồ sơ người dùng")
        verbose_name_plural = _("hồ sơ người dùng")

    def __str__(self):
        return f"{self.user} · {self.language}"
