import Foundation
import SieveCore
import Testing
import TestSupport

@testable import Classifier

/// `AddressMatcher` walks the text by hand; what it finds must be what ICU finds with the matcher's regular
/// expression (`AddressMatcher.pattern`) in the same windows: the same surfaces, in the same order.
@Suite("Address matcher: the hand-written walk finds what the pattern finds")
struct AddressMatcherTests {
    /// The earlier way: the pattern through NSRegularExpression in each window.
    static func reference(_ text: String) -> [String] {
        let ns = text as NSString
        return AddressMatcher.windows(text).flatMap { AddressMatcher.pattern.matches(in: text, range: $0) }
            .map { ns.substring(with: $0.range) }.filter { $0.count >= 3 }
    }

    static func walked(_ text: String) -> [String] { AddressMatcher.addresses(in: text).map(\.surface) }

    @Test func handWrittenCases() {
        for (text, expected) in [
            ("新北市汐止區康寧街169巷12弄5號淹水", ["康寧街169巷12弄5號"]),
            ("中正路三段12巷5號旁道路中斷", ["中正路三段12巷5號"]), ("民生路二段", ["民生路二段"]), ("中山大道100號", ["中山大道100號"]),
            ("台9線85K坍方", ["台9線85K"]), ("縣道149甲線12.5公里", ["縣道149甲線12.5公里"]), ("台1234線", []),
            ("莒光路三段137號之1", ["莒光路三段137號"]), ("莒光路137之1號", ["莒光路137之1號"]), ("道路中斷", []),
            ("正路路路路1號", ["正路路路路1號"]), ("𠀀𠀁路3號", ["𠀀𠀁路3號"]), ("", []), ("市區路", []),
        ] {
            #expect(Self.walked(text) == expected, "\(text)")
            #expect(Self.reference(text) == expected, "\(text)")
        }
    }

    /// Seeded texts over the characters the pattern cares about (road words, numerals, 段巷弄號之, route prefixes,
    /// excluded characters, a character outside the Basic Multilingual Plane, a lone surrogate, spaces) and a few
    /// others, so near misses are common.
    @Test func seededTextsAgree() {
        let alphabet: [String] = [
            "路", "街", "大", "道", "段", "巷", "弄", "號", "之", "台", "臺", "省", "縣", "線", "甲", "乙", "公", "里", "K", "k",
            ".", "0", "1", "2", "9", "一", "三", "十", "區", "市", "鄉", "在", "中", "正", "康", "寧", "𠀀", " ", "、", "a",
            String(decoding: [0xD800 as UInt16], as: UTF16.self), "淹水",
        ]
        // Pieces of addresses, so whole ones and near misses are common.
        let pieces = [
            "中正路", "康寧街", "中山大道", "三段", "12巷", "5弄", "137", "之1", "號", "台21", "甲線", "線", "85K", "12.5公里",
            "省道", "縣道149", "區", "路", "段",
        ]
        var rng = SplitMix64(seed: 20261205)
        var withAddress = 0
        var differ: [String] = []
        for _ in 0..<100_000 {
            let text = (0..<Int.random(in: 1...30, using: &rng)).map { _ in
                (Bool.random(using: &rng) ? alphabet : pieces).randomElement(using: &rng)!
            }.joined()
            let expected = Self.reference(text)
            if !expected.isEmpty { withAddress += 1 }
            if Self.walked(text) != expected { differ.append(text) }
        }
        #expect(differ.isEmpty, "\(differ.count) differ, first: \(differ.first ?? "")")
        #expect(withAddress > 8_000, "\(withAddress) of 100,000 texts hold an address")
    }

    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func everyEMICDescription() throws {
        let (found, differ) = try compareOnEMICDescriptions("address matcher", reference: Self.reference, walked: Self.walked)
        #expect(found > 1_000)
        #expect(differ.isEmpty, "first: \(differ.first.map { String($0.prefix(200)) } ?? "")")
    }
}
