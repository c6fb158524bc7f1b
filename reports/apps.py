from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo tiến độ")

    def ready(self):
        from . import notification_texts, tasks  # noqa: F401  (registers inbox wordings and outbox tasks)
