from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CriteriaSet, Criterion, Enrolment, Indicator, IndicatorTarget


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("number", "name", "group", "responsible_department")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "legal_basis", "is_complete", "verified")
    list_filter = ("level", "verified", "is_complete")
    search_fields = ("code", "name")
    inlines = [CriterionInline]


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "unit", "criteria_set", "responsible_department")
    list_filter = ("criteria_set", "kind")
    list_editable = ("responsible_department",)
    search_fields = ("code", "name")
    inlines = [IndicatorTargetInline]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ("number", "name", "criteria_set", "responsible_department")
    list_filter = ("criteria_set",)
    list_editable = ("responsible_department",)


@admin.register(Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    list_display = ("commune", "criteria_set", "starts_on", "target_level", "target_year", "zone")
    list_filter = ("criteria_set", "zone")
    search_fields = ("commune__name", "commune__code")
    raw_id_fields = ("commune",)
