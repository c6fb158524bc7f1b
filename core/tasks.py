from celery import shared_task

from . import outbox


@shared_task(**outbox.IDEMPOTENT)
def sweep_outbox() -> dict[str, int]:
    """Every two minutes: hand over again the work a broker outage or a killed worker lost."""
    return outbox.sweep()


# Messages queued before `reports` was split carry the task's old name: a worker still knows it.
shared_task(name="reports.tasks.sweep_outbox", **outbox.IDEMPOTENT)(sweep_outbox.run)
