#!/usr/bin/env bash
# Moderation web app under load: 50,000 queued items in SQLite, `sieve serve` (release), wrk with 100 connections
# against the queue page (session cookie) and the queue API (bearer token). Reports requests/s and p99 latency.
# One wrk thread: on this 2-core machine a second one takes a core from the server it is measuring.
# Each target runs 3 times, alternating; the median run (by requests/s) is reported.
# Usage: bench/web.sh [ITEMS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-50000}
SECONDS_PER_RUN=${2:-10}
. bench/lib-web.sh
need_wrk bench/web.sh
bench_setup sieve-web-bench web.sqlite
python3 bench/seed_web.py "$DB" "$ITEMS"
echo "bench-password-1" | "$SIEVE" user add bench --role moderator --config "$WORK/sieve.toml" >/dev/null
TOKEN=$("$SIEVE" user token bench --config "$WORK/sieve.toml")
start_serve
# Let the search indexer finish tokenizing the seeded posts before measuring.
t0=$(date +%s.%N)
while [ "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM postSearch')" -lt "$ITEMS" ]; do sleep 0.5; done
echo "search index: $ITEMS posts tokenized and indexed in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
login bench bench-password-1
curl -sf -H "Cookie: sieve_session=$SESSION" "http://127.0.0.1:$PORT/" -o "$WORK/queue.html"
grep -q '審核佇列' "$WORK/queue.html" || { echo "queue page check failed"; exit 1; }
PAGE="http://127.0.0.1:$PORT/"
API="http://127.0.0.1:$PORT/api/v1/queue"
SEARCH="http://127.0.0.1:$PORT/?county=%E6%96%B0%E5%8C%97%E5%B8%82&q=%E6%B7%B9%E6%B0%B4"
declare -A results
for round in 1 2 3; do
  results[page$round]=$(measure 100 "$PAGE" "Cookie: sieve_session=$SESSION")
  results[api$round]=$(measure 100 "$API" "Authorization: Bearer $TOKEN")
  results[search$round]=$(measure 100 "$SEARCH" "Cookie: sieve_session=$SESSION")
done
echo "== wrk -t1 -c100 -d${SECONDS_PER_RUN}s ×3, $ITEMS queued items, $(nproc) cores; median run (all runs)"
for name in page api search; do
  runs=$(for r in 1 2 3; do echo "${results[$name$r]}"; done)
  case $name in
    page) label="queue page (GET /, session cookie)" ;;
    api) label="queue API (GET /api/v1/queue, token)" ;;
    search) label="filtered + search page (county, q)" ;;
  esac
  report 40 "$label" "$runs"
done
