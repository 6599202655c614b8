"""Chinese word segmentation on the SIGHAN 2005 AS test set: F1 and speed of one tool, one JSON line.

    python3 bench/segment.py --tool jieba|rjieba [--words LIST] [--repeat N]
    python3 bench/segment.py --tool sieve --sieve .build/release/sieve [--words LIST]

jieba and rjieba segment each line in-process (chars/s excludes the import and dictionary load; their
dictionaries are loaded before the clock starts); `--words` adds each word of LIST with add_word.
For Sieve this runs `sieve tokenize` once over the whole file (wall time, startup included) and scores its
output; Sieve's in-process rate comes from `sieve-bench segment` (see bench/segment.sh).

`sieve tokenize` prints substrings of its input, scored directly; with `--normalize` (NFKC: full-width digits
and punctuation become ASCII, '…' becomes '...') its tokens are mapped back onto the raw characters before
scoring: a token boundary that falls inside one raw character's expansion is dropped. Score: F1 over [start, end) character spans, gold words
separated by U+3000.
"""
import argparse, json, os, subprocess, sys, time, unicodedata

DATA = os.environ.get("SIGHAN", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "sighan2005"))


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().replace("\r", "").split("\n")


def spans(words):
    out, p = set(), 0
    for w in words:
        out.add((p, p + len(w)))
        p += len(w)
    return out


def score(lines, gold, predicted):
    """predicted[i]: list of (start, end) spans over lines[i]."""
    tp = np_ = ng = 0
    for line, g, p in zip(lines, gold, predicted):
        if not line:
            continue
        gs = spans([w for w in g.split("\u3000") if w])
        ps = set(p)
        tp += len(ps & gs)
        np_ += len(ps)
        ng += len(gs)
    precision, recall = tp / np_, tp / ng
    return precision, recall, 2 * precision * recall / (precision + recall)


def word_spans(words):
    return sorted(spans(words))


def align_normalised(line, tokens):
    """Spans over the raw `line` for tokens of it or of its NFKC form (whitespace dropped); None when they do not fit."""
    if "".join(tokens) == "".join(ch for ch in line if not ch.isspace()):
        return word_spans(tokens)
    expansion = []  # per raw character: its normalised text without whitespace
    for ch in line:
        expansion.append("".join(c for c in unicodedata.normalize("NFKC", ch) if not c.isspace()))
    if "".join(expansion) != "".join(tokens):
        return None
    # Normalised offset → raw offset, at raw character boundaries only.
    boundary, q = {0: 0}, 0
    for i, e in enumerate(expansion):
        q += len(e)
        boundary[q] = i + 1
    out, start, q = [], 0, 0
    for t in tokens:
        q += len(t)
        if q in boundary and boundary[q] > start:
            out.append((start, boundary[q]))
            start = boundary[q]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, choices=["sieve", "jieba", "rjieba"])
    ap.add_argument("--words")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sieve", default=".build/release/sieve")
    a = ap.parse_args()
    lines = read_lines(os.path.join(DATA, "as_test.utf8"))
    gold = read_lines(os.path.join(DATA, "as_testing_gold.utf8"))
    n = min(len(lines), len(gold))
    lines, gold = lines[:n], gold[:n]
    chars = sum(len(l) for l in lines)
    words = None
    if a.words:
        with open(a.words, encoding="utf-8") as f:
            words = [w.split()[0] for w in f if w.strip()]
    result = {"tool": a.tool, "words": bool(words), "lines": n, "chars": chars}

    if a.tool == "sieve":
        cmd = [a.sieve, "tokenize"] + (["--words", a.words] if a.words else [])
        text = "\n".join(lines) + "\n"
        t0 = time.perf_counter()
        out = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout.decode()
        wall = time.perf_counter() - t0
        rows = out.split("\n")
        predicted, misaligned = [], 0
        for i, line in enumerate(lines):
            toks = rows[i].split(" ") if i < len(rows) and rows[i] else []
            s = align_normalised(line, toks)
            if s is None:
                misaligned += 1
                s = [(0, len(line))] if line else []
            predicted.append(s)
        result.update(wall_s=wall, misaligned=misaligned, cli_chars_per_s=chars / wall)
    else:
        t0 = time.perf_counter()
        if a.tool == "jieba":
            import jieba
            jieba.setLogLevel(60)
            jieba.initialize()
            add, cut = jieba.add_word, lambda s: jieba.lcut(s)
        else:
            import rjieba
            add, cut = (lambda w: rjieba.add_word(w, None, None)), lambda s: rjieba.cut(s)
            cut("預熱")  # rjieba loads its dictionary on first use
        for w in words or []:
            add(w)
        startup = time.perf_counter() - t0
        runs, predicted = [], None
        for r in range(a.repeat):
            t0 = time.perf_counter()
            segs = [cut(l) if l else [] for l in lines]
            runs.append(time.perf_counter() - t0)
            if predicted is None:
                predicted = [word_spans(s) for s in segs]
        runs.sort()
        result.update(startup_s=startup, seconds=runs[len(runs) // 2], chars_per_s=chars / runs[len(runs) // 2])
    p, r, f = score(lines, gold, predicted)
    result.update(precision=p, recall=r, f1=f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
