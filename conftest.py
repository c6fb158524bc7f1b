import os

import pytest
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# NTM_TEST_CLOCK=2027-01-25T23:30+07:00 runs the whole suite as if that were now (the clock ticks on
# from there): the suite must pass on any calendar day, and `scripts/test_on_dates.sh` proves it on
# the 1st, the 25th, the 26th and the 31st. Tests that need a fixed day still pin their own.
TEST_CLOCK = os.environ.get("NTM_TEST_CLOCK", "")

# CI runs Hypothesis derandomized (the same examples on every run: a red CI is reproducible, never luck);
# developers' runs keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def pytest_configure(config):
    if TEST_CLOCK:
        import datetime

        import time_machine

        config._ntm_clock = time_machine.travel(datetime.datetime.fromisoformat(TEST_CLOCK), tick=True)
        config._ntm_clock.start()


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL or "none (eager tasks)"
    clock = f", clock={TEST_CLOCK}" if TEST_CLOCK else ""
    return [f"ntm_portal: database={engine}, broker={broker}, REQUIRE_SERVICES={int(REQUIRE_SERVICES)}{clock}"]


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless a test asks for the real worker (marker `celery_worker`)."""
    from ntm_portal.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    from core.testing import fast_settings

    for name, value in fast_settings(tmp_path / "media").items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _dashboard_pages_uncached_between_tests(request):
    """Each test starts with no cached dashboard page (data_version restarts when a test empties the
    tables), and inside a test's never-committed transaction a change bumps the version at once."""
    from django.core.cache import cache

    cache.clear()
    uses_db = {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    if uses_db and "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        request.getfixturevalue("db")
        from core.data_version import bump_within_transaction

        bump_within_transaction()
    yield
    cache.clear()


def require_service(name, available):
    """Skip a test whose service is not configured, unless CI demands every service."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (REQUIRE_SERVICES=1) but not configured or not reachable")
    pytest.skip(f"{name} not configured")


@pytest.fixture
def tree(db):
    """A small administrative tree: province T1 → districts T10, T20 → communes T100, T101 | T200."""
    from communes.models import AdministrativeUnit, UnitLevel

    def unit(code, name, level, parent=None):
        return AdministrativeUnit.objects.create(code=code, name=name, level=level, parent=parent)

    province = unit("T1", "Tỉnh Thử Nghiệm", UnitLevel.PROVINCE)
    district = unit("T10", "Huyện Một", UnitLevel.DISTRICT, province)
    other_district = unit("T20", "Huyện Hai", UnitLevel.DISTRICT, province)
    return {
        "province": province,
        "district": district,
        "other_district": other_district,
        "a": unit("T100", "Xã An", UnitLevel.COMMUNE, district),
        "b": unit("T101", "Xã Bình", UnitLevel.COMMUNE, district),
        "c": unit("T200", "Xã Cường", UnitLevel.COMMUNE, other_district),
    }


@pytest.fixture
def people(tree):
    """Named users for every role: the official of A, of B, the office of each district, …"""
    from communes.models import Role
    from ntm_portal.demo import make_member, make_user

    return {
        "official_a": make_member("official_a", Role.COMMUNE_OFFICIAL, tree["a"]),
        "official_b": make_member("official_b", Role.COMMUNE_OFFICIAL, tree["b"]),
        "office": make_member("office", Role.OFFICE, tree["district"]),
        "other_office": make_member("other_office", Role.OFFICE, tree["other_district"]),
        "inspector": make_member("inspector", Role.INSPECTOR, tree["district"]),
        "department": make_member("department", Role.DEPARTMENT, tree["district"], department="Phòng Y tế"),
        "leader": make_member("leader", Role.LEADER, tree["district"]),
        "province_office": make_member("province_office", Role.OFFICE, tree["province"]),
        "outsider": make_user("outsider"),
    }


@pytest.fixture
def client_for(client):
    """client_for(user) → the test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def seed_demo_slice():
    """The demo story as `make run` loads it, on the slice of reference data it needs (fast):
    Thanh Hóa, Thọ Xuân and its communes, and the illustrative criteria set."""
    import csv
    from pathlib import Path

    from communes.services import units_import
    from core.testing import csv_bytes
    from criteria.reference import shipped_set_import
    from ntm_portal.demo import DEMO_SET_CODE, DISTRICT_CODE, seed

    root = Path(__file__).resolve().parent
    with open(root / "communes/data/units_thanh_hoa.csv", encoding="utf-8") as units:
        rows = list(csv.reader(units))
    keep = [rows[0]] + [r for r in rows[1:] if r[0] in ("38", DISTRICT_CODE) or r[3] == DISTRICT_CODE]
    units_import(csv_bytes(keep))
    shipped_set_import(DEMO_SET_CODE)
    seed(reports=False, reform=False)


def seed_demo_reports():
    """The demo story's monthly reports (January–April 2021), for six of Thọ Xuân's communes."""
    from ntm_portal.demo import seed_reports

    seed_reports(commune_codes=["15514", "15517", "15502", "15541", "15577", "15598"])


# The demo is built once per session (core/testing_snapshot.py) and each test that asks for it gets
# the same rows, same primary keys, inserted in its own transaction.
SNAPSHOTS = []


@pytest.fixture(scope="session")
def _demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    from core.testing import fast_settings
    from core.testing_snapshot import Snapshot

    media = tmp_path_factory.mktemp("snapshot-media")
    with django_db_blocker.unblock():
        snapshot = Snapshot(seed_demo_slice, settings=fast_settings(media), media_root=media, name="demo").take()
    SNAPSHOTS.append(snapshot)
    return snapshot


@pytest.fixture(scope="session")
def _demo_reports_snapshot(_demo_snapshot, django_db_blocker, tmp_path_factory):
    from core.testing import fast_settings
    from core.testing_snapshot import Snapshot

    media = tmp_path_factory.mktemp("snapshot-media")
    with django_db_blocker.unblock():
        snapshot = Snapshot(
            seed_demo_reports,
            base=_demo_snapshot,
            settings=fast_settings(media),
            media_root=media,
            name="demo_reports",
        ).take()
    SNAPSHOTS.append(snapshot)
    return snapshot


@pytest.fixture
def demo(db, _demo_snapshot):
    """The demo story as `make run` loads it, on the slice of reference data it needs (fast):
    Thanh Hóa, Thọ Xuân and its communes, and the illustrative criteria set."""
    _demo_snapshot.restore()


@pytest.fixture
def demo_reports(demo, _demo_reports_snapshot):
    """The demo story's monthly reports (January–April 2021) on top of `demo`, for six of Thọ Xuân's
    communes (Xuân Trường, Xuân Hòa and four others; the full story takes too long for every test)."""
    _demo_reports_snapshot.restore()


# The demo's sequel after the 2025 reform (the merger changes rows of the 2021 slice, so no snapshot:
# each test that asks for it seeds it, a few seconds). The clock stays pinned at REFORM_TODAY during the
# test: the sequel reports up to the month before "today".
REFORM_TODAY = "2026-12-01T09:00:00+07:00"


@pytest.fixture
def demo_reform(demo_reports):
    """`demo_reports` and the reform: Thọ Xuân's communes merged on 1/7/2025 into five communes under the
    province, which report on the 2026–2030 illustrative set from 02/2026 to 11/2026."""
    import datetime

    import time_machine

    from criteria.models import CriteriaSet
    from criteria.reference import shipped_set_import
    from ntm_portal.demo import REFORM_SET_CODE, seed_reform

    with time_machine.travel(datetime.datetime.fromisoformat(REFORM_TODAY), tick=True):
        if not CriteriaSet.objects.filter(code=REFORM_SET_CODE).exists():
            shipped_set_import(REFORM_SET_CODE)
        seed_reform()
        yield


def pytest_terminal_summary(terminalreporter):
    for snapshot in SNAPSHOTS:
        terminalreporter.write_line(f"snapshot {snapshot.summary()}")


# --- Browser journeys (Playwright driving Debian's Chromium; never `playwright install`) ---------

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "var", "screenshots")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    require_service("Chromium (/usr/bin/chromium)", os.path.exists(CHROMIUM))
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()
        # Django's connections are kept per asyncio context (asgiref's Local): while Playwright's event loop
        # runs in this thread, the tests used another connection than before it started. Close it here, and
        # the one from before once the loop is gone, or the test database cannot be dropped at the end.
        connections.close_all()
    connections.close_all()


