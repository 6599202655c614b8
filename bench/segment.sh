#!/usr/bin/env bash
# Chinese word segmentation on the SIGHAN 2005 AS test set: Sieve vs jieba vs rjieba, F1 and chars/s, in one run
# (A B C A B C …), with the default dictionaries and with the AS training word list (--words / add_word).
#   Sieve in-process:  sieve-bench segment (median of 5 passes over the file, startup excluded, raw text)
#   Sieve CLI:         sieve tokenize (one process over the whole file, startup included, NFKC-normalised text)
#   jieba, rjieba:     in-process, dictionary loaded before the clock starts
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/sighan2005}
ROUNDS=${ROUNDS:-3}
PY=${PY:-.venv-bench/bin/python}
ESSAY=${SIEVE_ESSAY:-/usr/share/rime-data/essay.txt}
[ -f "$DATA/as_test.utf8" ] || { echo "segmentation benchmark skipped: $DATA is absent"; exit 0; }
[ -f "$ESSAY" ] || { echo "segmentation benchmark skipped: $ESSAY is absent (apt-get install rime-essay)"; exit 0; }
[ -x "$PY" ] || python3 -m venv .venv-bench
"$PY" -c "import jieba, rjieba" 2>/dev/null || .venv-bench/bin/pip install -q jieba rjieba
swift build -c release --product sieve >/dev/null
swift build -c release --product sieve-bench >/dev/null
WORDS="$DATA/as_training_words.utf8"
export SIGHAN="$DATA"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
for ((r = 1; r <= ROUNDS; r++)); do
  for w in "" "$WORDS"; do
    args=()
    [ -n "$w" ] && args=(--words "$w")
    .build/release/sieve-bench segment "$DATA/as_test.utf8" --gold "$DATA/as_testing_gold.utf8" "${args[@]}" --repeat 5 >> "$out"
    "$PY" bench/segment.py --tool sieve --sieve .build/release/sieve "${args[@]}" >> "$out"
    "$PY" bench/segment.py --tool jieba "${args[@]}" >> "$out"
    "$PY" bench/segment.py --tool rjieba "${args[@]}" >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
groups = {}
for r in rows:
    words = r.get("words", r.get("mode") == "wordList")
    if r["tool"] == "sieve":
        name = "sieve tokenize (CLI)" if "wall_s" in r else "sieve (in-process, raw)"
    else:
        name = r["tool"]
    groups.setdefault((words, name), []).append(r)
print(f"{'word list':9s}  {'tool':28s} {'F1':>7s} {'P':>7s} {'R':>7s} {'chars/s (median)':>17s}  notes")
for (words, name), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
    f = rs[0]
    if "wall_s" in f:
        rate = statistics.median(x["cli_chars_per_s"] for x in rs)
        note = f"whole process incl. startup, median wall {statistics.median(x['wall_s'] for x in rs):.3f} s"
    else:
        rate = statistics.median(x["chars_per_s"] for x in rs)
        note = ""
        if "dictionary_load_s" in f:
            note = (f"dictionary load {statistics.median(x['dictionary_load_s'] for x in rs) * 1000:.1f} ms, "
                    f"lexicon files {statistics.median(x['lexicon_load_s'] for x in rs) * 1000:.0f} ms, "
                    f"tokenizer init {statistics.median(x['tokenizer_init_s'] for x in rs) * 1000:.0f} ms, "
                    f"lattice only {statistics.median(x['lattice_only_chars_per_s'] for x in rs) / 1e6:.1f}M/s")
        elif "startup_s" in f:
            note = f"startup {statistics.median(x['startup_s'] for x in rs):.2f} s (not timed)"
    print(f"{'AS words' if words else 'default':9s}  {name:28s} {f['f1']:7.4f} {f['precision']:7.4f} {f['recall']:7.4f} "
          f"{rate:17,.0f}  {note}")
PY
