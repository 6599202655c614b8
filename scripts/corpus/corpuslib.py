"""Helpers for scripts/corpus/build_real.py: pinned mirror access, text cleaning,
sentence splitting, keyword tests, Simplified-Chinese detection, hashing and TSV output.

Everything here is deterministic: no randomness, no wall-clock input, no dict-order
dependence in what is written (callers sort rows before writing).
"""
import hashlib
import html
import os
import re
import subprocess
import sys
import threading
import unicodedata

MIRROR = os.environ.get("SIEVE_MIRROR", "/work/.mirror")

# Exact snapshots used. Reading by commit (never HEAD) keeps the output stable when a
# mirror is refreshed.
PINS = {
    "president": ("kiang+www.president.gov.tw", "7e5cb2fd3eedc86c6678c2996e0e23c808c3915c"),
    "tainan": ("kiang+www.tainan.gov.tw", "b98fae157d895512abdea52368c1e002e22fa75b"),
    "dprcflood": ("kiang+www.dprcflood.org.tw", "9e5cf847b880f3f9ef355df115a28d97a29fe655"),
    "drcd": ("DRCKnowledgeTeam+DRCD", "b944790de5af02c5fbb7cd9cb1473d27d169eebf"),
    "udgsd": ("UniversalDependencies+UD_Chinese-GSD", "200dbe8acf60ff0d194f2d30bf925c410eee762a"),
    "opencc": ("BYVoid+OpenCC", "5249273a3e5606852f088c9a8b23522145d94f78"),
    # Cofacts: both commits are before the 2021-02-11 licence change (README: CC0).
    "cofacts_2019": ("cofacts+opendata", "6fd6b188b51e554019e871673fceec052266eb7f"),
    "cofacts_2020": ("cofacts+opendata", "102a4c6d94c524f8b32c87653466c0d4f76c00c9"),
    "icwb2": ("yuikns+icwb2-data", "873a51fa6234c644126d2f2c5c603a97809d2e49"),
}


def gitdir(mirror):
    return f"{MIRROR}/{mirror}/repo"


def git(mirror, *args):
    r = subprocess.run(["git", "--git-dir", gitdir(mirror), *args], capture_output=True)
    if r.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed in {mirror}: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def show(pin, path):
    """Bytes of `path` at the pinned commit of source `pin`."""
    mirror, commit = PINS[pin]
    return git(mirror, "show", f"{commit}:{path}")


def ls_tree(pin, prefix):
    """[(blob_sha, path)] under `prefix` at the pinned commit, sorted by path."""
    mirror, commit = PINS[pin]
    out = []
    for line in git(mirror, "ls-tree", "-r", commit, prefix).decode("utf-8").splitlines():
        meta, path = line.split("\t", 1)
        out.append((meta.split()[2], path))
    out.sort(key=lambda x: x[1])
    return out


def cat_batch(pin, shas):
    """Yield blob contents for `shas` in order, via one `git cat-file --batch` process."""
    mirror, _ = PINS[pin]
    p = subprocess.Popen(["git", "--git-dir", gitdir(mirror), "cat-file", "--batch"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    payload = ("\n".join(shas) + "\n").encode()

    def feed():
        p.stdin.write(payload)
        p.stdin.close()

    t = threading.Thread(target=feed)
    t.start()
    for sha in shas:
        hdr = p.stdout.readline().split()
        if len(hdr) < 3 or hdr[1] == b"missing":
            sys.exit(f"blob {sha} missing in {mirror}")
        n = int(hdr[2])
        data = p.stdout.read(n)
        p.stdout.read(1)
        yield data
    t.join()
    p.wait()


def check_pins(names):
    for name in names:
        mirror, commit = PINS[name]
        if not os.path.isdir(gitdir(mirror)):
            sys.exit(f"mirror {mirror} not found under {MIRROR} (fetch github:{mirror.replace('+', '/')})")
        r = subprocess.run(["git", "--git-dir", gitdir(mirror), "cat-file", "-e", f"{commit}^{{commit}}"],
                           capture_output=True)
        if r.returncode != 0:
            sys.exit(f"commit {commit} not in mirror {mirror}")


# ---------------------------------------------------------------- text cleaning

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
URL = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|tw|net|org|cc|me|gl|ly|io)\b/?)", re.I)
TAG = re.compile(r"<[^>]{0,200}>")
ZW = re.compile(r"[\u200b-\u200f\u2028\u2029\u2060\ufeff\u00ad]")
WS = re.compile(r"[ \t\r\n\u3000\u00a0\u2002-\u200a]+")


def clean(text):
    """One-line text: HTML entities decoded, tags and zero-width marks removed, every run of
    white space (tabs, newlines, U+3000) turned into one ASCII space."""
    if text is None:
        return ""
    t = html.unescape(html.unescape(text))
    t = TAG.sub(" ", t)
    t = ZW.sub("", t)
    t = WS.sub(" ", t)
    return t.strip()


