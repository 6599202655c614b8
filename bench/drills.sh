#!/usr/bin/env bash
# The four shipped drill scenarios, each in full, through the real pipeline into a fresh exercise store:
#   1. at --speed 60 (a 24-hour night in 24 minutes): schedule accuracy (how late each event reached the store
#      after falling due; the goal is every event within ±1 s);
#   2. at --speed 3600 (as fast as the replay goes): throughput (events absorbed per wall second) and lateness.
# The four 60× runs go side by side (they share the 2 cores; ~24 minutes in all). Needs ../shared/data (the EMIC
# records the scenarios import).
#   bench/drills.sh [60x|max|all]    (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
SIEVE=${SIEVE:-.build/release/sieve}
[ -x "$SIEVE" ] || swift build -c release --product sieve
out=$(mktemp -d /tmp/sieve-drills.XXXXXX)
trap 'rm -rf "$out"' EXIT
scenarios=$($SIEVE drill list | awk '{print $1}')
summary() {  # name speed json
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
name, speed, path = sys.argv[1:]
s = json.load(open(path))
rate = s["events"] / s["wallSeconds"] if s["wallSeconds"] else 0
print(f'{name:26s} {speed:>5}x  events {s["events"]:4d}  arrived {s["arrived"]:4d}  lateness median {s["latencyMedian"]:.2f} s  '
      f'p95 {s["latencyP95"]:.2f} s  max {s["latencyMax"]:.2f} s  late>1s {s["late"]:3d}  wall {s["wallSeconds"]:.0f} s  '
      f'{rate:.1f} events/s  failures {len(s["failures"])}')
PY
}
if [ "$mode" = all ] || [ "$mode" = max ]; then
  echo "-- each scenario in full at 3600x (one after another)"
  for s in $scenarios; do
    $SIEVE drill run "$s" --database "$out/$s-max.sqlite" --speed 3600 --json --config /nonexistent.toml > "$out/$s-max.json" 2>/dev/null || true
    summary "$s" 3600 "$out/$s-max.json"
  done
fi
if [ "$mode" = all ] || [ "$mode" = 60x ]; then
  echo "-- each scenario in full at 60x (all four side by side)"
  pids=""
  for s in $scenarios; do
    $SIEVE drill run "$s" --database "$out/$s-60.sqlite" --speed 60 --json --config /nonexistent.toml > "$out/$s-60.json" 2>/dev/null &
    pids="$pids $!"
  done
  for p in $pids; do wait "$p" || true; done
  for s in $scenarios; do summary "$s" 60 "$out/$s-60.json"; done
fi
