"""How long the worker takes to render the minutes (biên bản) of a working session, WeasyPrint included.

    python bench/minutes_pdf.py [--runs N]

On a throw-away SQLite database with the demo (`seed_demo`): the demo's longest working session, made
three pages long by copying its remarks and directives (a session of a whole commune's criteria), then
`meetings.minutes.minutes_pdf` N times in this process, as a warm Celery worker runs it (the first
render, which loads WeasyPrint and the fonts, is reported apart). Prints pages and timings.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
arguments = argparse.ArgumentParser()
arguments.add_argument("--runs", type=int, default=10)
arguments.add_argument("--pages", type=int, default=3)
args = arguments.parse_args()

folder = Path(tempfile.mkdtemp(prefix="ntm-minutes-"))
os.environ.update(
    DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}", MEDIA_ROOT=str(folder / "media"), LOG_LEVEL="WARNING"
)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)

from meetings.minutes import minutes_pdf  # noqa: E402
from meetings.models import Directive, Meeting  # noqa: E402


def pages_of(pdf: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def lengthen(meeting: Meeting) -> None:
    """Copy the session's remarks and directives until its minutes have the asked number of pages."""
    remarks, directives = list(meeting.remarks.all()), list(meeting.directives.all())
    while pages_of(minutes_pdf(meeting)[0]) < args.pages:
        for item in remarks + directives:
            item.pk = None
            if isinstance(item, Directive):
                item.action = None  # one action per directive
            item.save()


meeting = max(Meeting.objects.all(), key=lambda m: m.remarks.count() + m.directives.count())
lengthen(meeting)
started = time.perf_counter()
pdf, _digest = minutes_pdf(meeting)
first = time.perf_counter() - started
timings = []
for _ in range(args.runs):
    started = time.perf_counter()
    pdf, _digest = minutes_pdf(meeting)
    timings.append(time.perf_counter() - started)
print(f"{meeting}: {pages_of(pdf)} pages, {len(pdf):,} bytes")
print(
    f"first render in this process {first * 1000:.0f} ms; then median {statistics.median(timings) * 1000:.0f} ms, "
    f"slowest {max(timings) * 1000:.0f} ms of {args.runs}"
)
