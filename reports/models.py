import calendar
import datetime
import uuid
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit
from core.uploads import EXTENSIONS, evidence_validator
from criteria.models import CriteriaSet, Indicator
from criteria.summary import summary_line

from .scoring import is_answered

DEADLINE_DAY = 25


def default_deadline(year, month):
    """The 25th of the month, 23:59:59, Asia/Ho_Chi_Minh."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime(year, month, DEADLINE_DAY, 23, 59, 59, tzinfo=zone)


class ReportingPeriod(models.Model):
    """One month of reporting. `deadline` is the default (the 25th, 23:59:59 local) for every commune
    without a deadline set by its coordination office (PeriodDeadline); read a commune's deadline with
    `deadline_for` (reports.selectors.deadline_for / deadlines_for), never this field alone."""

    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    deadline = models.DateTimeField(_("hạn nộp mặc định"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_unique_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="period_valid_month"),
        ]

    def __str__(self):
        return f"{self.month:02d}/{self.year}"

    @property
    def label(self):
        return str(self)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def deadline_for(self, unit: AdministrativeUnit) -> datetime.datetime:
        """The deadline that applies to `unit` (a commune, or an office's unit) in this period
        (`applying_deadlines`)."""
        row = applying_deadlines([self], [unit])[self.pk, unit.pk]
        return row.deadline if row else self.deadline

    def days_left(self, now=None, deadline=None):
        """Whole days from today to the deadline day (negative: days overdue), in local dates; `deadline`
        is a commune's (default: the period's)."""
        now = now or timezone.now()
        return (timezone.localtime(deadline or self.deadline).date() - timezone.localtime(now).date()).days

    def is_open(self, now=None):
        """Still being reported on: until the end of the month after the period's month (the office
        chases late reports then); afterwards the period is history and counts no days."""
        today = timezone.localtime(now or timezone.now()).date()
        return (today.year, today.month) <= (self.year + self.month // 12, self.month % 12 + 1)

    def deadline_text(self, now=None, deadline=None):
        """ "Hạn nộp: 25/04/2021 — còn 3 ngày" ("quá hạn 2 ngày") while the period is open, counted
        from `now`; a closed period shows its deadline date only. `deadline`: a commune's (default: the
        period's)."""
        deadline = deadline or self.deadline
        date = timezone.localtime(deadline).strftime("%d/%m/%Y")
        if not self.is_open(now):
            return _("Hạn nộp: %(date)s") % {"date": date}
        days = self.days_left(now, deadline)
        left = _("còn %(n)s ngày") % {"n": days} if days >= 0 else _("quá hạn %(n)s ngày") % {"n": -days}
        return _("Hạn nộp: %(date)s — %(left)s") % {"date": date, "left": left}


def applying_deadlines(periods, units) -> dict[tuple[int, int], "PeriodDeadline | None"]:
    """{(period id, unit id): the PeriodDeadline that applies to the unit in the period, or None (the
    period's default)}. One query.

    The one rule for a commune's deadline: the one set at the nearest unit at or above it (a district
    office's beats the province's for that district's communes); else the period's default (the 25th).
    Read it through reports.selectors.deadline_for / deadlines_for (or MonthlyReport.deadline)."""
    periods, units = list(periods), list(units)
    ancestors = {prefix for unit in units for prefix in path_prefixes(unit.path)}
    rows = sorted(
        PeriodDeadline.objects.filter(period__in=[p.pk for p in periods], unit__path__in=ancestors).select_related(
            "unit"
        ),
        key=lambda row: len(row.unit.path),
        reverse=True,
    )
    return {
        (period.pk, unit.pk): next(
            (row for row in rows if row.period_id == period.pk and unit.path.startswith(row.unit.path)), None
        )
        for period in periods
        for unit in units
    }


def path_prefixes(path: str) -> list[str]:
    """ "38/395/15514/" → "38/", "38/395/", "38/395/15514/": the paths of a unit and the units above it."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class PeriodDeadline(models.Model):
    """A deadline set by a coordination office for the communes of its unit in one period.

    It applies to every commune below `unit` unless a unit nearer the commune has its own (see
    `ReportingPeriod.deadlines_for`). Every change is kept, with its reason, in the history."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("kỳ báo cáo"), on_delete=models.PROTECT, related_name="deadlines"
    )
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="period_deadlines"
    )
    deadline = models.DateTimeField(_("hạn nộp"))
    reason = models.CharField(_("lý do điều chỉnh hạn"), max_length=300)
    # Empty only for a deadline carried over from the period-wide one (migration 0008).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đặt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("đặt lúc"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hạn nộp theo đơn vị")
        verbose_name_plural = _("hạn nộp theo đơn vị")
        ordering = ["period", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="period_deadline_once_per_unit")]

    def __str__(self):
        return f"{self.unit} · {self.period}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Bị trả lại")
    ACCEPTED = "accepted", _("Đã duyệt")


EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class MonthlyReport(models.Model):
    """A commune's progress report for one period; one per commune and period."""

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("kỳ báo cáo"), on_delete=models.PROTECT, related_name="reports"
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT, related_name="reports"
    )
    zone = models.CharField(_("vùng"), max_length=60, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_late = models.BooleanField(_("nộp trễ"), default=False)
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_comment = models.TextField(_("ý kiến của Văn phòng Điều phối"), blank=True)
    # Stored summary, written on every save, for fast dashboards.
    criteria_total = models.PositiveSmallIntegerField(default=0)
    criteria_met = models.PositiveSmallIntegerField(default=0)
    indicators_total = models.PositiveSmallIntegerField(default=0)
    indicators_met = models.PositiveSmallIntegerField(default=0)
    indicators_answered = models.PositiveSmallIntegerField(default=0)
    met_criteria = models.JSONField(_("các tiêu chí đạt (số thứ tự)"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("báo cáo tháng")
        verbose_name_plural = _("báo cáo tháng")
        ordering = ["-period__year", "-period__month", "commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "period"], name="report_one_per_commune_period"),
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self):
        return f"{self.commune} · {self.period}"

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    @cached_property
    def deadline(self):
        """The deadline that applies to the commune in the period (`ReportingPeriod.deadline_for`); lists
        set it for many reports at once (reports.selectors.attach_deadlines)."""
        return self.period.deadline_for(self.commune)

    @property
    def late_days(self):
        """Days between the deadline day and the first submission's day (local dates); 0 when on time."""
        if not self.submitted_at or not self.is_late:
            return 0
        deadline_day = timezone.localtime(self.deadline).date()
        return max(1, (timezone.localtime(self.submitted_at).date() - deadline_day).days)

    def deadline_text(self, now=None):
        """What a report says about its deadline: a submitted report (also after a return) tells how
        its first submission stood; an unsubmitted one counts days only while its period is open."""
        if self.submitted_at is None:
            return self.period.deadline_text(now, self.deadline)
        date = timezone.localtime(self.deadline).strftime("%d/%m/%Y")
        if self.is_late:
            return _("Nộp trễ %(n)s ngày (hạn nộp %(date)s)") % {"n": self.late_days, "date": date}
        return _("Nộp đúng hạn (hạn nộp %(date)s)") % {"date": date}

    @property
    def is_overdue(self):
        """Unsubmitted while its deadline has passed and its period is still open (shown in red)."""
        return self.submitted_at is None and self.period.is_open() and self.period.days_left(deadline=self.deadline) < 0

    @property
    def summary_line(self):
        return summary_line(
            criteria_met=self.criteria_met,
            criteria_total=self.criteria_total,
            indicators_met=self.indicators_met,
            indicators_total=self.indicators_total,
        )


class IndicatorStatus(models.Model):
    """One sub-criterion in one monthly report."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="statuses"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("tiểu tiêu chí"), on_delete=models.PROTECT, related_name="statuses"
    )
    value = models.DecimalField(_("giá trị đo được"), max_digits=14, decimal_places=4, null=True, blank=True)
    text_value = models.TextField(_("mô tả hiện trạng"), blank=True)
    declared_met = models.BooleanField(_("tự đánh giá đạt"), null=True, blank=True)
    met = models.BooleanField(_("đạt"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    responsible_person = models.CharField(_("người chịu trách nhiệm"), max_length=200, blank=True)
    planned_date = models.DateField(_("dự kiến hoàn thành"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kết quả tiểu tiêu chí")
        verbose_name_plural = _("kết quả tiểu tiêu chí")
        ordering = ["indicator__criterion__number", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="status_one_per_indicator"),
        ]

    def __str__(self):
        return f"{self.report} · {self.indicator.code}"

    @property
    def is_answered(self):
        return is_answered(self.indicator, self.value, self.declared_met)


def evidence_path(instance, filename):
    # Private storage: a random name, never the uploader's; served only through a checked view.
    return f"private/evidence/{instance.status.report.commune.code}/{uuid.uuid4().hex}{instance.extension}"


class EvidenceFile(models.Model):
    status = models.ForeignKey(
        IndicatorStatus, verbose_name=_("tiểu tiêu chí"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path, validators=[evidence_validator])
    original_name = models.CharField(_("tên tệp"), max_length=255)
    kind = models.CharField(_("loại"), max_length=10)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self):
        return EXTENSIONS.get(self.kind, "")


class ReportEvent(models.Model):
    """A transition of a report (who, when, why): the timeline shown on the report."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Nộp báo cáo")
        RESUBMIT = "resubmit", _("Nộp lại sau khi bị trả lại")
        RETURN = "return", _("Trả lại")
        ACCEPT = "accept", _("Duyệt")
        REOPEN = "reopen", _("Mở lại để chỉnh sửa")

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    to_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("lúc"))
    comment = models.TextField(_("ý kiến"), blank=True)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.report} · {self.get_action_display()}"


class ReminderKind(models.TextChoices):
    T5 = "t-5", _("Nhắc trước hạn 5 ngày")
    T2 = "t-2", _("Nhắc trước hạn 2 ngày")
    T0 = "t-0", _("Nhắc vào ngày hết hạn")
    OVERDUE = "overdue", _("Thông báo quá hạn")
    DIGEST = "digest", _("Tổng hợp xã chậm nộp (gửi Văn phòng Điều phối)")


class ReminderState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")
    NO_RECIPIENT = "no_recipient", _("Không có người nhận")
    CANCELLED = "cancelled", _("Hủy (xã đã nộp)")


class Reminder(models.Model):
    """The intent to remind one unit of one period, by one channel: unique, claimed before sending.

    For a commune: its officials are reminded (T-5, T-2, T-0, overdue). For an office (kind DIGEST):
    the office is told which of its communes are late.
    """

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="reminders"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("kỳ báo cáo"), on_delete=models.PROTECT, related_name="reminders"
    )
    kind = models.CharField(_("loại"), max_length=10, choices=ReminderKind.choices)
    channel = models.CharField(_("kênh"), max_length=20)
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=ReminderState.choices, default=ReminderState.PENDING
    )
    due_on = models.DateField(_("ngày gửi"))
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("nhận gửi lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    recipients = models.TextField(_("người nhận"), blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("nhắc nhở")
        verbose_name_plural = _("nhắc nhở")
        ordering = ["-due_on", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "kind", "channel"], name="reminder_once"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.unit} · {self.period} · {self.kind} · {self.channel}"
