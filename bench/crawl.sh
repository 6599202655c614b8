#!/usr/bin/env bash
# Crawl benchmark: Sieve vs Scrapy on the same nginx-served site (HOSTS host names × PER_HOST pages),
# same global concurrency (32) and per-host concurrency (8), robots.txt obeyed by both.
# Prints wall time, pages/s and peak RSS per run (A B A B …) and the medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-100}; PER_HOST=${PER_HOST:-100}; ROUNDS=${ROUNDS:-3}; PORT=${PORT:-18089}
WORK=${WORK:-/tmp/sieve-bench}
SIEVE=${SIEVE:-.build/release/sieve}
PY=${PY:-.venv-bench/bin/python}
mkdir -p "$WORK/nginx/logs" "$WORK/out"
[ -f "$WORK/site/list-0.html" ] || python3 bench/site.py "$WORK/site" "$HOSTS" "$PER_HOST"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  types { text/html html; }
  server { listen $PORT; root $WORK/site; }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>/dev/null || true
trap 'nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -s stop 2>/dev/null || true' EXIT
sleep 0.5
{
  echo 'database = "'"$WORK"'/out/sieve.sqlite"'
  echo '[crawler]'
  echo 'concurrency = 32'
  echo 'per_host_concurrency = 8'
  echo 'per_host_delay = 0'
  for ((h = 0; h < HOSTS; h++)); do
    echo '[[source]]'
    echo "name = \"h$h\""
    echo 'kind = "html"'
    echo "url = \"http://127.0.0.$((h + 2)):$PORT/list-$h.html\""
    echo 'allow_private = true'
    echo "max_items = $PER_HOST"
    echo '[source.rules]'
    echo "follow = \"//a[@class='a']/@href\""
    echo '[source.article]'
    echo 'title = "//h1"'
    echo 'text = "//article"'
  done
} > "$WORK/sieve.toml"
pages=$((HOSTS * PER_HOST + HOSTS))
run_sieve() {
  rm -f "$WORK"/out/sieve.sqlite*
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$SIEVE" crawl --config "$WORK/sieve.toml" > "$WORK/out/sieve.log" 2>&1 || true
  posts=$(sqlite3 "$WORK/out/sieve.sqlite" "select count(*) from post" 2>/dev/null || echo "?")
  read -r secs kb < "$WORK/time"; echo "sieve $secs $kb $posts"
}
run_scrapy() {
  rm -f "$WORK/out/scrapy.jsonl"
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$PY" -m scrapy runspider bench/scrapy_spider.py -a hosts="$HOSTS" -a port="$PORT" \
    -o "$WORK/out/scrapy.jsonl" > "$WORK/out/scrapy.log" 2>&1 || true
  items=$(wc -l < "$WORK/out/scrapy.jsonl")
  read -r secs kb < "$WORK/time"; echo "scrapy $secs $kb $items"
}
: > "$WORK/results"
for ((r = 1; r <= ROUNDS; r++)); do
  run_sieve | tee -a "$WORK/results"
  run_scrapy | tee -a "$WORK/results"
done
python3 - "$WORK/results" "$pages" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
pages = int(sys.argv[2])
med = {}
for tool in ("sieve", "scrapy"):
    secs = [float(r[1]) for r in rows if r[0] == tool]
    rss = [int(r[2]) / 1024 for r in rows if r[0] == tool]
    items = [r[3] for r in rows if r[0] == tool]
    med[tool] = (statistics.median(secs), statistics.median(rss))
    print(f"{tool:7s} runs={len(secs)} median {med[tool][0]:.2f} s = {pages / med[tool][0]:.0f} pages/s, "
          f"peak RSS median {med[tool][1]:.0f} MiB, items {items}")
print(f"pages/s ratio sieve/scrapy = {med['scrapy'][0] / med['sieve'][0]:.2f}x; "
      f"peak RSS ratio sieve/scrapy = {med['sieve'][1] / med['scrapy'][1]:.2f}")
PY
