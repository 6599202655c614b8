"""Readers for each source used by build_real.py. Each returns plain records (dicts);
no filtering policy beyond what is intrinsic to the source lives here, except the
sentence-level cleaning shared by all prose sources (`prose_sentence`)."""
import csv
import datetime
import io
import json
import re
import zipfile
from urllib.parse import urlparse

from corpuslib import (
    GOV_NOISE, KANA, HANGUL, URL, cat_batch, clean, cjk_count, ls_tree, mostly_text, ok_length,
    show, split_sentences, strip_list_head,
)

csv.field_size_limit(10**9)

TAIPEI = datetime.timezone(datetime.timedelta(hours=8))

# Parenthesised asides with no CJK (foreign names, English glosses) are removed from
# government prose, e.g. 「歐斐拉（Silvio Adalberto Ovelar Benítez）參議長」.
LATIN_PAREN = re.compile(r"[（(][^（）()\u4e00-\u9fff]{1,120}[)）]")
# Chinese-numeral zero ○ is fine (一八○九年); ○ between other characters masks a name.
MASKED = re.compile(r"(?<![一二三四五六七八九十○〇零0-9])○(?![一二三四五六七八九十○〇零0-9])")


def prose_sentence(s, gov=False):
    """Clean one sentence; returns (text, reject_reason or None)."""
    s = strip_list_head(s)
    if gov:
        s = LATIN_PAREN.sub("", s).strip()
    if not ok_length(s):
        return s, "length"
    if KANA.search(s) or HANGUL.search(s):
        return s, "japanese_korean"
    if URL.search(s):
        return s, "url"
    if gov and (GOV_NOISE.search(s) or MASKED.search(s)):
        return s, "boilerplate"
    if s.endswith(("：", ":")):
        return s, "lead_in"
    if not mostly_text(s):
        return s, "not_mostly_cjk"
    return s, None


def iso_to_taipei_date(ts):
    """'2019-06-30T16:30:00.000Z' -> '2019-07-01' (Taipei calendar date); '' if empty."""
    if not ts:
        return ""
    dt = datetime.datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(TAIPEI).strftime("%Y-%m-%d")


# ------------------------------------------------------------------ government releases

def _gov_doc_pieces(title, subtitle, content):
    pieces = []
    if title:
        pieces.append(("t", clean(title)))
    if subtitle:
        pieces.append(("s", clean(subtitle)))
    for i, s in enumerate(split_sentences(content)):
        pieces.append((str(i), s))
    return pieces


def president_sentences():
    """Presidential Office news_json/<year>/<id>.json -> sentence records."""
    files = [x for x in ls_tree("president", "news_json/") if x[1].endswith(".json")]
    for (sha, path), data in zip(files, cat_batch("president", [s for s, _ in files])):
        d = json.loads(data)
        date = d.get("date") or ""
        doc = str(d.get("id") or path.rsplit("/", 1)[-1][:-5])
        for k, raw in _gov_doc_pieces(d.get("title"), d.get("subtitle"), d.get("content")):
            text, why = prose_sentence(raw, gov=True)
            yield {"source": "president_gov_tw", "id": f"president:{doc}:{k}", "date": date,
                   "text": text, "reject": why, "doc": doc}


TENDER_TITLE = re.compile(r"^(決標公告|招標公告|公開招標|更正公告|無法決標|限制性招標|公開取得)")
PRESS_DEPT = "新聞及國際關係處新聞傳播科"


def tainan_press_sentences():
    """Tainan City Government docs/data/<Y>/<M>/<date>_<id>.json, press office only."""
    files = [x for x in ls_tree("tainan", "docs/data/") if x[1].endswith(".json")]
    for (sha, path), data in zip(files, cat_batch("tainan", [s for s, _ in files])):
        try:
            d = json.loads(data)
        except ValueError:
            continue
        if not isinstance(d, dict) or d.get("department") != PRESS_DEPT:
            continue
        title = d.get("title") or ""
        if TENDER_TITLE.match(title):
            continue
        m = re.search(r"[?&]s=(\d+)", d.get("url") or "")
        doc = m.group(1) if m else path.rsplit("_", 1)[-1][:-5]
        date = (d.get("published") or "")[:10]
        for k, raw in _gov_doc_pieces(title, None, d.get("content")):
            text, why = prose_sentence(raw, gov=True)
            yield {"source": "tainan_gov_tw_press", "id": f"tainan:{doc}:{k}", "date": date,
                   "text": text, "reject": why, "doc": doc}


# ------------------------------------------------------------------ Wikipedia-derived

def drcd_sentences(fname):
    d = json.loads(show("drcd", fname))
    for art in d["data"]:
        for p in art["paragraphs"]:
            for i, raw in enumerate(split_sentences(p["context"])):
                text, why = prose_sentence(raw)
                yield {"source": "drcd_" + fname.split("_")[1].split(".")[0], "id": f"drcd:{p['id']}:{i}",
                       "date": "", "text": text, "reject": why, "doc": str(art["id"])}


