#!/usr/bin/env bash
# The typhoon burst (issue #8): posts appearing across many local sources, through crawl → classify → cross-reference
# into the queue, with `sieve worker --stages crawl,classify,xref`.
#   burst:     ITEMS (200,000) posts in SOURCES (400) paginated JSON Feeds, all there at t0; one worker on SQLite,
#              then two workers on PostgreSQL 15 (a throwaway cluster, scripts/with-postgres.sh).
#   sustained: RATE (500) new posts/s for DURATION (60) s across 100 sources polled every second, same backends.
# Prints posts/s fetch → queued and p50/p99 latency from a post's appearance to its place in the queue.
# TEXTS=emic: post texts are the real EMIC reports in ../shared/data/emic (place + description) instead of the
# built-in 16 rotations of disaster words; TEXTS=FILE: one text per line.
# compare:   the burst on SQLite (1 process) and on PostgreSQL 15 (2 workers) in one run; the last line is one JSON
#            object {"sqlite_posts_per_s": …, "postgres_posts_per_s": …, "ratio": …} (issue 16's goal: ratio ≥ 0.8).
# scaling:   the burst on PostgreSQL 15 with 1 worker, then 2 workers, each with the database server's CPU per post;
#            the last line is {"one_worker_posts_per_s": …, "two_workers_posts_per_s": …, "gain": …,
#            "db_cpu_us_per_post": …} (issue 16's goal: the second worker adds ≥ 60%).
# The throwaway PostgreSQL runs with autovacuum_naptime = 10s, as README's "Several machines" recommends for bursts
# (the default 1 min leaves a burst's new rows unvacuumed: the near-duplicate lookup's index-only scans visit the
# table row by row); SIEVE_PG_OPTIONS="-c autovacuum_naptime=1min" measures the default.
# Usage: bench/burst.sh [burst|sustained|all|compare|scaling]   (release build: swift build -c release --product sieve)
set -euo pipefail
cd "$(dirname "$0")/.."
export SIEVE_PG_OPTIONS="${SIEVE_PG_OPTIONS:--c autovacuum_naptime=10s}"
MODE=${1:-all}
SIEVE=${SIEVE:-$PWD/.build/release/sieve}
WORK=${WORK:-/tmp/sieve-burst}
PORT=${PORT:-18190}
ITEMS=${ITEMS:-200000}; SOURCES=${SOURCES:-400}
RATE=${RATE:-500}; DURATION=${DURATION:-60}
mkdir -p "$WORK"
if [ "${TEXTS:-}" = emic ]; then
  csv=${SHARED_DATA:-$PWD/../shared/data}/emic/emic_cases_dev.csv
  [ -f "$csv" ] || { echo "TEXTS=emic needs $csv (the shared data)"; exit 1; }
  python3 bench/burst.py emic-texts "$csv" "$WORK/emic-texts.txt"
  export TEXTS="$WORK/emic-texts.txt"
fi
[ -x "$SIEVE" ] || { echo "build it first: swift build -c release --product sieve"; exit 1; }

config() {  # DATABASE SOURCES INTERVAL MAXPAGES
  {
    echo "database = \"$1\""
    echo '[crawler]'
    echo 'concurrency = 32'
    echo 'per_host_concurrency = 32'
    echo 'per_host_delay = 0'
    for ((s = 0; s < $2; s++)); do
      echo '[[source]]'
      echo "name = \"s$s\""
      echo 'kind = "jsonfeed"'
      echo "url = \"http://127.0.0.1:$PORT/s$s/p1\""
      echo "interval = $3"
      echo "max_pages = $4"
      echo 'allow_private = true'
    done
  } > "$WORK/sieve.toml"
}

rows() {  # DATABASE → external id, queued epoch, cross-referenced epoch
  if [[ "$1" == postgres* ]]; then
    "$PSQL" -XAt -F $'\t' "$1" -c "SELECT p.externalID, extract(epoch from a.assessedAt), extract(epoch from x.checkedAt)
      FROM post p JOIN assessment a ON a.postId = p.id LEFT JOIN xref x ON x.postId = p.id"
  else
    sqlite3 -separator $'\t' "$1" "SELECT p.externalID, (julianday(a.assessedAt) - 2440587.5) * 86400.0,
      (julianday(x.checkedAt) - 2440587.5) * 86400.0 FROM post p JOIN assessment a ON a.postId = p.id
      LEFT JOIN xref x ON x.postId = p.id"
  fi
}

