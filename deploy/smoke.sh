#!/usr/bin/env bash
# Smoke test of the real stack: gunicorn, a Celery worker and beat on PostgreSQL and Redis.
# Starts everything it needs, checks /healthz, submits a report over HTTP as xa_xuantruong, sees the
# worker mail the office and render minutes, then stops every process it started by its pid.
# Needs PostgreSQL and Redis running; uses the python of .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
PY=.venv/bin/python
PORT="${SMOKE_PORT:-8765}"
work="$(mktemp -d /tmp/ntm-smoke.XXXXXX)"
db="ntm_smoke_$$"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" postgres
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/14"
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

report_url=$($PY deploy/smoke_client.py "http://127.0.0.1:$PORT" xa_xuantruong ntm-demo-2021)
echo "submitted: $report_url"

# The worker mails the office ("... đã nộp báo cáo tháng ...") and renders the seeded minutes.
for _ in $(seq 1 120); do
  if grep -rqs "vpdp_thoxuan@ntm-thoxuan.example" "$work/mail" && grep -rqs "=C4=91=C3=A3 n=E1=BB=99p\|đã nộp" "$work/mail" \
     && [ "$($PY manage.py shell -v 0 -c 'from reports.models import Meeting; print(Meeting.objects.filter(pdf_state="ready").count())' 2>/dev/null)" -ge 1 ]; then
    ok=1; break
  fi
  sleep 1
done
[ "${ok:-0}" = 1 ] || { echo "worker did not deliver"; tail -50 "$work/worker.log"; exit 1; }
pdf=$(find "$work/media/private/minutes" -name '*.pdf' | head -n1)
head -c 5 "$pdf" | grep -q '%PDF-'
grep -q "beat: Starting" "$work/beat.log"
echo "office notified, minutes rendered ($pdf); beat running"
echo "smoke test passed in $(( $(date +%s) - started )) s"
