import Foundation
import Net
import SieveCore
import Testing

/// `HTMLText.tidy` reads UTF-8 bytes; the version it replaced walked Characters. Both must give the same text
/// wherever Characters and scalars agree (no \r\n pair, no combining mark after a separator).
@Suite("Crawler: tidying post text")
struct TidyTests {
    /// The Character-walking version `tidy` replaced (the reference).
    static func reference(_ s: String) -> String {
        s.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in
                line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\u{3000}" })
                    .joined(separator: " ")
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    @Test func sameAsTheCharacterWalkingVersionOnSeededRandomTexts() {
        // Separators, CJK (3 bytes), an emoji (4 bytes), bytes that share a lead with a separator (U+00A9 ©,
        // U+3001 、, U+3002 。 and U+30A2 ア start with C2 or E3 like U+00A0 and U+3000), ASCII.
        let alphabet: [String] = [
            " ", "  ", "\t", "\n", "\r", "\u{00A0}", "\u{3000}", "a", "Z", "9", "中", "颱", "風", "🌀", "©", "、", "。",
            "ア", "é", "ー",
        ]
        var random = SplitMix64(seed: 0x7134)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 24) {
                let piece = alphabet[Int(random.next() % UInt64(alphabet.count))]
                // No "\r\n" pair: one Character of two scalars, where the two versions differ (see below).
                if piece == "\n" && text.unicodeScalars.last == "\r" { continue }
                text += piece
            }
            #expect(HTMLText.tidy(text) == Self.reference(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func linesWordsAndWhereTheOldVersionWasWrong() {
        #expect(HTMLText.tidy("") == "")
        #expect(HTMLText.tidy(" \n\t\u{3000}\n ") == "")
        #expect(HTMLText.tidy("  花蓮　縣\u{00A0}\u{00A0}秀林鄉 \n\n 土石流  ") == "花蓮 縣 秀林鄉\n土石流")
        // Windows line ends: "\r\n" is one Character, equal to neither "\r" nor "\n", so the Character-walking
        // version kept it inside the line; as scalars it ends the line.
        #expect(HTMLText.tidy("第一行\r\n第二行\r\n") == "第一行\n第二行")
        #expect(Self.reference("第一行\r\n第二行") == "第一行\r\n第二行")
    }
}
