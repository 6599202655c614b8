#!/usr/bin/env python3
"""Check the Sieve training corpus: header, two TAB-separated columns, allowed labels,
no duplicate texts, text length; print counts per label. Exit 1 on any problem.
Usage: python3 Corpus/train/validate.py [DIR]   (DIR defaults to this file's folder)"""
import collections, os, sys

ALLOWED = {
    "disaster.tsv": {"disaster", "other"},
    "type.tsv": {"tree_down", "flood", "landslide", "road_blocked", "power_outage",
                 "water_outage", "building_damage", "sign_fallen", "bridge_damage",
                 "fire", "earthquake", "trapped", "casualty"},
    "rumour.tsv": {"rumour", "credible"},
}
# Characters that only occur in Simplified Chinese (a rough share estimate, not a classifier).
SIMPLIFIED = set(
    "万专东两严个为举么义乡书买亲仓们价众会传伤倾兰养内农冲几击刚剧动势区医华卖厂厅压县双发吗听员响园围国场坏坜坠墙处备复头学实对导尽属带广库开张"
    "强总戏户扑扩抢报挡挤损据摇撑数断无旧时暂机条来柜栋树样桥楼毁气没洼测浓涨渔湾溃满灾点烛烟热现电盐盖瞒砖确离积窝紧约级线经结绕给缝网罗联脱荐荣"
    "莲蜡补览觉计记证诊试误说请课购赛赶踪车转轻辆辈辐边过这进适銮铁链锅错镇长门闭闷队随隐顶预领风驶驾验骑鱼鹅")

def check(path, allowed):
    errors, seen = [], {}
    counts, simp = collections.Counter(), 0
    lengths = []
    with open(path, encoding="utf-8", newline="") as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "text\tlabel":
        errors.append("missing header 'text<TAB>label'")
    for n, line in enumerate(lines[1:], start=2):
        if "\r" in line:
            errors.append(f"line {n}: carriage return")
        cols = line.split("\t")
        if len(cols) != 2:
            errors.append(f"line {n}: {len(cols)} columns")
            continue
        text, label = cols
        if label not in allowed:
            errors.append(f"line {n}: label {label!r} not allowed")
        if not text.strip():
            errors.append(f"line {n}: empty text")
        if text in seen:
            errors.append(f"line {n}: duplicate of line {seen[text]}")
        seen[text] = n
        counts[label] += 1
        lengths.append(len(text))
        if any(ch in SIMPLIFIED for ch in text):
            simp += 1
    return errors, counts, simp, lengths

def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    bad = False
    total = total_simp = 0
    for name, allowed in ALLOWED.items():
        errors, counts, simp, lengths = check(os.path.join(base, name), allowed)
        n = sum(counts.values())
        total += n; total_simp += simp
        print(f"{name}: {n} examples, length {min(lengths)}–{max(lengths)} chars, ~{simp} Simplified")
        for label in sorted(allowed):
            print(f"  {label:16} {counts[label]}")
        for e in errors:
            print(f"  ERROR {e}")
        bad |= bool(errors) or any(counts[l] == 0 for l in allowed)
    print(f"total: {total} examples, ~{total_simp} Simplified ({100*total_simp/total:.0f}%)")
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
