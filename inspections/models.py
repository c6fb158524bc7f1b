from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit
from criteria.models import Criterion, Indicator


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
