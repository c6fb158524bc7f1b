from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EvidenceFile, IndicatorStatus, MonthlyReport, Notification, ReportEvent, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "deadline", "deadline_note")


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "actor", "at", "comment", "late")


@admin.register(MonthlyReport)
class MonthlyReportAdmin(SimpleHistoryAdmin):
    list_display = ("commune", "period", "status", "is_late", "criteria_met", "indicators_met", "submitted_at")
    list_filter = ("status", "is_late", "period")
    search_fields = ("commune__name", "commune__code")
    raw_id_fields = ("commune",)
    readonly_fields = ("version", "submitted_at", "submitted_by", "reviewed_at", "reviewed_by")
    inlines = [ReportEventInline]


@admin.register(IndicatorStatus)
class IndicatorStatusAdmin(SimpleHistoryAdmin):
    list_display = ("report", "indicator", "value", "declared_met", "met")
    raw_id_fields = ("report", "indicator")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(SimpleHistoryAdmin):
    list_display = ("original_name", "kind", "size", "uploaded_by", "uploaded_at")
    raw_id_fields = ("status",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "created_at", "read_at", "emailed_at")
    list_filter = ("read_at", "emailed_at")
