#!/usr/bin/env bash
# The suite must pass on any calendar day. Run it with the clock set to the next 1st, 25th (just before
# the deadline), 26th (just after it) and 31st, Asia/Ho_Chi_Minh, on the embedded default (SQLite,
# eager tasks). Dates are in the future so that the browser (whose own clock is real) keeps the
# session cookie. Extra arguments go to pytest, e.g. `scripts/test_on_dates.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
dates=$(.venv/bin/python - <<'PY'
import datetime
import zoneinfo

zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
today = datetime.datetime.now(zone).date()


def next_day(day):
    d = today + datetime.timedelta(days=1)
    while d.day != day:
        d += datetime.timedelta(days=1)
    return d


for day, clock in ((1, "08:30"), (25, "23:30"), (26, "00:30"), (31, "10:00")):
    print(f"{next_day(day).isoformat()}T{clock}:00+07:00")
PY
)
status=0
for clock in $dates; do
  echo "=== pytest with the clock at ${clock}"
  env -u DATABASE_URL -u CELERY_BROKER_URL -u REQUIRE_SERVICES NTM_TEST_CLOCK="$clock" \
    .venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
done
exit $status
