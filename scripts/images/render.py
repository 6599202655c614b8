#!/usr/bin/env python3
"""Renders text as the images people forward (a notice, a chat screenshot) and makes the variants a re-shared
picture goes through (resized, recompressed, cropped, framed). Sieve's own test and benchmark images come from
here; nothing is downloaded.

  render.py notice|chat TEXT --font F --size N --out FILE.png [--seed S]
  render.py variant IN.png --op resize50|jpeg40|crop10|border --out FILE
  render.py batch JOBS.jsonl     one JSON object per line: {"kind","text","font","size","out","seed"} or
                                 {"op","in","out"} (several hundred images in one process)
  render.py photo --seed S --out FILE.png   a synthetic photo-like picture (gradients, shapes, noise)
"""
import io
import json
import random
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = {
    "noto-sans": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "noto-sans-bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "noto-serif": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "uming": "/usr/share/fonts/truetype/arphic/uming.ttc",
    "ukai": "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "wqy-zenhei": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "wqy-microhei": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
}
# Noto's .ttc holds JP, KR, SC, TC, HK faces; index 3 is Traditional Chinese (TC).
FONT_INDEX = {"noto-sans": 3, "noto-sans-bold": 3, "noto-serif": 3}


def font(name, size):
    return ImageFont.truetype(FONTS[name], size, index=FONT_INDEX.get(name, 0))


def wrap(text, f, width, draw):
    """Greedy wrap by character (Chinese has no spaces); keeps explicit newlines."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if draw.textlength(line + ch, font=f) > width and line:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


TITLES = ["緊急通知", "公告", "重要訊息", "轉發"]


def notice_title(seed):
    """The notice's title (it is in the picture: OCR accuracy is measured against title + text)."""
    return TITLES[seed % len(TITLES)]


def notice(text, font_name, size, seed):
    rng = random.Random(seed)
    f = font(font_name, size)
    width = rng.choice([720, 900, 1080])
    margin = size * 2
    scratch = ImageDraw.Draw(Image.new("L", (10, 10)))
    lines = wrap(text, f, width - 2 * margin, scratch)
    line_h = int(size * 1.5)
    title = notice_title(seed)
    tf = font(font_name, int(size * 1.4))
    height = margin * 2 + int(size * 2.4) + line_h * len(lines)
    bg = rng.choice([(255, 255, 255), (255, 250, 235), (240, 244, 250)])
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, width, int(size * 0.6)], fill=rng.choice([(200, 30, 30), (20, 60, 140)]))
    d.text((margin, margin), title, font=tf, fill=(150, 0, 0))
    y = margin + int(size * 2.4)
    for line in lines:
        d.text((margin, y), line, font=f, fill=(20, 20, 20))
        y += line_h
    return img


def chat(text, font_name, size, seed):
    """A chat-app screenshot: status bar, a header, the message in a bubble."""
    rng = random.Random(seed)
    f = font(font_name, size)
    width = rng.choice([720, 828, 1080])
    scratch = ImageDraw.Draw(Image.new("L", (10, 10)))
    bubble_w = int(width * 0.72)
    pad = int(size * 0.6)
    lines = wrap(text, f, bubble_w - 2 * pad, scratch)
    line_h = int(size * 1.45)
    header = int(size * 3.2)
    bubble_h = line_h * len(lines) + 2 * pad
    height = header + bubble_h + int(size * 4)
    bg = rng.choice([(140, 171, 216), (230, 230, 230), (255, 255, 255)])
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    small = font(font_name, max(12, int(size * 0.7)))
    d.rectangle([0, 0, width, header], fill=(35, 40, 52))
    d.text((size, int(size * 0.3)), "下午 %d:%02d" % (rng.randint(1, 11), rng.randint(0, 59)), font=small, fill=(255, 255, 255))
    d.text((size, int(size * 1.6)), rng.choice(["家族群組", "社區互助", "同學會", "里民大家庭"]) + " (%d)" % rng.randint(3, 90),
           font=font(font_name, size), fill=(255, 255, 255))
    x0 = int(size * 3)
    y0 = header + size
    d.ellipse([int(size * 0.5), y0, int(size * 2.3), y0 + int(size * 1.8)], fill=(200, 200, 200))
    color = rng.choice([(255, 255, 255), (133, 226, 98)])
    d.rounded_rectangle([x0, y0, x0 + bubble_w, y0 + bubble_h], radius=int(size * 0.8), fill=color)
    y = y0 + pad
    for line in lines:
        d.text((x0 + pad, y), line, font=f, fill=(0, 0, 0))
        y += line_h
    return img


