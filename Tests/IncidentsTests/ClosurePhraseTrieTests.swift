import Classifier
import Foundation
import SieveCore
import Store
import Testing
import TestSupport

@testable import Incidents

/// The closure phrases are looked up through a trie (`ClosurePhraseTrie`); it must find what looking up every
/// candidate length as a string finds (the earlier way, written out here as the reference).
@Suite("Closure phrases: the trie finds what string lookups find")
struct ClosurePhraseTrieTests {
    let dir = TempDir()

    static let phrases: [String: String] = {
        var p: [String: String] = [:]
        for (phrase, kind) in Fixture.lexicon.closures { p[CrossReferencer.simplifiedForm(phrase)] = kind }
        return p
    }()

    /// The string-per-length lookup: the first position where a phrase of two code points or more starts, its
    /// longest phrase.
    static func reference(_ text: String) -> String? {
        let maxLength = phrases.keys.map(\.unicodeScalars.count).max() ?? 0
        let chars = Normalizer.normalize(text).unicodeScalars.map(Normalizer.simplifiedScalar)
        for i in chars.indices {
            var len = min(maxLength, chars.count - i)
            while len >= 2 {
                if let kind = phrases[String(String.UnicodeScalarView(chars[i..<(i + len)]))] { return kind }
                len -= 1
            }
        }
        return nil
    }

    @Test func handWrittenCases() async throws {
        let xref = try await Fixture.referencer(try await AppDatabase(path: dir.path("\(UUID().uuidString).sqlite")))
        for (text, kind) in [
            ("網傳臺北市明天停班停課！！快分享", "closure"), ("明天照常上班上課，停班停課以人事總處公告為準", "normal"),
            ("未達停班停課標準", "normal"), ("网传北市明天停班停课", "closure"), ("沒有任何說法", nil), ("", nil), ("停", nil),
        ] as [(String, String?)] {
            #expect(xref.closureClaim(text) == kind, "\(text)")
            #expect(Self.reference(text) == kind, "\(text)")
        }
    }

    /// Seeded texts made of the phrases' own characters (so prefixes, overlaps and near misses are common), noise
    /// and whole phrases, in Traditional and Simplified.
    @Test func seededTextsAgree() async throws {
        let xref = try await Fixture.referencer(try await AppDatabase(path: dir.path("\(UUID().uuidString).sqlite")))
        let keys = Fixture.lexicon.closures.keys.sorted()
        let pieces = Array(Set(keys.joined())).map(String.init).sorted() + ["，", " ", "網傳", "明天", "颱風", "A", "1"]
        var rng = SplitMix64(seed: 20261205)
        var found = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    let k = keys.randomElement(using: &rng)!
                    text += Bool.random(using: &rng) ? k : CrossReferencer.simplifiedForm(k)
                } else {
                    text += pieces.randomElement(using: &rng)!
                }
            }
            let expected = Self.reference(text)
            if expected != nil { found += 1 }
            #expect(xref.closureClaim(text) == expected, "\(text)")
        }
        // Both outcomes were exercised often.
        #expect(found > 5_000 && found < 19_000, "\(found) of 20,000 texts hold a phrase")
    }
}
