import Foundation
import SieveCore

/// Time expressions: 今晚, 明天, 昨天下午, 9/3, 9月3日, 3日晚上, 下午三點, 15:30, 凌晨2點半 …
public enum TimeExtractor {

    /// What a time expression is. `TimeWalker` matches it by hand (`TimeWalkerTests` holds the two together).
    /// Every part of `body` is optional, so on its own it matches the empty string at every position, and each of
    /// those empty matches is an object to make and skip. `pattern` puts a look-ahead for a character that can
    /// begin a non-empty match in front: the non-empty matches are the same (`ExtractorTests` compares both on
    /// the corpus), the empty ones are not made.
    static let pattern = try! NSRegularExpression(pattern: "(?=[今明昨後前凌清早上中下傍晚夜半零一二兩三四五六七八九十\\d\\s])" + body)

    static let body = """
        (?:(今天|今日|今晚|今早|今晨|今夜|明天|明日|明晚|明早|明晨|昨天|昨日|昨晚|昨夜|後天|前天)|(?:(\\d{1,2})\\s*[/月]\\s*(\\d{1,2})\\s*[日號]?)|(?:(\\d{1,2})\\s*[日號]))?\
        \\s*(凌晨|清晨|早上|上午|中午|下午|傍晚|晚上|晚間|夜間|半夜)?\
        \\s*(?:([0-9]{1,2}|[零一二兩三四五六七八九十]{1,3})\\s*(?:點|時)\\s*(半|[0-9]{1,2}\\s*分|[零一二三四五六七八九十]{1,3}\\s*分)?|([0-9]{1,2}):([0-5][0-9]))?
        """

    static let markers: Set<Character> = ["今", "明", "昨", "後", "前", "點", "時", "日", "號", "月", "/", ":", "午", "晚", "早", "晨", "夜", "凌"]

    public static func extract(_ text: String, reference: Date) -> [TimeMention] {
        guard text.utf16.contains(where: { markerUnits.contains($0) }) else { return [] }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TaipeiTime.zone
        let units = Array(text.utf16)
        var out: [TimeMention] = []
        let matches = windows(text).flatMap { TimeWalker(units: units, end: $0.location + $0.length).matches(from: $0.location) }
        for m in matches where !m.range.isEmpty {
            func group(_ i: Int) -> String? { m.groups[i].map { String(decoding: units[$0], as: UTF16.self) } }
            let relative = group(1), month = group(2), dayOfMonth = group(3) ?? group(4)
            let part = group(5), hourText = group(6), minuteText = group(7), hh = group(8), mm = group(9)
            // Something that fixes a day or a time must be present; a bare number is not a time.
            guard relative != nil || month != nil || group(4) != nil || part != nil || hourText != nil || hh != nil else { continue }
            if relative == nil && month == nil && group(4) == nil && part == nil && hourText != nil && !(m.range.count >= 2) { continue }
            var day = cal.startOfDay(for: reference)
            var implicitPart: String? = nil
            if let r = relative {
                let offset: Int
                switch r.prefix(1) {
                case "明": offset = 1
                case "昨": offset = -1
                case "後": offset = 2
                case "前": offset = -2
                default: offset = 0
                }
                day = cal.date(byAdding: .day, value: offset, to: day)!
                if r.hasSuffix("晚") || r.hasSuffix("夜") { implicitPart = "晚上" }
                if r.hasSuffix("早") || r.hasSuffix("晨") { implicitPart = "早上" }
            } else if let d = dayOfMonth.flatMap({ Int($0) }) {
                var c = cal.dateComponents([.year, .month], from: reference)
                if let mo = month.flatMap({ Int($0) }) { c.month = mo }
                c.day = d
                guard let date = cal.date(from: c), (1...12).contains(c.month ?? 0), (1...31).contains(d) else { continue }
                // "9/3" in January most likely means last September.
                if let mo = month.flatMap({ Int($0) }), let refMonth = cal.dateComponents([.month], from: reference).month,
                    mo - refMonth > 6
                {
                    day = cal.date(byAdding: .year, value: -1, to: date)!
                } else {
                    day = date
                }
            }
            var granularity = "day"
            var hour: Int? = nil
            var minute = 0
            if let h = hh, let m2 = mm, let hv = Int(h), let mv = Int(m2), hv < 24 {
                hour = hv; minute = mv; granularity = "minute"
            } else if let h = hourText, let hv = chineseNumber(h), hv <= 24 {
                hour = hv
                granularity = "minute"
                if let mt = minuteText {
                    if mt == "半" { minute = 30 } else { minute = chineseNumber(mt.replacingOccurrences(of: "分", with: "").trimmingCharacters(in: .whitespaces)) ?? 0 }
                }
            }
            let partOfDay = part ?? implicitPart
            if var h = hour {
                if let p = partOfDay, ["下午", "傍晚", "晚上", "晚間", "夜間"].contains(p), h < 12 { h += 12 }
                if partOfDay == "中午" && h < 6 { h += 12 }
                hour = h % 24
            } else if let p = partOfDay {
                granularity = "part-of-day"
                hour = ["凌晨": 0, "半夜": 0, "清晨": 5, "早上": 6, "上午": 8, "中午": 11, "下午": 13, "傍晚": 17, "晚上": 18, "晚間": 18, "夜間": 20][p] ?? 0
            }
            var start = day
            if let h = hour { start = cal.date(byAdding: .minute, value: h * 60 + minute, to: day)! }
            // No day named ("晚間11時40分"): the occurrence nearest the post, never more than half a day ahead of
            // it — posted at 00:45, that is 23:40 of the evening before, not of the coming night.
            if relative == nil, dayOfMonth == nil, hour != nil, start.timeIntervalSince(reference) > 12 * 3600 {
                start = cal.date(byAdding: .day, value: -1, to: start)!
            }
            out.append(TimeMention(
                surface: String(decoding: units[m.range], as: UTF16.self).trimmingCharacters(in: .whitespaces),
                start: TaipeiTime.rfc3339(start), granularity: granularity))
        }
        return out
    }

