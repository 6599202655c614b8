#!/usr/bin/env bash
# Classifier benchmarks: Sieve vs scikit-learn on the same data and split protocol (A B A B …), and Sieve's
# classification throughput on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
ROUNDS=${ROUNDS:-3}
PY=${PY:-.venv-bench/bin/python}
[ -d "$DATA/emic" ] || { echo "classifier benchmark skipped: $DATA is absent"; exit 0; }
out=$(mktemp)
run() {  # task file textcol labelcol [exclude]
  for ((r = 1; r <= ROUNDS; r++)); do
    .build/release/sieve-bench nb "$@" >> "$out"
    "$PY" bench/nb.py "$@" >> "$out"
  done
}
run type "$DATA/emic/emic_cases_dev.csv" CASE_DESCRIPTION DISASTER_MAIN_TYPE 其他災情
run rumour "$DATA/rumour/weibo_rumdect_dev.tsv" text label
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for task in ("type", "rumour"):
    med = {}
    for tool in ("sieve", "sklearn"):
        rs = [r for r in rows if r["task"] == task and r["tool"] == tool]
        med[tool] = statistics.median(r["seconds"] for r in rs)
        print(f"{task:7s} {tool:8s} median {med[tool]:.3f} s (load+vectorise+train+classify, {rs[0]['train']} train / "
              f"{rs[0]['test']} test), accuracy {statistics.median(r['accuracy'] for r in rs):.4f}, "
              f"macro-F1 {statistics.median(r['macro_f1'] for r in rs):.4f}")
    print(f"{task:7s} speed ratio sieve/sklearn = {med['sklearn'] / med['sieve']:.1f}x")
PY
echo "== classification throughput (one thread, full assessment = NB ×3 + lexicon rules + places/times/people)"
for ((r = 1; r <= ROUNDS; r++)); do
  .build/release/sieve-bench classify "$DATA/emic/emic_cases_dev.csv" CASE_DESCRIPTION
done
rm -f "$out"
