from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Kiểm tra thực địa")

    def ready(self) -> None:
        from . import notification_texts  # noqa: F401  (registers the wording of the task notifications)
