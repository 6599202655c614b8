#!/usr/bin/env bash
# Backup and restore of a database with 200,000 posts (issue 8: RPO/RTO). Builds the database with
# `sieve migrate` plus bench/backup_fill.py (posts with assessments, queued), then times, ROUNDS times each:
#   sieve backup   (online backup API + integrity_check + rename), while a writer adds posts to the live file
#   sieve restore  (inspect + integrity_check + copy + checkpoint the old file to .bak + rename)
#   the first command after the restore (`sieve queue --limit 1`: open, migrations checked, first query)
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=${BACKUP_POSTS:-200000}
ROUNDS=${ROUNDS:-3}
SIEVE=${SIEVE:-.build/release/sieve}
W=${BACKUP_DIR:-$(mktemp -d)}; trap 'rm -rf "$W"' EXIT
$SIEVE migrate --database "$W/live.sqlite" >/dev/null
python3 bench/backup_fill.py "$W/live.sqlite" "$POSTS"
ls -l "$W/live.sqlite" | awk '{printf "database: %.0f MiB, ", $5/1048576}'
echo "$POSTS posts"
now() { date +%s.%N; }
for r in $(seq 1 "$ROUNDS"); do
  python3 bench/backup_fill.py "$W/live.sqlite" 20000 --writer 8 & WRITER=$!
  sleep 1
  t0=$(now); $SIEVE backup "$W/b$r.sqlite" --database "$W/live.sqlite" >/dev/null; t1=$(now)
  wait $WRITER
  t2=$(now); $SIEVE restore "$W/b$r.sqlite" --database "$W/restored.sqlite" >/dev/null; t3=$(now)
  $SIEVE queue --limit 1 --database "$W/restored.sqlite" >/dev/null; t4=$(now)
  python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$W/b$r.sqlite" <<'PY'
import sqlite3, sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:6])
n = sqlite3.connect(sys.argv[6]).execute("SELECT COUNT(*) FROM post").fetchone()[0]
print(f"round: backup {t1 - t0:.2f} s ({n:,} posts, writer running) · restore {t3 - t2:.2f} s · first query after {t4 - t3:.2f} s")
PY
done
