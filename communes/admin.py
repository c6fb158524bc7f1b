from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AdministrativeUnit, Membership
from .services import unit_paths_rebuild


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_until")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "replaced_by")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "parent" in form.changed_data:
            unit_paths_rebuild()


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "unit", "department", "position", "valid_from", "valid_until")
    list_filter = ("role",)
    search_fields = ("user__username", "user__last_name", "unit__name", "unit__code")
    raw_id_fields = ("unit",)
    autocomplete_fields = ("user",)
