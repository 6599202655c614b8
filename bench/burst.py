"""The typhoon-burst benchmark's feed server and its analysis.

serve PORT SOURCES ITEMS RATE APPEARFILE
    Serves /s{N}/p{K}: JSON Feed pages of source N, 50 items per page, newest first, `next_url` to older pages.
    Item i (0-based, interleaved across sources: item i belongs to source i % SOURCES) appears at t0 + i / RATE,
    t0 being the server's start; RATE 0 means every item is there from the start (a burst). A page only lists
    items that have appeared. Writes "external_id<TAB>appear_epoch" for every item to APPEARFILE when it starts.

    TEXTS (environment): a file of post texts, one per line; item i's text is line i mod count (with the item's
    serial number appended, as the built-in texts have). Without it every text is 12 of 16 disaster words in
    rotation (16 distinct texts: the worst case for near-duplicate banding).

emic-texts CSV OUT
    Writes the EMIC reports of CSV as a person would post them ("place description", one per line) to OUT.

report APPEARFILE ROWSFILE WALL
    ROWSFILE: "external_id<TAB>queued_epoch<TAB>xref_epoch" per stored post. Prints posts/s fetch → queued and the
    latency from a post's appearance to its place in the queue (p50, p99, max).
"""
import csv, json, os, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

PER_PAGE = 50
WORDS = "颱風 豪雨 淹水 土石流 坍方 停電 道路中斷 受困 撤離 救援 新北市 汐止區 那瑪夏區 台21線 花蓮縣 秀林鄉".split()


def serve(port, sources, items, rate, appear_file):
    texts = None
    if os.environ.get("TEXTS"):
        with open(os.environ["TEXTS"], encoding="utf-8") as f:
            texts = [line.rstrip("\n") for line in f if line.strip()]
    t0 = time.time()
    per_source = (items + sources - 1) // sources
    appear = lambda i: t0 if rate == 0 else t0 + i / rate
    with open(appear_file, "w") as f:
        for i in range(items):
            f.write(f"s{i % sources}-{i // sources}\t{appear(i):.6f}\n")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            parts = self.path.strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("s") or not parts[1].startswith("p"):
                body = b"not found"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            s, page = int(parts[0][1:]), int(parts[1][1:])
            now = time.time()
            # Items of source s that have appeared: k-th item of s is global item k * sources + s.
            visible = [k for k in range(per_source) if k * sources + s < items and appear(k * sources + s) <= now]
            visible.reverse()  # newest first
            chunk = visible[(page - 1) * PER_PAGE: page * PER_PAGE]
            feed_items = []
            for k in chunk:
                if texts:
                    text = texts[(k * sources + s) % len(texts)]
                else:
                    text = " ".join(WORDS[(k + j) % len(WORDS)] for j in range(12))
                feed_items.append({
                    "id": f"s{s}-{k}", "url": f"https://burst.example/s{s}/{k}", "title": f"第{s}站 第{k}則",
                    "content_text": f"{text} 編號 {s}-{k}",
                    "date_published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(appear(k * sources + s))),
                })
            feed = {"version": "https://jsonfeed.org/version/1.1", "title": f"s{s}", "items": feed_items}
            if len(visible) > page * PER_PAGE:
                feed["next_url"] = f"/s{s}/p{page + 1}"
            body = json.dumps(feed, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/feed+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"serving {items} items from {sources} sources on :{port}, rate {rate or 'burst'}", flush=True)
    server.serve_forever()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(appear_file, rows_file, wall):
    appear = {}
    for line in open(appear_file):
        k, v = line.rstrip("\n").split("\t")
        appear[k] = float(v)
    queued, checked = [], []
    n = 0
    for line in open(rows_file):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or parts[0] not in appear or not parts[1]:
            continue
        n += 1
        queued.append(float(parts[1]) - appear[parts[0]])
        if len(parts) > 2 and parts[2]:
            checked.append(float(parts[2]) - appear[parts[0]])
    wall = float(wall)
    print(f"posts {n} of {len(appear)} in {wall:.1f} s = {n / wall:.0f} posts/s fetch → queued (crawl+classify+xref)")
    if queued:
        print(f"appearance → queued: p50 {pct(queued, 50):.2f} s, p99 {pct(queued, 99):.2f} s, max {max(queued):.2f} s")
    if checked:
        print(f"appearance → cross-referenced: p50 {pct(checked, 50):.2f} s, p99 {pct(checked, 99):.2f} s, max {max(checked):.2f} s")


if __name__ == "__main__":
    if sys.argv[1] == "emic-texts":
        with open(sys.argv[2], encoding="utf-8") as f, open(sys.argv[3], "w", encoding="utf-8") as out:
            for row in csv.DictReader(f):
                desc = " ".join((row.get("CASE_DESCRIPTION") or "").split())
                if desc:
                    out.write(f"{row.get('CASE_LOC') or ''} {desc}".strip() + "\n")
    elif sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        report(sys.argv[2], sys.argv[3], sys.argv[4])
