#!/usr/bin/env python3
"""EMIC disaster reports re-posted as social posts, for the cross-reference recall benchmark.

Reads ../shared/data/emic/emic_cases_dev.csv and writes JSON lines {"id","text","published","case_id"}: the
citizen description plus the location as a person would write it (county shortened or dropped, 臺→台, the
township without its suffix, the street part of the address), and no structured fields. Deterministic (seeded).
usage: emic_posts.py EMIC_CSV N OUT.jsonl
"""
import csv, json, random, re, sys

src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(20261129)
rows = [r for r in csv.DictReader(open(src, encoding="utf-8-sig")) if r["CASE_DESCRIPTION"].strip() and r["CASE_ID"].strip()]
rng.shuffle(rows)
rows = rows[:n]

SHORT = {"臺北市": ["北市", "台北"], "新北市": ["新北"], "桃園市": ["桃園"], "臺中市": ["中市", "台中"],
         "臺南市": ["南市", "台南"], "高雄市": ["高市", "高雄"], "基隆市": ["基隆"], "新竹市": ["竹市"],
         "嘉義市": ["嘉市"], "新竹縣": ["竹縣", "新竹"], "苗栗縣": ["苗栗"], "彰化縣": ["彰化"], "南投縣": ["南投"],
         "雲林縣": ["雲林"], "嘉義縣": ["嘉縣"], "屏東縣": ["屏東"], "宜蘭縣": ["宜蘭"], "花蓮縣": ["花蓮"],
         "臺東縣": ["台東"], "澎湖縣": ["澎湖"], "金門縣": ["金門"], "連江縣": ["馬祖"]}

def time_of(s):
    m = re.match(r"(\d+)/(\d+)/(\d+)\s*(上午|下午)?\s*(\d+):(\d+)(?::(\d+))?", s.strip())
    y, mo, d, ampm, h, mi, se = m.groups()
    h = int(h)
    if ampm == "下午" and h < 12: h += 12
    if ampm == "上午" and h == 12: h = 0
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}T{h:02d}:{int(mi):02d}:{int(se or 0):02d}+08:00"

def as_written(county, town, loc):
    street = loc
    for prefix in (county + town, county, town):
        if prefix and street.startswith(prefix):
            street = street[len(prefix):]
            break
    c = rng.choice([county, county.replace("臺", "台")] + SHORT.get(county, []) + [""])
    t = town if rng.random() < 0.5 or len(town) <= 2 else town[:-1]
    return (c + t + street).strip()

with open(out, "w", encoding="utf-8") as f:
    for k, r in enumerate(rows):
        where = as_written(r["COUNTY_N"].strip(), r["TOWN_N"].strip(), r["CASE_LOC"].strip())
        desc = r["CASE_DESCRIPTION"].strip()
        form = rng.randrange(3)
        text = f"{where} {desc}" if form == 0 else (f"{desc}，地點：{where}" if form == 1 else f"{desc}（{where}）")
        f.write(json.dumps({"id": f"p{k}", "text": text, "published": time_of(r["CASE_DT"]), "case_id": r["CASE_ID"]},
                           ensure_ascii=False) + "\n")
