import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit
from core.uploads import evidence_validator
from criteria.models import THRESHOLD_KINDS, CriteriaSet, Indicator

from . import notification_texts

DEADLINE_DAY = 25


def default_deadline(year, month):
    """The 25th of the month, 23:59:59, Asia/Ho_Chi_Minh."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime(year, month, DEADLINE_DAY, 23, 59, 59, tzinfo=zone)


class ReportingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    deadline = models.DateTimeField(_("hạn nộp"))
    deadline_note = models.CharField(_("lý do điều chỉnh hạn"), max_length=300, blank=True)
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
    def deadline_moved(self):
        return self.deadline != default_deadline(self.year, self.month)

    def days_left(self, now=None):
        """Whole days from today to the deadline day (negative: days overdue), in local dates."""
        now = now or timezone.now()
        return (self.local_deadline.date() - timezone.localtime(now).date()).days

    @property
    def local_deadline(self):
        return timezone.localtime(self.deadline)

    def is_late(self, when):
        return when > self.deadline

    def is_open(self, now=None):
        """Still being reported on: until the end of the month after the period's month (the office
        chases late reports then); afterwards the period is history and counts no days."""
        today = timezone.localtime(now or timezone.now()).date()
        return (today.year, today.month) <= (self.year + self.month // 12, self.month % 12 + 1)

    def deadline_text(self, now=None):
        """ "Hạn nộp: 25/04/2021 — còn 3 ngày" ("quá hạn 2 ngày") while the period is open, counted
        from `now`; a closed period shows its deadline date only."""
        date = self.local_deadline.strftime("%d/%m/%Y")
        if not self.is_open(now):
            return _("Hạn nộp: %(date)s") % {"date": date}
        days = self.days_left(now)
        left = _("còn %(n)s ngày") % {"n": days} if days >= 0 else _("quá hạn %(n)s ngày") % {"n": -days}
        return _("Hạn nộp: %(date)s — %(left)s") % {"date": date, "left": left}


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

    @property
    def late_days(self):
        """Days between the deadline day and the first submission's day (local dates); 0 when on time."""
        if not self.submitted_at or not self.is_late:
            return 0
        return max(1, (timezone.localtime(self.submitted_at).date() - self.period.local_deadline.date()).days)

    def deadline_text(self, now=None):
        """What a report says about its deadline: a submitted report (also after a return) tells how
        its first submission stood; an unsubmitted one counts days only while its period is open."""
        if self.submitted_at is None:
            return self.period.deadline_text(now)
        if self.is_late:
            return _("Nộp trễ %(n)s ngày (hạn nộp %(date)s)") % {
                "n": self.late_days,
                "date": self.period.local_deadline.strftime("%d/%m/%Y"),
            }
        return _("Nộp đúng hạn (hạn nộp %(date)s)") % {"date": self.period.local_deadline.strftime("%d/%m/%Y")}

    @property
    def is_overdue(self):
        """Unsubmitted while its deadline has passed and its period is still open (shown in red)."""
        return self.submitted_at is None and self.period.is_open() and self.period.days_left() < 0

    @property
    def summary_line(self):
        return _("đạt %(c)s/%(ct)s tiêu chí, %(i)s/%(it)s tiểu tiêu chí") % {
            "c": self.criteria_met,
            "ct": self.criteria_total,
            "i": self.indicators_met,
            "it": self.indicators_total,
        }


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
        if self.indicator.kind in THRESHOLD_KINDS:
            return self.value is not None
        return self.declared_met is not None


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
        from core.uploads import EXTENSIONS

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


class Notification(models.Model):
    """An entry of a user's in-portal inbox: a kind and its parameters, worded when it is read (in the
    reader's language). `title`/`body` hold the text of entries stored before kinds existed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("loại"), max_length=40, blank=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(_("liên kết"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title_text

    def _rendered(self):
        if not self.kind:
            return self.title, self.body
        cached = getattr(self, "_rendered_texts", None)
        if cached is None or cached[0] != translation.get_language():
            cached = (translation.get_language(), notification_texts.render(self.kind, self.params))
            self._rendered_texts = cached
        return cached[1]

    @property
    def title_text(self):
        return self._rendered()[0]

    @property
    def body_text(self):
        return self._rendered()[1]


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


class MinutesState(models.TextChoices):
    PENDING = "pending", _("Đang tạo")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Lỗi khi tạo")
    STALE = "stale", _("Cần tạo lại")


def minutes_path(instance, filename):
    return f"private/minutes/{filename}"


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
        return _("đạt %(c)s/%(ct)s tiêu chí, %(i)s/%(it)s tiểu tiêu chí") % {
            "c": self.frozen_criteria_met,
            "ct": self.frozen_criteria_total,
            "i": self.frozen_indicators_met,
            "it": self.frozen_indicators_total,
        }


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


class OutboxEntry(models.Model):
    """Work a committed change asked of the Celery worker (one row per task and object), written in the
    same transaction as the change: a broker that is down loses nothing, the periodic sweep hands it over
    again (reports/outbox.py). Whether the work is done is read from its object (a notification's
    `emailed_at`, a meeting's `pdf_state`), never from here; the sweep deletes the entry once it is."""

    task = models.CharField(_("tác vụ"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("mã đối tượng"))
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    # NULL: the last hand-over failed (broker unreachable), so the next sweep hands it over at once.
    queued_at = models.DateTimeField(_("chuyển vào hàng đợi lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chuyển"), default=0)

    class Meta:
        verbose_name = _("việc chờ xử lý nền")
        verbose_name_plural = _("việc chờ xử lý nền")
        constraints = [models.UniqueConstraint(fields=["task", "object_id"], name="outbox_entry_once")]

    def __str__(self):
        return f"{self.task}({self.object_id})"
