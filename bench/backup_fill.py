"""Fills a Sieve database (already migrated) with N posts, each assessed and queued, like a typhoon night's store.
With --writer SECONDS it instead adds posts in small transactions for that long (a live writer during a backup)."""
import random, sqlite3, sys, time, json, datetime

path, n = sys.argv[1], int(sys.argv[2])
writer = float(sys.argv[4]) if len(sys.argv) > 3 and sys.argv[3] == "--writer" else None
db = sqlite3.connect(path, timeout=30)
db.execute("PRAGMA journal_mode=WAL")
db.execute("INSERT OR IGNORE INTO source (name, kind, url, interval) VALUES ('bench', 'rss', 'https://example.org/', 900)")
sid = db.execute("SELECT id FROM source WHERE name = 'bench'").fetchone()[0]
start = db.execute("SELECT COALESCE(MAX(id), 0) FROM post").fetchone()[0]
words = "颱風 豪雨 淹水 土石流 坍方 停電 受困 道路中斷 汐止 那瑪夏 台21線 新店 路樹倒塌 停班停課 網傳 請注意 消防局 救援".split()
rnd = random.Random(8)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000")

def rows(first, count):
    for i in range(first, first + count):
        text = " ".join(rnd.choice(words) for _ in range(40)) + f" #{i}"
        yield (sid, f"bench-{i}", f"https://example.org/p/{i}", text[:30], now, now, text, "queued")

def insert(first, count):
    db.executemany("INSERT INTO post (sourceId, externalID, url, title, publishedAt, fetchedAt, text, state) VALUES (?,?,?,?,?,?,?,?)", rows(first, count))
    db.execute("""INSERT INTO assessment (postId, disaster, rumour, types, places, reasons, model, priority, assessedAt)
                  SELECT id, 0.8, 0.1, '["flood"]', '[]', '[]', 'bench', 0.5, ? FROM post
                  WHERE id > (SELECT COALESCE(MAX(postId), 0) FROM assessment)""", (now,))
    db.commit()

if writer is None:
    for b in range(start, start + n, 10000):
        insert(b + 1, min(10000, start + n - b))
else:
    end = time.time() + writer
    i = start + 1
    while time.time() < end:
        insert(i, 20)
        i += 20
        time.sleep(0.01)
