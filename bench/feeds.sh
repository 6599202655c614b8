#!/usr/bin/env bash
# Feed parsing throughput: Sieve's FeedAdapter (libxml2) vs feedparser on feedparser's own test corpus, A B A B …
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/feeds}
ROUNDS=${ROUNDS:-5}
PY=${PY:-.venv-bench/bin/python}
[ -d "$DATA/rss" ] || { echo "feeds benchmark skipped: $DATA is absent"; exit 0; }
out=$(mktemp)
for ((r = 1; r <= ROUNDS; r++)); do
  .build/release/sieve-bench feeds "$DATA/rss" "$DATA/atom10" --repeat 20 >> "$out"
  "$PY" bench/feeds.py "$DATA/rss" "$DATA/atom10" --repeat 2 >> "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {}
for tool in ("sieve", "feedparser"):
    rates = [r["files_per_s"] for r in rows if r["tool"] == tool]
    errors = sum(r["errors"] for r in rows if r["tool"] == tool)
    med[tool] = statistics.median(rates)
    print(f"{tool:10s} runs={len(rates)} median {med[tool]:,.0f} files/s (min {min(rates):,.0f}, max {max(rates):,.0f}), errors {errors}")
print(f"feed parsing ratio sieve/feedparser = {med['sieve'] / med['feedparser']:.1f}x")
PY
rm -f "$out"
