import Classifier
import Foundation
import Testing
import TestSupport

@Suite("Normaliser and tokenizer")
struct TokenizerTests {
    static let lexicon: Lexicon = try! Lexicon.load(directory: TestPaths.lexicons)

    @Test func normaliserFoldsWidth() {
        #expect(Normalizer.normalize("ＡＢＣ１２３！　新北市") == "ABC123! 新北市")
        #expect(Normalizer.normalize("") == "")
        #expect(Normalizer.simplified("颱風來了") == "台风来了")
    }

    @Test func namedDomainWordsStayWhole() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let words = t.words("新北市那瑪夏區出現堰塞湖，土石流警戒，網傳明天停班停課")
        for w in ["新北市", "那瑪夏區", "堰塞湖", "停班停課"] { #expect(words.contains(w), "\(words)") }
        #expect(t.words("土石流")  == ["土石流"])
    }

    @Test func everyLexiconWordStaysWholeInContext() {
        let t = Tokenizer(lexicon: Self.lexicon)
        var broken: [String] = []
        for word in Self.lexicon.words where word.count > 1 {
            // Alone, and between ordinary words on both sides.
            if t.words(word) != [word] { broken.append(word) }
            let words = t.words("他說：\(word)。")
            if !words.contains(word) { broken.append("他說：\(word)。→ \(words.joined(separator: "/"))") }
        }
        #expect(Self.lexicon.words.count > 1000)
        #expect(broken.isEmpty, Comment(rawValue: broken.prefix(30).joined(separator: "\n")))
    }

    @Test func icuHandlesWhatTheLexiconDoesNot() {
        let t = Tokenizer(words: [String]())
        let tokens = t.tokenize("iPhone 15 價格 3,000元!")
        #expect(tokens.map(\.text).contains("iPhone"))
        #expect(tokens.contains { $0.text == "!" && $0.kind == .punctuation })
        #expect(!tokens.contains { $0.text.contains(" ") })
    }

    @Test func offsetsPointIntoTheText() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let text = "汐止康寧街淹水 😱 快救人"
        let utf16 = Array(text.utf16)
        for tok in t.tokenize(text) {
            #expect(String(decoding: utf16[tok.start..<tok.end], as: UTF16.self) == tok.text)
        }
    }

    @Test func hostileInputDoesNotCrash() {
        let t = Tokenizer(lexicon: Self.lexicon)
        #expect(t.tokenize("").isEmpty)
        #expect(t.tokenize("   \n\t").isEmpty)
        let invalid = String(decoding: [0xFF, 0xFE, 0xE4, 0xB8, 0x41, 0x00, 0xF0, 0x9F], as: UTF8.self)
        _ = t.tokenize(Normalizer.normalize(invalid))
        let big = String(repeating: "颱風天停電淹水", count: 20_000)
        #expect(t.tokenize(big).count >= 20_000)
    }
}
