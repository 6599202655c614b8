import Foundation

/// `TimeExtractor.pattern` matched by hand, as ICU matches it: the same matches with the same nine groups
/// (`TimeWalkerTests` compares the two on every EMIC description and on seeded texts). The regular expression
/// through Foundation was a tenth of classifying a post.
///
/// Every part of the pattern after its first is optional, so the first way ICU finds (greedy at every step) always
/// succeeds: an optional part is taken whenever it can match, and the spaces before it stay taken when it cannot.
/// Inside a part, a shorter run of digits or numerals is followed by another one, which nothing there accepts, so
/// taking the longest run is the only choice that can succeed.
struct TimeWalker {
    /// One match: its range and its groups 1–9 (index 0 unused; nil where the group took no part), in UTF-16 units.
    struct Match: Equatable {
        var range: Range<Int>
        var groups: [Range<Int>?]
    }

    let units: [UInt16]
    /// The end of the window searched (a match never reaches past it).
    let end: Int

    /// ICU's find from `start`: a match at the first position that has one, then on from its end (one position on
    /// after an empty match).
    func matches(from start: Int) -> [Match] {
        var out: [Match] = []
        var s = start
        while s < end {
            if let m = match(at: s) {
                out.append(m)
                s = m.range.isEmpty ? s + 1 : m.range.upperBound
            } else {
                s += 1
            }
        }
        return out
    }

    /// The match at `s`: nil when the look-ahead refuses the character there (the match would be empty anyway).
    func match(at s: Int) -> Match? {
        guard let c = scalar(s), Self.startCharacters.contains(c) || Self.isDigit(c) || Self.isSpace(c) else {
            return nil
        }
        var g = [Range<Int>?](repeating: nil, count: 10)
        var p = s
        // (今天|…|前天) | (9)/(3)日? | (3)日
        if let r = word(p, Self.relativeDays) {
            g[1] = p..<r
            p = r
        } else if let (r, month, day) = monthDay(p) {
            g[2] = month
            g[3] = day
            p = r
        } else if let (r, day) = dayOnly(p) {
            g[4] = day
            p = r
        }
        p = spaces(p)
        if let r = word(p, Self.partsOfDay) {
            g[5] = p..<r
            p = r
        }
        p = spaces(p)
        if let (r, hour, minute) = clock(p) {
            g[6] = hour
            g[7] = minute
            p = r
        } else if let (r, hh, mm) = hhmm(p) {
            g[8] = hh
            g[9] = mm
            p = r
        }
        return Match(range: s..<p, groups: g)
    }

    /// (\d{1,2})\s*[/月]\s*(\d{1,2})\s*[日號]?
    func monthDay(_ p: Int) -> (Int, Range<Int>, Range<Int>)? {
        let m = run(p, max: 2, Self.isDigit)
        guard m > p else { return nil }
        var q = spaces(m)
        guard q < end, units[q] == 0x2F || units[q] == 0x6708 else { return nil }  // / 月
        q = spaces(q + 1)
        let d = run(q, max: 2, Self.isDigit)
        guard d > q else { return nil }
        var r = spaces(d)
        if r < end, units[r] == 0x65E5 || units[r] == 0x865F { r += 1 }  // 日 號
        return (r, p..<m, q..<d)
    }

    /// (\d{1,2})\s*[日號]
    func dayOnly(_ p: Int) -> (Int, Range<Int>)? {
        let d = run(p, max: 2, Self.isDigit)
        guard d > p else { return nil }
        let q = spaces(d)
        guard q < end, units[q] == 0x65E5 || units[q] == 0x865F else { return nil }  // 日 號
        return (q + 1, p..<d)
    }

