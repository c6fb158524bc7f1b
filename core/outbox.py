"""The outbox: work handed to the Celery worker after a commit, which neither a broker outage nor a killed
worker can lose.

A change that needs a task (mail a notification, render minutes, send a reminder) writes an
`OutboxEntry` in its own transaction and hands the task to the broker once that transaction commits
(`enqueue_on_commit`). A broker that is down is logged, not raised: the request that committed answers
success. The sweep (`sweep`: beat's "sweep-outbox" every two minutes, or `manage.py sweep_outbox`) reads
what is still to do from the objects themselves (a notification not yet emailed, minutes pending or
stale, a reminder not yet sent) and hands over again what never reached the broker, or what was handed
over OUTBOX_RETRY_AFTER_SECONDS ago (the wait doubles each time) and is still not done: its message was
lost (a worker killed after acknowledging it, a mail server that refused it). After OUTBOX_MAX_ATTEMPTS
hand-overs it gives up: minutes show as failed (with a retry), a notification stays in the inbox
unmailed, a reminder waits for the next daily run.

Every task handed over is safe to run twice: each one claims its row before doing anything.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import OutboxEntry

logger = logging.getLogger(__name__)

# What a broker that cannot be reached raises from `delay()` (kombu wraps most of them in its own).
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)

# The tasks below are safe to run twice (each claims its row first), so a message whose worker was killed
# mid-task goes back to the queue (acks_late with reject_on_worker_lost) instead of being lost.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}

# For each task (by name): the objects (by id) it still has to do something for, read from the objects
# themselves, and what to do when the sweep gives up on one. The apps register their tasks here from their
# `tasks` modules (imported by their AppConfig.ready()), so this module knows none of them.
Task = Any  # a Celery task (celery has no type information)
StillToDo = Callable[[list[int]], QuerySet[Any]]
GiveUp = Callable[[int, int], None]
BatchOf = Callable[[int], int]

TASKS: dict[str, Task] = {}
STILL_TO_DO: dict[str, StillToDo] = {}
GIVE_UP: dict[str, GiveUp] = {}
BATCH_OF: dict[str, BatchOf] = {}


def register(
    task: Task, *, still_to_do: StillToDo, give_up: GiveUp | None = None, batch_of: BatchOf | None = None
) -> None:
    """Let the outbox hand `task` over: `still_to_do(ids)` → a queryset of the objects whose work is
    not done yet; `give_up(object_id, attempts)` marks one the sweep gives up on; `batch_of(object_id)`,
    for a task that does the work of every object of a batch: the batch of an object (`enqueue_on_commit`
    hands over one task per batch)."""
    TASKS[task.name] = task
    STILL_TO_DO[task.name] = still_to_do
    if give_up is not None:
        GIVE_UP[task.name] = give_up
    if batch_of is not None:
        BATCH_OF[task.name] = batch_of


def hand_over(task: Task, object_id: int) -> bool:
    """`task.delay(object_id)`; False (and a warning in the log) when the broker cannot be reached."""
    try:
        task.delay(object_id)
    except BROKER_ERRORS as error:
        if task.app.conf.task_always_eager:
            # No broker: the task ran here and failed (a mail server that is down); the sweep tries it later.
            logger.warning("%s(%s) failed, left to the outbox sweep: %r", task.name, object_id, error)
            return True
        logger.warning("could not queue %s(%s), left to the outbox sweep: %r", task.name, object_id, error)
        return False
    return True


def enqueue_on_commit(task: Task, object_ids: Iterable[int]) -> None:
    """Record `task(id)` for each id in the current transaction, and hand them over once it commits (a
    batch task: one id per batch; the entries of the others are kept all the same, so that the sweep hands
    over again whatever that one task leaves undone).

    The task must be listed in STILL_TO_DO (the sweep reads there whether its work is done)."""
    if task.name not in STILL_TO_DO:
        raise ValueError(f"{task.name} has no entry in outbox.STILL_TO_DO")
    ids = list(dict.fromkeys(object_ids))  # one row per id: an upsert may not touch a row twice
    if not ids:
        return
    now = timezone.now()
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(task=task.name, object_id=pk, requested_at=now, queued_at=now, attempts=1) for pk in ids],
        update_conflicts=True,
        unique_fields=["task", "object_id"],
        update_fields=["requested_at", "queued_at", "attempts"],
    )
    transaction.on_commit(lambda: _hand_over_all(task, ids, now))


def _hand_over_all(task: Task, ids: list[int], queued_at: datetime.datetime) -> None:
    to_hand_over = _one_per_batch(task, ids)
    for position, pk in enumerate(to_hand_over):
        if not hand_over(task, pk):
            # The broker is down: the sweep hands the rest over later (every id not handed over itself, batch
            # tasks included: for those already done it finds nothing left); waiting for each one to fail
            # helps nobody.
            rest = set(ids) - set(to_hand_over[:position])
            OutboxEntry.objects.filter(task=task.name, object_id__in=rest, queued_at=queued_at).update(
                queued_at=None, attempts=F("attempts") - 1
            )
            return
    if task.app.conf.task_always_eager:
        # No broker, so no beat and no sweep to forget them: what ran here and is done is forgotten now.
        done = set(ids) - set(STILL_TO_DO[task.name](ids).values_list("pk", flat=True))
        OutboxEntry.objects.filter(task=task.name, object_id__in=done, requested_at=queued_at).delete()


def _one_per_batch(task: Task, ids: list[int]) -> list[int]:
    """The ids to hand over: all of them, or for a batch task the first of each batch."""
    batch_of = BATCH_OF.get(task.name)
    if batch_of is None:
        return ids
    first: dict[int, int] = {}
    for pk in ids:
        first.setdefault(batch_of(pk), pk)
    return list(first.values())


def is_due(entry: OutboxEntry, now: datetime.datetime) -> bool:
    """Never reached the broker, or handed over long enough ago that its message must have been lost."""
    if entry.queued_at is None:
        return True
    wait = settings.OUTBOX_RETRY_AFTER_SECONDS * 2 ** max(entry.attempts - 1, 0)
    return entry.queued_at <= now - datetime.timedelta(seconds=wait)


def requested_at(task_name: str, object_id: int) -> datetime.datetime | None:
    """When the work of `task_name` on the object was last asked for (None: nothing is waiting)."""
    entry = OutboxEntry.objects.filter(task=task_name, object_id=object_id).first()
    return entry.requested_at if entry else None


def sweep(*, now: datetime.datetime | None = None, inline: bool = False, limit: int = 1000) -> dict[str, int]:
    """Hand over again what is still to do and due; forget what is done. Returns what it did, counted.

    `inline` runs the tasks in this process instead (for an operator when no worker or broker is running).
    """
    now = now or timezone.now()
    counts = {"handed_over": 0, "done": 0, "given_up": 0, "broker_down": 0}
    groups = defaultdict(list)
    for entry in OutboxEntry.objects.order_by("requested_at", "pk")[:limit]:
        groups[entry.task].append(entry)
    for name, entries in groups.items():
        if name not in STILL_TO_DO:  # a task renamed or removed since: nothing can tell when it is done
            logger.error("outbox: unknown task %s, %s entries dropped", name, len(entries))
            OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
            continue
        still_to_do = set(STILL_TO_DO[name]([e.object_id for e in entries]).values_list("pk", flat=True))
        task = TASKS[name]
        for entry in entries:
            if entry.object_id not in still_to_do:
                counts["done"] += _forget(entry)
            elif not is_due(entry, now):
                continue
            elif entry.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                if _forget(entry):
                    _give_up(entry)
                    counts["given_up"] += 1
            elif _claim(entry, now):
                if not _run(task, entry, inline):
                    OutboxEntry.objects.filter(pk=entry.pk, queued_at=now).update(
                        queued_at=None, attempts=F("attempts") - 1
                    )
                    counts["broker_down"] = 1
                    return counts
                counts["handed_over"] += 1
    return counts


def _forget(entry: OutboxEntry) -> int:
    # Only the request this sweep saw: a newer one (same task and object) changed `requested_at`.
    return OutboxEntry.objects.filter(pk=entry.pk, requested_at=entry.requested_at).delete()[0]


def _claim(entry: OutboxEntry, now: datetime.datetime) -> int:
    """Take the entry for this sweep (a second sweep at the same moment hands nothing over twice)."""
    return OutboxEntry.objects.filter(pk=entry.pk, queued_at=entry.queued_at, attempts=entry.attempts).update(
        queued_at=now, attempts=entry.attempts + 1
    )


def _run(task: Task, entry: OutboxEntry, inline: bool) -> bool:
    if not inline:
        return hand_over(task, entry.object_id)
    try:
        task(entry.object_id)
    except Exception:
        logger.exception("outbox: %s failed", entry)
    return True


def _give_up(entry: OutboxEntry) -> None:
    logger.error("outbox: %s still not done after %s hand-overs, given up", entry, entry.attempts)
    give_up = GIVE_UP.get(entry.task)
    if give_up is not None:
        give_up(entry.object_id, entry.attempts)
