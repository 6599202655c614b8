#!/usr/bin/env python3
"""Recall of `sieve xref --input` output against the EMIC cases the posts were made from.

recall_at_1 is strict (the top match is the post's own CASE_ID). EMIC holds many reports that are the same
text at the same address and minute (test entries, repeated calls); they cannot be told apart from the post, so
recall_at_1_dup also counts a top match that is such an identical report.
usage: xref_recall.py POSTS.jsonl XREF_OUT.jsonl [EMIC_CSV]"""
import collections, csv, json, sys
want = {}
for line in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(line); want[p["id"]] = p["case_id"]
same = collections.defaultdict(set)
group = {}
if len(sys.argv) > 3:
    for r in csv.DictReader(open(sys.argv[3], encoding="utf-8-sig")):
        k = (r["CASE_DESCRIPTION"].strip(), r["CASE_LOC"].strip(), r["CASE_DT"].strip())
        same[k].add(r["CASE_ID"]); group[r["CASE_ID"]] = k
n = at1 = at1d = at5 = corr = 0
for line in open(sys.argv[2], encoding="utf-8"):
    o = json.loads(line)
    if "error" in o: continue
    n += 1
    ids = [m["id"] for m in o["matches"]]
    w = want[o["id"]]
    at1 += bool(ids) and ids[0] == w
    at1d += bool(ids) and (ids[0] == w or (w in group and ids[0] in same[group[w]]))
    at5 += w in ids[:5]
    corr += o["verdict"] == "corroborated"
out = {"posts": n, "recall_at_1": round(at1 / n, 4), "recall_at_5": round(at5 / n, 4), "corroborated": round(corr / n, 4)}
if group: out["recall_at_1_dup"] = round(at1d / n, 4)
print(json.dumps(out))
