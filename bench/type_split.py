"""Writes the EMIC split files for the type-model protocol (BENCHMARKS.md, "type recipe protocol").
python3 bench/type_split.py EMIC_CSV OUTDIR

dev.csv / holdout.csv: a row is held out when FNV-1a-64(CASE_ID, UTF-8) mod 5 == 0 (about 20%). The held-out rows
were never used while choosing the recipe; Tests/ClassifierTests/TypeModelTests.swift draws the same split.
holdout_unseen.csv: held-out rows whose description (whitespace-trimmed) does not occur in dev.csv.
dedupe.csv: the whole file with one row per distinct description (the first; 其他災情 and unlabelled rows kept
as they are, sieve eval drops them), to show what exact duplicates across folds do to the 5-fold figures.
split_SEED_train.csv / split_SEED_test.csv (SEED 1..5): stratified random 80/20 splits of the labelled rows
(without 其他災情), for the spread of single-split figures. Only the three columns sieve eval needs are written.
Rows whose label occurs only once in the file (a mis-quoted row, a one-off label) are left out of every file, as
`sieve eval --folds` drops one-example classes: a class with no training example cannot be learnt."""
import csv, os, random, sys
from collections import Counter, defaultdict

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with open(src, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
label_counts = Counter(r["DISASTER_MAIN_TYPE"].strip() for r in rows)
rows = [r for r in rows if label_counts[r["DISASTER_MAIN_TYPE"].strip()] >= 2]
cols = ["CASE_ID", "CASE_DESCRIPTION", "DISASTER_MAIN_TYPE"]


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write(name, rs):
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rs:
            w.writerow([r[c] for c in cols])


held = [r for r in rows if fnv1a64(r["CASE_ID"]) % 5 == 0]
dev = [r for r in rows if fnv1a64(r["CASE_ID"]) % 5 != 0]
write("dev.csv", dev)
write("holdout.csv", held)
seen = {r["CASE_DESCRIPTION"].strip() for r in dev}
write("holdout_unseen.csv", [r for r in held if r["CASE_DESCRIPTION"].strip() not in seen])
first = set()
dedupe = []
for r in rows:
    t = r["CASE_DESCRIPTION"].strip()
    if t not in first:
        first.add(t)
        dedupe.append(r)
write("dedupe.csv", dedupe)
labelled = [r for r in rows if r["DISASTER_MAIN_TYPE"].strip() and r["DISASTER_MAIN_TYPE"].strip() != "其他災情"]
by = defaultdict(list)
for r in labelled:
    by[r["DISASTER_MAIN_TYPE"].strip()].append(r)
for seed in range(1, 6):
    rng = random.Random(seed)
    tr, te = [], []
    for label in sorted(by):
        rs = by[label][:]
        rng.shuffle(rs)
        n = round(len(rs) * 0.2)
        te += rs[:n]
        tr += rs[n:]
    write(f"split_{seed}_train.csv", tr)
    write(f"split_{seed}_test.csv", te)
print(f"{len(dev)} dev rows, {len(held)} held out ({len(held) - sum(1 for r in held if r['CASE_DESCRIPTION'].strip() in seen)} "
      f"with a description not in dev), {len(dedupe)} distinct descriptions", file=sys.stderr)
