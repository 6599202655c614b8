"""Python mirror of the type recipe, for the research in BENCHMARKS.md ("type recipe protocol").
  python bench/type_research.py grid     5-fold grid on the development slice only (seeds 1–5): the recipe's choice
  python bench/type_research.py holdout  after the choice: held-out figures of three recipes, bootstrap intervals
Needs numpy, scipy and scikit-learn (e.g. /work/main/.venv-bench/bin/python). The held-out slice is the one of
bench/type_split.py and Trainer.holdout: FNV-1a-64(CASE_ID) mod 5 == 0."""
import collections, csv, itertools, re, subprocess, sys, unicodedata
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

DATA = "../shared/data/emic/emic_cases_dev.csv"
digits = re.compile(r"[0-9]+")


def prep(t):
    return digits.sub("#", re.sub(r"\s+", " ", unicodedata.normalize("NFKC", t).lower()).strip())


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def load():
    with open(DATA, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f)]
    rows = [r for r in rows if (l := r["DISASTER_MAIN_TYPE"].strip(" \t\r\n\u3000")) and l != "其他災情"]
    counts = collections.Counter(r["DISASTER_MAIN_TYPE"].strip() for r in rows)
    rows = [r for r in rows if counts[r["DISASTER_MAIN_TYPE"].strip()] >= 2]
    texts = [r["CASE_DESCRIPTION"] for r in rows]
    labels = np.array([r["DISASTER_MAIN_TYPE"].strip() for r in rows])
    held = np.array([fnv1a64(r["CASE_ID"]) % 5 == 0 for r in rows])
    return texts, labels, held


def cue_regexes(tsv):
    groups = {}
    for line in tsv.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            w, g = line.split("\t")[:2]
            groups.setdefault(g, []).append(re.escape(prep(w)))
    return [re.compile("|".join(ws)) for _, ws in sorted(groups.items())]


def vectorise(texts, cues, cue_weight=3.0):
    P = [prep(t) for t in texts]
    X = CountVectorizer(analyzer="char_wb", ngram_range=(1, 3), binary=True, lowercase=False).fit_transform(P)
    X = X.astype(np.float64)
    if cues:
        rows, cols = zip(*[(i, g) for i, d in enumerate(P) for g, rx in enumerate(cues) if rx.search(d)])
        Q = sp.csr_matrix((np.full(len(rows), cue_weight), (rows, cols)), shape=(len(P), len(cues)))
        X = sp.hstack([X, Q])
    return X.tocsr()


def fit_predict(X, y, tr, te, power=1.5, gamma=0.1, beta=0.6, alpha=0.3, smoothing=2.0):
    Xtr = X[tr]
    keep = np.asarray(Xtr.sum(0)).ravel() > 0  # features unseen in training are ignored, as in Sieve
    classes = np.unique(y[tr])
    Y = sp.csr_matrix((y[tr][:, None] == classes[None, :]).astype(np.float64))
    fc = np.asarray((Y.T @ Xtr[:, keep]).todense())
    cc = np.asarray(Y.sum(0)).ravel()
    V = fc.shape[1]
    totals = fc.sum(1, keepdims=True)
    a = alpha * (np.maximum(totals, 1) / max(totals.mean(), 1)) ** gamma
    W = np.log(fc + a) - np.log(totals + a * V)
    rates = fc / cc[:, None] + smoothing / len(tr)
    p = rates / rates.sum(0, keepdims=True)
    W *= np.clip(1 + (p * np.log(p)).sum(0) / np.log(len(classes)), 0, None) ** power
    scores = X[te][:, keep] @ W.T + beta * np.log(cc / cc.sum())
    return classes[np.asarray(scores).argmax(1)]


def grid(texts, labels, held):
    dev = np.where(~held)[0]
    T = [texts[i] for i in dev]
    y = labels[dev]
    cues = cue_regexes(open("Lexicons/type_cues.tsv", encoding="utf-8").read())
    results = []
    for cw in (2, 3, 4):
        X = vectorise(T, cues, cw)
        for power, gamma, beta, alpha in itertools.product((1.0, 1.5, 2.0), (0, 0.1, 0.2), (0.6, 0.8, 1.0), (0.3,)):
            f1s, accs = [], []
            for seed in range(1, 6):
                pred = np.empty(len(y), dtype=object)
                for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
                    pred[te] = fit_predict(X, y, tr, te, power, gamma, beta, alpha)
                f1s.append(f1_score(y, pred, average="macro"))
                accs.append(accuracy_score(y, pred))
            results.append((np.mean(f1s), np.mean(accs), min(f1s), cw, power, gamma, beta, alpha))
            print(f"cue weight {cw} power {power} γ {gamma} β {beta} α {alpha}: "
                  f"accuracy {np.mean(accs):.4f} macro-F1 {np.mean(f1s):.4f} (lowest {min(f1s):.4f})", flush=True)
    print("best:", max(results))


def holdout(texts, labels, held):
    tr, te = np.where(~held)[0], np.where(held)[0]
    old = subprocess.run(["git", "show", "0368bed:Lexicons/type_cues.tsv"], capture_output=True, text=True).stdout
    new = open("Lexicons/type_cues.tsv", encoding="utf-8").read()
    recipes = {
        "shipped (format 3)": (new, dict()),
        "format 2 with its old cue list": (old, dict(power=2, gamma=0, beta=1)),
        "format 2 settings without cues": (None, dict(power=2, gamma=0, beta=1)),
    }
    preds = {}
    for name, (cues, kw) in recipes.items():
        X = vectorise(texts, cue_regexes(cues) if cues else None)
        preds[name] = fit_predict(X, labels, tr, te, **kw)
        print(f"{name}: accuracy {accuracy_score(labels[te], preds[name]):.4f} "
              f"macro-F1 {f1_score(labels[te], preds[name], average='macro'):.4f}")
    rng = np.random.default_rng(0)
    yt = labels[te]
    boot = collections.defaultdict(list)
    for _ in range(1000):
        i = rng.integers(0, len(te), len(te))
        f = {n: f1_score(yt[i], p[i], average="macro") for n, p in preds.items()}
        boot["shipped"].append(f["shipped (format 3)"])
        for n in f:
            if n != "shipped (format 3)":
                boot["shipped − " + n].append(f["shipped (format 3)"] - f[n])
    for n, v in boot.items():
        lo, mid, hi = np.percentile(v, [2.5, 50, 97.5])
        extra = f", below 0.70 in {np.mean(np.array(v) < 0.70):.0%}" if n == "shipped" else ""
        print(f"bootstrap {n}: median {mid:.4f}, 95% {lo:.4f} to {hi:.4f}{extra}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "grid"
    {"grid": grid, "holdout": holdout}[what](*load())