    /// UTF-16 markers (every marker is one BMP code unit).
    static let markerUnits: Set<UInt16> = Set(markers.compactMap { $0.utf16.count == 1 ? $0.utf16.first : nil })

    /// The stretches of text a time expression can be in. Every non-empty match of `pattern` holds a marker
    /// (a relative day, 月/日/號 or /, a part of the day, 點/時 or :), with at most a few characters before its
    /// first marker ("12月", "二十三點", "15:30") and after its last ("30分", "半"); so the pattern runs only
    /// around markers — lead and trail generous enough for spaces — instead of trying every position of a long
    /// post (the pattern's parts are all optional, so it would otherwise attempt a match at each character).
    static func windows(_ text: String) -> [NSRange] { markerWindows(text, markers: markerUnits, lead: 10, trail: 14) }

    /// "三" → 3, "十二" → 12, "二十" → 20, "15" → 15.
    static func chineseNumber(_ s: String) -> Int? {
        if let v = Int(s) { return v }
        let digits: [Character: Int] = ["零": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]
        var total = 0, current = 0
        for ch in s {
            if ch == "十" {
                total += (current == 0 ? 1 : current) * 10
                current = 0
            } else if let d = digits[ch] {
                current = d
            } else {
                return nil
            }
        }
        return total + current
    }

}

/// Merged UTF-16 ranges around every occurrence of a marker code unit: `lead` units before it, `trail` after.
/// A pattern whose every match holds a marker, within `lead`/`trail` of the match's ends, finds the same matches
/// in these ranges as in the whole text, without being tried at every position of a long post.
func markerWindows(_ text: String, markers: Set<UInt16>, lead: Int, trail: Int) -> [NSRange] {
    var out: [NSRange] = []
    var i = 0
    var current: (start: Int, end: Int)? = nil
    let length = text.utf16.count
    for unit in text.utf16 {
        if markers.contains(unit) {
            let start = max(0, i - lead), end = min(length, i + 1 + trail)
            if let c = current, start <= c.end {
                current = (c.start, max(c.end, end))
            } else {
                if let c = current { out.append(NSRange(location: c.start, length: c.end - c.start)) }
                current = (start, end)
            }
        }
        i += 1
    }
    if let c = current { out.append(NSRange(location: c.start, length: c.end - c.start)) }
    return out
}

