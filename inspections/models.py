import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit
from core.uploads import evidence_validator, photo_validator
from criteria.models import Criterion, Indicator


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Dự kiến")
    IN_PROGRESS = "in_progress", _("Đang kiểm tra")
    DONE = "done", _("Đã hoàn thành")


class Inspection(models.Model):
    """A visit of an inspection team (tổ công tác) to a commune."""

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã"), on_delete=models.PROTECT, related_name="inspections"
    )
    date = models.DateField(_("ngày kiểm tra"))
    team_name = models.CharField(_("tổ công tác"), max_length=200)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("tổ trưởng"), on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("thành viên"), blank=True, related_name="inspections"
    )
    purpose = models.TextField(_("mục đích, nội dung"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.IN_PROGRESS
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("đợt kiểm tra")
        verbose_name_plural = _("đợt kiểm tra")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.commune} · {self.date:%d/%m/%Y}"


class SiteType(models.TextChoices):
    SCHOOL = "school", _("Trường học")
    CULTURAL_HOUSE = "cultural_house", _("Nhà văn hóa thôn")
    HEALTH_STATION = "health_station", _("Trạm y tế")
    SANITATION = "sanitation", _("Vệ sinh môi trường")
    GARDEN = "garden", _("Mô hình vườn hộ")
    OTHER = "other", _("Khác")


class SiteVisit(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("đợt kiểm tra"), on_delete=models.CASCADE, related_name="visits"
    )
    site_type = models.CharField(_("loại địa điểm"), max_length=20, choices=SiteType.choices)
    name = models.CharField(_("tên địa điểm"), max_length=200)
    village = models.CharField(_("thôn"), max_length=120, blank=True)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("địa điểm kiểm tra")
        verbose_name_plural = _("địa điểm kiểm tra")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class Assessment(models.TextChoices):
    MEETS = "meets", _("Đạt yêu cầu")
    SHORTCOMING = "shortcoming", _("Còn tồn tại")
    SERIOUS = "serious", _("Tồn tại nghiêm trọng")


SHORTCOMINGS = (Assessment.SHORTCOMING, Assessment.SERIOUS)


class Finding(models.Model):
    """What the team found at a site about one sub-criterion."""

    visit = models.ForeignKey(SiteVisit, verbose_name=_("địa điểm"), on_delete=models.CASCADE, related_name="findings")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("tiểu tiêu chí"), on_delete=models.PROTECT, related_name="findings"
    )
    assessment = models.CharField(_("đánh giá"), max_length=20, choices=Assessment.choices)
    shortcoming = models.TextField(_("tồn tại, hạn chế"), blank=True)
    recommendation = models.TextField(_("kiến nghị"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("đã xử lý lúc"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("kết quả xử lý"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kết quả kiểm tra")
        verbose_name_plural = _("kết quả kiểm tra")
        ordering = ["indicator__criterion__number", "indicator__position", "id"]

    def __str__(self):
        return f"{self.indicator.code}: {self.get_assessment_display()}"

    @property
    def is_shortcoming(self):
        return self.assessment in SHORTCOMINGS


def photo_path(instance, filename):
    return f"private/photos/{uuid.uuid4().hex}{instance.extension}"


def display_path(instance, filename):
    return f"private/photos/display/{uuid.uuid4().hex}.jpg"


class Photo(models.Model):
    finding = models.ForeignKey(Finding, verbose_name=_("kết quả"), on_delete=models.CASCADE, related_name="photos")
    original = models.FileField(_("ảnh gốc"), upload_to=photo_path, validators=[photo_validator])
    display = models.FileField(_("ảnh hiển thị"), upload_to=display_path)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(_("chụp lúc"), null=True, blank=True)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = _("ảnh")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self):
        return ".png" if self.kind == "png" else ".jpg"


def action_evidence_path(instance, filename):
    suffix = "." + filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else ""
    return f"private/actions/{uuid.uuid4().hex}{suffix}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Đã hoàn thành")
    VERIFIED = "verified", _("Đã xác nhận")


class ActionSource(models.TextChoices):
    PLAN = "plan", _("Kế hoạch của xã")
    FINDING = "finding", _("Kết quả kiểm tra")
    MEETING = "meeting", _("Kết luận buổi làm việc")


class ActionItem(models.Model):
    """A task with a named owner and a due date ("rõ người, rõ việc").

    The one task model of the portal: the commune's action plan, follow-ups of inspection
    findings and directives of working sessions all create ActionItems.
    """

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã"), on_delete=models.PROTECT, related_name="action_items"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("tiêu chí"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("tiểu tiêu chí"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("kết quả kiểm tra"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    source = models.CharField(_("nguồn"), max_length=20, choices=ActionSource.choices, default=ActionSource.PLAN)
    title = models.CharField(_("nhiệm vụ"), max_length=500)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện (tài khoản)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_actions",
    )
    owner_name = models.CharField(_("người chịu trách nhiệm"), max_length=200, blank=True)
    owner_position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    owner_department = models.CharField(_("phòng, ngành, đơn vị"), max_length=200, blank=True)
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completion_note = models.TextField(_("kết quả, minh chứng"), blank=True)
    evidence = models.FileField(
        _("tệp minh chứng"), upload_to=action_evidence_path, validators=[evidence_validator], blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tạo"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["commune", "status"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.is_open and self.due_date < today

    @property
    def owner_label(self):
        parts = [self.owner_name, self.owner_position, self.owner_department]
        return " · ".join(p for p in parts if p)