# run_case LABEL DATABASE WORKERS RATE ITEMS SOURCES INTERVAL MAXPAGES DURATION
run_case() {
  local label=$1 db=$2 workers=$3 rate=$4 items=$5 sources=$6 interval=$7 maxpages=$8 duration=$9
  config "$db" "$sources" "$interval" "$maxpages"
  rm -f "$WORK"/worker*.log
  python3 bench/burst.py serve "$PORT" "$sources" "$items" "$rate" "$WORK/appear.tsv" > "$WORK/server.log" 2>&1 &
  local server=$!
  while ! grep -q serving "$WORK/server.log" 2>/dev/null; do sleep 0.1; done
  local dbcpu0=0; dbcpu0=$(db_cpu "$db")
  local start; start=$(date +%s.%N)
  local pids=()
  for ((w = 0; w < workers; w++)); do
    if [ "$rate" = "0" ]; then
      "$SIEVE" worker --config "$WORK/sieve.toml" --stages crawl,classify,xref --once --batch 500 --idle 0.2 \
        > "$WORK/worker$w.log" 2>&1 &
    else
      "$SIEVE" worker --config "$WORK/sieve.toml" --stages crawl,classify,xref --batch 500 --idle 0.2 \
        > "$WORK/worker$w.log" 2>&1 &
    fi
    pids+=($!)
  done
  if [ "$rate" != "0" ]; then
    sleep $((duration + 5))
    kill -TERM "${pids[@]}" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do wait "$p" || echo "worker $p exited $?"; done
  local end; end=$(date +%s.%N)
  local dbcpu1=0; dbcpu1=$(db_cpu "$db")
  local srvcpu; srvcpu=$(awk '{ print ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$server/stat" 2>/dev/null || echo "?")
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  rows "$db" > "$WORK/rows.tsv"
  echo "== $label: $workers worker(s), $(tail -n 1 "$WORK/worker0.log")"
  grep -h "statements per post" "$WORK"/worker*.log | sed 's/^/   /' || true
  python3 bench/burst.py report "$WORK/appear.tsv" "$WORK/rows.tsv" "$(python3 -c "print($end - $start)")"
  echo "feed server (the load generator, on the same cores) CPU: $srvcpu s"
  if [[ "$db" == postgres* ]] && [ -n "${SIEVE_TEST_PGDATA:-}" ]; then
    python3 -c "import sys; cpu = float(sys.argv[2]) - float(sys.argv[1]); n = int(sys.argv[3]); print(f'database CPU: {cpu:.1f} s = {cpu / n * 1e6:.0f} µs per post')" \
      "$dbcpu0" "$dbcpu1" "$(wc -l < "$WORK/rows.tsv")"
  fi
}

db_cpu() {  # DATABASE → CPU seconds the PostgreSQL server has used so far (the postmaster, its children, the ones gone)
  if [[ "$1" == postgres* ]] && [ -n "${SIEVE_TEST_PGDATA:-}" ]; then
    python3 - "$(head -n 1 "$SIEVE_TEST_PGDATA/postmaster.pid")" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
master = sys.argv[1]
s = stat(master)
total = sum(int(x) for x in s[11:15])  # utime stime cutime cstime of the postmaster
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != master:
        try:
            t = stat(pid)
        except OSError:
            continue
        if t[1] == master:  # a live child: its own time (cutime counts it only once it is gone)
            total += int(t[11]) + int(t[12])
print(total / tick)
PY
  else
    echo 0
  fi
}

sqlite_cases() {
  if [ "$MODE" = burst ] || [ "$MODE" = all ]; then
    rm -f "$WORK"/burst.sqlite*
    run_case "burst, SQLite" "$WORK/burst.sqlite" 1 0 "$ITEMS" "$SOURCES" 3600 $((ITEMS / SOURCES / 50 + 2)) 0
  fi
  if [ "$MODE" = sustained ] || [ "$MODE" = all ]; then
    rm -f "$WORK"/burst.sqlite*
    run_case "sustained $RATE posts/s, SQLite" "$WORK/burst.sqlite" 1 "$RATE" $((RATE * DURATION)) 100 1 3 "$DURATION"
  fi
}

postgres_cases() {
  PSQL=${SIEVE_TEST_PSQL:-psql}
  local base=${SIEVE_TEST_POSTGRES%/*}
  if [ "$MODE" = burst ] || [ "$MODE" = all ]; then
    "$PSQL" -Xq "$SIEVE_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS burst" -c "CREATE DATABASE burst"
    run_case "burst, PostgreSQL" "$base/burst" 2 0 "$ITEMS" "$SOURCES" 3600 $((ITEMS / SOURCES / 50 + 2)) 0
  fi
  if [ "$MODE" = sustained ] || [ "$MODE" = all ]; then
    "$PSQL" -Xq "$SIEVE_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS burst" -c "CREATE DATABASE burst"
    run_case "sustained $RATE posts/s, PostgreSQL" "$base/burst" 2 "$RATE" $((RATE * DURATION)) 100 1 3 "$DURATION"
  fi
}

scaling_cases() {
  PSQL=${SIEVE_TEST_PSQL:-psql}
  local base=${SIEVE_TEST_POSTGRES%/*}
  for workers in 1 2; do
    "$PSQL" -Xq "$SIEVE_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS burst" -c "CREATE DATABASE burst"
    run_case "burst, PostgreSQL" "$base/burst" "$workers" 0 "$ITEMS" "$SOURCES" 3600 $((ITEMS / SOURCES / 50 + 2)) 0
  done
}

if [ "${1:-}" = "--postgres-inner" ]; then
  MODE=${2:-all}
  if [ "$MODE" = scaling ]; then scaling_cases; else postgres_cases; fi
  exit
fi
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
if [ "$MODE" = scaling ]; then
  LOG="$WORK/scaling.log"
  { if [ -n "${SIEVE_TEST_POSTGRES:-}" ]; then scaling_cases; else scripts/with-postgres.sh "$0" --postgres-inner scaling; fi
  } 2>&1 | tee "$LOG"
  python3 - "$LOG" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
rates = [float(m) for m in re.findall(r"= (\d+) posts/s fetch", text)]
cpu = [float(m) for m in re.findall(r"= (\d+) µs per post", text)]
if len(rates) < 2:
    sys.exit("scaling: expected a 1-worker and a 2-worker result in " + sys.argv[1])
print(json.dumps({"one_worker_posts_per_s": rates[0], "two_workers_posts_per_s": rates[1],
                  "gain": round(rates[1] / rates[0] - 1, 3), "db_cpu_us_per_post": cpu[:2]}))
PY
  exit
fi
if [ "$MODE" = compare ]; then
  MODE=burst
  LOG="$WORK/compare.log"
  { sqlite_cases
    if [ -n "${SIEVE_TEST_POSTGRES:-}" ]; then postgres_cases; else scripts/with-postgres.sh "$0" --postgres-inner burst; fi
  } 2>&1 | tee "$LOG"
  python3 - "$LOG" <<'PY'
import json, re, sys
rates = [float(m) for m in re.findall(r"= (\d+) posts/s fetch", open(sys.argv[1]).read())]
if len(rates) < 2:
    sys.exit("compare: expected a SQLite and a PostgreSQL burst result in " + sys.argv[1])
print(json.dumps({"sqlite_posts_per_s": rates[0], "postgres_posts_per_s": rates[1], "ratio": round(rates[1] / rates[0], 3)}))
PY
  exit
fi
sqlite_cases
if [ -n "${SKIP_POSTGRES:-}" ]; then :
elif [ -n "${SIEVE_TEST_POSTGRES:-}" ]; then postgres_cases
else scripts/with-postgres.sh "$0" --postgres-inner "$MODE"; fi
