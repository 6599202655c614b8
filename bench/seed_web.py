#!/usr/bin/env python3
"""Seeds N assessed, queued posts into a Sieve database (schema already migrated by `sieve`), for bench/web.sh.

    seed_web.py DATABASE N
"""
import json
import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

db_path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(2026)
places = [
    ("新北市", "汐止區"), ("新北市", "烏來區"), ("高雄市", "那瑪夏區"), ("高雄市", "甲仙區"), ("花蓮縣", "秀林鄉"),
    ("宜蘭縣", "冬山鄉"), ("臺北市", "信義區"), ("臺中市", "和平區"), ("南投縣", "仁愛鄉"), ("屏東縣", "來義鄉"),
    ("臺東縣", "卑南鄉"), ("嘉義縣", "阿里山鄉"), ("桃園市", "復興區"), ("苗栗縣", "泰安鄉"), ("新竹縣", "尖石鄉"),
]
events = [
    ("flood", "淹水", "水已經淹到膝蓋，車子開不過去"), ("landslide", "坍方", "土石流衝下來，道路中斷"),
    ("power_outage", "停電", "整條街停電，台電說正在搶修"), ("trapped", "受困", "有長輩受困二樓，請求救援"),
    ("tree_down", "路樹倒塌", "路樹倒在路中間，機車過不去"), ("road_blocked", "道路中斷", "落石擋住整個車道"),
    ("water_outage", "停水", "自來水停了，請問哪裡有供水站"), ("building_damage", "建物損壞", "鐵皮屋頂被吹走了"),
]
roads = ["中正路", "中山路", "民生路", "康寧街", "台9線", "台21線", "台7甲線", "新寮路", "復興路", "光復路"]
tails = ["請大家注意安全", "已經打119了", "拜託幫忙轉發", "現場有警消", "請用路人改道", "目前雨還很大", "有人知道狀況嗎", ""]
sources = ["ptt-disaster", "mastodon-tw", "township-news", "village-board", "telegram-eoc", "dcard-trending"]

con = sqlite3.connect(db_path)
con.execute("PRAGMA journal_mode=WAL")
cur = con.cursor()
source_ids = []
for s in sources:
    cur.execute("INSERT OR IGNORE INTO source (name, kind, url, interval) VALUES (?, 'rss', ?, 900)", (s, f"https://{s}.example/"))
    source_ids.append(cur.execute("SELECT id FROM source WHERE name = ?", (s,)).fetchone()[0])
start = datetime(2026, 9, 14, 10, 0, tzinfo=timezone.utc)
fmt = lambda d: d.strftime("%Y-%m-%d %H:%M:%S.000")
posts, assessments = [], []
base_id = (cur.execute("SELECT COALESCE(MAX(id), 0) FROM post").fetchone()[0]) + 1
for i in range(n):
    county, town = rng.choice(places)
    code, word, detail = rng.choice(events)
    road = rng.choice(roads)
    text = f"{county}{town}{road}附近{word}，{detail}。{rng.choice(tails)}（回報 {i}）"
    published = start + timedelta(seconds=rng.randrange(0, 86400))
    pid = base_id + i
    posts.append((pid, rng.choice(source_ids), f"bench-{pid}", f"https://example.org/p/{pid}", None, f"user{rng.randrange(5000)}",
                   fmt(published), fmt(published + timedelta(minutes=3)), text, "queued"))
    disaster, rumour = round(rng.random(), 3), round(rng.random() * 0.5, 3)
    place_json = json.dumps([{"surface": town, "name": town, "level": "township", "county": county}], ensure_ascii=False)
    assessments.append((pid, disaster, rumour, json.dumps([code]), place_json, json.dumps([f"提到「{word}」"], ensure_ascii=False),
                        "bench", round(disaster - rumour + rng.random() * 0.2, 4), fmt(published)))
cur.executemany(
    "INSERT INTO post (id, sourceId, externalID, url, title, author, publishedAt, fetchedAt, text, state) VALUES (?,?,?,?,?,?,?,?,?,?)",
    posts)
cur.executemany(
    "INSERT INTO assessment (postId, disaster, rumour, types, places, reasons, model, priority, assessedAt) VALUES (?,?,?,?,?,?,?,?,?)",
    assessments)
con.commit()
print(f"seeded {n} queued posts into {db_path}")
