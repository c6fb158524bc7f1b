from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "__str__", "created_at", "read_at", "emailed_at")
    list_filter = ("read_at", "emailed_at")
