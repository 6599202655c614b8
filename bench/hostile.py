"""Writes the hostile inputs of bench/hostile.sh into a folder: each at most 10 MB, each a shape that once
exhausted a parser (entity expansion, depth, markup count, size). Run: python3 bench/hostile.py DIR"""
import os
import sys

d = sys.argv[1]
os.makedirs(d, exist_ok=True)


def rss(body, dtd=""):
    head = '<?xml version="1.0"?>\n' + (f"<!DOCTYPE rss [\n{dtd}\n]>\n" if dtd else "")
    return head + '<rss version="2.0"><channel><title>t</title>' + body + "</channel></rss>\n"


def write(name, text):
    data = text.encode()
    assert len(data) <= 10 * 1024 * 1024, (name, len(data))
    open(os.path.join(d, name), "wb").write(data)


laughs = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 9)]
write("billion-laughs.xml", rss("<item><title>x</title><description>&lol8;</description></item>", "\n".join(laughs)))
write("laughs-in-attribute.xml", rss('<item><guid isPermaLink="false" a="&lol8;">x</guid><description>y</description></item>', "\n".join(laughs)))
write("quadratic-blowup.xml", rss("<item><description>" + "&a;" * 50_000 + "</description></item>", '<!ENTITY a "' + "A" * 100_000 + '">'))
write("deep-xml.xml", rss("<item><description>" + "<x>" * 100_000 + "</x>" * 100_000 + "</description></item>"))
write("many-tags.xml", rss("<item><description>" + "<a/>" * 2_500_000 + "</description></item>"))
write("big-text.xml", rss("<item><title>t</title><description>" + "颱風" * 1_600_000 + "</description></item>"))
write("many-items.xml", rss("".join(f"<item><title>t{i}</title><description>汐止淹水 {i}</description></item>" for i in range(120_000))))
write("deep-html.html", "<html><body>" + "<div>" * 2_000_000 + "</body></html>")
write("wide-html.html", "<html><body>" + '<article class="post"><div class="body">x</div></article>' * 180_000 + "</body></html>")
