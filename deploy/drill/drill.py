#!/usr/bin/env python3
"""Helpers for deploy/drill-failover.sh (standard library only).

  webhook PORT LOG                      a channel endpoint: records every delivery (idempotency key, post id, time)
  moderate BASE TOKEN EVENTS SECONDS [RATE]   a moderator working the queue through the JSON API
                                        (approve/reject; at most RATE decisions/s), one JSON line per attempt
  load BASE TOKEN RATE SECONDS EVENTS   RATE requests/s (paced) of GET /api/v1/queue/summary, one line per failure
  report EVENTS DECIDED WEBHOOK KILLED_AT …          the failover drill's figures as one JSON object
  restore-report EVENTS DECIDED BACKUPS LOST_AT SERVING_AT RESTORE_S   the restore drill's figures
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def webhook(port, log):
    lock = threading.Lock()
    out = open(log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body)
                post = payload.get("item", {}).get("id")
                event = payload.get("event")
            except ValueError:
                post, event = None, None
            key = self.headers.get("X-Sieve-Idempotency-Key")
            with lock:
                out.write(json.dumps({"t": time.time(), "key": key, "post": post, "event": event}) + "\n")
            answer = json.dumps({"id": key}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    print("serving", flush=True)
    server.serve_forever()


def request(method, url, token, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # connection refused/reset, timeout: the request failed
        return "error:" + type(e).__name__, b""


def moderate(base, token, events, seconds, rate="0"):
    """Decides queued items until SECONDS pass. Every attempt is logged with its outcome; an item whose attempt
    failed is tried again later (a moderator clicks again), so an acknowledged decision is one that got a 2xx."""
    out = open(events, "a", buffering=1)
    end = time.time() + float(seconds)
    acked, tried = set(), {}
    n = 0
    while time.time() < end:
        status, body = request("GET", base + "/api/v1/queue", token)
        if status != 200:
            out.write(json.dumps({"t": time.time(), "op": "list", "status": status}) + "\n")
            time.sleep(0.2)
            continue
        items = [i["id"] for i in json.loads(body).get("items", []) if i["id"] not in acked]
        if not items:
            time.sleep(0.5)
            continue
        for pid in items[:10]:
            if time.time() >= end:
                break
            n += 1
            decision = tried.get(pid) or ("approve" if pid % 3 else "reject")
            tried[pid] = decision
            body = {"decision": decision, "note": "drill"}
            if decision == "reject":
                body["reason"] = "not_disaster"
            t0 = time.time()
            status, answer = request("POST", "%s/api/v1/items/%d/decision" % (base, pid), token, body)
            record = {"t": t0, "ms": round((time.time() - t0) * 1000, 1), "op": "decide", "id": pid,
                      "decision": decision, "status": status}
            if status == 409:
                record["answer"] = answer.decode("utf-8", "replace")[:200]
            out.write(json.dumps(record) + "\n")
            if float(rate) > 0:
                time.sleep(1 / float(rate))
            if status == 200:
                acked.add(pid)
            elif status == 409:
                acked.add(pid)  # decided already (an earlier attempt that failed on the way back); not re-sent
            else:
                time.sleep(0.1)


def load(base, token, rate, seconds, events):
    out = open(events, "a", buffering=1)
    lock = threading.Lock()
    rate, seconds = float(rate), float(seconds)
    start = time.time()
    counts = {"ok": 0, "failed": 0}

    def one(at):
        status, _ = request("GET", base + "/api/v1/queue/summary", token, timeout=5)
        with lock:
            if status == 200:
                counts["ok"] += 1
            else:
                counts["failed"] += 1
                out.write(json.dumps({"t": at, "op": "load", "status": status}) + "\n")

    threads = []
    i = 0
    while True:
        at = start + i / rate
        if at - start >= seconds:
            break
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=one, args=(at,))
        t.start()
        threads.append(t)
        i += 1
    for t in threads:
        t.join()
    out.write(json.dumps({"op": "load-summary", "ok": counts["ok"], "failed": counts["failed"], "rate": rate,
                          "seconds": seconds}) + "\n")
    print(json.dumps(counts), flush=True)


# The state a decision leaves its post in.
WANT = {"approve": "approved", "reject": "rejected"}


def decided_states(path):
    """What the database holds after a drill (`id<TAB>state` lines from psql): post id → state."""
    states = {}
    for line in open(path):
        if line.strip():
            pid, state = line.strip().split("\t")[:2]
            states[int(pid)] = state
    return states


def report(events, decided, webhook_log, killed_at, pg_failover, rejoined, outbox_left, *loads):
    killed_at = float(killed_at)
    attempts = [json.loads(l) for l in open(events) if l.strip()]
    decides = [a for a in attempts if a.get("op") == "decide"]
    acked = {a["id"]: a["decision"] for a in decides if a["status"] == 200}
    states = decided_states(decided)
    lost = sorted(pid for pid, d in acked.items() if states.get(pid) != WANT[d])
    failed = [a for a in attempts if a.get("op") in ("decide", "list") and a["status"] not in (200, 409)]
    after = [a for a in decides if a["t"] >= killed_at and a["status"] == 200]
    rto = round(min(a["t"] for a in after) - killed_at, 2) if after else None
    deliveries = [json.loads(l) for l in open(webhook_log) if l.strip()]
    by_key, by_post = {}, {}
    for d in deliveries:
        by_key[d["key"]] = by_key.get(d["key"], 0) + 1
        if d.get("event") == "published":
            by_post[d["post"]] = by_post.get(d["post"], 0) + 1
    resent = sum(c - 1 for c in by_key.values() if c > 1)
    duplicate_posts = sum(c - 1 for c in by_post.values() if c > 1)
    rolling_failed = 0
    rolling_ok = 0
    for path in loads:
        for l in open(path):
            r = json.loads(l)
            if r.get("op") == "load-summary":
                rolling_failed += r["failed"]
                rolling_ok += r["ok"]
    approved = sum(1 for d in acked.values() if d == "approve")
    published = sum(1 for p in by_post if acked.get(p) == "approve")
    print(json.dumps({
        "decisions_acknowledged": len(acked), "decision_attempts": len(decides),
        "acknowledged_lost_ids": lost[:20], "approved": approved, "approved_published": published,
        "deliveries": len(deliveries), "deliveries_resent_same_key": resent,
        "rolling_restart_requests": rolling_ok + rolling_failed, "rolling_restart_failed_requests": rolling_failed,
        "outbox_left": int(outbox_left), "old_primary_rejoined_s": None if rejoined == "null" else float(rejoined),
    }))
    print(json.dumps({
        "rto_s": rto, "acknowledged_lost": len(lost), "failed_requests": len(failed),
        "duplicate_publications": duplicate_posts, "rolling_restart_failed_requests": rolling_failed,
        "pg_failover_s": float(pg_failover),
    }))


def restore_report(events, decided, backups, lost_at, serving_at, restore_s):
    lost_at, serving_at = float(lost_at), float(serving_at)
    decides = [json.loads(l) for l in open(events) if l.strip()]
    acked = {a["id"]: (a["decision"], a["t"]) for a in decides if a.get("op") == "decide" and a["status"] == 200}
    taken = [tuple(map(float, l.split("\t"))) for l in open(backups) if l.strip()]
    newest = max(t for t, _ in taken)
    states = decided_states(decided)
    lost = [pid for pid, (d, t) in acked.items() if states.get(pid) != WANT[d]]
    lost_before = [pid for pid in lost if acked[pid][1] + 1 < newest]  # a second's margin: a request's own time
    print(json.dumps({"decisions_acknowledged": len(acked), "backups": len(taken),
                      "acknowledged_after_newest_backup": sum(1 for d, t in acked.values() if t >= newest)}))
    print(json.dumps({
        "rpo_s": round(lost_at - newest, 2), "rto_s": round(serving_at - lost_at, 2),
        "acknowledged_lost": len(lost), "acknowledged_lost_before_backup": len(lost_before),
        "backup_s": round(max(d for _, d in taken), 2), "restore_s": float(restore_s),
    }))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"webhook": webhook, "moderate": moderate, "load": load, "report": report, "restore-report": restore_report}[cmd](*args)
