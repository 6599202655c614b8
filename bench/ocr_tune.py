#!/usr/bin/env python3
"""OCR tuning pictures (issue 19): N pictures (default 140) rendered from the FAR END of the shuffled text list that
bench/images.py uses (its benchmark reads the first 140 texts, its hashing run texts from 1000 on), in the same fonts,
sizes and layouts; each argument is one set of `sieve-bench ocr` options to compare, e.g.

    .venv-bench/bin/python bench/ocr_tune.py "" "--retry-below 85" "--retry-below 90" "--psm 3"

prints character accuracy (as bench/images.py scores it), seconds, accuracy by font and the confidence p10/p50.
Settings are chosen here; bench/images.py --ocr-only then measures them once on pictures no choice saw.
"""
import json, os, subprocess, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
os.chdir(ROOT)
import images as B
corpus = B.texts(19)
print("corpus", len(corpus), file=sys.stderr)
d = os.path.join(ROOT, ".data", "ocr-tune"); os.makedirs(d, exist_ok=True)
N = int(os.environ.get("N", "140"))
jobs, truth = [], {}
for i in range(N):
    k = len(corpus) - 1 - i      # the far end: no bench text (bench: 0..139 OCR, 1000+ hashing)
    text = corpus[k]
    kind = "notice" if i % 2 == 0 else "chat"
    f = B.FONTS[i % len(B.FONTS)]
    size = B.SIZES[(i // len(B.FONTS)) % len(B.SIZES)]
    out = os.path.join(d, "%04d-%s-%s-%d.png" % (i, kind, f, size))
    jobs.append({"kind": kind, "text": text, "font": f, "size": size, "out": out, "seed": 500000 + i})
    truth[out] = (B.render.notice_title(i) + text) if kind == "notice" else text
if not all(os.path.exists(j["out"]) for j in jobs):
    B.render_all(jobs)
files = [j["out"] for j in jobs]
listing = os.path.join(d, "list.txt")
open(listing, "w").write("\n".join(files) + "\n")
def score(read):
    edits = total = 0; per = {}
    for f in files:
        ref = B.fold(truth[f]); hyp = B.fold(read.get(f, ""))
        e = B.cer(ref, hyp) * len(ref)
        if "-chat-" in f and len(hyp) > len(ref):
            e = min(B.cer(ref, hyp[i:]) * len(ref) for i in range(0, len(hyp) - len(ref) + 1))
        edits += e; total += len(ref)
        for part in B.FONTS:
            if "-%s-" % part in f: key = part
        per.setdefault(key, [0, 0]); per[key][0] += e; per[key][1] += len(ref)
    return round(1 - edits / total, 4), {k: round(1 - v[0] / v[1], 3) for k, v in sorted(per.items())}
for extra in [a.split() for a in sys.argv[1:]]:
    lines = B.sieve_lines([os.path.join(ROOT, ".build", "release", "sieve-bench"), "ocr", "--list", listing, "--engines", "2"] + extra)
    by = {l["file"]: l.get("text", "") for l in lines[:-1]}
    confs = sorted(l.get("confidence", 0) for l in lines[:-1])
    acc, fonts = score(by)
    print(" ".join(extra) or "default", acc, "s=%.1f" % lines[-1]["seconds"], fonts, "conf p10/p50", confs[len(confs)//10], confs[len(confs)//2], flush=True)
