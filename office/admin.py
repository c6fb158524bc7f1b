from django.contrib import admin

from core.admin import ViewOnlyAdmin

from .models import AccountChange, ImportRecord


@admin.register(AccountChange)
class AccountChangeAdmin(ViewOnlyAdmin):
    list_display = ("person", "kind", "unit", "actor", "at", "mailed_at")
    list_filter = ("kind",)
    search_fields = ("person__username", "person__last_name")


@admin.register(ImportRecord)
class ImportRecordAdmin(ViewOnlyAdmin):
    list_display = ("kind", "original_name", "unit", "status", "uploaded_by", "uploaded_at", "applied_at")
    list_filter = ("kind", "status")
