#!/usr/bin/env python3
"""Issue 19's image figures, side by side with the Python peers, in one run:

  OCR      character accuracy (1 - CER, NFKC, punctuation and spaces ignored) of Sieve's OCR (Tesseract through the
           C API: chi_tra, page mode 4, 2 engines) on Traditional Chinese
           notices and chat screenshots rendered in 7 fonts and 4 sizes, beside the tesseract command line with the
           same language and page mode (as most tools call it) on the same files, two at a time.
           The OCR settings were chosen on 28 other pictures made from the far end of the same text list.
  hashing  recall of the same picture re-shared (50% resize, JPEG quality 40, 10% crop, a screenshot frame) at
           each Hamming distance, and false matches against 10,000 unrelated pictures (each unrelated picture asked
           against every stored original), for Sieve's hashes and Python's imagehash (phash, dhash) on the same
           files; then Sieve's rule as the tipline applies it (64- and 256-bit DCT views + the pictures' OCR text).
           The rule's distances were chosen on a development run (--offset 0: 60 originals, 600 unrelated), whose
           texts and seeds this run (--offset 1000) does not use.

Texts: real Taiwanese text — EMIC citizen reports (../shared/data, dev file) and Cofacts headlines (Corpus/real,
test split); pictures rendered by scripts/images/render.py (nothing downloaded). Last line: one JSON object.

  bench/images.py [--work DIR] [--unrelated N] [--originals N] [--ocr N] [--sieve-bench PATH]
"""
import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "images"))
import render  # noqa: E402

FONTS = ["noto-sans", "noto-sans-bold", "noto-serif", "uming", "ukai", "wqy-zenhei", "wqy-microhei"]
SIZES = [18, 22, 28, 36]
OPS = ["resize50", "jpeg40", "crop10", "border"]


