#!/usr/bin/env bash
# The typhoon burst's stages one at a time (for profiling bench/burst.sh): crawl ITEMS posts from SOURCES feeds into a
# fresh SQLite file, then classify them, then cross-reference them, each `sieve worker --stages X --once` on its own.
# Prints wall and CPU seconds (user + system) per stage. PERF=1 records each stage with `perf record -g` into $WORK.
# WRAP="strace -f -c -o FILE" (or any command) runs each stage's worker under it.
# Usage: ITEMS=200000 SOURCES=400 [STAGES="crawl classify xref"] [PERF=1] [WRAP=…] bench/stages.sh   (release build first)
set -euo pipefail
cd "$(dirname "$0")/.."
SIEVE=${SIEVE:-$PWD/.build/release/sieve}
WORK=${WORK:-/tmp/sieve-stages}
PORT=${PORT:-18191}
ITEMS=${ITEMS:-200000}; SOURCES=${SOURCES:-400}
mkdir -p "$WORK"; rm -f "$WORK"/stages.sqlite*
{
  echo "database = \"$WORK/stages.sqlite\""
  printf '[crawler]\nconcurrency = 32\nper_host_concurrency = 32\nper_host_delay = 0\n'
  for ((s = 0; s < SOURCES; s++)); do
    printf '[[source]]\nname = "s%d"\nkind = "jsonfeed"\nurl = "http://127.0.0.1:%d/s%d/p1"\ninterval = 3600\nmax_pages = %d\nallow_private = true\n' \
      "$s" "$PORT" "$s" $((ITEMS / SOURCES / 50 + 2))
  done
} > "$WORK/sieve.toml"
python3 bench/burst.py serve "$PORT" "$SOURCES" "$ITEMS" 0 "$WORK/appear.tsv" > "$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
while ! grep -q serving "$WORK/server.log" 2>/dev/null; do sleep 0.1; done
for stage in ${STAGES:-crawl classify xref}; do
  cmd=(${WRAP:-} "$SIEVE" worker --config "$WORK/sieve.toml" --stages "$stage" --once --batch 500 --idle 0.2)
  [ -n "${PERF:-}" ] && cmd=(perf record -F 499 -g -o "$WORK/perf.$stage" -- "${cmd[@]}")
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.$stage" "${cmd[@]}" > "$WORK/$stage.log" 2>&1
  read -r wall user sys < <(tail -n 1 "$WORK/time.$stage")
  printf '%-9s wall %7.1f s  cpu %7.1f s  (%s)\n' "$stage" "$wall" "$(echo "$user + $sys" | bc)" "$(tail -n 1 "$WORK/$stage.log")"
done
echo "feed server: $(ps -o times= -p "$server") CPU seconds in all"