def photo(seed):
    rng = random.Random(seed)
    w, h = rng.choice([(640, 480), (800, 600), (1024, 768), (600, 800)])
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    c1 = [rng.randint(0, 255) for _ in range(3)]
    c2 = [rng.randint(0, 255) for _ in range(3)]
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(c1, c2)))
    for _ in range(rng.randint(4, 14)):
        x, y = rng.randint(-100, w), rng.randint(-100, h)
        s = rng.randint(30, 300)
        fill = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            d.ellipse([x, y, x + s, y + rng.randint(30, 300)], fill=fill)
        else:
            d.rectangle([x, y, x + s, y + rng.randint(30, 300)], fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 2)))
    noise = Image.effect_noise((w, h), rng.uniform(5, 25)).convert("RGB")
    return Image.blend(img, noise, 0.08)


def variant(img, op, seed=0):
    rng = random.Random(seed)
    w, h = img.size
    if op == "resize50":
        return img.resize((max(1, w // 2), max(1, h // 2)), Image.LANCZOS), "PNG"
    if op == "jpeg40":
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=40)
        return Image.open(io.BytesIO(buf.getvalue())), "JPEG"
    if op == "crop10":
        # 10% of the area gone: about 5% off each side, unevenly.
        dx, dy = int(w * 0.052), int(h * 0.052)
        l, t = rng.randint(0, 2 * dx), rng.randint(0, 2 * dy)
        return img.crop((l, t, w - (2 * dx - l), h - (2 * dy - t))), "PNG"
    if op == "border":
        # A phone screenshot of the picture: a dark frame, a status bar on top, a toolbar below.
        bw = max(8, w // 30)
        top, bottom = max(24, h // 12), max(30, h // 10)
        frame = Image.new("RGB", (w + 2 * bw, h + top + bottom), rng.choice([(0, 0, 0), (30, 30, 30), (250, 250, 250)]))
        frame.paste(img.convert("RGB"), (bw, top))
        return frame, "PNG"
    raise SystemExit("unknown op %r (resize50, jpeg40, crop10, border)" % op)


def save(img, out, fmt=None):
    fmt = fmt or ("JPEG" if out.lower().endswith((".jpg", ".jpeg")) else "PNG")
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=40 if "jpeg40" in out else 90)
    else:
        img.save(out, "PNG")


def run(job):
    if "op" in job:
        img, fmt = variant(Image.open(job["in"]), job["op"], job.get("seed", 0))
        save(img, job["out"], fmt if job["out"].lower().endswith((".jpg", ".jpeg")) else "PNG")
    elif job.get("kind") == "photo":
        save(photo(job.get("seed", 0)), job["out"])
    else:
        maker = notice if job["kind"] == "notice" else chat
        save(maker(job["text"], job["font"], int(job["size"]), job.get("seed", 0)), job["out"])


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd = argv[1]
    args = {}
    rest = []
    i = 2
    while i < len(argv):
        if argv[i].startswith("--"):
            args[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if cmd == "batch":
        with open(rest[0], encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        run(json.loads(line))
                    except Exception as e:  # one bad job names its line, the rest go on
                        print("%s:%d: %s" % (rest[0], n, e), file=sys.stderr)
                        return 1
        return 0
    if cmd == "photo":
        save(photo(int(args.get("seed", 0))), args["out"])
    elif cmd == "variant":
        run({"op": args["op"], "in": rest[0], "out": args["out"], "seed": int(args.get("seed", 0))})
    elif cmd in ("notice", "chat"):
        run({"kind": cmd, "text": rest[0], "font": args.get("font", "noto-sans"), "size": args.get("size", 32),
             "out": args["out"], "seed": int(args.get("seed", 0))})
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
