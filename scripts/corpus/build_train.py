#!/usr/bin/env python3
"""Assemble the training sets of the shipped models (issue 15) into .data/train/ (local, never committed).

    python3 scripts/corpus/build_train.py     # then `make models` trains Models/*.nbm from them

Inputs, all real text except the project's own supplement:
  Corpus/real/            committed real-data corpus (scripts/corpus/build_real.py; Corpus/SOURCES.md)
  ../shared/data/emic/emic_cases_dev.csv   EMIC reports, only rows before the time cut (2026-06-01, as build_real)
  Corpus/train/           the 1,146 sentences the project wrote (a supplement, not the basis)

Outputs (TSV: text, label, source):
  disaster.tsv   disaster = EMIC reports before the cut + the written reports;
                 other    = real non-disaster text (Corpus/real/disaster_negatives.tsv: Presidential Office ≤ 2022,
                            Cofacts replies and reply link titles, DRCD dev), official-news sentences that only
                            brush disaster words (strict = 0), Cofacts training titles without a disaster word,
                            and the written non-reports.
  rumour.tsv     rumour   = Cofacts training titles judged RUMOR + the written rumours;
                 credible = Cofacts training titles judged credible, a slice of the real non-disaster text and of the
                            EMIC training reports (so ordinary news and first-hand reports read as credible), and the
                            written credible posts.
  type.tsv       EMIC main type of the reports before the cut, duplicates kept (其他災情 and blank left out).
Nothing here reads the held-out sets (.data/eval), the SIGHAN CityU set or the READr court rulings. Sampling is by
SHA-1 of (salt, id): deterministic.
"""
import csv
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import build_real as B  # noqa: E402
from corpuslib import norm_key  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, ".data", "train")
csv.field_size_limit(1 << 30)

# How many copies of one normalised EMIC description the disaster and rumour sets keep (路樹倒塌 occurs hundreds of
# times; one class should not be mostly a few stock phrases).
EMIC_MAX_DUPLICATES = 3
RUMOUR_CREDIBLE_NEWS = 4000
RUMOUR_CREDIBLE_EMIC = 3000


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def hkey(salt, key):
    return hashlib.sha1(f"{salt}:{key}".encode()).hexdigest()


def sample(rows, n, salt):
    return sorted(rows, key=lambda r: hkey(salt, r["id"]))[:n]


def write(name, rows):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("text\tlabel\tsource\n")
        for r in rows:
            text = " ".join(r["text"].split())
            if text:
                f.write(f"{text}\t{r['label']}\t{r['source']}\n")
    counts = {}
    for r in rows:
        counts[(r["label"], r["source"])] = counts.get((r["label"], r["source"]), 0) + 1
    print(f"{path}: {len(rows)} rows")
    for (label, source), n in sorted(counts.items()):
        print(f"    {label:10s} {source:28s} {n:6d}")


def written(task):
    """The project's own sentences (Corpus/train), labelled as they are."""
    return [{"text": r["text"], "label": r["label"], "source": "sieve_written", "id": f"w:{i}"}
            for i, r in enumerate(read_tsv(os.path.join(ROOT, "Corpus", "train", f"{task}.tsv")))]


def main():
    counts = {}
    import collections
    emic = B.emic_rows(collections.Counter())
    if emic is None:
        sys.exit("build_train: ../shared/data/emic/emic_cases_dev.csv is needed for the EMIC reports (set SIEVE_SHARED_DATA)")
    emic = [r for r in emic if r["dt"] < B.EMIC_TEST_FROM and r["drill"] == "0"]
    seen = collections.Counter()
    emic_kept = []
    for r in emic:
        k = norm_key(r["text"])
        seen[k] += 1
        if seen[k] <= EMIC_MAX_DUPLICATES:
            emic_kept.append(r)

    real = os.path.join(ROOT, "Corpus", "real")
    negatives = read_tsv(os.path.join(real, "disaster_negatives.tsv"))
    official = read_tsv(os.path.join(real, "disaster_official_news.tsv"))
    rumour = [r for r in read_tsv(os.path.join(real, "rumour.tsv")) if r["split"] == "train"]

    # disaster
    rows = [dict(r, label="disaster", source="emic") for r in emic_kept]
    rows += [dict(r, label="other") for r in negatives]
    rows += [dict(r, label="other") for r in official if r["strict"] == "0"]
    rows += [dict(r, label="other") for r in rumour if r["disaster_kw"] == "0"]
    rows += written("disaster")
    write("disaster.tsv", rows)

    # rumour
    rows = [dict(r, label="rumour") for r in rumour if r["label"] == "rumour"]
    rows += [dict(r, label="credible") for r in rumour if r["label"] == "credible"]
    rows += [dict(r, label="credible") for r in sample(negatives, RUMOUR_CREDIBLE_NEWS, "rumour-credible-news")]
    rows += [dict(r, label="credible", source="emic") for r in sample(emic_kept, RUMOUR_CREDIBLE_EMIC, "rumour-credible-emic")]
    rows += written("rumour")
    write("rumour.tsv", rows)

    # type: every report (a frequent description is a frequent case; the type recipe was chosen on all rows)
    rows = [dict(r, label=r["main_type"], source="emic") for r in emic if r["main_type"] not in ("", "其他災情")]
    write("type.tsv", rows)


if __name__ == "__main__":
    main()
