#!/usr/bin/env bash
# `make bench`: everything BENCHMARKS.md reports, side by side with the peers, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
command -v nginx >/dev/null || need="$need nginx-light"
[ -x /usr/bin/time ] || need="$need time"
command -v sqlite3 >/dev/null || need="$need sqlite3"
command -v wrk >/dev/null || need="$need wrk"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$need fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai fonts-wqy-microhei fonts-wqy-zenhei"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else echo "make bench needs:$need (sudo apt-get install -y$need)"; exit 1; fi
fi
[ -x .venv-bench/bin/python ] && .venv-bench/bin/python -c "import scrapy, feedparser" 2>/dev/null || {
  python3 -m venv .venv-bench && .venv-bench/bin/pip install -q scrapy feedparser; }
.venv-bench/bin/python -c "import sklearn, jieba, rjieba" 2>/dev/null || .venv-bench/bin/pip install -q scikit-learn jieba rjieba
.venv-bench/bin/python -c "import PIL, imagehash" 2>/dev/null || .venv-bench/bin/pip install -q pillow ImageHash
swift build -c release --product sieve
swift build -c release --product sieve-bench
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
echo "== feed parsing (feedparser corpus)"
bench/feeds.sh
echo "== segmentation (SIGHAN 2005 AS): Sieve vs jieba vs rjieba"
bench/segment.sh
echo "== classifier: naive Bayes vs scikit-learn; throughput"
bench/classifier.sh
echo "== classifier: disaster-type accuracy protocol (dev-slice CV, held-out 20%, 5-fold seeds, dedupe, 80/20 splits)"
bench/type_protocol.sh
echo "== cross-reference: EMIC reports re-posted as social posts (recall@1)"
bench/xref.sh
echo "== crawl: 100 hosts × 100 pages + 100 list pages on loopback nginx, concurrency 32 (8 per host)"
bench/crawl.sh
echo "== moderation web app: 50,000 queued items, wrk at 100 connections against the queue page and the queue API"
bench/web.sh
echo "== the map: 50,000 reports of one night, wrk at 20 connections against /map (whole country, one county); a cold map"
if [ -f data/boundaries/towns.json ] || make -s boundaries; then bench/map.sh; else echo "skipped: no township boundaries (make boundaries)"; fi
echo "== backup and restore of 200,000 posts (RPO/RTO)"
bench/backup.sh
echo "== pictures: OCR accuracy (Sieve vs the tesseract command) and re-shared picture matching (Sieve vs imagehash), 10,000 unrelated"
.venv-bench/bin/python bench/images.py
echo "== LINE tipline: signed webhook calls at 50 tips/s for 30 s against sieve serve, replies to a fake LINE API (no peer runs offline)"
python3 bench/tipline.py
echo "== typhoon burst: 200,000 posts through crawl → classify → cross-reference, and 500 posts/s sustained (SQLite; PostgreSQL 15, 2 workers)"
bench/burst.sh all
echo "== drills: the four scenarios in full through the real pipeline (3600x one by one; 60x side by side, ~24 min)"
bench/drills.sh all
