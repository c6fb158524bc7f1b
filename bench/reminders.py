"""The daily reminder run at national scale (run by hand on a generated database, see README.md).

    python bench/reminders.py DATABASE YYYY-MM-DD [--send N]

1. The daily task's own work (`reports.tasks.run_daily_reminders` without the broker): plan every
   reminder due that day, store them, and list the ones to send, timed. On the T-5 day of a month that
   nobody has submitted yet every commune is due one per channel (e-mail and inbox).
2. Sending, as the worker does it (`reports.reminders.send_batch`, one task per batch of
   `reminders.BATCH_SIZE`): whole batches until N reminders are sent (default 1,000), in this process,
   mail to Django's in-memory backend (no SMTP server: its time is not the portal's), timed; the rate
   gives the time all of them take per worker process.
The reminders made are deleted at the end (the database can be used again).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

arguments = argparse.ArgumentParser()
arguments.add_argument("database")
arguments.add_argument("day")
arguments.add_argument("--send", type=int, default=1000)
args = arguments.parse_args()
harness.setup(args.database)

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from notifications.models import Notification  # noqa: E402
from reports import reminders  # noqa: E402
from reports.models import Reminder  # noqa: E402


def main():
    today = datetime.date.fromisoformat(args.day)
    before = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    notified = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        started = time.perf_counter()
        planned, ids = reminders.run(today, deliver=lambda ids: None)
        run_s = time.perf_counter() - started
        communes = len({p.unit.pk for p in planned if p.kind != "digest"})
        print(
            f"{today}: {len(planned):,} reminders planned ({communes:,} communes), {len(ids):,} rows to send "
            f"({', '.join(settings.REMINDER_CHANNELS)}); plan + store + list: {run_s:.1f} s"
        )
        batches = sorted({reminders.batch_of(pk) for pk in ids})
        timings, sent = [], 0
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            for batch in batches:
                if sent >= args.send:
                    break
                started = time.perf_counter()
                sent += len(reminders.send_batch(batch * reminders.BATCH_SIZE))
                timings.append(time.perf_counter() - started)
        if sent:
            per = sum(timings) / sent
            print(
                f"sending {sent:,} in {len(timings)} batches of up to {reminders.BATCH_SIZE}: {sum(timings):.1f} s, "
                f"{per * 1000:.1f} ms each (median batch {statistics.median(timings) * 1000:.0f} ms); "
                f"all {len(ids):,}: {per * len(ids):.0f} s in one worker process, {per * len(ids) / 2:.0f} s in two"
            )
    finally:
        Reminder.objects.filter(pk__gt=before).delete()
        Notification.objects.filter(pk__gt=notified).delete()


if __name__ == "__main__":
    main()
