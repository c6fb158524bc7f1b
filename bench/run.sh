#!/usr/bin/env bash
# Load run against gunicorn on PostgreSQL, production settings, loopback only (see bench/README.md).
#   bench/run.sh DATABASE PROVINCE_CODE OUTDIR [SCENARIO ...]
# Example: bench/run.sh ntm_bench_province SX001 var/bench/province overview matrix commune rollup
# Each scenario runs at 1, 10 and 50 clients (BENCH_USERS) for BENCH_DURATION seconds after a warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$1" province="$2" out="$3"
shift 3
scenarios=("${@:-overview matrix commune rollup form_get form_post export}")
read -r -a scenarios <<< "${scenarios[*]}"
users_list="${BENCH_USERS:-1 10 50}"
duration="${BENCH_DURATION:-30}"
PORT="${BENCH_PORT:-8777}"
PY=.venv/bin/python
mkdir -p "$out"

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export DEBUG=0 SECRET_KEY="bench-$(head -c 32 /dev/urandom | base64)" ALLOWED_HOSTS="127.0.0.1"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SITE_URL="http://127.0.0.1:$PORT"
export STATIC_ROOT="$PWD/var/bench/static" MEDIA_ROOT="$PWD/var/bench/media" LOG_LEVEL=WARNING
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
# Tasks (mail to the office on submission) go to a Redis queue nobody reads: the web request only enqueues.
export CELERY_BROKER_URL="redis://127.0.0.1:6379/13" CELERY_TASK_DEFAULT_QUEUE="ntm-bench"
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_ACCESSLOG=/dev/null
unset DJANGO_ALLOW_ASYNC_UNSAFE || true

$PY manage.py collectstatic --noinput -v0
$PY bench/prepare.py sessions "$province" > "$out/sessions.json"
export BENCH_SESSIONS="$out/sessions.json"
export BENCH_PERIOD="${BENCH_PERIOD:-$(date +%Y-%-m)}"

.venv/bin/gunicorn -c deploy/gunicorn.conf.py --pid "$out/gunicorn.pid" > "$out/gunicorn.log" 2>&1 &
web=$!
trap 'kill $web 2>/dev/null || true; wait $web 2>/dev/null || true; redis-cli -n 13 flushdb >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
echo "gunicorn on :$PORT: $(pgrep -P "$web" | wc -l) workers × ${GUNICORN_THREADS:-2} threads, CONN_MAX_AGE=$CONN_MAX_AGE"
drafts="${BENCH_DRAFT_PERIOD:-2026/12}"
export BENCH_DRAFT_PERIOD="$drafts"
case " ${scenarios[*]} " in *" form_get "*|*" form_post "*) $PY bench/prepare.py drafts "$province" "$drafts" ;; esac

for scenario in "${scenarios[@]}"; do
  for users in $users_list; do
    name="$scenario-$users"
    echo "== $name"
    if [ "$scenario" = submit ]; then
      $PY bench/prepare.py drafts "$province" "$drafts"   # every submission needs a fresh draft
    else
      # warm-up with at least 10 clients, so that every worker process has compiled its templates
      warm=$(( users > 10 ? users : 10 ))
      BENCH_SCENARIO="$scenario" .venv/bin/locust -f bench/locustfile.py --headless -u "$warm" -r "$warm" \
        -t 8s --host "http://127.0.0.1:$PORT" --only-summary --loglevel WARNING > /dev/null 2>&1 || true
      sleep 5  # let the server finish what the warm-up left queued
    fi
    server_before=$($PY bench/cpu.py "$web")
    BENCH_SCENARIO="$scenario" /usr/bin/time -f "%U %S" -o "$out/$name.client-cpu" \
      .venv/bin/locust -f bench/locustfile.py --headless -u "$users" -r "$users" \
      -t "${duration}s" --host "http://127.0.0.1:$PORT" --csv "$out/$name" --only-summary \
      --loglevel WARNING > "$out/$name.log" 2>&1 || true
    echo "$server_before $($PY bench/cpu.py "$web")" > "$out/$name.server-cpu"
  done
done
$PY bench/report.py "$out"
