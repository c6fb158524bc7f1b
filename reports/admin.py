from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import NoWrites, ViewOnlyHistoryAdmin

from .models import EvidenceFile, IndicatorStatus, MonthlyReport, PeriodDeadline, ReportEvent, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "deadline")
    # The default deadline (the 25th) stays as created: deadlines move only through the period page
    # (PeriodDeadline, set by a coordination office with a reason).
    readonly_fields = ("deadline",)


class ReportEventInline(NoWrites, admin.TabularInline):
    model = ReportEvent
    extra = 0
    readonly_fields = ("action", "from_status", "to_status", "actor", "at", "comment", "late")


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ViewOnlyHistoryAdmin):
    list_display = ("commune", "period", "status", "is_late", "criteria_met", "indicators_met", "submitted_at")
    list_filter = ("status", "is_late", "period")
    search_fields = ("commune__name", "commune__code")
    inlines = [ReportEventInline]


@admin.register(IndicatorStatus)
class IndicatorStatusAdmin(ViewOnlyHistoryAdmin):
    list_display = ("report", "indicator", "value", "declared_met", "met")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ViewOnlyHistoryAdmin):
    list_display = ("original_name", "kind", "size", "uploaded_by", "uploaded_at")
    raw_id_fields = ("status",)


@admin.register(PeriodDeadline)
class PeriodDeadlineAdmin(ViewOnlyHistoryAdmin):
    list_display = ("period", "unit", "deadline", "reason", "set_by", "set_at")
    list_filter = ("period",)
