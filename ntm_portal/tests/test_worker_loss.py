"""A worker killed in the middle of a render does not leave the minutes pending for ever: the message goes
back to the queue (acks_late with reject_on_worker_lost when the busy child dies; the broker's visibility
timeout when the whole worker dies) and another worker renders them.

Each test runs its own Redis (a spare port), so that what it kills and restores touches nobody else's
messages, and workers of `ntm_portal.tests.holding_worker` (a render that holds until killed)."""

import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zoneinfo

import pytest
import redis
from django.conf import settings
from django.db import connection

from conftest import require_service
from meetings.models import Meeting, MinutesState
from meetings.tests.test_meetings import make_meeting
from ntm_portal.testing import fill
from ntm_portal.tests.brokers import closed_port, using_broker
from reports import services

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}")


@pytest.fixture
def broker(tmp_path):
    """A Redis of the test's own; the portal's app sends to a private queue on it."""
    require_service("PostgreSQL test database", connection.vendor == "postgresql")
    require_service("redis-server", shutil.which("redis-server"))
    port = closed_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for(lambda: _answers(url), 10, "redis-server")
        queue = f"ntm-test-{uuid.uuid4().hex[:8]}"
        with using_broker(url) as app:
            previous, app.conf.task_default_queue = app.conf.task_default_queue, queue
            try:
                yield {"url": url, "queue": queue, "app": app}
            finally:
                app.conf.task_default_queue = previous
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url):
    try:
        return redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def worker(broker, tmp_path):
    """worker(name, pool=…) starts a worker of the holding app on the test's broker; all stop at teardown."""
    db = connection.settings_dict
    (tmp_path / "hold").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker["url"],
        "CELERY_TASK_DEFAULT_QUEUE": broker["queue"],
        "CELERY_BROKER_VISIBILITY_TIMEOUT": "5",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "NTM_TEST_HOLD_DIR": str(tmp_path / "hold"),
    }
    started = []

    def start(name, *, pool):
        pidfile, logfile = tmp_path / f"{name}.pid", tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ntm_portal.tests.holding_worker", "worker", f"--pool={pool}"]
            + ["--concurrency=1", "-Q", broker["queue"], "-n", f"{name}@%h", "--pidfile", str(pidfile)]
            + ["--logfile", str(logfile), "--loglevel=INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        destination = [f"{name}@{os.uname().nodename}"]
        wait_for(lambda: process.poll() is not None or broker["app"].control.ping(destination, timeout=1), 60, name)
        assert process.poll() is None, logfile.read_text()[-3000:]
        return {"process": process, "log": logfile}

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def held_render_pid(tmp_path):
    marker = tmp_path / "hold" / "pid"
    return wait_for(lambda: marker.exists() and marker.read_text() and int(marker.read_text()), 30, "the render")


def state_of(meeting):
    return Meeting.objects.values_list("pdf_state", flat=True).get(pk=meeting.pk)


def a_meeting(users, xuan_truong):
    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 3))
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    services.report_submit(
        report=report, user=users["xa_xuantruong"], now=datetime.datetime(2021, 3, 24, 16, 0, tzinfo=HCM)
    )
    return make_meeting(users, xuan_truong)  # its render is handed over when the creation commits


def test_a_render_whose_busy_child_is_killed_runs_again(users, xuan_truong, worker, tmp_path):
    first = worker("child-killed", pool="prefork")
    meeting = a_meeting(users, xuan_truong)
    child = held_render_pid(tmp_path)
    assert child != first["process"].pid
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: state_of(meeting) == MinutesState.READY, 30, "the render delivered again")
    assert "WorkerLostError" in first["log"].read_text()


def test_a_render_whose_whole_worker_is_killed_is_delivered_again_after_the_visibility_timeout(
    users, xuan_truong, worker, tmp_path
):
    first = worker("killed", pool="solo")
    meeting = a_meeting(users, xuan_truong)
    assert held_render_pid(tmp_path) == first["process"].pid
    first["process"].kill()
    first["process"].wait(timeout=10)
    assert state_of(meeting) == MinutesState.PENDING
    worker("successor", pool="solo")
    wait_for(lambda: state_of(meeting) == MinutesState.READY, 30, "the unacknowledged render restored")
