"""scikit-learn side of the classifier benchmark: load + vectorise + train + classify on a stratified 80/20 split
(seed 42), with the same settings as Sieve's task defaults. python3 bench/nb.py TASK FILE TEXTCOL LABELCOL [EXCLUDE]"""
import csv, json, sys, time, unicodedata, re
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
if task == "type":
    prep = lambda t: digits.sub("#", unicodedata.normalize("NFKC", t).lower())
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True, lowercase=False, preprocessor=prep)
    model = ComplementNB(alpha=0.3, norm=True)
elif task == "rumour":
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 4), binary=True, lowercase=False)
    model = MultinomialNB(alpha=0.3)
else:
    prep = lambda t: unicodedata.normalize("NFKC", t).lower()
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True, lowercase=False, preprocessor=prep)
    model = MultinomialNB(alpha=0.3)
xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=42, stratify=labels)
Xtr = vec.fit_transform(xtr)
model.fit(Xtr, ytr)
pred = model.predict(vec.transform(xte))
seconds = time.perf_counter() - start
print(json.dumps({"tool": "sklearn", "task": task, "train": len(xtr), "test": len(xte), "seconds": seconds,
                  "accuracy": accuracy_score(yte, pred), "macro_f1": f1_score(yte, pred, average="macro")}))
