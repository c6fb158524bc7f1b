from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit
from core.uploads import minutes_path
from criteria.summary import summary_line
from reports.models import MonthlyReport


class MinutesState(models.TextChoices):
    PENDING = "pending", _("Đang tạo")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Lỗi khi tạo")
    STALE = "stale", _("Cần tạo lại")


# The states in which minutes are still to be rendered.
RENDERING = (MinutesState.PENDING, MinutesState.STALE)


class Meeting(models.Model):
    """A working session (buổi làm việc) with a commune and its minutes (biên bản, Mẫu 1.9)."""

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã"), on_delete=models.PROTECT, related_name="meetings"
    )
    issuing_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("cơ quan ban hành biên bản"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        "inspections.Inspection",
        verbose_name=_("đợt kiểm tra"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số biên bản"))
    subject = models.CharField(_("về việc"), max_length=500)
    place = models.CharField(_("địa điểm"), max_length=300)
    started_at = models.DateTimeField(_("bắt đầu"))
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chủ trì"), on_delete=models.PROTECT, related_name="+"
    )
    chair_position = models.CharField(_("chức vụ chủ trì"), max_length=200, blank=True)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("thư ký"), on_delete=models.PROTECT, related_name="+"
    )
    secretary_position = models.CharField(_("chức vụ thư ký"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("thành phần tham dự (tài khoản)"), blank=True, related_name="+"
    )
    guests = models.TextField(_("khách mời"), blank=True, help_text=_("Mỗi dòng một người: Họ tên - chức vụ - đơn vị."))
    # The commune's status as it was when the meeting was created: never recomputed.
    frozen_report = models.ForeignKey(MonthlyReport, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    frozen_period = models.CharField(max_length=10, blank=True)
    frozen_criteria_met = models.PositiveSmallIntegerField(default=0)
    frozen_criteria_total = models.PositiveSmallIntegerField(default=0)
    frozen_indicators_met = models.PositiveSmallIntegerField(default=0)
    frozen_indicators_total = models.PositiveSmallIntegerField(default=0)
    frozen_criteria = models.JSONField(default=list, blank=True)  # [{"number", "name", "met"}]
    content = models.TextField(_("nội dung làm việc"), blank=True)
    conclusions = models.TextField(_("kết luận của chủ trì"), blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True)
    finalised_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    pdf = models.FileField(_("tệp PDF"), upload_to=minutes_path, blank=True)
    pdf_state = models.CharField(max_length=10, choices=MinutesState.choices, default=MinutesState.PENDING)
    pdf_hash = models.CharField(max_length=64, blank=True)
    pdf_version = models.PositiveIntegerField(default=0)
    pdf_error = models.TextField(blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        verbose_name = _("buổi làm việc")
        verbose_name_plural = _("buổi làm việc")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuing_unit", "year", "number"], name="minutes_number_unique"),
        ]

    def __str__(self):
        return f"{self.number_text} · {self.commune}"

    @property
    def number_text(self):
        abbreviation = self.issuing_unit.abbreviation or "VPĐP"
        return f"{self.number}/BB-{abbreviation}"

    @property
    def is_final(self):
        return self.finalised_at is not None

    @property
    def frozen_line(self):
        return summary_line(
            criteria_met=self.frozen_criteria_met,
            criteria_total=self.frozen_criteria_total,
            indicators_met=self.frozen_indicators_met,
            indicators_total=self.frozen_indicators_total,
        )


class MeetingRemark(models.Model):
    """A member's remark (ý kiến phát biểu), optionally about one criterion."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="remarks")
    criterion = models.ForeignKey(
        "criteria.Criterion",
        verbose_name=_("tiêu chí"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    speaker = models.CharField(_("người phát biểu"), max_length=200)
    text = models.TextField(_("nội dung"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.speaker}: {self.text[:40]}"


class Directive(models.Model):
    """A task the chair gave; it becomes a follow-up action with an owner and a due date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="directives")
    text = models.TextField(_("nhiệm vụ"))
    owner = models.CharField(_("đơn vị, người thực hiện"), max_length=300)
    due_date = models.DateField(_("thời hạn"), null=True, blank=True)
    action = models.OneToOneField(
        "inspections.ActionItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="directive"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.text[:60]
