"""What bench/queries.py, bench/floor.py and bench/profile.py share: production settings on a generated
database, the pages they measure, and one measured request.

Import it first (it sets up Django): `from harness import ...` with bench/ on sys.path.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database: str) -> None:
    """Django on `database` with production settings (DEBUG off, whitenoise's manifest), as gunicorn runs it."""
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        DEBUG="0",
        SECRET_KEY="bench-harness",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(ROOT / "var" / "bench" / "static"),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
        CELERY_TASK_DEFAULT_QUEUE="ntm-bench",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def default_period() -> str:
    """The last complete month (the generator fills months up to the current one)."""
    year, month = int(time.strftime("%Y")), int(time.strftime("%m")) - 1
    return f"{year - 1}-12" if month == 0 else f"{year}-{month}"


def fixtures(province_code: str, drafts: str) -> dict:
    """The units, users and the draft report the pages are read with: the province, its first district and
    that district's first commune (generated codes sort in creation order)."""
    from django.contrib.auth import get_user_model

    from communes.models import AdministrativeUnit
    from reports.models import MonthlyReport

    user = get_user_model()
    province = AdministrativeUnit.objects.by_code(province_code)
    district = AdministrativeUnit.objects.filter(parent=province).order_by("code").first()
    commune = AdministrativeUnit.objects.filter(parent=district).order_by("code").first()
    year, month = drafts.split("/")
    return {
        "province": province,
        "district": district,
        "commune": commune,
        "office": user.objects.get(username=f"vp.{district.code.lower()}"),
        "province_office": user.objects.get(username=f"vp.{province.code.lower()}"),
        "official": user.objects.get(username=f"xa.{commune.code.lower()}"),
        "draft": MonthlyReport.objects.filter(commune=commune, period__year=year, period__month=month).first(),
    }


def pages(f: dict, period: str):
    """(name, user, method, url) of every measured page."""
    district, province, commune = f["district"].code, f["province"].code, f["commune"].code
    q = f"?period={period}"
    yield "district overview", f["office"], "get", f"/dashboards/{district}/{q}"
    yield "criteria matrix", f["office"], "get", f"/dashboards/{district}/matrix/{q}"
    yield "criterion page", f["office"], "get", f"/dashboards/{district}/criterion/1/{q}"
    yield "district summary", f["office"], "get", f"/dashboards/{district}/summary/{q}"
    yield "commune page", f["office"], "get", f"/dashboards/commune/{commune}/"
    yield "province overview", f["province_office"], "get", f"/dashboards/{province}/{q}"
    yield "province roll-up", f["province_office"], "get", f"/dashboards/{province}/rollup/{q}"
    if f["draft"]:
        yield "report form GET", f["official"], "get", f"/reports/{f['draft'].pk}/"


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def timed_get(client, url) -> tuple[int, float]:
    """(status, milliseconds) of one GET through the whole stack (middleware, view, template)."""
    started = time.perf_counter()
    response = client.get(url)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return response.status_code, (time.perf_counter() - started) * 1000


def median_ms(run, times: int) -> float:
    """Median of `times` runs of `run()` in milliseconds (after one warm-up run)."""
    run()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)
