from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Hạ tầng chung")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (the outbox sweep task)