def tsv_field(text):
    return WS.sub(" ", str(text)).strip()


# Split after sentence-final punctuation (keeping closing quotes/brackets with the sentence)
# and at every line break.
SENT = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[」』”’）)】]*|\n|$)")


def split_sentences(text):
    """All raw pieces (cleaned), including short ones, in order; the piece index is part of
    a sentence's stable id."""
    text = html.unescape(text or "").replace("\r", "\n")
    out = []
    for m in SENT.finditer(text):
        s = clean(m.group(0))
        if s:
            out.append(s)
    return out


def cjk_count(s):
    return len(CJK.findall(s))


def ok_length(s, lo=8, hi=200):
    return lo <= len(s) <= hi and cjk_count(s) > 0


def norm_key(s):
    """Key for near-duplicate detection: NFKC, lower case, only CJK letters and ASCII
    letters/digits kept (punctuation, spaces, emoji dropped)."""
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if ch.isalnum())


def hkey(*parts):
    """Deterministic sampling key."""
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def short_hash(s, n=10):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:n]


# ---------------------------------------------------------------- keyword tests

# Generous disaster-keyword test. The brief's list, plus a few more damage/emergency words.
# It is used to keep disaster talk OUT of the negatives, so false positives only cost
# some negatives.
DISASTER_WORDS = [
    # brief
    "颱風", "地震", "豪雨", "大雨", "淹水", "積水", "土石流", "停班", "停課", "災", "火災", "崩塌", "坍方",
    "落石", "倒塌", "受困", "救援", "搶救", "罹難", "傷亡", "停電", "停水", "路樹", "海嘯", "強風", "水災",
    "風災", "震", "坍", "崩", "潰堤", "溢堤", "警報", "撤離",
    # additions
    "颱", "颶風", "龍捲風", "暴雨", "洪水", "洪患", "水患", "汛", "淹", "泥流", "土石", "堰塞", "塌陷",
    "下陷", "滑落", "倒灌", "火警", "失火", "起火", "爆炸", "跳電", "斷電", "限水", "斷水", "失蹤", "死亡",
    "受傷", "傷者", "送醫", "疏散", "避難", "救難", "消防", "雷擊", "冰雹", "招牌", "斷橋", "封路",
    "道路中斷", "傾倒", "倒伏", "吹倒", "吹落", "倒樹", "樹倒", "119", "防洪", "滯洪", "抽水站", "抽水機",
]
DISASTER = re.compile("|".join(sorted(map(re.escape, DISASTER_WORDS), key=len, reverse=True)))
# Matches that on their own do not mean a disaster (figurative 震/崩/災). A sentence whose
# only matches are these is still dropped from the negatives (generous rule) but is not put
# in the official-disaster-news file either.
WEAK = re.compile(r"震撼|震驚|震懾|震盪|震怒|震耳|崩潰|崩盤|崩解|職災|職業災害|災難片|雪崩式|地震儀|四時無災")


# Narrower natural-hazard / damage vocabulary, used only to flag (column `strict`) the
# official-news sentences that are about hazards rather than, say, 消防 ceremonies or 死亡率.
STRICT = re.compile(
    r"颱|地震|震災|強震|餘震|豪雨|大雨|暴雨|淹水|積水|水災|風災|災情|災區|災民|救災|賑災|勘災|防災|減災|災後|災害|天災|災損|受災"
    r"|土石流|崩塌|坍方|落石|海嘯|停班|停課|洪水|水患|停電|停水|路樹|潰堤|溢堤|堰塞|防汛|汛期|受困|罹難|撤離|疏散|避難"
)


def disaster_hits(s):
    """(all matched keywords, strong matches) for sentence s."""
    hits = DISASTER.findall(s)
    strong = DISASTER.findall(WEAK.sub("□", s))
    return hits, strong


