from django.contrib import admin

from core.admin import ViewOnlyHistoryAdmin

from .models import ActionItem


@admin.register(ActionItem)
class ActionItemAdmin(ViewOnlyHistoryAdmin):
    list_display = ("title", "commune", "criterion", "owner_name", "due_date", "status", "source")
    list_filter = ("status", "source")
    search_fields = ("title", "owner_name", "commune__name")
    raw_id_fields = ("commune", "criterion", "indicator", "owner_user")
