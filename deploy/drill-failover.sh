#!/usr/bin/env bash
# The reference high-availability deployment, built on loopback and put through a failover drill (issue 17):
#
#   site A (127.0.0.2): PostgreSQL node1 (pg_auto_failover keeper), `sieve serve` web1, `sieve worker` worker1
#   site B (127.0.0.3): PostgreSQL node2 (pg_auto_failover keeper), `sieve serve` web2, `sieve worker` worker2
#   127.0.0.1: the pg_auto_failover monitor, HAProxy (:18280 → web1/web2, health check GET /readyz), the burst's
#              feed server and the channel endpoint (a webhook that records every delivery)
#
# PostgreSQL replicates synchronously (pg_auto_failover's default with one standby: synchronous_standby_names =
# 'ANY 1 (…)', synchronous_commit = on), so a commit — every moderator decision, every outbox change — is
# acknowledged only once it is on both nodes. Sieve connects with a libpq-style host list and
# target_session_attrs=read-write, so after a failover new connections find the new primary.
#
# The drill: a burst of posts (BURST, default 3,000) is crawled, classified and queued by both workers while a
# moderator decides items through the JSON API behind HAProxy (approvals go out to the webhook channel). After
# KILL_AFTER seconds the PostgreSQL primary's whole node (keeper and server) and web1 are killed with SIGKILL.
# The moderator keeps working; then web1 comes back, and both web nodes are restarted one after the other
# (drained in HAProxy first) under 50 requests/s.
#
# The last line is one JSON object:
#   {"rto_s": …, "acknowledged_lost": …, "failed_requests": …, "duplicate_publications": …,
#    "rolling_restart_failed_requests": …}
# rto_s: from the kill to the first decision acknowledged again; acknowledged_lost: decisions the moderator got a
# 2xx for that the database does not hold afterwards; failed_requests: the moderator's requests that failed (all
# of them fall inside the outage); duplicate_publications: posts published to the channel more than once.
#
# Needs: PostgreSQL 15, pg_auto_failover (postgresql-15-auto-failover), HAProxy, python3, curl (installed with
# apt-get when run as root), and a built sieve (SIEVE=…, default .build/release/sieve, else .build/debug/sieve).
# Usage: deploy/drill-failover.sh        (WORK=/tmp/sieve-drill BURST=3000 KILL_AFTER=20 DECIDE_FOR=60)
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/drill/common.sh
WORK=${WORK:-/tmp/sieve-drill}
BURST=${BURST:-3000}; SOURCES=${SOURCES:-30}
KILL_AFTER=${KILL_AFTER:-20}; DECIDE_FOR=${DECIDE_FOR:-60}
PGBIN=/usr/lib/postgresql/15/bin
HTTP=127.0.0.1:18280; FEEDS_PORT=18281; HOOK_PORT=18282
WEB1=127.0.0.2:18283; WEB2=127.0.0.3:18284
MON_PORT=16000; NODE1=127.0.0.2:16001; NODE2=127.0.0.3:16002

need=""
[ -x $PGBIN/postgres ] || need="$need postgresql-15"
command -v pg_autoctl >/dev/null || need="$need postgresql-15-auto-failover"
command -v haproxy >/dev/null || need="$need haproxy"
command -v curl >/dev/null || need="$need curl"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing:$need"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "drill: needs$need (sudo apt-get install -y$need)" >&2; exit 1
  fi
fi

# pg_autoctl refuses to run as root: the PostgreSQL nodes run as the postgres user then.
if [ "$(id -u)" = 0 ]; then PGUSER_RUN=(runuser -u postgres --); else PGUSER_RUN=(); fi
pgrun() { "${PGUSER_RUN[@]}" env PATH=$PGBIN:$PATH XDG_CONFIG_HOME=$WORK/pg/config XDG_DATA_HOME=$WORK/pg/data "$@"; }

PIDS=()
cleanup() {
  set +e
  local sieves=("${PIDS[@]}")
  for n in 1 2; do [ -f "$WORK/web$n.pid" ] && sieves+=("$(cat "$WORK/web$n.pid")"); done
  for p in "${sieves[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for i in $(seq 1 50); do
    alive=0; for p in "${sieves[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${sieves[@]}"; do kill -0 "$p" 2>/dev/null && { echo "drill: $p did not stop on SIGTERM in 5 s; killed" >&2; kill -KILL "$p"; }; done
  [ -f "$WORK/haproxy.pid" ] && kill "$(cat "$WORK/haproxy.pid")" 2>/dev/null
  for n in node1 node2 monitor; do
    [ -f "$WORK/pg/$n.pgid" ] && kill -TERM -- "-$(cat "$WORK/pg/$n.pgid")" 2>/dev/null
  done
  sleep 1
  for n in node1 node2 monitor; do
    [ -f "$WORK/pg/$n.pgid" ] && kill -KILL -- "-$(cat "$WORK/pg/$n.pgid")" 2>/dev/null
  done
  wait 2>/dev/null
}
trap cleanup EXIT