# "Hard negative" features: numbers, Taiwanese place/address patterns, weather and time words.
NUM = re.compile(r"[0-9０-９]|[一二三四五六七八九十兩百千萬]+(?:個|人|名|位|戶|處|座|條|輛|年|月|日|天|時|點|分|公里|公尺|公分|度|成|倍|次|場|家)")
PLACE = re.compile(
    r"臺北|台北|新北|桃園|臺中|台中|臺南|台南|高雄|基隆|新竹|苗栗|彰化|南投|雲林|嘉義|屏東|宜蘭|花蓮|臺東|台東|澎湖|金門|連江|馬祖|綠島|蘭嶼"
    r"|[\u4e00-\u9fff]{1,4}(?:路|街|大道)(?:[一二三四五六七八九十0-9]+段)?|[0-9０-９]+(?:巷|弄|號)"
    r"|[\u4e00-\u9fff]{1,3}(?:區|鄉|鎮|村|里)(?:公所|民|長|辦公處)|[\u4e00-\u9fff]{1,4}(?:國小|國中|高中|車站|捷運站|公園|夜市|市場|橋|港|溪|山)"
)
WEATHER = re.compile(
    r"天氣|氣溫|下雨|降雨|雨量|雨勢|陣雨|雷雨|梅雨|鋒面|寒流|冷氣團|東北季風|西南氣流|低溫|高溫|溫度|氣象|天候|晴|陰天|多雲|起霧|濃霧"
    r"|下雪|降雪|炎熱|悶熱|濕|乾燥|紫外線|颳風|風速|風勢|風大|°C|℃|度C|攝氏|雨天|雨水|下午雷|午後"
)
TIME = re.compile(
    r"今日|今天|昨天|昨日|明天|明日|上午|下午|晚上|晚間|凌晨|清晨|傍晚|中午|深夜|半夜|今[（(][0-9０-９]+[)）]日"
    r"|[0-9０-９]+[時點](?:[0-9０-９]+分)?|[0-9０-９]+月[0-9０-９]+日"
)


def hard_features(s):
    """String of feature letters: n(umber) p(lace) w(eather) t(ime)."""
    f = ""
    if NUM.search(s):
        f += "n"
    if PLACE.search(s):
        f += "p"
    if WEATHER.search(s):
        f += "w"
    if TIME.search(s):
        f += "t"
    return f


def is_hard(feats):
    """Hard negative: any weather word; or number + place + time together (reads like a
    report of something at a place and time)."""
    if "w" in feats:
        return True
    return all(c in feats for c in "npt")


# ---------------------------------------------------------------- Simplified Chinese

# Characters OpenCC lists as Simplified-only that are nonetheless ordinary in Taiwan text
# (variants seen in Presidential Office / Tainan City releases, e.g. 秘, 群, 峰, 床, 庄).
TW_OK = set("秘群峰床庄虱粽晒恒灶咏祢羡疱霉抛晋携猫踪叁疴温脱沄")


class Simplified:
    def __init__(self):
        st = self._load(show("opencc", "data/dictionary/STCharacters.txt").decode("utf-8"))
        ts = self._load(show("opencc", "data/dictionary/TSCharacters.txt").decode("utf-8"))
        self.chars = {k for k, v in st.items() if len(k) == 1 and k not in v} - set(ts) - TW_OK

    @staticmethod
    def _load(text):
        d = {}
        for line in text.splitlines():
            if line.startswith("#") or "\t" not in line:
                continue
            k, v = line.split("\t", 1)
            d[k] = v.split()
        return d

    def count(self, s):
        return sum(1 for ch in s if ch in self.chars)

    def heavy(self, s):
        """True for lines that are (partly) Simplified: two or more Simplified-only
        characters, or one that is at least 10% of the CJK characters."""
        n = self.count(s)
        if n >= 2:
            return True
        return n == 1 and cjk_count(s) <= 10


# ---------------------------------------------------------------- noise filters

# Government-release boilerplate, procurement, recruitment, contact lines, masked names.
GOV_NOISE = re.compile(
    r"發稿單位|新聞聯絡人|聯絡人|聯絡電話|連絡電話|洽詢電話|諮詢電話|服務電話|專線|分機|傳真|e-?mail|信箱|@|附件|圖說|相關連結|詳情請|報名網址|網址"
    r"|招標|決標|標案|投標|開標|底價|採購案|押標金|履約|月薪|薪資|甄選|徵才|應徵|報名表|簡章|○|＊|\*{2}|※|QR ?code|LINE@"
    r"|點閱|點擊|請至|下載|官網|網站|粉絲專頁|臉書|facebook",
    re.I,
)
LIST_HEAD = re.compile(r"^(?:[（(]?[一二三四五六七八九十0-9０-９]{1,3}[)）、.．]|[①-⑳]|[-－•・●◎■□◆▲►]+)\s*")


def strip_list_head(s):
    return LIST_HEAD.sub("", s).strip()


def mostly_text(s, min_cjk_share=0.5):
    """CJK characters make up at least `min_cjk_share` of the non-space characters."""
    n = len(s.replace(" ", ""))
    return n > 0 and cjk_count(s) / n >= min_cjk_share


# ---------------------------------------------------------------- output

def write_tsv(path, columns, rows):
    """Write rows (dicts) with a header; values have tabs/newlines replaced by spaces.
    Returns the number of rows. Rows are written in the given order (callers sort)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(columns) + "\n")
        for r in rows:
            vals = [tsv_field(r.get(c, "")) for c in columns]
            if "text" in columns and not vals[columns.index("text")]:
                raise ValueError(f"empty text in {path}: {r}")
            f.write("\t".join(vals) + "\n")
    os.replace(tmp, path)
    return len(rows)
