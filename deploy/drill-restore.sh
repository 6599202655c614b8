#!/usr/bin/env bash
# The restore drill for PostgreSQL (issue 17): scheduled-style backups with `sieve backup` (pg_dump -Fc) every
# BACKUP_EVERY seconds while a moderator decides items through the JSON API; then the database is lost (DROP
# DATABASE, as a mistaken command or a lost disk would leave it), `sieve restore` puts the newest backup back, and
# the web app serves again. Run it through scripts/with-postgres.sh (a throwaway PostgreSQL 15):
#
#   scripts/with-postgres.sh deploy/drill-restore.sh        (BACKUP_EVERY=20 RUN_FOR=70 BURST=3000)
#
# The last line is one JSON object:
#   {"rpo_s": …, "rto_s": …, "acknowledged_lost": …, "acknowledged_lost_before_backup": …, "backup_s": …, "restore_s": …}
# rpo_s: from the newest backup's start (its snapshot) to the loss — the decisions made in that window are what a
# restore cannot bring back (acknowledged_lost counts them); acknowledged_lost_before_backup must be 0. rto_s: from
# the loss to the moderators' queue answering again on the restored database (the restore itself is restore_s;
# noticing and deciding to restore are not in it).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/drill/common.sh
[ -n "${SIEVE_TEST_POSTGRES:-}" ] || { echo "drill-restore: run it as scripts/with-postgres.sh deploy/drill-restore.sh" >&2; exit 2; }
WORK=${WORK:-/tmp/sieve-restore-drill}
BACKUP_EVERY=${BACKUP_EVERY:-20}; RUN_FOR=${RUN_FOR:-70}; BURST=${BURST:-3000}
HTTP=127.0.0.1:18290; FEEDS_PORT=18291
PSQL=${SIEVE_TEST_PSQL:-/usr/lib/postgresql/15/bin/psql}
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -f "$WORK/web.pid" ] && kill -TERM "$(cat "$WORK/web.pid")" 2>/dev/null
  sleep 2
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  [ -f "$WORK/web.pid" ] && kill -KILL "$(cat "$WORK/web.pid")" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
rm -rf "$WORK"; mkdir -p "$WORK/backups"
SERVER=$SIEVE_TEST_POSTGRES            # …/postgres: used to create and drop the drill's database
DB=${SERVER%/postgres}/sieve_drill
"$PSQL" "$SERVER" -Atqc "DROP DATABASE IF EXISTS sieve_drill" -c "CREATE DATABASE sieve_drill"

python3 bench/burst.py serve $FEEDS_PORT 15 "$BURST" 0 "$WORK/appear.tsv" > "$WORK/feeds.log" 2>&1 &
PIDS+=($!)
until grep -q serving "$WORK/feeds.log" 2>/dev/null; do sleep 0.1; done
{
  echo "database = \"$DB\""
  echo '[server]'
  echo 'secure_cookies = false'
  echo '[crawler]'
  echo 'per_host_delay = 0'
  for ((s = 0; s < 15; s++)); do
    printf '[[source]]\nname = "s%d"\nkind = "jsonfeed"\nurl = "http://127.0.0.1:%d/s%d/p1"\ninterval = 600\nmax_pages = 1000\nallow_private = true\n' "$s" $FEEDS_PORT "$s"
  done
} > "$WORK/sieve.toml"
"$SIEVE" worker --config "$WORK/sieve.toml" --stages crawl,classify,xref --once > "$WORK/worker.log" 2>&1
echo "drill-password-1" | "$SIEVE" user add drill --role moderator --config "$WORK/sieve.toml" > /dev/null
TOKEN=$("$SIEVE" user token drill --label drill --config "$WORK/sieve.toml")
start_web() {
  "$SIEVE" serve --config "$WORK/sieve.toml" --host "${HTTP%:*}" --port "${HTTP#*:}" --no-scheduler --publish-every 0 >> "$WORK/web.log" 2>&1 &
  echo $! > "$WORK/web.pid"
}
start_web
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/readyz")" = 200 ]; do sleep 0.2; done
log "$("$PSQL" "$DB" -Atc "select count(*) from post where state = 'queued'") posts queued; deciding (20/s) for $RUN_FOR s with a backup every $BACKUP_EVERY s"

python3 "$DRILL" moderate "http://$HTTP" "$TOKEN" "$WORK/moderator.jsonl" "$RUN_FOR" 20 &
MOD=$!
END=$(( $(date +%s) + RUN_FOR - 5 ))
: > "$WORK/backups.tsv"
while [ "$(date +%s)" -lt "$END" ]; do
  sleep "$BACKUP_EVERY"
  [ "$(date +%s)" -lt "$END" ] || break
  started=$(date +%s.%N)
  "$SIEVE" backup "$WORK/backups/" --config "$WORK/sieve.toml" >> "$WORK/backup.log"
  printf '%s\t%s\n' "$started" "$(python3 -c "import time; print(time.time() - $started)")" >> "$WORK/backups.tsv"
done
sleep 3
# The loss: the web app goes down with its database.
kill -KILL "$(cat "$WORK/web.pid")"
LOST_AT=$(date +%s.%N)
"$PSQL" "$SERVER" -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'sieve_drill'" > /dev/null
"$PSQL" "$SERVER" -Atqc "DROP DATABASE sieve_drill" -c "CREATE DATABASE sieve_drill"
log "database lost; restoring the newest backup"
wait $MOD || true
NEWEST=$(ls -1 "$WORK"/backups/*.dump | sort | tail -1)
R0=$(date +%s.%N)
"$SIEVE" restore "$NEWEST" --config "$WORK/sieve.toml" >> "$WORK/restore.log"
RESTORE_S=$(python3 -c "import time; print(round(time.time() - $R0, 2))")
# What the restored database holds, before anyone works on it again.
"$PSQL" "$DB" -At -F $'\t' -c "select id, state from post where state in ('approved','rejected')" > "$WORK/decided.tsv"
start_web
# Serving again: the moderators' queue answers through the API.
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$HTTP/api/v1/queue")" = 200 ]; do sleep 0.1; done
SERVING_AT=$(date +%s.%N)
python3 "$DRILL" restore-report "$WORK/moderator.jsonl" "$WORK/decided.tsv" "$WORK/backups.tsv" "$LOST_AT" "$SERVING_AT" "$RESTORE_S"
