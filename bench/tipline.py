#!/usr/bin/env python3
"""The LINE tipline under load (issue 19): `sieve serve` with [tipline], a fake LINE Messaging API on loopback that
records when each reply arrives, and signed webhook calls sent at RATE tips/s for DURATION s.

Known rumours: KNOWN (2,000) Cofacts claims rated RUMOR (Corpus/real/rumour.tsv, train split) added with
`sieve rumours import`. Tips: half of them are those claims as people forward them (a prefix and a suffix added),
half are texts nothing matches (Cofacts test-split headlines and EMIC citizen reports when ../shared is there).
With --pictures F (default 0.1) that share of the tips are PICTURES instead: chat screenshots of known rumours in
four fonts and sizes (rendered by scripts/images/render.py, `make pyenv`), which the fake LINE serves from its
content API (`GET /v2/bot/message/{id}/content`) — each one downloaded, decoded, hashed and read with Tesseract by
the server, so OCR is inside the measured latency.
Latency: from sending a webhook call to its reply reaching the fake LINE (what a person waits). Prints p50/p99
(also for pictures alone), how many were answered and how many matched, and as its last line one JSON object.

Usage: bench/tipline.py [--rate 50] [--duration 30] [--known 2000] [--pictures 0.1]   (SIEVE=… a built sieve)
"""
import argparse, base64, csv, hashlib, hmac, http.server, json, os, random, shutil, socket, statistics, subprocess, sys
import tempfile, threading, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SECRET = "bench-channel-secret"
TOKEN = "bench-access-token"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def texts():
    rumours, others = [], []
    with open(os.path.join(ROOT, "Corpus", "real", "rumour.tsv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            t = " ".join(row["text"].split())
            if row["zh"] != "hant" or not (12 <= len(t) <= 120):
                continue
            if row["split"] == "train" and row["verdict"] == "RUMOR":
                rumours.append(t)
            elif row["split"] == "test":
                others.append(t)
    emic = os.path.join(os.environ.get("SIEVE_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data")), "emic", "emic_cases_dev.csv")
    if os.path.exists(emic):
        with open(emic, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                t = " ".join(row["CASE_DESCRIPTION"].split())
                if 12 <= len(t) <= 120 and "[電話]" not in t:
                    others.append(t)
    rng = random.Random(7)
    rumours = sorted(set(rumours))
    rng.shuffle(rumours)
    rng.shuffle(others)
    return rumours, others


REPLY_TOKEN_SECONDS = 60


class FakeLine(http.server.BaseHTTPRequestHandler):
    arrivals = {}
    pictures = {}
    issued = {}   # event id (= reply token) -> when its webhook was sent
    users = {}    # LINE user id -> event id (one user per event here), for pushes
    pushed = 0
    lock = threading.Lock()

    def do_GET(self):
        parts = self.path.split("/")  # /v2/bot/message/{id}/content
        body = FakeLine.pictures.get(parts[4]) if len(parts) == 6 and parts[5] == "content" else None
        ok = body is not None and self.headers.get("Authorization") == "Bearer " + TOKEN
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "image/png" if ok else "application/json")
        payload = body if ok else b'{"message":"Not found"}'
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, payload = 401, b'{"message":"Authentication failed"}'
        if self.headers.get("Authorization") == "Bearer " + TOKEN and self.path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            msg = json.loads(body)
            with FakeLine.lock:
                if self.path == "/v2/bot/message/reply":
                    event = msg["replyToken"]
                    # As LINE: a reply token is good for about a minute after the webhook.
                    if time.monotonic() - FakeLine.issued.get(event, 0) > REPLY_TOKEN_SECONDS:
                        status, payload, event = 400, b'{"message":"Invalid reply token"}', None
                else:
                    event = FakeLine.users.get(msg["to"])
                    FakeLine.pushed += 1
                if event is not None:
                    FakeLine.arrivals.setdefault(event, (time.monotonic(), msg["messages"][0]["text"]))
                    status, payload = 200, b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--known", type=int, default=2000)
    ap.add_argument("--pictures", type=float, default=0.1)
    args = ap.parse_args()
    sieve = os.environ.get("SIEVE", os.path.join(ROOT, ".build", "release", "sieve"))
    if not os.access(sieve, os.X_OK):
        sys.exit(f"build it first: swift build -c release --product sieve (or SIEVE=…); {sieve} is not there")
    rumours, others = texts()
    known = rumours[: args.known]
    work = tempfile.mkdtemp(prefix="sieve-tipline-")
    line = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeLine)
    threading.Thread(target=line.serve_forever, daemon=True).start()
    port = free_port()
    for name, value in (("secret", SECRET), ("token", TOKEN), ("salt", "bench-salt")):
        with open(os.path.join(work, name), "w") as fh:
            fh.write(value)
    config = os.path.join(work, "sieve.toml")
    with open(config, "w") as fh:
        fh.write(f'database = "{work}/sieve.sqlite"\n[server]\nport = {port}\nsecure_cookies = false\n')
        fh.write('[tipline]\nline_channel_secret_file = "secret"\nline_access_token_file = "token"\nsalt_file = "salt"\n')
        fh.write(f'line_api = "http://127.0.0.1:{line.server_address[1]}"\nline_data_api = "http://127.0.0.1:{line.server_address[1]}"\n')
        fh.write('allow_private = true\n')
    # Screenshots of known rumours (a pool the picture tips cycle through).
    shots = []
    if args.pictures > 0:
        python = os.path.join(ROOT, ".venv", "bin", "python")
        if not os.access(python, os.X_OK):
            sys.exit("--pictures needs .venv (make pyenv: Pillow) and the CJK fonts (make deps); or --pictures 0")
        jobs = os.path.join(work, "jobs.jsonl")
        styles = [("noto-sans", 28), ("noto-serif", 26), ("wqy-microhei", 30), ("noto-sans-bold", 24)]
        with open(jobs, "w", encoding="utf-8") as fh:
            for k in range(40):
                font, size = styles[k % len(styles)]
                out = os.path.join(work, f"shot{k}.png")
                fh.write(json.dumps({"kind": "chat", "text": known[k], "font": font, "size": size, "out": out, "seed": k}, ensure_ascii=False) + "\n")
                shots.append(out)
        subprocess.run([python, os.path.join(ROOT, "scripts", "images", "render.py"), "batch", jobs], check=True, stdout=subprocess.DEVNULL)
        for k, path in enumerate(shots):
            with open(path, "rb") as fh:
                FakeLine.pictures[f"pic{k}"] = fh.read()
    claims = os.path.join(work, "claims.tsv")
    with open(claims, "w", encoding="utf-8") as fh:
        fh.write("claim\tverdict\turl\n")
        for t in known:
            fh.write(f"{t}\tRUMOR\t\n")
    subprocess.run([sieve, "rumours", "import", claims, "--config", config], check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([sieve, "serve", "--config", config, "--no-scheduler"], stderr=open(os.path.join(work, "serve.log"), "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        rng = random.Random(11)
        total = int(args.rate * args.duration)
        plan = []
        every = round(1 / args.pictures) if args.pictures > 0 else 0
        for i in range(total):
            if every and i % every == every // 2:
                plan.append((f"tip{i}", f"pic{i % len(shots)}", True))
            elif i % 2 == 0:
                plan.append((f"tip{i}", "轉傳：" + rng.choice(known) + "，大家小心！", True))
            else:
                plan.append((f"tip{i}", others[i % len(others)], False))
        sent, status, lock = {}, {}, threading.Lock()

        def send(event_id, text):
            body = json.dumps({"destination": "Ubench", "events": [{
                "type": "message", "mode": "active", "timestamp": int(time.time() * 1000), "webhookEventId": event_id,
                "deliveryContext": {"isRedelivery": False}, "replyToken": event_id,
                "source": {"type": "user", "userId": "U" + hashlib.sha1(event_id.encode()).hexdigest()[:32]},
                "message": ({"id": text, "type": "image", "contentProvider": {"type": "line"}} if text.startswith("pic")
                            else {"id": "m" + event_id, "type": "text", "text": text})}]}, ensure_ascii=False).encode()
            sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
            req = urllib.request.Request(base + "/tipline/line", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "X-Line-Signature": sig})
            with lock:
                sent[event_id] = time.monotonic()
            with FakeLine.lock:
                FakeLine.issued[event_id] = sent[event_id]
                FakeLine.users["U" + hashlib.sha1(event_id.encode()).hexdigest()[:32]] = event_id
            try:
                code = urllib.request.urlopen(req, timeout=30).status
            except Exception as e:  # noqa: BLE001 - any failure is counted
                code = getattr(e, "code", 0)
            with lock:
                status[event_id] = code

        # Each second's tips leave at their scheduled moments whatever the server does (an open-loop load).
        threads, start = [], time.monotonic()
        for i, (event_id, text, _) in enumerate(plan):
            due = start + i / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=send, args=(event_id, text), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(60)
        # Answers follow the webhook's 200: wait until every tip is answered, or nothing arrived for 10 s.
        last, seen = time.monotonic(), -1
        while len(FakeLine.arrivals) < total and time.monotonic() - last < 10:
            if len(FakeLine.arrivals) != seen:
                seen, last = len(FakeLine.arrivals), time.monotonic()
            time.sleep(0.2)
        time.sleep(1)
        latencies, matched, rumours_answered, false_texts = [], 0, 0, []
        picture_latencies, pictures_recognised = [], 0
        for event_id, text, is_known in plan:
            got = FakeLine.arrivals.get(event_id)
            if got is None:
                continue
            latencies.append(got[0] - sent[event_id])
            if text.startswith("pic"):
                picture_latencies.append(got[0] - sent[event_id])
                pictures_recognised += 1 if "已查證的不實訊息" in got[1] else 0
            if "已查證的不實訊息" in got[1]:
                matched += 1
                rumours_answered += 1 if is_known else 0
                if not is_known:
                    false_texts.append((text, got[1]))
        answered = len(latencies)
        latencies.sort()
        p50 = statistics.median(latencies) if latencies else float("nan")
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")
        known_sent = sum(1 for _, _, k in plan if k)
        pictures_sent = sum(1 for _, t, _ in plan if t.startswith("pic"))
        picture_latencies.sort()
        pic_p50 = statistics.median(picture_latencies) if picture_latencies else float("nan")
        pic_p99 = picture_latencies[min(len(picture_latencies) - 1, int(0.99 * len(picture_latencies)))] if picture_latencies else float("nan")
        ok = sum(1 for c in status.values() if c == 200)
        print(f"{total} tips at {args.rate:g}/s for {args.duration:g} s, {len(known)} known rumours")
        print(f"webhook 200: {ok} of {total}; answered: {answered} ({FakeLine.pushed} pushed after the reply token's minute); reply latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000 if latencies else float('nan'):.0f} ms")
        print(f"forwarded known rumours recognised: {rumours_answered} of {known_sent}; unrelated texts called rumour: {matched - rumours_answered} of {total - known_sent}")
        if pictures_sent:
            print(f"pictures (screenshots of known rumours, OCR in the path): {pictures_sent} sent, {len(picture_latencies)} answered, "
                  f"{pictures_recognised} recognised; latency p50 {pic_p50 * 1000:.0f} ms, p99 {pic_p99 * 1000:.0f} ms")
        for text, answer in false_texts[:5]:
            print("  unrelated, answered as rumour:", text[:60], "→", answer.replace("\n", " | ")[:160])
        print(json.dumps({"tips": total, "rate": args.rate, "answered": answered, "p50_ms": round(p50 * 1000), "p99_ms": round(p99 * 1000),
                          "known_recognised": rumours_answered, "known_sent": known_sent, "false_rumour": matched - rumours_answered,
                          "pictures_sent": pictures_sent, "pictures_recognised": pictures_recognised, "pushed": FakeLine.pushed,
                          "picture_p50_ms": round(pic_p50 * 1000) if picture_latencies else None,
                          "picture_p99_ms": round(pic_p99 * 1000) if picture_latencies else None}))
    finally:
        server.terminate()
        server.wait(10)
        line.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