@pytest.fixture
def new_page(browser, request):
    """new_page(viewport=(w, h)) → a fresh page; on failure its screenshot and HTML go to var/screenshots/."""
    pages = []

    def make(viewport=(1280, 900)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, page in enumerate(pages):
        if failed:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            stem = os.path.join(SCREENSHOTS, f"{request.node.name}-{index}")
            page.screenshot(path=f"{stem}.png", full_page=True)
            with open(f"{stem}.html", "w", encoding="utf-8") as html:
                html.write(page.content())
        page.context.close()


def sign_in(page, base_url, username, password="ntm-demo-2021"):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


# --- A real Celery worker on the Redis broker ---------------------------------------------------


@pytest.fixture
def celery_worker(tmp_path, settings):
    """Start `celery worker` (solo pool) against the test database and a private queue; stop it by pid.

    Mails the worker sends land as files in the returned `outbox` folder.
    """
    import signal
    import subprocess
    import sys
    import time
    import uuid

    from django.db import connection

    from ntm_portal.celery import app

    broker = os.environ.get("CELERY_BROKER_URL", "")
    require_service("Redis broker (CELERY_BROKER_URL)", broker.startswith("redis://"))
    require_service("PostgreSQL test database", connection.vendor == "postgresql")
    db = connection.settings_dict
    queue = f"ntm-test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    pidfile, logfile = tmp_path / "worker.pid", tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ntm_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--pidfile",
            str(pidfile),
            "--logfile",
            str(logfile),
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=os.path.dirname(__file__),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    previous = (app.conf.task_default_queue, app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_default_queue, app.conf.task_always_eager, app.conf.broker_url = queue, False, broker
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                log = logfile.read_text() if logfile.exists() else ""
                pytest.fail(f"Celery worker did not start:\n{log[-3000:]}")
        yield {"outbox": outbox, "log": logfile, "queue": queue}
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager, app.conf.broker_url = previous
        pid = int(pidfile.read_text()) if pidfile.exists() else process.pid
        os.kill(pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- The demo's people, communes and Xuân Trường's April 2021 report --------------------------------


@pytest.fixture
def users(demo):
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def xuan_truong(demo):
    from communes.models import AdministrativeUnit
    from ntm_portal.demo import XUAN_TRUONG_CODE

    return AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)


@pytest.fixture
def xuan_hoa(demo):
    from communes.models import AdministrativeUnit
    from ntm_portal.demo import XUAN_HOA_CODE

    return AdministrativeUnit.objects.get(code=XUAN_HOA_CODE)


@pytest.fixture
def april(db):
    from reports.services import period_for

    return period_for(2021, 4)


@pytest.fixture
def report(xuan_truong, april):
    """Xuân Trường's April 2021 report, still empty (a draft)."""
    from reports.services import report_open

    return report_open(commune=xuan_truong, period=april)


@pytest.fixture
def filled(report, users):
    """The April report filled to the seed story's 9/15 criteria and 25/41 sub-criteria."""
    from ntm_portal.testing import fill

    return fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)


# --- Accessibility: axe-core in the page (the copy bundled with axe-playwright-python) ----------------

AXE_BLOCKING = ("critical", "serious")


@pytest.fixture
def axe_violations():
    """axe_violations(page) → the page's critical and serious axe violations, each with the nodes it hit
    (selector and axe's summary), for assertion messages. Playwright evaluates the script through the
    DevTools protocol, which the portal's Content-Security-Policy does not block."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def run(page):
        results = axe.run(page)  # axe's default rules: WCAG 2.0/2.1 A and AA and its best practices
        return [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [(" ".join(map(str, n["target"])), n.get("failureSummary", "")) for n in violation["nodes"]],
            }
            for violation in results.response["violations"]
            if violation["impact"] in AXE_BLOCKING
        ]

    return run
