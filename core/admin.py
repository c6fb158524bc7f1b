"""What the Django admin may do. It is for superusers only (ntm_portal.urls), and it never writes the rows
a workflow owns: those change only through the portal's services."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import OutboxEntry


class NoWrites:
    """Admin permissions that allow looking only (a ModelAdmin or an inline)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _stored_name(field):
    """A file field shown as the name it is stored under, not as the admin's link to its `.url`: on the S3 store
    that is a presigned address which skips the portal's permission check (on the local folder, a /media/ address
    nothing serves). The files themselves are served by the portal's checked views."""

    @admin.display(description=field.verbose_name)
    def stored_name(obj):
        return getattr(obj, field.name).name or "-"

    return stored_name


class ViewOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Viewing only, for the rows a workflow writes (report status, answers, derived results, submission
    times, tasks, the outbox, the offices' records of changes and imports).

    Changes go through the portal's services, which check the workflow, keep the summary in step and
    record who did what; an admin edit would bypass all three. Derived data that drifted is put right
    with `manage.py recompute_summaries`; the outbox with `manage.py sweep_outbox`.
    """

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        fields = [f for f in model._meta.get_fields() if f.concrete and not f.primary_key]
        self._readonly = [_stored_name(f) if isinstance(f, models.FileField) else f.name for f in fields]
        self._file_fields = [f.name for f in fields if isinstance(f, models.FileField)]

    def get_readonly_fields(self, request, obj=None):
        return list(self._readonly)

    def get_exclude(self, request, obj=None):
        return self._file_fields  # shown through _stored_name, never as the admin's link


class ViewOnlyHistoryAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    """ViewOnlyAdmin for a model with history: its history is read, never reverted."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history saves a POST to this page (a revert) after checking only the view permission.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ViewOnlyAdmin):
    list_display = ("task", "object_id", "requested_at", "queued_at", "attempts")
    list_filter = ("task",)
