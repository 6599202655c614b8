#!/usr/bin/env bash
# The disaster-type figures of BENCHMARKS.md ("type recipe protocol"), all through `sieve eval` with the shipped
# recipe (TrainingTask.type defaults, Lexicons/type_cues.tsv):
#   dev 5-fold (seeds 1–5)   cross-validation inside the 80% development slice: what the recipe was chosen on
#   held-out                 train on the development slice, test on the 20% held out by CASE_ID hash (never tuned on)
#   held-out, unseen texts   the same, only held-out rows whose description does not occur in the development slice
#   full 5-fold (1–5, 42)    the issue's protocol on the whole file (includes the data the recipe was tuned on)
#   full 5-fold, deduped     the same on one row per distinct description
#   80/20 splits (1–5)       stratified random single splits of the whole file (include tuning data)
# Usage: bench/type_protocol.sh   (release build of sieve; DATA=../shared/data by default)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
SIEVE=${SIEVE:-.build/release/sieve}
CSV="$DATA/emic/emic_cases_dev.csv"
[ -f "$CSV" ] || { echo "type protocol skipped: $CSV is absent"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/type_split.py "$CSV" "$dir"
cols=(--task type --text-col CASE_DESCRIPTION --label-col DISASTER_MAIN_TYPE --exclude-label 其他災情 --json)
show() {  # name, then sieve eval arguments
  local name=$1
  shift
  "$SIEVE" eval "${cols[@]}" "$@" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
f1 = {c: s["f1"] for c, s in d["per_class"].items()}
acc, mf1, n = d["accuracy"], d["macro_f1"], d["examples"]
print(f"{sys.argv[1]:28s} accuracy {acc:.4f}  macro-F1 {mf1:.4f}  ({n} examples)")
if "-v" in sys.argv: print("    per-class F1: " + ", ".join(f"{c} {v:.2f}" for c, v in sorted(f1.items(), key=lambda x: -x[1])))
' "$name" ${VERBOSE:+-v}
}
for s in 1 2 3 4 5; do show "dev 5-fold seed $s" --data "$dir/dev.csv" --folds 5 --seed "$s"; done
VERBOSE=1 show "held-out" --train "$dir/dev.csv" --test "$dir/holdout.csv"
show "held-out, unseen texts" --train "$dir/dev.csv" --test "$dir/holdout_unseen.csv"
for s in 1 2 3 4 5 42; do show "full 5-fold seed $s" --data "$CSV" --folds 5 --seed "$s"; done
for s in 1 2 3 4 5 42; do show "full 5-fold deduped seed $s" --data "$dir/dedupe.csv" --folds 5 --seed "$s"; done
for s in 1 2 3 4 5; do show "80/20 split seed $s" --train "$dir/split_${s}_train.csv" --test "$dir/split_${s}_test.csv"; done
