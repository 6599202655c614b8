#!/usr/bin/env python3
"""Rebuild Sieve's real-data corpus from pinned public snapshots (issue 15).

    python3 scripts/corpus/build_real.py

Writes
  Corpus/real/          committed, redistributable (CC0 / CC BY-SA / public-domain texts)
  .data/eval/           local only, never committed (no licence, research-only or shared data)

Inputs: bare git mirrors under $SIEVE_MIRROR (default /work/.mirror), read at the commits
pinned in corpuslib.PINS, and ../shared/data/emic/emic_cases_dev.csv ($SIEVE_SHARED_DATA).
The output is deterministic: sampling is by SHA-1 of a salt and the row id, never random.
See Corpus/SOURCES.md for provenance, licences and the split rules.
"""
import argparse
import collections
import csv
import datetime
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ next to the scripts

from corpuslib import (  # noqa: E402
    PINS, STRICT, WEAK, Simplified, check_pins, cjk_count, clean, disaster_hits, hard_features, hkey, is_hard,
    ls_tree, cat_batch, norm_key, ok_length, show, short_hash, split_sentences, write_tsv,
)
import sources as S  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
REAL = os.path.join(ROOT, "Corpus", "real")
DATA = os.path.join(ROOT, ".data")
EVAL = os.path.join(DATA, "eval")
SHARED = os.environ.get("SIEVE_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))

# ---- split rules (documented in Corpus/SOURCES.md)
PRESIDENT_TRAIN_LAST = "2022-12-31"     # President items dated <= this go to training; >= 2023-01-01 to eval
RUMOUR_TEST_FROM = "2019-07-01"         # Cofacts rows dated (Taipei) >= this are split=test
EMIC_TEST_FROM = datetime.datetime(2026, 6, 1)  # EMIC CASE_DT (Taipei) >= this is held out

# ---- sample sizes (hard negatives are always kept in full; these are the other sentences)
NEG_EASY = {
    "president_gov_tw": 6000,
    "drcd_dev": 2500,
    "cofacts_reply": 3500,
    "cofacts_reply_link_title": 3500,
}
EVAL_TAINAN_NEG = 3000
EVAL_PRESIDENT_NEG = 1000
EVAL_TAINAN_OFFICIAL = 1500

NEG_COLS = ["label", "text", "source", "date", "id", "hard", "feats"]
OFFICIAL_COLS = ["label", "text", "source", "date", "id", "keywords", "strict"]
RUMOUR_COLS = ["label", "text", "source", "date", "id", "split", "verdict", "site_kind", "site", "zh",
               "disaster_kw", "dups"]
EMIC_COLS = ["label", "text", "source", "date", "id", "main_type", "sub_type", "county", "town", "channel", "drill"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ sentence classification

def classify(rec, sim):
    """'reject:<why>' | 'disaster' (strong keyword) | 'weak' (figurative only) | 'neg'."""
    if rec.get("reject"):
        return "reject:" + rec["reject"]
    if sim.heavy(rec["text"]):
        return "reject:simplified"
    hits, strong = disaster_hits(rec["text"])
    if strong:
        rec["keywords"] = " ".join(sorted(set(strong)))
        rec["strict"] = "1" if STRICT.search(WEAK.sub("□", rec["text"])) else "0"
        return "disaster"
    if hits:
        return "weak"
    f = hard_features(rec["text"])
    rec["feats"] = f
    rec["hard"] = "1" if is_hard(f) else "0"
    return "neg"


def sample_negatives(pool, n_easy, salt):
    """All hard negatives plus the n_easy easy ones with the smallest hash."""
    hard = [r for r in pool if r["hard"] == "1"]
    easy = sorted((r for r in pool if r["hard"] != "1"), key=lambda r: hkey(salt, r["id"]))[:n_easy]
    return hard + easy


def dedupe(rows, seen=None):
    """Keep the first row for each normalised text (rows must already be in a stable order)."""
    seen = set() if seen is None else seen
    out = []
    for r in rows:
        k = norm_key(r["text"])
        if not k or k in seen:
            continue
        seen.add(k)
        out.append(r)
    return out


def id_sort_key(r):
    # natural sort: numbers inside ids compare numerically
    return (r["source"], [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r["id"])])


# ------------------------------------------------------------------ government + wiki prose

def load_prose(sim, counts):
    """Sentence records for every prose source, classified."""
    out = {}
    for name, gen in [
        ("president", S.president_sentences()),
        ("tainan", S.tainan_press_sentences()),
        ("drcd_dev", S.drcd_sentences("DRCD_dev.json")),
    ]:
        recs = []
        for r in gen:
            r["cls"] = classify(r, sim)
            counts[(name, r["cls"])] += 1
            recs.append(r)
        out[name] = recs
        log(f"  {name}: {len(recs)} sentence pieces")
    return out


# ------------------------------------------------------------------ Cofacts

REPLY_NOISE = re.compile(
    r"詳見|請見|請參考|參考資料|資料來源|出處|原文|全文|延伸閱讀|相關報導|相關連結|連結|以下|如下|網址|點此|點我|截圖|圖片來源|影片來源|來源："
)


def load_cofacts(sim, counts):
    replies = S.cofacts_csv("cofacts_2019", "data/replies.csv.zip")
    art_rep = S.cofacts_csv("cofacts_2020", "data/article_replies.csv.zip")
    art_links = S.cofacts_csv("cofacts_2020", "data/article_hyperlinks.csv.zip")
    rep_links = S.cofacts_csv("cofacts_2020", "data/reply_hyperlinks.csv.zip")
    log(f"  cofacts: replies {len(replies)}, article_replies {len(art_rep)}, "
        f"article_hyperlinks {len(art_links)}, reply_hyperlinks {len(rep_links)}")

    # article verdict = majority replyType of its NORMAL replies (ties dropped);
    # article date = earliest NORMAL article_reply createdAt; reply date = earliest createdAt of any
    # article_reply using that reply.
    a_types = collections.defaultdict(collections.Counter)
    a_first = {}
    r_types = collections.defaultdict(collections.Counter)
    r_first = {}
    for r in art_rep:
        ts = r["createdAt"]
        if ts:
            if r["replyId"] not in r_first or ts < r_first[r["replyId"]]:
                r_first[r["replyId"]] = ts
        if r["status"] != "NORMAL":
            continue
        a_types[r["articleId"]][r["replyType"]] += 1
        r_types[r["replyId"]][r["replyType"]] += 1
        if ts and (r["articleId"] not in a_first or ts < a_first[r["articleId"]]):
            a_first[r["articleId"]] = ts

    def majority(cnt):
        if not cnt:
            return None
        top = cnt.most_common()
        if len(top) > 1 and top[0][1] == top[1][1]:
            return None
        return top[0][0]

    verdict_label = {"RUMOR": "rumour", "NOT_RUMOR": "credible", "OPINIONATED": "other", "NOT_ARTICLE": "other"}

    cands = []
    for h in art_links:
        aid = h["articleId"]
        v = majority(a_types.get(aid))
        if v is None:
            counts[("cofacts_article_link_title", "no_verdict_or_tie")] += 1
            continue
        if aid not in a_first:
            counts[("cofacts_article_link_title", "no_date")] += 1
            continue
        t = S.clean_title(h["title"])
        if not S.title_ok(t):
            counts[("cofacts_article_link_title", "junk_or_empty_title")] += 1
            continue
        host = S.host_of(h["url"])
        if host.endswith("cofacts.g0v.tw"):  # a Cofacts page: its title is another message's text
            counts[("cofacts_article_link_title", "cofacts_page_title_dropped")] += 1
            continue
        cands.append({"label": verdict_label[v], "text": t, "source": "cofacts_article_link_title",
                      "date": S.iso_to_taipei_date(a_first[aid]), "id": f"cofacts-article:{aid}:{short_hash(h['url'])}",
                      "verdict": v, "site": host, "site_kind": S.site_kind(host), "url": h["url"]})
    for h in rep_links:
        rid = h["replyId"]
        if rid not in r_first:
            counts[("cofacts_reply_link_title", "no_date")] += 1
            continue
        t = S.clean_title(h["title"])
        if not S.title_ok(t):
            counts[("cofacts_reply_link_title", "junk_or_empty_title")] += 1
            continue
        host = S.host_of(h["url"])
        if host.endswith("cofacts.g0v.tw"):
            counts[("cofacts_reply_link_title", "cofacts_page_title_dropped")] += 1
            continue
        kind = S.site_kind(host)
        if kind in ("social", "farm", "shortener", "unknown"):
            counts[("cofacts_reply_link_title", "dropped_site_" + kind)] += 1
            continue
        cands.append({"label": "credible", "text": t, "source": "cofacts_reply_link_title",
                      "date": S.iso_to_taipei_date(r_first[rid]), "id": f"cofacts-reply-link:{rid}:{short_hash(h['url'])}",
                      "verdict": majority(r_types.get(rid)) or "", "site": host, "site_kind": kind, "url": h["url"]})

    # Site names posing as titles: one title on >= 4 different pages of the same host.
    paths = collections.defaultdict(set)
    for c in cands:
        try:
            p = S.urlparse(c["url"].strip()).path
        except ValueError:
            p = c["url"]
        paths[(c["site"], norm_key(c["text"]))].add(p)
    kept = []
    for c in cands:
        if len(paths[(c["site"], norm_key(c["text"]))]) >= 4:
            counts[(c["source"], "site_name_title")] += 1
            continue
        kept.append(c)

    # Near-duplicates: one row per normalised title. Rumour/credible conflicts are dropped;
    # otherwise the majority label wins (rumour/credible over other on a tie) and the
    # earliest row (date, then id) represents the group, so its split is the earliest side.
    groups = collections.defaultdict(list)
    for c in kept:
        groups[norm_key(c["text"])].append(c)
    rows = []
    for k in sorted(groups):
        g = sorted(groups[k], key=lambda c: (c["date"], c["id"]))
        labs = collections.Counter(c["label"] for c in g)
        if labs["rumour"] and labs["credible"]:
            counts[("cofacts", "conflicting_label_groups_dropped")] += 1
            counts[("cofacts", "conflicting_label_rows_dropped")] += len(g)
            continue
        best = max(labs.items(), key=lambda kv: (kv[1], kv[0] != "other", kv[0]))[0]
        rep = next(c for c in g if c["label"] == best)
        rep = dict(rep)
        rep["date"] = g[0]["date"]
        rep["split"] = "train" if rep["date"] < RUMOUR_TEST_FROM else "test"
        rep["dups"] = str(len(g))
        rep["zh"] = "hans" if sim.heavy(rep["text"]) else "hant"
        hits, strong = disaster_hits(rep["text"])
        rep["disaster_kw"] = "1" if strong else "0"
        rows.append(rep)
        if len(g) > 1:
            counts[("cofacts", "duplicate_rows_merged")] += len(g) - 1
            sides = {("train" if c["date"] < RUMOUR_TEST_FROM else "test") for c in g}
            if len(sides) > 1:
                counts[("cofacts", "groups_spanning_split_kept_earliest")] += 1
    rows.sort(key=lambda r: (r["source"], r["date"], r["id"]))

    # Reply sentences (2019-01-22 snapshot; every reply is dated before RUMOUR_TEST_FROM).
    reply_sents = []
    for rp in replies:
        date = S.iso_to_taipei_date(rp["createdAt"])
        if not date or date >= RUMOUR_TEST_FROM:
            counts[("cofacts_reply", "not_train_period")] += 1
            continue
        for i, raw in enumerate(split_sentences(rp["text"])):
            text, why = S.prose_sentence(raw)
            if not why and REPLY_NOISE.search(text):
                why = "boilerplate"
            rec = {"source": "cofacts_reply", "id": f"cofacts-reply:{rp['id']}:{i}", "date": date,
                   "text": text, "reject": why, "verdict": rp["type"]}
            rec["cls"] = classify(rec, sim)
            counts[("cofacts_reply", rec["cls"])] += 1
            reply_sents.append(rec)
    return rows, reply_sents


# ------------------------------------------------------------------ EMIC and dprcflood

EMIC_DT = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2}) (上午|下午) (\d{1,2}):(\d{2}):(\d{2})")
COORD = re.compile(r"^-?\d+\.\d+,-?\d+\.\d+$")
# System tests and false alarms ("(誤報)test" alone is 9,429 rows of the dev file): not reports.
EMIC_TEST = re.compile(r"誤報|測試|test", re.I)
# Exercises: realistic report texts marked as drills; kept, flagged in column `drill`.
EMIC_DRILL = re.compile(r"演練|演習")


