#!/usr/bin/env bash
# Hostile documents within budget: each input (written by bench/hostile.py, at most 10 MB) through `sieve extract`
# (release build) and through feedparser 6 (the peer), A B A B …, ROUNDS times; the median wall time and peak RSS
# per tool and input, and what each made of it. The budget (issue 14): an input of at most 10 MB finishes in ≤ 2 s
# and ≤ 256 MB peak RSS, or is refused with a named error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
PY=${PY:-.venv-bench/bin/python}
SIEVE=${SIEVE:-.build/release/sieve}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/hostile.py "$dir"
out="$dir/results.jsonl"
measure() {  # tool input command…
  local tool=$1 input=$2; shift 2
  local t0 t1 rc
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$dir/rss" timeout 60 "$@" >"$dir/stdout" 2>"$dir/stderr" && rc=0 || rc=$?
  t1=$(date +%s.%N)
  python3 - "$tool" "$input" "$rc" "$t0" "$t1" "$dir" >>"$out" <<'PY'
import json, sys, os
tool, name, rc, t0, t1, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
rss = open(os.path.join(d, "rss")).read().split()
err = open(os.path.join(d, "stderr"), errors="replace").read().strip().splitlines()
out = open(os.path.join(d, "stdout"), errors="replace").read()
outcome = "timeout (60 s)" if rc == 124 else (err[-1][:110] if rc != 0 and err else out.strip().splitlines()[-1][:110] if out.strip() else "ok")
print(json.dumps({"tool": tool, "input": name, "rc": rc, "seconds": t1 - t0, "rss_mb": int(rss[-1]) / 1024 if rss else None, "outcome": outcome}))
PY
}
inputs=$(cd "$dir" && ls *.xml *.html | sort)
for ((r = 1; r <= ROUNDS; r++)); do
  for f in $inputs; do
    case "$f" in
      *.html) measure sieve "$f" "$SIEVE" extract --adapter html --rules bench/hostile-rules.toml "$dir/$f" ;;
      *) measure sieve "$f" "$SIEVE" extract --adapter feed "$dir/$f" ;;
    esac
    measure feedparser "$f" "$PY" -c 'import sys, feedparser; d = feedparser.parse(open(sys.argv[1], "rb").read(), response_headers={"content-type": "application/xml"}); print(len(d.entries), "entries", "bozo:", type(d.get("bozo_exception")).__name__ if d.bozo else "no")' "$dir/$f"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
inputs = sorted({r["input"] for r in rows})
print(f"{'input':26s} {'tool':10s} {'median s':>9s} {'median MB':>10s}  outcome")
for name in inputs:
    for tool in ("sieve", "feedparser"):
        rs = [r for r in rows if r["input"] == name and r["tool"] == tool]
        if not rs: continue
        s = statistics.median(r["seconds"] for r in rs)
        m = statistics.median(r["rss_mb"] for r in rs if r["rss_mb"] is not None)
        print(f"{name:26s} {tool:10s} {s:9.2f} {m:10.0f}  {rs[-1]['outcome']}")
budget = [r for r in rows if r["tool"] == "sieve"]
worst_s = max(r["seconds"] for r in budget); worst_m = max(r["rss_mb"] for r in budget)
print(f"sieve worst case over every input and round: {worst_s:.2f} s, {worst_m:.0f} MB (budget 2 s, 256 MB)")
PY
