#!/usr/bin/env bash
# Cross-reference: EMIC reports re-posted as social posts find their own incident (issue 5).
# Imports all of ../shared/data/emic into a fresh database, writes N posts made from reports (description plus
# the place as a person writes it, no structured fields), runs `sieve xref --input`, and scores recall.
set -euo pipefail
cd "$(dirname "$0")/.."
EMIC=../shared/data/emic/emic_cases_dev.csv
N=${XREF_POSTS:-3000}
if [ ! -f "$EMIC" ]; then echo "skipped: $EMIC is absent"; exit 0; fi
SIEVE=.build/release/sieve
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
t0=$(date +%s.%N)
$SIEVE incidents import --database "$W/x.sqlite" "$EMIC" 2>/dev/null
t1=$(date +%s.%N)
python3 bench/emic_posts.py "$EMIC" "$N" "$W/posts.jsonl"
t2=$(date +%s.%N)
$SIEVE xref --database "$W/x.sqlite" --input "$W/posts.jsonl" > "$W/out.jsonl"
t3=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$t3" "$N" <<'PY'
import sys
t0, t1, t2, t3, n = map(float, sys.argv[1:])
print(f"import 31,584 EMIC reports: {t1 - t0:.2f} s ({31584 / (t1 - t0):,.0f} reports/s)")
print(f"xref {int(n)} posts (assess + cross-reference against every report): {t3 - t2:.2f} s ({n / (t3 - t2):,.0f} posts/s)")
PY
python3 bench/xref_recall.py "$W/posts.jsonl" "$W/out.jsonl" "$EMIC"
