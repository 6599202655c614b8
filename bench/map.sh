#!/usr/bin/env bash
# The situational map under load: 50,000 reports of one typhoon night in SQLite (20% approved), township
# boundaries from `make boundaries`, `sieve serve` (release), wrk with 20 connections on the whole-country map and
# on one county. Reports requests/s and p99 (median of 3 runs each), and the time to draw a map the cache does not
# hold (a window nobody asked for in the last 15 s), median of 7.
# Usage: bench/map.sh [ITEMS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-50000}
SECONDS_PER_RUN=${2:-10}
. bench/lib-web.sh
need_wrk bench/map.sh
[ -f data/boundaries/towns.json ] || { echo "bench/map.sh needs the township boundaries: make boundaries"; exit 1; }
bench_setup sieve-map-bench map.sqlite "map_boundaries = \"$PWD/data/boundaries/towns.json\""
python3 bench/seed_web.py "$DB" "$ITEMS"
sqlite3 "$DB" "UPDATE post SET state = 'approved' WHERE id % 5 = 0"
echo "bench-password-1" | "$SIEVE" user add bench --role eoc --config "$WORK/sieve.toml" >/dev/null
start_serve --no-scheduler
login bench bench-password-1
MAP="http://127.0.0.1:$PORT/map?window=24h&end=2026-09-15T18:00"
COUNTY="$MAP&county=%E6%96%B0%E5%8C%97%E5%B8%82"
curl -sf -H "Cookie: sieve_session=$SESSION" "$MAP" -o "$WORK/map.html"
grep -q "$ITEMS 則待審或已核准的報告" "$WORK/map.html" || { echo "map page check failed: $(grep -o '<p class="muted">[^<]*' "$WORK/map.html" | head -1)"; exit 1; }
echo "map page: $(wc -c < "$WORK/map.html") bytes, $(grep -o '<path class="t ' "$WORK/map.html" | wc -l) township shapes"
# Maps nobody asked for yet: each a window ending a minute later than the last.
cold=()
for k in 1 2 3 4 5 6 7; do
  cold+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: sieve_session=$SESSION" "http://127.0.0.1:$PORT/map?window=24h&end=2026-09-15T17:0$k")")
done
declare -A results
for round in 1 2 3; do
  results[map$round]=$(measure 20 "$MAP" "Cookie: sieve_session=$SESSION")
  results[county$round]=$(measure 20 "$COUNTY" "Cookie: sieve_session=$SESSION")
done
echo "== wrk -t1 -c20 -d${SECONDS_PER_RUN}s ×3, $ITEMS reports in the window, $(nproc) cores; median run (all runs)"
for name in map county; do
  runs=$(for r in 1 2 3; do echo "${results[$name$r]}"; done)
  case $name in
    map) label="map, whole country (24 h window)" ;;
    county) label="map, one county (新北市)" ;;
  esac
  report 36 "$label" "$runs"
done
printf 'map not in the cache (store read + drawing), median of 7: %s s  (all: %s)\n' \
  "$(printf '%s\n' "${cold[@]}" | sort -n | sed -n 4p)" "${cold[*]}"
