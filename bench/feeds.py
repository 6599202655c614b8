"""feedparser over the same feed files as `sieve-bench feeds`: python3 bench/feeds.py DIR... --repeat N"""
import json, os, sys, time
import feedparser

args = sys.argv[1:]
repeat = 20
if "--repeat" in args:
    i = args.index("--repeat"); repeat = int(args[i + 1]); args = args[:i] + args[i + 2:]
files = []
for d in args:
    for name in sorted(os.listdir(d)):
        if name.endswith(".xml"):
            with open(os.path.join(d, name), "rb") as f:
                files.append((name, f.read()))
entries = errors = 0
start = time.perf_counter()
for _ in range(repeat):
    for name, data in files:
        r = feedparser.parse(data, response_headers={"content-location": "http://example.com/" + name,
                                                     "content-type": "application/xml"})
        entries += len(r.entries)
        errors += 1 if r.bozo else 0
seconds = time.perf_counter() - start
parsed = len(files) * repeat
print(json.dumps({"tool": "feedparser", "files": len(files), "parses": parsed, "entries": entries, "errors": errors,
                  "seconds": seconds, "files_per_s": parsed / seconds}))
