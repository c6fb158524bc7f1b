"""The portal's Celery app, for the worker-loss tests: `celery -A ntm_portal.tests.holding_worker worker`.

The first `render_minutes` started by a worker of this app writes its process id to
$NTM_TEST_HOLD_DIR/pid and then holds (up to a minute), so that a test can kill that process in the
middle of a render; the same message delivered again runs normally. The broker's unacknowledged messages
are looked at every second (by default about every 100 s), so that a short visibility timeout shows
within a test's time.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from ntm_portal.celery import app

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}


@task_prerun.connect
def hold_the_first_render(sender=None, **kwargs):
    if sender.name != "meetings.tasks.render_minutes":
        return
    try:
        with open(Path(os.environ["NTM_TEST_HOLD_DIR"]) / "pid", "x") as marker:
            marker.write(str(os.getpid()))
    except FileExistsError:
        return  # delivered again: render
    time.sleep(60)
