from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """Work a committed change asked of the Celery worker (one row per task and object), written in the
    same transaction as the change: a broker that is down loses nothing, the periodic sweep hands it over
    again (core/outbox.py). Whether the work is done is read from its object (a notification's
    `emailed_at`, a meeting's `pdf_state`), never from here; the sweep deletes the entry once it is."""

    task = models.CharField(_("tác vụ"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("mã đối tượng"))
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    # NULL: the last hand-over failed (broker unreachable), so the next sweep hands it over at once.
    queued_at = models.DateTimeField(_("chuyển vào hàng đợi lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chuyển"), default=0)

    class Meta:
        verbose_name = _("việc chờ xử lý nền")
        verbose_name_plural = _("việc chờ xử lý nền")
        constraints = [models.UniqueConstraint(fields=["task", "object_id"], name="outbox_entry_once")]

    def __str__(self) -> str:
        return f"{self.task}({self.object_id})"


class DataVersion(models.Model):
    """A row per group of watched tables (data_version.ACTIVITY, STRUCTURE) whose `number` grows with every
    committed change to a table of its group: the version the kept pages are keyed on (core/page_cache.py).

    The database itself bumps it, by triggers on those tables (core/data_version.py lists them, the
    migrations create the triggers): a change made by a service, the admin, a management command or a bulk
    update all count, so a page kept under an older number is never shown again. (The table was created
    by the dashboards app, which first used it; its name stays.)"""

    number = models.BigIntegerField(default=0)

    class Meta:
        db_table = "dashboards_dataversion"

    def __str__(self) -> str:
        return str(self.number)