def emic_rows(counts):
    path = os.path.join(SHARED, "emic", "emic_cases_dev.csv")
    if not os.path.exists(path):
        log(f"  EMIC: {path} not found; skipping EMIC files")
        return None
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            m = EMIC_DT.match(r["CASE_DT"] or "")
            if not m:
                counts[("emic", "bad_date")] += 1
                continue
            y, mo, d, ap, h, mi, se = m.groups()
            hour = int(h) % 12 + (12 if ap == "下午" else 0)
            dt = datetime.datetime(int(y), int(mo), int(d), hour, int(mi), int(se))
            text = clean(r["CASE_DESCRIPTION"])
            if cjk_count(text) == 0:
                counts[("emic", "no_cjk_description")] += 1
                continue
            if EMIC_TEST.search(text):
                counts[("emic", "test_or_false_alarm_dropped")] += 1
                continue
            main, sub = r["DISASTER_MAIN_TYPE"].strip(), r["DISASTER_SUB_TYPE"].strip()
            if COORD.match(main):  # one row in the dev file has its columns shifted by one
                main, sub = sub, ""
                counts[("emic", "shifted_type_columns_repaired")] += 1
            out.append({"label": "disaster", "text": text, "source": "emic", "date": dt.strftime("%Y-%m-%d"),
                        "dt": dt, "id": r["CASE_ID"], "main_type": main, "sub_type": sub,
                        "county": r["COUNTY_N"], "town": r["TOWN_N"], "channel": r["CASE_TYPE"],
                        "drill": "1" if EMIC_DRILL.search(text) else "0"})
    out.sort(key=lambda r: (r["dt"], r["id"]))
    return out


