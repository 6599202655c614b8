import Foundation
import SieveCore
import Testing
import TestSupport

@testable import Classifier

/// `TimeWalker` matches `TimeExtractor.pattern` by hand; in every window it must find what ICU finds: the same
/// non-empty matches with the same nine groups.
@Suite("Time walker: the hand-written walk finds what the pattern finds")
struct TimeWalkerTests {
    /// Non-empty matches in the windows, with their groups, as ICU gives them.
    static func reference(_ text: String) -> [TimeWalker.Match] {
        TimeExtractor.windows(text).flatMap { TimeExtractor.pattern.matches(in: text, range: $0) }.filter { $0.range.length > 0 }.map { m in
            TimeWalker.Match(
                range: m.range.location..<(m.range.location + m.range.length),
                groups: [nil] + (1...9).map { i in
                    let r = m.range(at: i)
                    return r.location == NSNotFound ? nil : r.location..<(r.location + r.length)
                })
        }
    }

    static func walked(_ text: String) -> [TimeWalker.Match] {
        let units = Array(text.utf16)
        return TimeExtractor.windows(text).flatMap { TimeWalker(units: units, end: $0.location + $0.length).matches(from: $0.location) }
            .filter { !$0.range.isEmpty }
    }

    @Test func handWrittenCases() {
        for text in [
            "今天下午 3 點半新北市汐止區淹水", "9/3 晚上 21:30 台9線 85K 坍方", "明早  六 點", "凌晨2點半", "", "沒有時間", "12月3日晚上八點十五分",
            "3日 晚間11時40分", "123點", "12:61", "12:5", "兩點二十分", "兩點兩分", "九 月", "１２月３日", "٣/٤", "𝟏𝟐/𝟑",
            "明天\u{3000}上午\u{A0}9點", "昨晚\u{0B}十點", "5\u{2028}號", "今天 ", "下午", "十二點 三十 分",
        ] {
            #expect(Self.walked(text) == Self.reference(text), "\(text)")
        }
        // Groups as the extractor reads them: 12 (month) / 3 (day) and 八 (hour), 十五分 (minute).
        let m = Self.walked("12月3日晚上八點十五分")
        #expect(m.count == 1 && m.first?.groups[2] == 0..<2 && m.first?.groups[3] == 3..<4 && m.first?.groups[6] == 7..<8 && m.first?.groups[7] == 9..<12)
    }

    /// The short cuts past Unicode's property tables hold for every code point they skip.
    @Test func shortCutsAgreeWithTheUnicodeProperties() {
        for c: UInt32 in 0x80...0x10FFFF {
            guard let s = Unicode.Scalar(c) else { continue }
            if TimeWalker.isDigit(c) != (s.properties.numericType == .decimal) || TimeWalker.isSpace(c) != s.properties.isWhitespace
                || PostClassifier.isLetter(s) != s.properties.isAlphabetic
            {
                Issue.record("U+\(String(c, radix: 16, uppercase: true))")
                return
            }
        }
    }

    /// Seeded texts over what the pattern reads (relative days, parts of the day, digits of several scripts,
    /// numerals, 月日號/:點時分半, several kinds of space, a lone surrogate) and a few other characters.
    @Test func seededTextsAgree() {
        let alphabet: [String] = [
            "今天", "明晚", "昨", "天", "後天", "凌晨", "下午", "晚上", "晚", "上", "夜", "半", "0", "1", "2", "5", "9", "１", "٣", "𝟏",
            "一", "二", "兩", "十", "零", "月", "日", "號", "/", ":", "點", "時", "分", " ", "  ", "\u{3000}", "\u{A0}", "\t", "\n",
            "\u{0B}", "\u{85}", "\u{2028}", "\u{200B}", "淹水", "，", "a", String(decoding: [0xDC00 as UInt16], as: UTF16.self),
        ]
        var rng = SplitMix64(seed: 20261205)
        var matched = 0
        var differ: [String] = []
        for _ in 0..<100_000 {
            let text = (0..<Int.random(in: 1...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let expected = Self.reference(text)
            matched += expected.count
            if Self.walked(text) != expected { differ.append(text) }
        }
        #expect(differ.isEmpty, "\(differ.count) differ, first: \(differ.first.map { $0.debugDescription } ?? "")")
        #expect(matched > 100_000, "\(matched) matches in 100,000 texts")
    }

    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func everyEMICDescription() throws {
        let (found, differ) = try compareOnEMICDescriptions("time walker", reference: Self.reference, walked: Self.walked)
        #expect(found > 1_000)
        #expect(differ.isEmpty, "first: \(differ.first.map { String($0.prefix(200)) } ?? "")")
    }
}