def udgsd_sentences(fname):
    """UD_Chinese-GSD CoNLL-U: (sent_id, text, [FORM tokens])."""
    sid = text = None
    forms = []
    for line in show("udgsd", fname).decode("utf-8").splitlines():
        if line.startswith("# sent_id = "):
            sid = line[len("# sent_id = "):].strip()
        elif line.startswith("# text = "):
            text = line[len("# text = "):].strip()
        elif not line.strip():
            if sid is not None:
                yield sid, text, forms
            sid, text, forms = None, None, []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            forms.append(cols[1])
    if sid is not None:
        yield sid, text, forms


# ------------------------------------------------------------------ Cofacts

def cofacts_csv(pin, path):
    z = zipfile.ZipFile(io.BytesIO(show(pin, path)))
    names = [n for n in z.namelist() if n.endswith(".csv")]
    assert len(names) == 1, names
    with z.open(names[0]) as f:
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")))


def host_of(url):
    try:
        h = (urlparse((url or "").strip()).hostname or "").lower()
    except ValueError:
        return ""
    return h[4:] if h.startswith("www.") else h


# Rough classes of the linked site. Only used to (a) drop titles of social-media,
# content-farm and URL-shortener pages from the *credible* side and (b) let users filter.
SOCIAL = ("facebook.com", "youtube.com", "youtu.be", "ptt.cc", "disp.cc", "twitter.com", "instagram.com",
          "line.me", "medium.com", "pixnet.net", "xuite.net", "blogspot.", "wordpress.com", "mobile01.com",
          "dcard.tw", "plurk.com", "weibo.com", "weibo.cn", "zhihu.com", "tianya.cn", "gamer.com.tw",
          "imgur.com", "google.com", "google.com.tw", "answers.yahoo.com", "zhidao.baidu.com", "baike.baidu.com",
          "matters.news", "spark.adobe.com", "slideshare.net", "weixin.qq.com", "kuaibao.qq.com", "blog.udn.com",
          "blog.sina.com.cn", "tumblr.com", "pinterest.com", "reddit.com", "vimeo.com", "dailymotion.com")
FARM = ("kknews.cc", "read01.com", "ifuun.com", "ezp9.com", "ezp93.com", "goez1.com", "goez3.com", "ezvivi",
        "cocomy.net", "coco01.net", "twgreatdaily.com", "taiwanfamily.com", "zi.media", "xuehua.us", "gooread.com",
        "lovelifes.net", "liuyanbaike.com", "doheal.com", "healthylives.tw", "top1health.com", "im5481.com",
        "taiwanhot.net", "pttnews.cc", "vd56.com", "360doc.com", "zixundingzhi.com", "healthdaily.tw",
        "buzzhand.com", "hissu.com", "duk.tw", "qiqu.tw", "toments.com", "bomb01.com", "ptt01.cc", "mirrorfiction",
        "healthy.tw", "everydayhealth-tw", "life.tw", "ioiosn.com", "nooho.net", "beauty321.com", "ispot.news",
        "highlights.tw", "kairos.news", "sg.newsrepublic.net", "newsrepublic.net", "mamaclub.com")
SHORT = ("bit.ly", "goo.gl", "reurl.cc", "sur.ee", "lin.ee", "lnk.pics", "tinyurl.com", "ppt.cc", "pse.is",
         "picsee.io", "t.co", "ow.ly", "is.gd", "bit.do", "lihi.cc", "lihi1.cc", "0rz.tw", "shorturl.at")
FACTCHECK = ("mygopen.com", "mygopen.blogspot.", "rumtoast.com", "tfc-taiwan.org.tw", "cofacts.g0v.tw", "snopes.com",
             "factcheck.afp.com", "politifact.com", "newshelper.g0v.tw", "fact.qq.com", "misbar.com", "factly.in",
             "hoax-slayer", "factcheck.org", "fullfact.org", "lawfirmagainstrumour")
