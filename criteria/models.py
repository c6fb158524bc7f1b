from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit


class SetLevel(models.TextChoices):
    NTM = "ntm", _("Nông thôn mới")
    ADVANCED = "advanced", _("Nông thôn mới nâng cao")
    MODEL = "model", _("Nông thôn mới kiểu mẫu")


# What a commune becomes when it meets a set of this level, as documents say it ("xã nông thôn mới nâng
# cao" only for an advanced set).
COMMUNE_STANDARD = {
    SetLevel.NTM: _("xã nông thôn mới"),
    SetLevel.ADVANCED: _("xã nông thôn mới nâng cao"),
    SetLevel.MODEL: _("xã nông thôn mới kiểu mẫu"),
}


class CriteriaSet(models.Model):
    """A versioned set of criteria, imported from a file (never written in code)."""

    code = models.SlugField(_("mã bộ tiêu chí"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=300, blank=True)
    level = models.CharField(_("mức"), max_length=20, choices=SetLevel.choices, default=SetLevel.ADVANCED)
    effective_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    effective_until = models.DateField(_("áp dụng đến"), null=True, blank=True)
    # The province whose office issued the set and updates it through the browser (office.imports); none:
    # a national set, updated only with the management command.
    owner = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị ban hành"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified = models.BooleanField(
        _("đã đối chiếu văn bản gốc"),
        default=False,
        help_text=_("Chỉ đánh dấu khi nội dung đã được đối chiếu với văn bản chính thức."),
    )
    is_complete = models.BooleanField(
        _("đủ tiểu tiêu chí"),
        default=False,
        help_text=_("Bộ khung chỉ có tên tiêu chí thì chưa đủ để báo cáo."),
    )
    imported_at = models.DateTimeField(_("nhập lúc"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        ordering = ["-effective_from", "code"]

    def __str__(self):
        return self.name

    @property
    def zones(self):
        return sorted(
            {
                z
                for z in IndicatorTarget.objects.filter(indicator__criteria_set=self).values_list("zone", flat=True)
                if z
            }
        )

    def validate_zone(self, zone):
        """Refuse a commune's zone this set cannot judge: one the set does not define, or none at all
        when the set has zone-specific thresholds (a commune is never judged against another zone)."""
        zones = self.zones
        if zone and zone not in zones:
            if not zones:
                raise ValidationError(
                    _("Bộ tiêu chí “%(set)s” không chia vùng; hãy để trống ô vùng."),
                    code="zone_not_used",
                    params={"set": self.name},
                )
            raise ValidationError(
                _("Bộ tiêu chí “%(set)s” không có vùng “%(zone)s”; các vùng hợp lệ: %(zones)s."),
                code="zone_unknown",
                params={"set": self.name, "zone": zone, "zones": ", ".join(zones)},
            )
        if not zone and zones:
            raise ValidationError(
                _("Bộ tiêu chí “%(set)s” có chỉ tiêu riêng theo vùng; hãy chọn vùng của xã (%(zones)s)."),
                code="zone_required",
                params={"set": self.name, "zones": ", ".join(zones)},
            )


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT, related_name="criteria"
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = models.CharField(_("tên tiêu chí"), max_length=300)
    group = models.CharField(_("nhóm"), max_length=200, blank=True)
    responsible_department = models.CharField(_("phòng, ngành phụ trách"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["criteria_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_unique_number"),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class IndicatorKind(models.TextChoices):
    YES_NO = "yes_no", _("Đạt / không đạt")
    NUMBER_MIN = "number_min", _("Số, đạt khi ≥ ngưỡng")
    NUMBER_MAX = "number_max", _("Số, đạt khi ≤ ngưỡng")
    PERCENT_MIN = "percent_min", _("Tỷ lệ %, đạt khi ≥ ngưỡng")
    PERCENT_MAX = "percent_max", _("Tỷ lệ %, đạt khi ≤ ngưỡng")
    TEXT = "text", _("Văn bản, tự đánh giá")


THRESHOLD_KINDS = {
    IndicatorKind.NUMBER_MIN,
    IndicatorKind.NUMBER_MAX,
    IndicatorKind.PERCENT_MIN,
    IndicatorKind.PERCENT_MAX,
}
PERCENT_KINDS = {IndicatorKind.PERCENT_MIN, IndicatorKind.PERCENT_MAX}


class Indicator(models.Model):
    """A sub-criterion (tiểu tiêu chí / chỉ tiêu), e.g. 13.1."""

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT, related_name="indicators"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("tiêu chí"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("mã"), max_length=20)
    name = models.CharField(_("tên tiểu tiêu chí"), max_length=500)
    kind = models.CharField(_("loại"), max_length=20, choices=IndicatorKind.choices)
    unit = models.CharField(_("đơn vị tính"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    # Empty: the criterion's (a criterion such as "Văn hóa, giáo dục, y tế" spans several departments).
    responsible_department = models.CharField(_("phòng, ngành phụ trách"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tiểu tiêu chí")
        verbose_name_plural = _("tiểu tiêu chí")
        ordering = ["criterion__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="indicator_unique_code"),
        ]

    def __str__(self):
        return f"{self.code}. {self.name}"

    @property
    def department(self):
        """The department the sub-criterion belongs to: its own, else its criterion's (communes.access)."""
        return self.responsible_department or self.criterion.responsible_department

    @property
    def has_threshold(self):
        return self.kind in THRESHOLD_KINDS

    def target_for(self, zone=""):
        """The target row for a commune's zone, else the all-zones row, else None.

        None means the zone matches no target of this sub-criterion (a commune enrolled without a
        valid zone): the caller must say so, never judge against another zone's threshold."""
        targets = list(self.targets.all())
        for target in targets:
            if target.zone == zone:
                return target
        for target in targets:
            if not target.zone:
                return target
        return None

    def is_met_by(self, value, threshold):
        """Met or not, for a measured value against a threshold; None when it cannot be derived."""
        if not self.has_threshold or value is None or threshold is None:
            return None
        value, threshold = Decimal(value), Decimal(threshold)
        if self.kind in (IndicatorKind.NUMBER_MIN, IndicatorKind.PERCENT_MIN):
            return value >= threshold
        return value <= threshold


class IndicatorTarget(models.Model):
    """The target of a sub-criterion for one zone ("" = every zone)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("tiểu tiêu chí"), on_delete=models.CASCADE, related_name="targets"
    )
    zone = models.CharField(_("vùng"), max_length=60, blank=True)
    target_text = models.CharField(_("chỉ tiêu"), max_length=300)
    threshold = models.DecimalField(_("ngưỡng"), max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu theo vùng")
        verbose_name_plural = _("chỉ tiêu theo vùng")
        ordering = ["indicator", "zone"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "zone"], name="target_unique_zone"),
        ]

    def __str__(self):
        return f"{self.zone or '*'}: {self.target_text}"


class Enrolment(models.Model):
    """A commune's goal from a month on: a criteria set, the level and year it aims for, and its zone.

    Enrolments are never switched off: moving a commune to another set from a month is a new enrolment
    starting then, and the old one keeps applying to the months before it. Which one applies to a month
    is `criteria.selectors.enrolment_in_force_q` (the latest start up to that month among the enrolments
    whose set is in force then)."""

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã"), on_delete=models.PROTECT, related_name="enrolments"
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT, related_name="enrolments"
    )
    target_level = models.CharField(_("mức phấn đấu"), max_length=20, choices=SetLevel.choices)
    target_year = models.PositiveSmallIntegerField(_("năm phấn đấu đạt chuẩn"))
    zone = models.CharField(_("vùng"), max_length=60, blank=True)
    starts_on = models.DateField(
        _("áp dụng từ tháng"),
        null=True,
        blank=True,
        help_text=_("Ngày đầu tiên của tháng báo cáo đầu tiên theo đăng ký này; để trống: từ đầu."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đăng ký phấn đấu")
        verbose_name_plural = _("đăng ký phấn đấu")
        constraints = [
            models.UniqueConstraint(fields=["commune", "criteria_set"], name="enrolment_unique_set"),
            models.UniqueConstraint(fields=["commune", "starts_on"], name="enrolment_unique_start"),
        ]

    def __str__(self):
        return f"{self.commune} · {self.criteria_set}"

    def clean(self):
        super().clean()
        if self.starts_on:
            self.starts_on = self.starts_on.replace(day=1)  # a month, stored as its first day
        if self.criteria_set_id:
            try:
                self.criteria_set.validate_zone(self.zone)
            except ValidationError as error:
                raise ValidationError({"zone": error}) from error
