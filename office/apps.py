from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The coordination office's self-service: people, enrolments, imports (without the shell or the admin)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "office"
    verbose_name = _("Tự quản của Văn phòng Điều phối")

    def ready(self):
        from . import tasks  # noqa: F401  (registers the invitation mail with the outbox)