/// Mentions of casualties, trapped, missing or evacuated people, with counts when given.
public enum PeopleExtractor {
    static let number = "(\\d+|[一二兩三四五六七八九十百]+)"
    static let kinds: [(String, String)] = [
        ("trapped", "受困|困在|被困|困於|等待救援|等救援"), ("injured", "受傷|輕傷|重傷|送醫|骨折"),
        ("dead", "死亡|罹難|身亡|喪生|不治|死"), ("missing", "失聯|失蹤|下落不明"), ("evacuated", "撤離|疏散|安置"),
    ]
    static let patterns: [(String, NSRegularExpression, NSRegularExpression)] = kinds.map { kind, words in
        (kind,
         try! NSRegularExpression(pattern: "\(number)\\s*(?:人|名|位|口|戶)[^，。,.!！?？、；;：:\\n\\d]{0,6}?(?:\(words))"),
         try! NSRegularExpression(pattern: "(?:\(words))[^，。,.!！?？、；;：:\\n\\d]{0,4}?\(number)\\s*(?:人|名|位|口|戶)"))
    }
    static let bare: [(String, NSRegularExpression)] = kinds.map { kind, words in
        (kind, try! NSRegularExpression(pattern: "(?:\(words))"))
    }

    static let words: [(kind: String, list: [String])] = kinds.map { ($0.0, $0.1.split(separator: "|").map(String.init)) }

    static let unitCharacters: Set<UInt16> = Set("人名位口戶".utf16)

    static let keyCharacters: Set<Character> = ["受", "困", "傷", "送", "骨", "死", "罹", "身", "喪", "不", "失", "下", "撤", "疏", "安", "救"]

    public static func extract(_ text: String) -> [PeopleMention] {
        guard text.contains(where: { keyCharacters.contains($0) }) else { return [] }
        let ns = text as NSString
        let all = NSRange(location: 0, length: ns.length)
        var out: [PeopleMention] = []
        var covered: [NSRange] = []
        // "3人受傷" first, then "受困民眾5人"; a span already read is not read again.
        // Only the kinds whose words the text has (a plain search) are matched with their patterns.
        let present = Set(words.filter { _, list in list.contains { text.containsExactly($0) } }.map(\.kind))
        guard !present.isEmpty else { return [] }
        // Both counted patterns need a unit (人名位口戶): without one only the bare words can match.
        let counted = text.utf16.contains { unitCharacters.contains($0) }
        for useAfter in [false, true] where counted {
            for (kind, before, after) in patterns where present.contains(kind) {
                for m in (useAfter ? after : before).matches(in: text, range: all)
                where !covered.contains(where: { NSIntersectionRange($0, m.range).length > 0 }) {
                    let n = TimeExtractor.chineseNumber(ns.substring(with: m.range(at: 1)))
                    out.append(PeopleMention(kind: kind, count: n, surface: ns.substring(with: m.range)))
                    covered.append(m.range)
                }
            }
        }
        for (kind, re) in bare where present.contains(kind) && !out.contains(where: { $0.kind == kind }) {
            if let m = re.firstMatch(in: text, range: all), !covered.contains(where: { NSIntersectionRange($0, m.range).length > 0 }) {
                out.append(PeopleMention(kind: kind, count: nil, surface: ns.substring(with: m.range)))
            }
        }
        return out
    }
}

/// Villages (里/村) written after a township or on their own: 「汐止區康福里」, 「南沙魯里」.
public enum VillageExtractor {
    static let pattern = try! NSRegularExpression(pattern: "(?<=[區鄉鎮市])([\\p{Han}]{1,3}[里村])(?![長民])")

    public static func extract(_ text: String) -> [String] {
        guard text.unicodeScalars.contains(where: { $0 == "里" || $0 == "村" }) else { return [] }
        let ns = text as NSString
        return pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}