rm -rf "$WORK"; mkdir -p "$WORK/pg"; chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"

# --- PostgreSQL: monitor + two nodes, each in its own process group (so "the node dies" is one kill) -------------
MON_URI="postgres://autoctl_node@127.0.0.1:$MON_PORT/pg_auto_failover?sslmode=disable"
start_node() {  # NAME HOST:PORT
  local name=$1 host=${2%:*} port=${2#*:}
  pgrun setsid pg_autoctl create postgres --pgdata "$WORK/pg/$name" --pgport "$port" --hostname "$host" --name "$name" \
    --monitor "$MON_URI" --auth trust --no-ssl --dbname sieve --run >> "$WORK/pg/$name.log" 2>&1 &
  record_pgid "$name"
}
# The process group setsid gave the node's pg_autoctl (its keeper and its PostgreSQL live in it): never this
# script's own group, which a kill of the node would take down too.
record_pgid() {
  local pid="" i
  for i in $(seq 1 100); do
    pid=$(pgrep -n -f -- "^pg_autoctl (create [a-z]+|run) --pgdata $WORK/pg/$1( |\$)" || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "drill: pg_autoctl for $1 did not start (see $WORK/pg/$1.log)" >&2; exit 1; }
  local pgid; pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
  [ "$pgid" != "$(ps -o pgid= -p $$ | tr -d ' ')" ] || { echo "drill: $1 shares the script's process group" >&2; exit 1; }
  echo "$pgid" > "$WORK/pg/$1.pgid"
}
log "PostgreSQL: pg_auto_failover monitor on :$MON_PORT"
pgrun setsid pg_autoctl create monitor --pgdata "$WORK/pg/monitor" --pgport $MON_PORT --hostname 127.0.0.1 \
  --auth trust --no-ssl --run > "$WORK/pg/monitor.log" 2>&1 &
record_pgid monitor
until pgrun $PGBIN/psql -h 127.0.0.1 -p $MON_PORT -d pg_auto_failover -Atqc "select 1" >/dev/null 2>&1; do sleep 0.5; done
# Failover in seconds instead of the defaults' ~50 s: health checks every second, a node is unhealthy after 3 s
# without a check or a keeper report, a primary that cannot be reached is given 5 s to demote itself.
pgrun $PGBIN/psql -h 127.0.0.1 -p $MON_PORT -d pg_auto_failover -Atq > /dev/null <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000;
SELECT pg_reload_conf();
SQL
log "PostgreSQL: node1 (site A, $NODE1), then node2 (site B, $NODE2) as its synchronous standby"
start_node node1 $NODE1
until pgrun $PGBIN/psql -h 127.0.0.2 -p ${NODE1#*:} -d sieve -Atqc "select 1" >/dev/null 2>&1; do sleep 0.5; done
start_node node2 $NODE2
state() { pgrun pg_autoctl show state --pgdata "$WORK/pg/monitor" 2>/dev/null || true; }
for i in $(seq 1 240); do
  # pg_basebackup waits for a checkpoint on the primary: ask for one instead of waiting for the next timed one.
  pgrun $PGBIN/psql -h 127.0.0.2 -p ${NODE1#*:} -d sieve -Atqc "checkpoint" >/dev/null 2>&1 || true
  s=$(state)
  if echo "$s" | grep -q "| *primary *| *primary" && echo "$s" | grep -q "| *secondary *| *secondary"; then break; fi
  sleep 1
done
state >&2
SYNC=$(pgrun $PGBIN/psql -h 127.0.0.2 -p ${NODE1#*:} -d sieve -Atc "show synchronous_standby_names")
log "synchronous_standby_names = $SYNC"
[ -n "$SYNC" ] || { echo "drill: the standby did not become synchronous" >&2; exit 1; }
# query_timeout: a statement without an answer for 10 s fails and its connection is closed (seen once after a
# failover: the server idle, the client waiting, a request and then the node's graceful shutdown stuck behind it).
# (PGURL, without Sieve's own options, is for psql.)
PGURL="postgres://postgres@$NODE1,$NODE2/sieve?target_session_attrs=read-write&connect_timeout=2"
DB="$PGURL&query_timeout=10"

# --- The burst's sources, the channel endpoint, Sieve's config ----------------------------------------------------
python3 bench/burst.py serve $FEEDS_PORT "$SOURCES" "$BURST" 0 "$WORK/appear.tsv" > "$WORK/feeds.log" 2>&1 &
PIDS+=($!)
python3 "$DRILL" webhook $HOOK_PORT "$WORK/webhook.jsonl" > "$WORK/webhook.log" 2>&1 &
PIDS+=($!)
until grep -q serving "$WORK/feeds.log" 2>/dev/null && grep -q serving "$WORK/webhook.log" 2>/dev/null; do sleep 0.1; done
{
  echo "database = \"$DB\""
  echo '[server]'
  echo 'secure_cookies = false'
  echo 'trusted_proxies = ["127.0.0.1"]'
  echo '[crawler]'
  echo 'concurrency = 16'
  echo 'per_host_concurrency = 16'
  echo 'per_host_delay = 0'
  for ((s = 0; s < SOURCES; s++)); do
    printf '[[source]]\nname = "s%d"\nkind = "jsonfeed"\nurl = "http://127.0.0.1:%d/s%d/p1"\ninterval = 600\nmax_pages = 1000\nallow_private = true\n' \
      "$s" $FEEDS_PORT "$s"
  done
  printf '[[channel]]\nname = "community-hook"\nkind = "webhook"\nurl = "http://127.0.0.1:%d/hook"\ntoken_env = "DRILL_WEBHOOK_SECRET"\nallow_private = true\nrate_per_minute = 6000\n' $HOOK_PORT
} > "$WORK/sieve.toml"
export DRILL_WEBHOOK_SECRET=drill-signing-secret
"$SIEVE" migrate --config "$WORK/sieve.toml" > "$WORK/migrate.log"
echo "drill-password-1" | "$SIEVE" user add drill --role moderator --config "$WORK/sieve.toml" > /dev/null
TOKEN=$("$SIEVE" user token drill --label drill --config "$WORK/sieve.toml")

# --- Web nodes behind HAProxy, a worker on each site --------------------------------------------------------------
start_web() {  # N HOST:PORT
  "$SIEVE" serve --config "$WORK/sieve.toml" --host "${2%:*}" --port "${2#*:}" --no-scheduler --publish-every 0 \
    --access-log >> "$WORK/web$1.log" 2>&1 &
  echo $! > "$WORK/web$1.pid"
}
wait_ready() { until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1/readyz")" = 200 ]; do sleep 0.2; done; }
start_web 1 $WEB1; start_web 2 $WEB2
wait_ready $WEB1; wait_ready $WEB2
cat > "$WORK/haproxy.cfg" <<CFG
global
    pidfile $WORK/haproxy.pid
    stats socket $WORK/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 15s
    # A request that could not reach a node, or got nothing back, goes to the other one.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend sieve
    bind $HTTP
    http-request set-header X-Request-Id %[uuid()] unless { req.hdr(X-Request-Id) -m found }
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server web1 $WEB1 check
    server web2 $WEB2 check
CFG
haproxy -D -f "$WORK/haproxy.cfg"
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/readyz")" = 200 ]; do sleep 0.2; done
log "HAProxy on $HTTP → web1 $WEB1, web2 $WEB2"
for w in 1 2; do
  # --lease 30: claims a dead worker (or a failed transaction) leaves behind come back within 30 s (renewed every
  # 10 s while their worker lives).
  "$SIEVE" worker --config "$WORK/sieve.toml" --stages crawl,classify,xref,publish --batch 200 --idle 0.5 --lease 30 \
    > "$WORK/worker$w.log" 2>&1 &
  PIDS+=($!)
done
log "burst: $BURST posts in $SOURCES sources; two workers"

# --- The moderator, the kill ------------------------------------------------------------------------------------
until [ "$(curl -s -H "Authorization: Bearer $TOKEN" "http://$HTTP/api/v1/queue/summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["open"])' 2>/dev/null || echo 0)" -gt 50 ]; do sleep 0.5; done
python3 "$DRILL" moderate "http://$HTTP" "$TOKEN" "$WORK/moderator.jsonl" "$DECIDE_FOR" &
MOD=$!
sleep "$KILL_AFTER"
PRIMARY=node1
state | grep -q "node2 .*| *primary *|" && PRIMARY=node2
kill -KILL -- "-$(cat "$WORK/pg/$PRIMARY.pgid")"
kill -KILL "$(cat "$WORK/web1.pid")"
# After both kills: a decision that starts from here on and succeeds was committed by the new primary.
KILLED_AT=$(date +%s.%N)
log "killed -9: PostgreSQL $PRIMARY (keeper and server) and web1"
for i in $(seq 1 240); do
  state | grep -v "^ *$PRIMARY " | grep -Eq "\| *(wait_primary|primary) *\| *(wait_primary|primary) *$" && break
  sleep 0.25
done
PG_FAILOVER=$(python3 -c "import time; print(round(time.time() - $KILLED_AT, 2))")
state >&2
log "PostgreSQL failed over in ${PG_FAILOVER} s"
wait $MOD || true

# --- web1 back, then a rolling restart of both web nodes under 50 requests/s ------------------------------------
start_web 1 $WEB1; wait_ready $WEB1
sleep 2  # HAProxy's rise 2 × 500 ms
python3 "$DRILL" load "http://$HTTP" "$TOKEN" 50 30 "$WORK/rolling.jsonl" > "$WORK/rolling.log" 2>&1 &
LOAD=$!
sleep 3
for n in 1 2; do
  addr=$WEB1; [ $n = 2 ] && addr=$WEB2
  echo "set server web/web$n state drain" | python3 -c "
import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$WORK/haproxy.sock'); s.sendall(sys.stdin.read().encode()); print(s.recv(4096).decode())" >/dev/null
  sleep 1  # requests already on their way finish
  kill -TERM "$(cat "$WORK/web$n.pid")"
  for i in $(seq 1 300); do kill -0 "$(cat "$WORK/web$n.pid")" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$(cat "$WORK/web$n.pid")" 2>/dev/null; then
    log "web$n did not stop within 30 s of SIGTERM; killed"
    kill -KILL "$(cat "$WORK/web$n.pid")"
  fi
  start_web $n "$addr"; wait_ready "$addr"
  echo "set server web/web$n state ready" | python3 -c "
import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$WORK/haproxy.sock'); s.sendall(sys.stdin.read().encode()); print(s.recv(4096).decode())" >/dev/null
  sleep 2
  log "web$n restarted"
done
wait $LOAD || true

# --- The lost node comes back (as the new primary's standby), the outbox drains -----------------------------------
REJOIN_START=$(date +%s.%N)
pgrun setsid pg_autoctl run --pgdata "$WORK/pg/$PRIMARY" >> "$WORK/pg/$PRIMARY.log" 2>&1 &
NEW_PRIMARY=node2; [ "$PRIMARY" = node2 ] && NEW_PRIMARY=node1
NEW_ADDR=$NODE2; [ "$NEW_PRIMARY" = node1 ] && NEW_ADDR=$NODE1
REJOINED=null
for i in $(seq 1 240); do
  pgrun $PGBIN/psql -h "${NEW_ADDR%:*}" -p "${NEW_ADDR#*:}" -d sieve -Atqc "checkpoint" >/dev/null 2>&1 || true
  if state | grep -Eq "^ *$PRIMARY .*\| *secondary *\| *secondary *$"; then
    REJOINED=$(python3 -c "import time; print(round(time.time() - $REJOIN_START, 1))"); break
  fi
  sleep 0.5
done
state >&2
log "$PRIMARY rejoined as a standby after ${REJOINED} s; synchronous_standby_names = $(pgrun $PGBIN/psql -h "${NEW_ADDR%:*}" -p "${NEW_ADDR#*:}" -d sieve -Atc 'show synchronous_standby_names')"
record_pgid "$PRIMARY" 2>/dev/null || true
for i in $(seq 1 180); do
  pending=$(pgrun $PGBIN/psql "$PGURL" -Atc "select count(*) from publication where status in ('pending','delivering','failed')" 2>/dev/null || echo 1)
  [ "$pending" = 0 ] && break
  sleep 1
done
if [ "$pending" != 0 ]; then
  log "outbox not drained after 180 s:"
  pgrun $PGBIN/psql "$PGURL" -c "select id, postid, status, attempts, nextattemptat, leaseuntil, claimedby, left(lasterror, 120) as lasterror
    from publication where status in ('pending','delivering','failed')" >&2 || true
fi
pgrun $PGBIN/psql "$PGURL" -At -F $'\t' -c "select id, state from post where state in ('approved','rejected')" > "$WORK/decided.tsv"
POSTS=$(pgrun $PGBIN/psql "$PGURL" -Atc "select count(*) from post")
log "posts stored: $POSTS; outbox pending: $pending; PostgreSQL failover: $PG_FAILOVER s"
python3 "$DRILL" report "$WORK/moderator.jsonl" "$WORK/decided.tsv" "$WORK/webhook.jsonl" "$KILLED_AT" "$PG_FAILOVER" "$REJOINED" "$pending" "$WORK/rolling.jsonl"