NEWS = ("ltn.com.tw", "udn.com", "cna.com.tw", "appledaily.com.tw", "news.yahoo.com", "mobi.yahoo.com", "setn.com",
        "thenewslens.com", "chinatimes.com", "tvbs.com.tw", "nownews.com", "ettoday.net", "storm.mg", "newtalk.tw",
        "buzzorange.com", "commonhealth.com.tw", "bbc.com", "bbc.co.uk", "msn.com", "cw.com.tw", "upmedia.mg",
        "cts.com.tw", "twreporter.org", "ebc.net.tw", "rti.org.tw", "technews.tw", "businesstoday.com.tw",
        "peoplenews.tw", "epochtimes.com", "epochtimes.com.tw", "hk01.com", "pts.org.tw", "mirrormedia.mg",
        "theinitium.com", "cnn.com", "worldjournal.com", "nextmag.com.tw", "wealth.com.tw", "ntdtv.com",
        "nytimes.com", "businessweekly.com.tw", "ttv.com.tw", "theguardian.com", "reuters.com", "cnyes.com",
        "gvm.com.tw", "bcc.com.tw", "ftvnews.com.tw", "ftv.com.tw", "rfi.fr", "dw.com", "voachinese.com",
        "voacantonese.com", "ctee.com.tw", "mingpao.com", "hket.com", "on.cc", "stheadline.com", "abc.net.au",
        "npr.org", "nbcnews.com", "abcnews.go.com", "time.com", "bloomberg.com", "forbes.com", "independent.co.uk",
        "dailymail.co.uk", "foxnews.com", "taiwannews.com.tw", "civilmedia.tw", "cheers.com.tw",
        "parenting.com.tw", "bnext.com.tw", "ithome.com.tw", "techbang.com", "inside.com.tw", "heho.com.tw",
        "everydayhealth.com.tw", "pansci.asia", "edh.tw", "taronews.tw", "zaobao.com.sg", "sinchew.com.my",
        "nhk.or.jp", "today.line.me", "news.sina.com.tw", "ctitv.com.tw", "cmmedia.com.tw", "newsmarket.com.tw",
        "news.pchome.com.tw", "n.yam.com", "ctwant.com", "appledaily.com", "nextmedia.com", "cdnews.com.tw",
        "tw.news.appledaily.com", "womany.net", "thebetteraging", "healthnews.com.tw", "knowing.asia",
        "newslens", "rfa.org", "sciencealert.com", "nature.com", "sciencemag.org", "scientificamerican.com",
        "washingtonpost.com", "wsj.com", "apnews.com", "cnbc.com", "japantimes.co.jp", "scmp.com", "sina.com.tw")


def _host_in(host, lst):
    """Entries with a dot and no trailing dot are domains (exact or subdomain match);
    the others ('blogspot.', 'ezvivi') match anywhere in the host name."""
    for d in lst:
        if "." in d and not d.endswith("."):
            if host == d or host.endswith("." + d):
                return True
        elif d in host:
            return True
    return False


def site_kind(host):
    def has(lst):
        return _host_in(host, lst)
    if not host:
        return "unknown"
    if host == "today.line.me":  # LINE TODAY: news aggregator, not a LINE chat link
        return "news"
    if has(SHORT):
        return "shortener"
    if has(FACTCHECK):
        return "factcheck"
    if has(SOCIAL):
        return "social"
    if has(FARM):
        return "farm"
    if host.endswith(("wikipedia.org",)):
        return "wiki"
    if (host.endswith((".gov.tw", ".gov", ".gov.uk", ".gov.taipei", "who.int", ".go.jp", ".gov.au", ".gov.sg"))
            or host in ("gov.taipei", "gov.tw")):
        return "gov"
    if host.endswith((".edu.tw", ".edu", ".ac.uk", ".ac.jp")):
        return "edu"
    if has(NEWS):
        return "news"
    return "other"


SITE_SEP = re.compile(r"\s+[-–—_|｜│]\s+|\s*[|｜│]\s*|\s+[-–—]\s*$")
JUNK_TITLE = re.compile(
    r"404|not found|access denied|security check|cloudflare|just a moment|error|attention required|forbidden"
    r"|找不到|不存在|已刪除|已移除|登入|註冊|log ?in|sign ?in|帳號已|帐号|页面|網頁無法|無法顯示|頁面|verizon|oath"
    r"|add friend|free calls|url shortener|redirect|loading|維基百科，自由的百科全|维基百科|全球資訊網$|首頁$|官方網站$",
    re.I,
)


# Segments that are just a site or section name ("維基百科，自由的百科全書", "自由時報電子報").
SITE_PART = re.compile(
    r"維基百科|维基百科|百科全書|百科全书|YouTube|Facebook|LINE TODAY|LINE STORE|Yahoo|新聞網|電子報|新聞雲|新聞台|日報|時報"
    r"|中央社|CNA|ETtoday|TVBS|三立|民視|MyGoPen|蘭姆酒吐司|事實查核中心|Cofacts|PanSci|泛科學|關鍵評論網|康健|BuzzOrange"
    r"|報橘|天下雜誌|商業周刊|風傳媒|新頭殼|NOWnews|今日新聞|鏡週刊|udn|Google|健康九九|問題詳解|自由評論網|新聞$|生活$|國際$|社會$",
    re.I,
)


def clean_title(title):
    """Page title -> the headline part: split at site separators, drop short segments that
    only name a site or section, keep the segment with the most CJK characters."""
    t = clean(title)
    if not t:
        return ""
    parts = [p.strip() for p in SITE_SEP.split(t) if p and p.strip()]
    if len(parts) > 1:
        parts = [p for p in parts if not (len(p) <= 14 and SITE_PART.search(p))] or parts
    if not parts:
        return ""
    best = max(parts, key=lambda p: (cjk_count(p), len(p)))
    return best.strip(" -–—|｜│")


def title_ok(t):
    if not t or JUNK_TITLE.search(t):
        return False
    if cjk_count(t) < 6 or len(t) > 200:
        return False
    if KANA.search(t) or HANGUL.search(t) or URL.search(t):
        return False
    return mostly_text(t, 0.4)
