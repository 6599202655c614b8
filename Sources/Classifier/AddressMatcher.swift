import CICU
import Foundation
import SieveCore

/// Street addresses as people write them: 「康寧街137號」, 「中正路三段12巷5號」, 「台21線85K」.
///
/// What counts as an address is `pattern`; `addresses(in:)` finds what ICU finds with it (`ExtractorWindowTests`
/// compares the two on every EMIC description and on seeded texts), by a hand-written walk: the regular
/// expression, run through Foundation, was a tenth of the cross-reference's time and a twentieth of classifying.
public enum AddressMatcher {
    static let pattern = try! NSRegularExpression(
        pattern: "[\\p{Han}&&[^區市縣鄉鎮里村在於的到從往近]]{1,4}(?:路|街|大道)(?:[一二三四五六七八九十0-9]+段)?(?:[0-9一二三四五六七八九十]+巷)?(?:[0-9]+弄)?[0-9]+(?:之[0-9]+)?號|[\\p{Han}&&[^區市縣鄉鎮里村在於的到從往近]]{1,4}(?:路|街|大道)[一二三四五六七八九十0-9]+段|(?:台|臺|省道|縣道)[0-9]{1,3}(?:甲|乙)?線(?:[0-9.]+(?:K|k|公里))?")

    static let roadUnits: Set<UInt16> = Set("路街道".utf16)
    static let terminalUnits: Set<UInt16> = Set("號段".utf16)
    static let lineUnit: UInt16 = 0x7DDA  // 線

    public static func addresses(in text: String) -> [PlaceMention] {
        let units = Array(text.utf16)
        var out: [PlaceMention] = []
        for window in windows(units) {
            for r in matches(units, in: window) {
                let s = String(decoding: units[r], as: UTF16.self)
                guard s.count >= 3 else { continue }
                out.append(PlaceMention(surface: s, name: s, level: "address"))
            }
        }
        return out
    }

    /// The stretches the pattern can match in: around every 線 (the route alternative holds one), and around a 路,
    /// 街 or 道 only when 號 or 段 follows within 32 units — the street alternatives end with one of them, at most 30
    /// units after their road word. (「道路中斷」 alone no longer sends the post through the pattern.)
    static func windows(_ text: String) -> [NSRange] {
        windows(Array(text.utf16)).map { NSRange(location: $0.lowerBound, length: $0.count) }
    }