def texts(seed):
    """Real texts, 20-110 characters: EMIC citizen reports and Cofacts headlines (test split), shuffled."""
    out = []
    shared = os.environ.get("SIEVE_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
    emic = os.path.join(shared, "emic", "emic_cases_dev.csv")
    if os.path.exists(emic):
        with open(emic, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                t = " ".join(row["CASE_DESCRIPTION"].split())
                if 20 <= len(t) <= 110 and "[電話]" not in t:
                    out.append(t)
    with open(os.path.join(ROOT, "Corpus", "real", "rumour.tsv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            t = row["text"]
            if row["split"] == "test" and row["zh"] == "hant" and 20 <= len(t) <= 110:
                out.append(t)
    rng = random.Random(seed)
    rng.shuffle(out)
    return out


def job(j):
    render.run(j)
    return j["out"]


def render_all(jobs, workers=2):
    todo = [j for j in jobs if not os.path.exists(j["out"])]
    if todo:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(job, todo, chunksize=16))


def fold(s):
    """What OCR accuracy is measured on: NFKC, no white space, no punctuation."""
    s = unicodedata.normalize("NFKC", s)
    return "".join(c for c in s if not c.isspace() and not unicodedata.category(c).startswith("P") and unicodedata.category(c) != "So")


def cer(ref, hyp):
    """Levenshtein distance / len(ref)."""
    if not ref:
        return 0.0
    prev = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, b in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b))
        prev = cur
    return prev[-1] / len(ref)


def sieve_lines(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def ocr_bench(args, corpus):
    d = os.path.join(args.work, "ocr")
    os.makedirs(d, exist_ok=True)
    jobs, truth = [], {}
    for k in range(args.ocr):
        text = corpus[k]
        kind = "notice" if k % 2 == 0 else "chat"
        f = FONTS[k % len(FONTS)]
        size = SIZES[(k // len(FONTS)) % len(SIZES)]
        out = os.path.join(d, "%04d-%s-%s-%d.png" % (k, kind, f, size))
        jobs.append({"kind": kind, "text": text, "font": f, "size": size, "out": out, "seed": k})
        # Everything the picture shows is read: a notice's title too (a chat's clock and group name are cut below).
        truth[out] = (render.notice_title(k) + text) if kind == "notice" else text
    render_all(jobs)
    files = [j["out"] for j in jobs]
    listing = os.path.join(d, "list.txt")
    with open(listing, "w") as fh:
        fh.write("\n".join(files) + "\n")
    t0 = time.time()
    lines = sieve_lines([args.sieve_bench, "ocr", "--list", listing, "--engines", "2"])
    sieve_s = time.time() - t0
    summary = lines[-1]
    by_file = {l["file"]: l for l in lines[:-1]}

    def score(read):
        """Character accuracy: 1 - (total edits / total reference characters) over the message text. Chat
        screenshots also show a clock and a group name, which are not in the reference: only the message is
        compared (the best-matching window of the OCR text, by length)."""
        edits = total = 0
        per = {}
        for f in files:
            ref = fold(truth[f])
            hyp = fold(read.get(f, ""))
            e = cer(ref, hyp) * len(ref)
            if "-chat-" in f and len(hyp) > len(ref):
                # Drop the header the chat screenshot adds (time, group name): best suffix of the OCR text.
                e = min(cer(ref, hyp[i:]) * len(ref) for i in range(0, len(hyp) - len(ref) + 1))
            edits += e
            total += len(ref)
            key = f.split("-")[2] if "-bold" not in f else "noto-sans-bold"
            for part in FONTS:
                if "-%s-" % part in f:
                    key = part
            per.setdefault(key, [0, 0])
            per[key][0] += e
            per[key][1] += len(ref)
        return 1 - edits / total, {k: round(1 - v[0] / v[1], 4) for k, v in sorted(per.items())}

    sieve_acc, sieve_fonts = score({f: l.get("text", "") for f, l in by_file.items()})
    # The peer: the tesseract command (same engine and data), two at a time like Sieve's two engines.
    t0 = time.time()

    def cli(f):
        r = subprocess.run(["tesseract", f, "-", "-l", "chi_tra", "--psm", "4"], capture_output=True, text=True,
                           env=dict(os.environ, OMP_THREAD_LIMIT="1"))
        return f, r.stdout

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        cli_read = dict(pool.map(cli, files))
    cli_s = time.time() - t0
    cli_acc, cli_fonts = score(cli_read)
    by_size = {}
    for size in SIZES:
        sub = [f for f in files if f.endswith("-%d.png" % size)]
        e = t = 0
        for f in sub:
            ref = fold(truth[f])
            hyp = fold(by_file[f].get("text", ""))
            if "-chat-" in f and len(hyp) > len(ref):
                e += min(cer(ref, hyp[i:]) * len(ref) for i in range(0, len(hyp) - len(ref) + 1))
            else:
                e += cer(ref, hyp) * len(ref)
            t += len(ref)
        by_size[size] = round(1 - e / t, 4) if t else None
    ms = sorted(l["ms"] for l in lines[:-1] if "ms" in l)
    return {
        "pictures": len(files), "sieve_accuracy": round(sieve_acc, 4), "tesseract_cli_accuracy": round(cli_acc, 4),
        "sieve_by_font": sieve_fonts, "sieve_by_size": by_size, "sieve_s": round(sieve_s, 1), "tesseract_cli_s": round(cli_s, 1),
        "sieve_pictures_per_s": round(summary["per_s"], 2), "speed_ratio_sieve_over_cli": round(cli_s / sieve_s, 2),
        "sieve_ms_p50": round(ms[len(ms) // 2], 0), "sieve_ms_p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 0),
    }


def hashes_sieve(sieve_bench, files, work, views=False):
    listing = os.path.join(work, "hash-list-%d-%d.txt" % (len(files), views))
    with open(listing, "w") as fh:
        fh.write("\n".join(files) + "\n")
    t0 = time.time()
    lines = sieve_lines([sieve_bench, "image", "--list", listing] + (["--views"] if views else []))
    s = time.time() - t0
    return {l["file"]: l for l in lines if "dct64" in l}, s


def _peer(f):
    import imagehash
    from PIL import Image
    im = Image.open(f)
    return f, (int(str(imagehash.phash(im)), 16), int(str(imagehash.dhash(im)), 16))


def hashes_peer(files):
    t0 = time.time()
    with ProcessPoolExecutor(2) as pool:
        out = dict(pool.map(_peer, files, chunksize=64))
    return out, time.time() - t0


def bits(h):
    return int(h, 16) if isinstance(h, str) else h


def dist(a, b):
    return bin(bits(a) ^ bits(b)).count("1")


def pair_folded(t):
    c = fold(t)
    return set(c[i:i + 2] for i in range(len(c) - 1)) if len(c) >= 2 else set(c)


def same_text(a, b, minimum=8, overlap=0.3):
    """TipChecker.sameText: pictures that both carry text must share some of it (Dice of character pairs)."""
    if a is None or b is None or len(fold(a)) < minimum or len(fold(b)) < minimum:
        return True
    x, y = pair_folded(a), pair_folded(b)
    return 2 * len(x & y) / (len(x) + len(y)) >= overlap


def hash_bench(args, corpus):
    d = os.path.join(args.work, "hash")
    os.makedirs(d, exist_ok=True)
    n = args.originals
    orig, variants, unrelated = [], [], []
    jobs = []
    for k in range(n):
        out = os.path.join(d, "orig-%04d.png" % k)
        if k % 2 == 0:
            jobs.append({"kind": "photo", "seed": args.offset * 1000 + 10_000 + k, "out": out})
        else:
            jobs.append({"kind": ["notice", "chat"][k // 2 % 2], "text": corpus[args.offset + k], "font": FONTS[k % len(FONTS)],
                         "size": SIZES[k % len(SIZES)], "out": out, "seed": args.offset + k})
        orig.append(out)
    render_all(jobs)
    vjobs = []
    for k, o in enumerate(orig):
        for op in OPS:
            out = os.path.join(d, "var-%04d-%s.%s" % (k, op, "jpg" if op == "jpeg40" else "png"))
            vjobs.append({"op": op, "in": o, "out": out, "seed": k})
            variants.append((k, op, out))
    render_all(vjobs)
    ujobs = []
    base = args.offset + n
    for k in range(args.unrelated):
        out = os.path.join(d, "unrel-%05d.%s" % (k, "jpg" if k % 3 == 0 else "png"))
        if k % 2 == 0:
            ujobs.append({"kind": "photo", "seed": args.offset * 1000 + 50_000 + k, "out": out})
        else:
            ujobs.append({"kind": ["notice", "chat"][k // 2 % 2], "text": corpus[(base + k) % len(corpus)], "font": FONTS[k % len(FONTS)],
                          "size": SIZES[(k // 7) % len(SIZES)], "out": out, "seed": args.offset * 1000 + 90_000 + k})
        unrelated.append(out)
    render_all(ujobs)
    queries = [v[2] for v in variants] + unrelated
    stored, stored_s = hashes_sieve(args.sieve_bench, orig, args.work, views=True)
    sieve, sieve_s = hashes_sieve(args.sieve_bench, queries, args.work)
    peer, peer_s = hashes_peer(orig + queries)
    result = {"originals": n, "variants": len(variants), "unrelated": len(unrelated),
              "sieve_hash_s": round(sieve_s, 1), "imagehash_s": round(peer_s * len(queries) / (len(queries) + n), 1),
              "speed_ratio_sieve_over_imagehash": round(peer_s * len(queries) / (len(queries) + n) / sieve_s, 2),
              "sieve_views_s_per_stored_picture": round(stored_s / n, 4)}
    schemes = {
        # name: (stored hashes of original k, query hash of file f)
        "sieve_dct64_views": (lambda o: stored[o]["views64"], lambda f: sieve[f]["dct64"]),
        "sieve_dct256_views": (lambda o: stored[o]["views256"], lambda f: sieve[f]["dct256"]),
        "sieve_dct64": (lambda o: [stored[o]["dct64"]], lambda f: sieve[f]["dct64"]),
        "sieve_difference": (lambda o: [stored[o]["difference"]], lambda f: sieve[f]["difference"]),
        "imagehash_phash": (lambda o: [peer[o][0]], lambda f: peer[f][0]),
        "imagehash_dhash": (lambda o: [peer[o][1]], lambda f: peer[f][1]),
    }
    thresholds = {"sieve_dct256_views": range(0, 81, 8)}
    for name, (views, query) in schemes.items():
        sv = [[bits(h) for h in views(o)] for o in orig]
        rows = {}
        best_same = [min(dist(query(f), h) for h in sv[k]) for k, op, f in variants]
        nearest_unrelated = [min(min(dist(query(u), h) for h in hs) for hs in sv) for u in unrelated]
        for t in thresholds.get(name, range(0, 21, 2)):
            row = {}
            for op in OPS:
                row[op] = round(sum(1 for (k, o, f), b in zip(variants, best_same) if o == op and b <= t) / n, 4)
            row["all"] = round(sum(1 for b in best_same if b <= t) / len(variants), 4)
            row["unrelated_false_match"] = round(sum(1 for x in nearest_unrelated if x <= t) / len(unrelated), 4)
            rows[t] = row
        result[name] = rows
    # Sieve's rule (TipChecker): for one view of the stored picture, dct64 within `distance` and dct256 within
    # `distance256`; and pictures that both carry text share some of it.
    t, t256 = args.distance, args.distance256

    def close(f, o):
        # The query's pairs as PictureReading gives them: trimmed, and untrimmed when trimming took a frame off.
        pairs = [(sieve[f]["dct64"], sieve[f]["dct256"])]
        if "dct64_raw" in sieve[f]:
            pairs.append((sieve[f]["dct64_raw"], sieve[f]["dct256_raw"]))
        return any(dist(q64, a) <= t and dist(q256, b) <= t256
                   for q64, q256 in pairs for a, b in zip(stored[o]["views64"], stored[o]["views256"]))

    cand_same = [(k, op, f) for (k, op, f) in variants if close(f, orig[k])]
    cand_unrel = [(u, k) for u in unrelated for k in range(n) if close(u, orig[k])]
    need = sorted(set(orig) | {f for _, _, f in variants} | {u for u, _ in cand_unrel})
    listing = os.path.join(args.work, "ocr-for-hash.txt")
    with open(listing, "w") as fh:
        fh.write("\n".join(need) + "\n")
    read = {l["file"]: l.get("text", "") for l in sieve_lines([args.sieve_bench, "ocr", "--list", listing, "--engines", "2"])[:-1]}
    hit = {op: 0 for op in OPS}
    for k, op, f in cand_same:
        if same_text(read[orig[k]], read[f]):
            hit[op] += 1
    false_unrel = {u for u, k in cand_unrel if same_text(read[orig[k]], read[u])}
    result["sieve_rule"] = {"distance": t, "distance256": t256, **{op: round(hit[op] / n, 4) for op in OPS},
                            "all": round(sum(hit.values()) / len(variants), 4),
                            "unrelated_false_match": round(len(false_unrel) / len(unrelated), 4),
                            "hash_only_unrelated_false_match": round(len({u for u, _ in cand_unrel}) / len(unrelated), 4),
                            "pictures_read": len(need)}
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, ".data", "bench-images"))
    ap.add_argument("--unrelated", type=int, default=10_000)
    ap.add_argument("--originals", type=int, default=200)
    ap.add_argument("--ocr", type=int, default=140)
    ap.add_argument("--sieve-bench", default=os.path.join(ROOT, ".build", "release", "sieve-bench"))
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--ocr-only", action="store_true", help="the OCR half only (no picture matching)")
    ap.add_argument("--offset", type=int, default=1000,
                    help="where the hashing pictures start in the text list, and their seeds (the development run used 0)")
    ap.add_argument("--distance", type=int, default=10)
    ap.add_argument("--distance256", type=int, default=72)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    corpus = texts(19)
    out = {}
    if not args.skip_ocr:
        out["ocr"] = ocr_bench(args, corpus)
        print("ocr:", json.dumps(out["ocr"], ensure_ascii=False), flush=True)
        if args.ocr_only:
            return
    out["hash"] = hash_bench(args, corpus)
    for name, rows in out["hash"].items():
        if isinstance(rows, dict) and name != "sieve_rule":
            for t, row in rows.items():
                print("%-19s d<=%2s %s" % (name, t, json.dumps(row)), flush=True)
    print("sieve_rule", json.dumps(out["hash"]["sieve_rule"]), flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
