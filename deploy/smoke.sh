#!/usr/bin/env bash
# Smoke test of the real stack: gunicorn, a Celery worker and beat on PostgreSQL and Redis.
# Starts everything it needs, checks /healthz, submits this month's report over HTTP as xa_thoxuan (the
# commune after the 2025 reform), sees the worker mail the province office (vpdp_thanhhoa) and render
# minutes; then stops Redis, submits a second report (as xa_xuanhoa, now of Xã Xuân Giang: it must succeed), starts Redis again, runs the outbox sweep and sees that mail delivered too. Stops
# every process it started by its pid.
# Needs PostgreSQL running and redis-server installed: it runs its own Redis on a spare port
# (SMOKE_REDIS_PORT, 6392 by default) so that it may stop it; uses the python of .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
PY=.venv/bin/python
PORT="${SMOKE_PORT:-8765}"
REDIS_PORT="${SMOKE_REDIS_PORT:-6392}"
work="$(mktemp -d /tmp/ntm-smoke.XXXXXX)"
db="ntm_smoke_$$"
pids=()
redis_pid=""

redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    >> "$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
  echo "redis-server did not start on port $REDIS_PORT"; tail -20 "$work/redis.log"; exit 1
}

redis_stop() {
  [ -n "$redis_pid" ] || return 0
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  redis_stop  # after the worker and beat, which talk to it
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres >/dev/null 2>&1 || true
}
trap cleanup EXIT

if redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1; then
  echo "port $REDIS_PORT is taken (a Redis the smoke test must not stop): set SMOKE_REDIS_PORT"; exit 1
fi
redis_start
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" postgres
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_TASK_DEFAULT_QUEUE="ntm-smoke-$$"
export DEBUG=0 SECRET_KEY="smoke-$(head -c 32 /dev/urandom | base64)" ALLOWED_HOSTS="127.0.0.1,localhost"
# Plain HTTP on the loopback (no TLS terminator here): no HTTPS redirect, cookies without the Secure flag.
# The production values are checked by `check --deploy` in the test suite.
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SITE_URL="http://127.0.0.1:$PORT"
export MEDIA_ROOT="$work/media" STATIC_ROOT="$work/static"
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$work/mail"
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2
unset DJANGO_ALLOW_ASYNC_UNSAFE || true

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo --force > "$work/seed.log"   # tasks queue to Redis: the worker does them below

.venv/bin/gunicorn -c deploy/gunicorn.conf.py --pid "$work/web.pid" > "$work/web.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A ntm_portal worker --pool=solo -Q "$CELERY_TASK_DEFAULT_QUEUE" -n "smoke@%h" \
  --pidfile "$work/worker.pid" --logfile "$work/worker.log" --loglevel=INFO &
pids+=($!)
.venv/bin/celery -A ntm_portal beat --pidfile "$work/beat.pid" --logfile "$work/beat.log" --loglevel=INFO \
  --schedule "$work/beat-schedule" &
pids+=($!)

for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" > "$work/health.json" && break; sleep 0.5; done
grep -q '"status": "ok"' "$work/health.json" && grep -q '"vendor": "postgresql"' "$work/health.json" \
  && grep -q '"mode": "broker"' "$work/health.json"
echo "healthz: $(cat "$work/health.json")"

report_url=$($PY deploy/smoke_client.py "http://127.0.0.1:$PORT" xa_thoxuan ntm-demo-2021)
echo "submitted: $report_url"

# The worker mails the office ("... đã nộp báo cáo tháng ...") and renders the seeded minutes.
for _ in $(seq 1 120); do
  if grep -rqs "vpdp_thanhhoa@ntm-thoxuan.example" "$work/mail" && grep -rqs "=C4=91=C3=A3 n=E1=BB=99p\|đã nộp" "$work/mail" \
     && [ "$($PY manage.py shell -v 0 -c 'from meetings.models import Meeting; print(Meeting.objects.filter(pdf_state="ready").count())' 2>/dev/null)" -ge 1 ]; then
    ok=1; break
  fi
  sleep 1
done
[ "${ok:-0}" = 1 ] || { echo "worker did not deliver"; tail -50 "$work/worker.log"; exit 1; }
pdf=$(find "$work/media/private/minutes" -name '*.pdf' | head -n1)
head -c 5 "$pdf" | grep -q '%PDF-'
grep -q "beat: Starting" "$work/beat.log"
echo "office notified, minutes rendered ($pdf); beat running"

# The broker goes away during a submission: the report is submitted all the same (no 500), its mail
# waits in the outbox and goes out once Redis is back and the sweep has handed it over (exactly once).
office_mails() { grep -rls "vpdp_thanhhoa@ntm-thoxuan.example" "$work/mail" | wc -l; }
mailed_to_office() {  # how many of the office's notifications about the report at path $1 were mailed
  $PY manage.py shell -v 0 -c "from notifications.models import Notification
print(Notification.objects.filter(user__username='vpdp_thanhhoa', url='$1').exclude(emailed_at=None).count())" \
    2>/dev/null
}
before=$(office_mails)
redis_stop
if redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1; then echo "Redis did not stop"; exit 1; fi
report_url=$($PY deploy/smoke_client.py "http://127.0.0.1:$PORT" xa_xuanhoa ntm-demo-2021)
report_path=$($PY -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).path)' "$report_url")
echo "submitted with the broker down: $report_url"
grep -q "could not queue notifications.tasks.send_notification_email" "$work/web.log"
[ "$(mailed_to_office "$report_path")" = 0 ]
redis_start
$PY manage.py sweep_outbox
for _ in $(seq 1 60); do
  [ "$(mailed_to_office "$report_path")" = 1 ] && [ "$(office_mails)" -gt "$before" ] && { delivered=1; break; }
  sleep 1
done
[ "${delivered:-0}" = 1 ] || { echo "the mail held back by the outage was not delivered"; tail -50 "$work/worker.log"; exit 1; }
sleep 2
$PY manage.py sweep_outbox  # a second sweep sends nothing again
sleep 2
[ "$(office_mails)" -eq $((before + 1)) ] || { echo "office mails: $before before, $(office_mails) after"; exit 1; }
echo "broker stopped during a submission: submitted, mailed once after Redis came back"
echo "smoke test passed in $(( $(date +%s) - started )) s"