    static func windows(_ units: [UInt16]) -> [Range<Int>] {
        var nextTerminal = Int.max
        var markers: [Int] = []
        for i in stride(from: units.count - 1, through: 0, by: -1) {
            let u = units[i]
            if terminalUnits.contains(u) { nextTerminal = i }
            if u == lineUnit || (roadUnits.contains(u) && nextTerminal - i <= 32) { markers.append(i) }
        }
        var out: [Range<Int>] = []
        var current: Range<Int>? = nil
        for i in markers.reversed() {
            let start = max(0, i - 8), end = min(units.count, i + 1 + 32)
            if let c = current, start <= c.upperBound {
                current = c.lowerBound..<max(c.upperBound, end)
            } else {
                if let c = current { out.append(c) }
                current = start..<end
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    /// The pattern's matches in `units[range]` as ICU's find gives them: the leftmost match first (its
    /// alternatives tried in order, greedy, backtracking), then the search goes on after it.
    static func matches(_ u: [UInt16], in range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var s = range.lowerBound
        while s < range.upperBound {
            if let e = match(u, at: s, end: range.upperBound) {
                out.append(s..<e)
                s = e
            } else {
                s += 1
            }
        }
        return out
    }

    /// The end of the pattern's match starting at `s`, if there is one.
    ///
    /// After the road word every part of the street alternatives is decided by the next character: each optional
    /// part (三段, 12巷, 5弄, 之1) ends in a character the parts after it cannot start with, so once it matched,
    /// skipping it cannot succeed, and a shorter run of digits is followed by a digit, which nothing accepts. Only
    /// the name's length (one to four characters, longest first) is backtracked over, as ICU does.
    static func match(_ u: [UInt16], at s: Int, end: Int) -> Int? {
        var nameEnds: [Int] = []
        var p = s
        while nameEnds.count < 4, p < end {
            let (c, n) = codePoint(u, p, end)
            guard isNameCharacter(c) else { break }
            p += n
            nameEnds.append(p)
        }
        for q in nameEnds.reversed() {
            if let r = road(u, q, end), let e = numbered(u, r, end) { return e }
        }
        for q in nameEnds.reversed() {
            if let r = road(u, q, end), let e = section(u, r, end) { return e }
        }
        return route(u, s, end)
    }

    /// 路, 街 or 大道 at `q`: the position after it.
    static func road(_ u: [UInt16], _ q: Int, _ end: Int) -> Int? {
        guard q < end else { return nil }
        if u[q] == 0x8DEF || u[q] == 0x8857 { return q + 1 }  // 路 街
        if u[q] == 0x5927, q + 1 < end, u[q + 1] == 0x9053 { return q + 2 }  // 大道
        return nil
    }

    /// (三段)?(12巷)?(5弄)?137(之1)?號 after the road word.
    static func numbered(_ u: [UInt16], _ start: Int, _ end: Int) -> Int? {
        var q = start
        let section = run(u, q, end, isNumeral)
        if section > q, section < end, u[section] == 0x6BB5 { q = section + 1 }  // 段
        let lane = run(u, q, end, isNumeral)
        if lane > q, lane < end, u[lane] == 0x5DF7 { q = lane + 1 }  // 巷
        let alley = run(u, q, end, isDigit)
        if alley > q, alley < end, u[alley] == 0x5F04 { q = alley + 1 }  // 弄
        let number = run(u, q, end, isDigit)
        guard number > q else { return nil }
        q = number
        if q < end, u[q] == 0x4E4B {  // 之
            let sub = run(u, q + 1, end, isDigit)
            if sub > q + 1 { q = sub }
        }
        guard q < end, u[q] == 0x865F else { return nil }  // 號
        return q + 1
    }

    /// 三段 after the road word.
    static func section(_ u: [UInt16], _ start: Int, _ end: Int) -> Int? {
        let r = run(u, start, end, isNumeral)
        guard r > start, r < end, u[r] == 0x6BB5 else { return nil }  // 段
        return r + 1
    }

    /// (台|臺|省道|縣道)21(甲|乙)?線(85K|12.5公里)?
    static func route(_ u: [UInt16], _ s: Int, _ end: Int) -> Int? {
        var q = s
        if u[q] == 0x53F0 || u[q] == 0x81FA {  // 台 臺
            q += 1
        } else if u[q] == 0x7701 || u[q] == 0x7E23, q + 1 < end, u[q + 1] == 0x9053 {  // 省道 縣道
            q += 2
        } else {
            return nil
        }
        let digits = run(u, q, end, isDigit)
        guard digits > q, digits - q <= 3 else { return nil }
        q = digits
        if q < end, u[q] == 0x7532 || u[q] == 0x4E59 { q += 1 }  // 甲 乙
        guard q < end, u[q] == lineUnit else { return nil }
        q += 1
        let km = run(u, q, end) { isDigit($0) || $0 == 0x2E }  // digits and "."
        if km > q, km < end {
            if u[km] == 0x4B || u[km] == 0x6B { return km + 1 }  // K k
            if u[km] == 0x516C, km + 1 < end, u[km + 1] == 0x91CC { return km + 2 }  // 公里
        }
        return q
    }

    /// The end of the run of units from `i` that `accept` takes.
    @inline(__always) static func run(_ u: [UInt16], _ i: Int, _ end: Int, _ accept: (UInt16) -> Bool) -> Int {
        var j = i
        while j < end, accept(u[j]) { j += 1 }
        return j
    }

    @inline(__always) static func isDigit(_ c: UInt16) -> Bool { c >= 0x30 && c <= 0x39 }

    /// [一二三四五六七八九十0-9]
    @inline(__always) static func isNumeral(_ c: UInt16) -> Bool {
        isDigit(c) || chineseNumerals.contains(c)
    }

    static let chineseNumerals: Set<UInt16> = Set("一二三四五六七八九十".utf16)

    /// [\p{Han}&&[^區市縣鄉鎮里村在於的到從往近]]
    static func isNameCharacter(_ c: UInt32) -> Bool {
        guard c < 0x10000 else { return sieve_icu_is_han(Int32(c)) == 1 }
        return nameBMP[Int(c >> 6)] & (1 << (c & 63)) != 0
    }

    /// The Basic Multilingual Plane's name characters as bits, from ICU's script data.
    static let nameBMP: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1024)
        let excluded = Set("區市縣鄉鎮里村在於的到從往近".unicodeScalars.map(\.value))
        for c in 0..<0x10000 where sieve_icu_is_han(Int32(c)) == 1 && !excluded.contains(UInt32(c)) {
            bits[c >> 6] |= 1 << UInt64(c & 63)
        }
        return bits
    }()
}

/// The code point at `p` in UTF-16 `u` (a surrogate pair read whole only when both halves lie before `end`; a lone
/// surrogate stands for itself, as in ICU) and its length in units. Shared by the hand-written matchers.
@inline(__always) func codePoint(_ u: [UInt16], _ p: Int, _ end: Int) -> (UInt32, Int) {
    let a = u[p]
    if UTF16.isLeadSurrogate(a), p + 1 < end, UTF16.isTrailSurrogate(u[p + 1]) {
        return (0x10000 + (UInt32(a - 0xD800) << 10) + UInt32(u[p + 1] - 0xDC00), 2)
    }
    return (UInt32(a), 1)
}