def dprcflood_rows(counts):
    files = [x for x in ls_tree("dprcflood", "docs/json/case/") if x[1].endswith(".json")]
    recs = []
    for (sha, path), data in zip(files, cat_batch("dprcflood", [s for s, _ in files])):
        d = json.loads(data).get("NOTIFICATION_Data") or {}
        if d.get("IsTest"):
            counts[("dprcflood", "test_record")] += 1
            continue
        text = clean(d.get("Described") or d.get("SITUATION_NOTE") or "")
        if cjk_count(text) == 0:
            counts[("dprcflood", "no_text")] += 1
            continue
        if "感測值" in text:  # automatic water-level sensor readings, not reports
            counts[("dprcflood", "sensor_reading_dropped")] += 1
            continue
        m = re.search(r"(\d{10,})", d.get("DATE") or d.get("CREATE_DATE") or "")
        date = ""
        if m:
            date = datetime.datetime.fromtimestamp(int(m.group(1)) / 1000, S.TAIPEI).strftime("%Y-%m-%d")
        recs.append({"label": "disaster", "text": text, "source": "dprcflood_kaohsiung", "date": date,
                     "id": d.get("PK_ID") or path.rsplit("/", 1)[-1][:-5], "emis_type": d.get("EMISTYPE") or ""})
    groups = collections.defaultdict(list)
    for r in recs:
        groups[norm_key(r["text"])].append(r)
    out = []
    for k in sorted(groups):
        g = sorted(groups[k], key=lambda r: (r["date"], r["id"]))
        rep = dict(g[0])
        rep["dups"] = str(len(g))
        out.append(rep)
    counts[("dprcflood", "records")] = len(recs)
    out.sort(key=lambda r: (r["date"], r["id"]))
    return out


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-eval", action="store_true", help="only rebuild Corpus/real/")
    args = ap.parse_args()

    check_pins(PINS)
    sim = Simplified()
    counts = collections.Counter()

    log("reading government and Wikipedia prose ...")
    prose = load_prose(sim, counts)
    log("reading Cofacts ...")
    rumour_rows, reply_sents = load_cofacts(sim, counts)

    # ---------------- Corpus/real/disaster_negatives.tsv
    pres_train = [r for r in prose["president"] if r["date"] <= PRESIDENT_TRAIN_LAST]
    pres_eval = [r for r in prose["president"] if r["date"] > PRESIDENT_TRAIN_LAST]
    headline_pool = []
    for r in rumour_rows:
        if r["source"] != "cofacts_reply_link_title" or r["split"] != "train":
            continue
        rec = {"source": "cofacts_reply_link_title", "id": r["id"], "date": r["date"], "text": r["text"],
               "reject": None}
        rec["cls"] = classify(rec, sim)
        counts[("cofacts_reply_link_title(neg pool)", rec["cls"])] += 1
        headline_pool.append(rec)
    pools = {
        "president_gov_tw": [r for r in pres_train if r["cls"] == "neg"],
        "drcd_dev": [r for r in prose["drcd_dev"] if r["cls"] == "neg"],
        "cofacts_reply": [r for r in reply_sents if r["cls"] == "neg"],
        "cofacts_reply_link_title": [r for r in headline_pool if r["cls"] == "neg"],
    }
    negs = []
    # texts of rumour test rows never enter the committed negatives either
    seen = {norm_key(r["text"]) for r in rumour_rows if r["split"] == "test"}
    for src, pool in pools.items():
        pool = dedupe(sorted(pool, key=id_sort_key), seen)
        picked = sample_negatives(pool, NEG_EASY[src], "neg:" + src)
        counts[(src, "neg_pool_after_dedupe")] = len(pool)
        counts[(src, "neg_pool_hard")] = sum(r["hard"] == "1" for r in pool)
        for r in picked:
            r["label"] = "not_disaster"
            r["source"] = src
        negs.extend(picked)
    negs.sort(key=id_sort_key)

    # ---------------- Corpus/real/disaster_official_news.tsv
    official = dedupe(sorted([r for r in pres_train if r["cls"] == "disaster"], key=id_sort_key))
    for r in official:
        r["label"] = "official_disaster_news"

    train_keys = {norm_key(r["text"]) for r in negs} | {norm_key(r["text"]) for r in official} | \
                 {norm_key(r["text"]) for r in rumour_rows}

    os.makedirs(REAL, exist_ok=True)
    written = {}
    written["Corpus/real/disaster_negatives.tsv"] = (write_tsv(os.path.join(REAL, "disaster_negatives.tsv"), NEG_COLS, negs), negs)
    written["Corpus/real/disaster_official_news.tsv"] = (write_tsv(os.path.join(REAL, "disaster_official_news.tsv"), OFFICIAL_COLS, official), official)
    written["Corpus/real/rumour.tsv"] = (write_tsv(os.path.join(REAL, "rumour.tsv"), RUMOUR_COLS, rumour_rows), rumour_rows)

    if not args.no_eval:
        os.makedirs(EVAL, exist_ok=True)
        with open(os.path.join(DATA, ".gitignore"), "w") as f:
            f.write("# local-only rebuild output of scripts/corpus/build_real.py: never commit\n*\n")

        # news_not_disaster.tsv: held out by source (Tainan, UD_GSD) and by time (President >= 2023)
        def eval_pool(recs):
            return dedupe(sorted([r for r in recs if r["cls"] == "neg"], key=id_sort_key), set(train_keys))
        tainan_neg = sorted(eval_pool(prose["tainan"]), key=lambda r: hkey("eval:tainan", r["id"]))[:EVAL_TAINAN_NEG]
        pres_neg = sorted(eval_pool(pres_eval), key=lambda r: hkey("eval:president", r["id"]))[:EVAL_PRESIDENT_NEG]
        ud = []
        for fname, split in [("zh_gsd-ud-dev.conllu", "dev"), ("zh_gsd-ud-test.conllu", "test")]:
            for sid, text, forms in S.udgsd_sentences(fname):
                rec = {"source": "ud_gsd_" + split, "id": f"udgsd:{sid}", "date": "", "text": clean(text),
                       "reject": None if ok_length(clean(text)) else "length"}
                rec["cls"] = classify(rec, sim)
                counts[("ud_gsd_" + split, rec["cls"])] += 1
                ud.append(rec)
        ud_neg = eval_pool(ud)
        news_eval = []
        for r in tainan_neg + pres_neg + ud_neg:
            r["label"] = "not_disaster"
            news_eval.append(r)
        news_eval.sort(key=id_sort_key)
        written[".data/eval/news_not_disaster.tsv"] = (write_tsv(os.path.join(EVAL, "news_not_disaster.tsv"), NEG_COLS, news_eval), news_eval)

        # official_disaster_news.tsv (eval): the same kind of text as the committed file, held out
        off_eval = dedupe(sorted([r for r in pres_eval if r["cls"] == "disaster"], key=id_sort_key), set(train_keys))
        t_off = dedupe(sorted([r for r in prose["tainan"] if r["cls"] == "disaster"], key=id_sort_key), set(train_keys))
        off_eval += sorted(t_off, key=lambda r: hkey("eval:tainan-official", r["id"]))[:EVAL_TAINAN_OFFICIAL]
        for r in off_eval:
            r["label"] = "official_disaster_news"
        off_eval.sort(key=id_sort_key)
        written[".data/eval/official_disaster_news.tsv"] = (write_tsv(os.path.join(EVAL, "official_disaster_news.tsv"), OFFICIAL_COLS, off_eval), off_eval)

        # EMIC by time
        emic = emic_rows(counts)
        if emic is not None:
            train = [r for r in emic if r["dt"] < EMIC_TEST_FROM]
            test = [r for r in emic if r["dt"] >= EMIC_TEST_FROM]
            tkeys = {norm_key(r["text"]) for r in train}
            for r in test:
                r["text_in_train"] = "1" if norm_key(r["text"]) in tkeys else "0"
            written[".data/eval/emic_train.tsv"] = (write_tsv(os.path.join(EVAL, "emic_train.tsv"), EMIC_COLS, train), train)
            written[".data/eval/disaster_reports.tsv"] = (write_tsv(os.path.join(EVAL, "disaster_reports.tsv"), EMIC_COLS + ["text_in_train"], test), test)
            log(f"  EMIC: train {len(train)} ({train[0]['date']}..{train[-1]['date']}), "
                f"test {len(test)} ({test[0]['date']}..{test[-1]['date']})")

        flood = dprcflood_rows(counts)
        written[".data/eval/flood_reports_kaohsiung.tsv"] = (write_tsv(os.path.join(EVAL, "flood_reports_kaohsiung.tsv"),
                                                                       ["label", "text", "source", "date", "id", "emis_type", "dups"], flood), flood)

        rtest = [r for r in rumour_rows if r["split"] == "test" and r["label"] in ("rumour", "credible")]
        written[".data/eval/rumour_test.tsv"] = (write_tsv(os.path.join(EVAL, "rumour_test.tsv"), RUMOUR_COLS, rtest), rtest)

        # Segmentation: CityU final test (research-only licence) and UD_GSD dev (CC BY-SA 4.0)
        for src, dst in [("testing/cityu_test.utf8", "cityu_test.utf8"), ("gold/cityu_test_gold.utf8", "cityu_gold.utf8")]:
            text = show("icwb2", src).decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
            with open(os.path.join(EVAL, dst), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            counts[("icwb2", dst + " lines")] = text.count("\n")
        seg = []
        mism = 0
        for sid, text, forms in S.udgsd_sentences("zh_gsd-ud-dev.conllu"):
            if "".join(forms) != text.replace(" ", ""):
                mism += 1
            seg.append({"label": "segmented", "text": text, "source": "ud_gsd_dev", "date": "", "id": f"udgsd:{sid}",
                        "seg": " ".join(forms)})
        counts[("ud_gsd_dev", "seg_text_mismatch")] = mism
        written[".data/eval/udgsd_seg.tsv"] = (write_tsv(os.path.join(EVAL, "udgsd_seg.tsv"), ["label", "text", "source", "date", "id", "seg"], seg), seg)

    # ---------------- counts.tsv (committed) and the summary
    table = []
    for path, (n, rows) in written.items():
        c = collections.Counter((r.get("label", ""), r.get("source", ""), r.get("split", "")) for r in rows)
        for (lab, src, split), k in sorted(c.items()):
            table.append((path, lab, src, split, k))
    with open(os.path.join(REAL, "counts.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("file\tlabel\tsource\tsplit\trows\n")
        for row in table:
            if row[0].startswith("Corpus/"):
                f.write("\t".join(map(str, row)) + "\n")

    print("\n== files")
    print(f"{'file':48} {'rows':>7} {'bytes':>10}  sha256[:16]")
    for path, (n, rows) in written.items():
        full = os.path.join(ROOT, path)
        b = open(full, "rb").read()
        print(f"{path:48} {n:7d} {len(b):10d}  {hashlib.sha256(b).hexdigest()[:16]}")
    for extra in ["cityu_test.utf8", "cityu_gold.utf8"]:
        full = os.path.join(EVAL, extra)
        if os.path.exists(full):
            b = open(full, "rb").read()
            print(f"{'.data/eval/' + extra:48} {b.count(10):7d} {len(b):10d}  {hashlib.sha256(b).hexdigest()[:16]}")
    total = sum(os.path.getsize(os.path.join(REAL, f)) for f in os.listdir(REAL))
    print(f"Corpus/real total bytes: {total}")
    print("\n== rows per file / label / source / split")
    for row in table:
        print(f"{row[0]:44} {row[1]:24} {row[2]:28} {row[3]:6} {row[4]:7d}")
    print("\n== filter counts (source, outcome)")
    for (src, what), k in sorted(counts.items()):
        print(f"{src:40} {what:40} {k:8d}")


if __name__ == "__main__":
    main()
