#!/usr/bin/env bash
# Peak memory of the gunicorn worker that streams a long-format export (see bench/README.md).
#   bench/export_memory.sh DATABASE UNIT_CODE [csv|xlsx]
# One worker, one thread, production settings; prints the worker's resident memory before the export,
# its peak (VmHWM) after, the bytes and rows sent and the time taken.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$1" unit="$2" fmt="${3:-csv}"
PORT="${BENCH_PORT:-8778}"
PY=.venv/bin/python
out="$(mktemp -d /tmp/ntm-export.XXXXXX)"

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export DEBUG=0 SECRET_KEY="bench-$(head -c 32 /dev/urandom | base64)" ALLOWED_HOSTS="127.0.0.1"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 LOG_LEVEL=WARNING
export STATIC_ROOT="$PWD/var/bench/static" GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=1 GUNICORN_THREADS=1
export GUNICORN_ACCESSLOG=/dev/null GUNICORN_TIMEOUT=1800
unset DJANGO_ALLOW_ASYNC_UNSAFE || true

$PY manage.py collectstatic --noinput -v0
province="${unit%%H*}"
$PY bench/prepare.py sessions "$province" > "$out/sessions.json"
session=$($PY -c "import json,sys; d=json.load(open('$out/sessions.json')); print(next(p['session'] for p in d['province']+d['district'] if p['unit']=='$unit'))")

.venv/bin/gunicorn -c deploy/gunicorn.conf.py --pid "$out/gunicorn.pid" > "$out/gunicorn.log" 2>&1 &
web=$!
trap 'kill $web 2>/dev/null || true; wait $web 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
worker=$(pgrep -P "$web" | head -1)
# warm the worker with an ordinary page, so "before" is a worker that has served requests
curl -fs -o /dev/null -b "sessionid=$session" "http://127.0.0.1:$PORT/dashboards/$unit/"
before=$(awk '/VmRSS/ {print $2}' "/proc/$worker/status")
start=$(date +%s.%N)
curl -fsS -b "sessionid=$session" "http://127.0.0.1:$PORT/dashboards/$unit/export/?format=$fmt" -o "$out/export.$fmt"
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$worker/status")
bytes=$(stat -c %s "$out/export.$fmt")
if [ "$fmt" = csv ]; then rows=$(($(wc -l < "$out/export.$fmt") - 1)); else rows="(xlsx)"; fi
printf 'export %s of %s: %s rows, %s bytes in %.1f s; worker RSS before %d MB, peak %d MB\n' \
  "$fmt" "$unit" "$rows" "$bytes" "$(echo "$end - $start" | bc)" $((before / 1024)) $((peak / 1024))
