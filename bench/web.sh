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
command -v wrk >/dev/null || {
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else echo "bench/web.sh needs wrk (sudo apt-get install -y wrk)"; exit 1; fi; }
[ -x .build/release/sieve ] || swift build -c release --product sieve
SIEVE=$PWD/.build/release/sieve
WORK=$(mktemp -d /tmp/sieve-web-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/sieve.toml" <<TOML
database = "$WORK/web.sqlite"
[server]
port = $PORT
secure_cookies = false
TOML
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
"$SIEVE" migrate --config "$WORK/sieve.toml" >/dev/null   # creates the schema
python3 bench/seed_web.py "$WORK/web.sqlite" "$ITEMS"
echo "bench-password-1" | "$SIEVE" user add bench --role moderator --config "$WORK/sieve.toml" >/dev/null
TOKEN=$("$SIEVE" user token bench --config "$WORK/sieve.toml")
"$SIEVE" serve --config "$WORK/sieve.toml" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
# Let the search indexer finish tokenizing the seeded posts before measuring.
t0=$(date +%s.%N)
while [ "$(sqlite3 "$WORK/web.sqlite" 'SELECT COUNT(*) FROM postSearch')" -lt "$ITEMS" ]; do sleep 0.5; done
echo "search index: $ITEMS posts tokenized and indexed in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
# Log in as a browser does: the login form's token, then the session cookie.
curl -s -c "$WORK/jar" "http://127.0.0.1:$PORT/login" -o "$WORK/login.html"
CSRF=$(grep -o 'name="_csrf" value="[^"]*"' "$WORK/login.html" | sed 's/.*value="//; s/"$//')
curl -s -b "$WORK/jar" -c "$WORK/jar" --data "_csrf=$CSRF&name=bench&password=bench-password-1&next=/" "http://127.0.0.1:$PORT/login" -o /dev/null
SESSION=$(awk '$6 == "sieve_session" { print $7 }' "$WORK/jar")
[ -n "$SESSION" ] || { echo "login failed"; exit 1; }
curl -sf -H "Cookie: sieve_session=$SESSION" "http://127.0.0.1:$PORT/" -o "$WORK/queue.html"
grep -q '審核佇列' "$WORK/queue.html" || { echo "queue page check failed"; exit 1; }
measure() {  # URL HEADER -> "rps p99 non2xx"
  local out
  out=$(wrk -t1 -c100 -d"${SECONDS_PER_RUN}s" --latency -H "$2" "$1")
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(awk '$1 == "99%" { print $2 }' <<<"$out") $(awk '/Non-2xx/ { print $4 }' <<<"$out")"
}
PAGE="http://127.0.0.1:$PORT/"
API="http://127.0.0.1:$PORT/api/v1/queue"
SEARCH="http://127.0.0.1:$PORT/?county=%E6%96%B0%E5%8C%97%E5%B8%82&q=%E6%B7%B9%E6%B0%B4"
declare -A results
for round in 1 2 3; do
  results[page$round]=$(measure "$PAGE" "Cookie: sieve_session=$SESSION")
  results[api$round]=$(measure "$API" "Authorization: Bearer $TOKEN")
  results[search$round]=$(measure "$SEARCH" "Cookie: sieve_session=$SESSION")
done
echo "== wrk -t1 -c100 -d${SECONDS_PER_RUN}s ×3, $ITEMS queued items, $(nproc) cores; median run (all runs)"
for name in page api search; do
  runs=$(for r in 1 2 3; do echo "${results[$name$r]}"; done)
  median=$(sort -n -k1 <<<"$runs" | sed -n 2p)
  case $name in
    page) label="queue page (GET /, session cookie)" ;;
    api) label="queue API (GET /api/v1/queue, token)" ;;
    search) label="filtered + search page (county, q)" ;;
  esac
  printf '%-40s %9s req/s  p99 %-9s  (runs: %s)\n' "$label" "$(cut -d' ' -f1 <<<"$median")" "$(cut -d' ' -f2 <<<"$median")" \
    "$(tr '\n' ';' <<<"$runs" | sed 's/;$//; s/;/ | /g')"
  grep -q '[0-9]$' <<<"$(cut -d' ' -f3 <<<"$runs" | tr -d '\n')" && echo "  non-2xx responses seen: $(cut -d' ' -f3 <<<"$runs" | tr '\n' ' ')"
done
