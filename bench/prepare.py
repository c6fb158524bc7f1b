"""Prepare a generated database for a load run (see bench/README.md).

python bench/prepare.py sessions PROVINCE_CODE > var/bench/sessions.json
    One signed-in session per generated account of the province (office of the province and of each
    district, official of each commune), so that the load measures pages, not password hashing.
python bench/prepare.py drafts PROVINCE_CODE YEAR/MONTH
    Deletes the province's reports of that month and opens a fresh draft for every commune, as on the
    first day of a reporting month (pre-filled from the previous report, like the portal does).
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from communes.models import AdministrativeUnit, Membership, Role, UnitLevel  # noqa: E402
from reports import services  # noqa: E402
from reports.models import MonthlyReport  # noqa: E402


def _session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(24 * 3600)
    store.create()
    return store.session_key


def sessions(province_code):
    province = AdministrativeUnit.objects.by_code(province_code)
    members = Membership.objects.filter(unit__path__startswith=province.path).select_related("user", "unit")
    out = {"province": [], "district": [], "commune": []}
    for m in members.order_by("unit__code"):
        if m.role == Role.OFFICE:
            level = "province" if m.unit.level == UnitLevel.PROVINCE else "district"
        elif m.role == Role.COMMUNE_OFFICIAL:
            level = "commune"
        else:
            continue
        out[level].append({"user": m.user.username, "unit": m.unit.code, "session": _session(m.user)})
    json.dump(out, sys.stdout, indent=1)


def drafts(province_code, year_month):
    year, month = year_month.split("/")
    province = AdministrativeUnit.objects.by_code(province_code)
    period = services.period_for(int(year), int(month))
    communes = AdministrativeUnit.objects.filter(path__startswith=province.path, level=UnitLevel.COMMUNE)
    started = time.monotonic()
    with transaction.atomic():
        deleted, _ = MonthlyReport.objects.filter(period=period, commune__in=communes).delete()
        for commune in communes.order_by("code"):
            services.report_open(commune=commune, period=period)
    print(
        f"{communes.count()} drafts opened for {period} ({deleted} rows deleted) in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"sessions": sessions, "drafts": drafts}[command](*args)
