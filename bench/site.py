"""Writes the crawl benchmark's site: HOSTS list pages, each linking PER_HOST article pages on its own host
(127.0.0.2 … as distinct host names), for nginx to serve. python3 bench/site.py ROOT HOSTS PER_HOST"""
import os, sys

root, hosts, per_host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(os.path.join(root, "a"), exist_ok=True)
words = "颱風 豪雨 淹水 土石流 坍方 停電 道路中斷 受困 撤離 救援 新北市 汐止區 那瑪夏區 台21線".split()
for h in range(hosts):
    d = os.path.join(root, "a", str(h))
    os.makedirs(d, exist_ok=True)
    links = []
    for i in range(per_host):
        body = " ".join(words[(i + k) % len(words)] for k in range(40))
        with open(os.path.join(d, f"{i}.html"), "w", encoding="utf-8") as f:
            f.write(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>報導 {h}-{i}</title></head><body>"
                    f"<nav><a href='/'>首頁</a></nav><h1>第{h}站 第{i}則 災情</h1>"
                    f"<article><p>{body}</p><p>編號 {h}-{i}</p></article><footer>©</footer></body></html>")
        links.append(f"<li><a class='a' href='/a/{h}/{i}.html'>第{i}則</a></li>")
    with open(os.path.join(root, f"list-{h}.html"), "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><ul>" + "".join(links) + "</ul></body></html>")
