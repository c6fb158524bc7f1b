from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Buổi làm việc và biên bản")

    def ready(self):
        from . import tasks  # noqa: F401  (registers the rendering task with the outbox)
