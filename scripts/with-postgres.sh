#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL 15 cluster whose URL is in SIEVE_TEST_POSTGRES (the Store tests'
# PostgreSQL variants and the three-worker test use it), then stops the cluster and deletes it.
# PostgreSQL comes from apt (installed when root). Without it, the command runs alone and those tests skip with a
# printed reason. An existing SIEVE_TEST_POSTGRES is used as is. SIEVE_PG_OPTIONS: more server options
# (e.g. "-c shared_preload_libraries=pg_stat_statements"); SIEVE_TEST_PGDATA names the data folder.
set -uo pipefail
if [ -n "${SIEVE_TEST_POSTGRES:-}" ]; then exec "$@"; fi
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing postgresql-15 (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null) ||
      echo "note: could not install postgresql-15"
  fi
fi
if [ ! -x "$PGBIN/initdb" ]; then
  echo "note: PostgreSQL 15 is not installed (sudo apt-get install -y postgresql-15); the PostgreSQL tests will be skipped"
  exec "$@"
fi
DIR=$(mktemp -d /tmp/sieve-pg.XXXXXX)
chmod 755 "$DIR"
RUN=()
if [ "$(id -u)" = "0" ]; then   # initdb refuses root: the cluster belongs to the postgres user
  chown postgres:postgres "$DIR"
  RUN=(runuser -u postgres --)
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))
if ! "${RUN[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >"$DIR/initdb.log" 2>&1; then
  cat "$DIR/initdb.log"; rm -rf "$DIR"; exit 1
fi
if ! "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${SIEVE_PG_OPTIONS:-}" \
  start >/dev/null; then
  cat "$DIR/server.log"; rm -rf "$DIR"; exit 1
fi
cleanup() { "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
export SIEVE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PORT/postgres"
export SIEVE_TEST_PSQL="$PGBIN/psql"
export SIEVE_TEST_PGDATA="$DIR/data"
echo "PostgreSQL 15 for the tests: $SIEVE_TEST_POSTGRES (data in $DIR)"
"$@"