    /// ([0-9]{1,2}|[零一二兩三四五六七八九十]{1,3})\s*(?:點|時)\s*(半|[0-9]{1,2}\s*分|[零一二三四五六七八九十]{1,3}\s*分)?
    func clock(_ p: Int) -> (Int, Range<Int>, Range<Int>?)? {
        var h = run(p, max: 2, Self.isASCIIDigit)
        if h == p { h = run(p, max: 3) { Self.hourNumerals.contains($0) } }
        guard h > p else { return nil }
        var q = spaces(h)
        guard q < end, units[q] == 0x9EDE || units[q] == 0x6642 else { return nil }  // 點 時
        q = spaces(q + 1)
        guard q < end else { return (q, p..<h, nil) }
        if units[q] == 0x534A { return (q + 1, p..<h, q..<(q + 1)) }  // 半
        var m = run(q, max: 2, Self.isASCIIDigit)
        if m == q { m = run(q, max: 3) { Self.minuteNumerals.contains($0) } }
        guard m > q else { return (q, p..<h, nil) }
        let r = spaces(m)
        guard r < end, units[r] == 0x5206 else { return (q, p..<h, nil) }  // 分
        return (r + 1, p..<h, q..<(r + 1))
    }

    /// ([0-9]{1,2}):([0-5][0-9])
    func hhmm(_ p: Int) -> (Int, Range<Int>, Range<Int>)? {
        let h = run(p, max: 2, Self.isASCIIDigit)
        guard h > p, h + 2 < end, units[h] == 0x3A else { return nil }  // :
        guard (0x30...0x35).contains(units[h + 1]), Self.isASCIIDigit(UInt32(units[h + 2])) else { return nil }
        return (h + 3, p..<h, (h + 1)..<(h + 3))
    }

    /// The end of the two-unit word from `words` at `p`, if one is there.
    func word(_ p: Int, _ words: Set<UInt32>) -> Int? {
        guard p + 1 < end, words.contains(UInt32(units[p]) << 16 | UInt32(units[p + 1])) else { return nil }
        return p + 2
    }

    /// The end of up to `max` code points from `p` that `accept` takes.
    func run(_ p: Int, max: Int, _ accept: (UInt32) -> Bool) -> Int {
        var q = p
        var n = 0
        while n < max, let c = scalar(q), accept(c) {
            q += c > 0xFFFF ? 2 : 1
            n += 1
        }
        return q
    }

    /// \s*
    func spaces(_ p: Int) -> Int {
        var q = p
        while let c = scalar(q), Self.isSpace(c) { q += c > 0xFFFF ? 2 : 1 }
        return q
    }

    /// The code point at `p` inside the window; a lone surrogate stands for itself (as in ICU).
    func scalar(_ p: Int) -> UInt32? {
        p < end ? codePoint(units, p, end).0 : nil
    }

    /// \d: any decimal digit (General_Category Nd), not only 0-9.
    static func isDigit(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        if c >= 0x3400 && c <= 0x9FFF { return false }  // CJK ideographs: most of a post, none a digit
        return Unicode.Scalar(c)?.properties.numericType == .decimal
    }

    static func isASCIIDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// \s in ICU: the Unicode White_Space property (tab to carriage return, U+0085, the space separators …).
    static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        if c > 0x3000 { return false }  // the last White_Space code point is U+3000 (ideographic space)
        return Unicode.Scalar(c)?.properties.isWhitespace == true
    }

    static func pairs(_ words: [String]) -> Set<UInt32> {
        Set(words.map { w in
            let u = Array(w.utf16)
            precondition(u.count == 2, "\(w): the walker reads two-unit words")
            return UInt32(u[0]) << 16 | UInt32(u[1])
        })
    }

    static let relativeDays = pairs(["今天", "今日", "今晚", "今早", "今晨", "今夜", "明天", "明日", "明晚", "明早", "明晨", "昨天", "昨日", "昨晚", "昨夜", "後天", "前天"])
    static let partsOfDay = pairs(["凌晨", "清晨", "早上", "上午", "中午", "下午", "傍晚", "晚上", "晚間", "夜間", "半夜"])
    static let hourNumerals = Set("零一二兩三四五六七八九十".unicodeScalars.map(\.value))
    static let minuteNumerals = Set("零一二三四五六七八九十".unicodeScalars.map(\.value))
    /// The look-ahead's characters besides \d and \s.
    static let startCharacters = Set("今明昨後前凌清早上中下傍晚夜半零一二兩三四五六七八九十".unicodeScalars.map(\.value))
}
