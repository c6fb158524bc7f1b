from django.db import models


class DataVersion(models.Model):
    """A row per group of watched tables (data_version.ACTIVITY, STRUCTURE) whose `number` grows with every
    committed change to a table of its group.

    The database itself bumps it, by triggers on those tables (dashboards/data_version.py lists them,
    the migrations create the triggers): a change made by a service, the admin, a management command or
    a bulk update all count, so a page cached under an older number is never shown again."""

    number = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.number)
