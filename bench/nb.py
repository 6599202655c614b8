"""scikit-learn side of the classifier benchmark: load + vectorise + train + classify on a stratified 80/20 split
(seed 42), with the same settings as Sieve's task defaults (type: entropy-weighted MultinomialNB on binary char_wb
1–3-grams plus the Lexicons/type_cues.tsv cue groups, with per-class smoothing α_c = 0.3·(N_c / mean N)^0.1 and the
log prior × 0.6, as TrainingTask.type). python3 bench/nb.py TASK FILE TEXTCOL LABELCOL [EXCLUDE]"""
import csv, json, sys, time, unicodedata, re
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.metrics import accuracy_score, f1_score

task, path, text_col, label_col = sys.argv[1:5]
exclude = sys.argv[5] if len(sys.argv) > 5 else None
start = time.perf_counter()
delim = "\t" if path.endswith(".tsv") else ","
with open(path, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f, delimiter=delim))
texts, labels = [], []
for r in rows:
    label = (r.get(label_col) or "").strip()
    if not label or label == exclude:
        continue
    texts.append(r.get(text_col) or "")
    labels.append(label)
# Classes with a single example (a mis-quoted row, a one-off label) cannot be split; both tools drop them.
from collections import Counter
counts = Counter(labels)
keep = [i for i, l in enumerate(labels) if counts[l] >= 2]
texts = [texts[i] for i in keep]; labels = [labels[i] for i in keep]
digits = re.compile(r"[0-9]+")
cue_groups = None
if task == "type":
    prep = lambda t: digits.sub("#", unicodedata.normalize("NFKC", t).lower())
    vec = CountVectorizer(analyzer="char_wb", ngram_range=(1, 3), binary=True, lowercase=False, preprocessor=prep)
    model = MultinomialNB(alpha=0.3)
    # Type cue groups from Lexicons/type_cues.tsv: one regex per group, feature counted 3 times when it matches.
    groups = {}
    with open("Lexicons/type_cues.tsv", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                word, group = line.split("\t")[:2]
                groups.setdefault(group, []).append(re.escape(unicodedata.normalize("NFKC", word)))
    cue_groups = [re.compile("|".join(ws)) for _, ws in sorted(groups.items())]
elif task == "rumour":
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 4), binary=True, lowercase=False)
    model = MultinomialNB(alpha=0.3)
else:
    prep = lambda t: unicodedata.normalize("NFKC", t).lower()
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True, lowercase=False, preprocessor=prep)
    model = MultinomialNB(alpha=0.3)
xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=42, stratify=labels)


def vectorise(docs, fit):
    X = vec.fit_transform(docs) if fit else vec.transform(docs)
    if cue_groups is None:
        return X
    rows, cols = [], []
    for i, d in enumerate(docs):
        d = prep(d)
        for g, rx in enumerate(cue_groups):
            if rx.search(d):
                rows.append(i); cols.append(g)
    Q = sp.csr_matrix((np.full(len(rows), 3.0), (rows, cols)), shape=(len(docs), len(cue_groups)))
    return sp.hstack([X, Q]).tocsr()


model.fit(vectorise(xtr, True), ytr)
if cue_groups is not None:
    # Sieve's ClassBalance: α_c = 0.3·(N_c / mean N)^0.1 (N_c: the class's feature count), log prior × 0.6.
    fc = model.feature_count_
    totals = fc.sum(1, keepdims=True)
    a = 0.3 * (np.maximum(totals, 1) / max(totals.mean(), 1)) ** 0.1
    model.feature_log_prob_ = np.log(fc + a) - np.log(totals + a * fc.shape[1])
    model.class_log_prior_ = 0.6 * model.class_log_prior_
    # Entropy feature weights (Sieve's FeatureWeighting, power 1.5, smoothing 2) folded into the log-probabilities.
    rates = fc / model.class_count_[:, None] + 2 / len(ytr)
    p = rates / rates.sum(0, keepdims=True)
    u = np.clip(1 + (p * np.log(p)).sum(0) / np.log(len(model.classes_)), 0, None) ** 1.5
    model.feature_log_prob_ *= u[None, :]
pred = model.predict(vectorise(xte, False))
seconds = time.perf_counter() - start
print(json.dumps({"tool": "sklearn", "task": task, "train": len(xtr), "test": len(xte), "seconds": seconds,
                  "accuracy": accuracy_score(yte, pred), "macro_f1": f1_score(yte, pred, average="macro")}))
