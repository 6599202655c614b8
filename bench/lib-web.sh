# Shared by bench/web.sh and bench/map.sh (sourced, not run): wrk, the release binary, a work folder with a config
# on a free port, `sieve serve` in the background, and a browser-style login.

# need_wrk NAME: installs wrk as root, else stops with how to.
need_wrk() {
  command -v wrk >/dev/null && return
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else echo "$1 needs wrk (sudo apt-get install -y wrk)"; exit 1; fi
}

# bench_setup PREFIX DBNAME [EXTRA-SERVER-LINES]: sets SIEVE, WORK, PORT, DB and writes $WORK/sieve.toml; the
# folder and the server go away on exit.
bench_setup() {
  [ -x .build/release/sieve ] || swift build -c release --product sieve
  SIEVE=$PWD/.build/release/sieve
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  DB="$WORK/$2"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'database = "%s"\n[server]\nport = %s\nsecure_cookies = false\n%s\n' "$DB" "$PORT" "${3:-}" > "$WORK/sieve.toml"
  trap 'if [ -n "${SERVER:-}" ]; then kill "$SERVER" 2>/dev/null; fi; wait 2>/dev/null; rm -rf "$WORK"' EXIT
  "$SIEVE" migrate --config "$WORK/sieve.toml" >/dev/null   # creates the schema
}

# start_serve [ARGS…]: `sieve serve` in the background (SERVER), once /healthz answers.
start_serve() {
  "$SIEVE" serve --config "$WORK/sieve.toml" "$@" > "$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}

# login NAME PASSWORD: logs in as a browser does (the login form's token, then the session cookie) and sets SESSION.
login() {
  curl -s -c "$WORK/jar" "http://127.0.0.1:$PORT/login" -o "$WORK/login.html"
  local csrf
  csrf=$(grep -o 'name="_csrf" value="[^"]*"' "$WORK/login.html" | sed 's/.*value="//; s/"$//')
  curl -s -b "$WORK/jar" -c "$WORK/jar" --data "_csrf=$csrf&name=$1&password=$2&next=/" "http://127.0.0.1:$PORT/login" -o /dev/null
  SESSION=$(awk '$6 == "sieve_session" { print $7 }' "$WORK/jar")
  [ -n "$SESSION" ] || { echo "login failed"; exit 1; }
}

# measure CONNECTIONS URL HEADER: one wrk round of SECONDS_PER_RUN seconds (one thread: a second one takes a core
# from the server on this 2-core machine) -> "requests/s p99 non-2xx".
measure() {
  local out
  out=$(wrk -t1 -c"$1" -d"${SECONDS_PER_RUN}s" --latency -H "$3" "$2")
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(awk '$1 == "99%" { print $2 }' <<<"$out") $(awk '/Non-2xx/ { print $4 }' <<<"$out")"
}

# report WIDTH LABEL RUNS: the median round (by requests/s) of the rounds' "measure" lines, with every round.
report() {
  local median
  median=$(sort -n -k1 <<<"$3" | sed -n "$(( ($(wc -l <<<"$3") + 1) / 2 ))p")
  printf "%-${1}s %9s req/s  p99 %-9s  (runs: %s)\n" "$2" "$(cut -d' ' -f1 <<<"$median")" "$(cut -d' ' -f2 <<<"$median")" \
    "$(tr '\n' ';' <<<"$3" | sed 's/;$//; s/;/ | /g')"
  grep -q '[0-9]$' <<<"$(cut -d' ' -f3 <<<"$3" | tr -d '\n')" && echo "  non-2xx responses seen: $(cut -d' ' -f3 <<<"$3" | tr '\n' ' ')"
  return 0
}
