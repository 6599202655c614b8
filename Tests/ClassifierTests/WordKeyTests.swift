import Foundation
import Testing
import TestSupport

@testable import Classifier

/// The lexicon scorer looks words up by their UTF-8 bytes (`WordKey`) instead of Swift's canonical-equivalence
/// comparison; the lexicon's words are put in NFC first, so a word written decomposed in a file still matches.
@Suite("Lexicon words by their bytes")
struct WordKeyTests {
    @Test func aWordWrittenDecomposedIsFoundByItsComposedForm() throws {
        let dir = TempDir()
        _ = dir.write("disaster.tsv", "Cafe\u{301}淹水\tflood\t2\n")
        _ = dir.write("rumour.tsv", "網傳\t1.5\n")
        let index = LexiconScorer.index(try Lexicon.load(directory: dir.url))
        #expect(WordKey("Caf\u{E9}淹水") != WordKey("Cafe\u{301}淹水"))  // the bytes decide …
        #expect("Caf\u{E9}淹水" == "Cafe\u{301}淹水")  // … where String would call them equal
        #expect(index[WordKey("Caf\u{E9}淹水")]?.disaster?.first?.type == "flood")
        #expect(index[WordKey("網傳")]?.rumourCue == 1.5)
        #expect(index[WordKey("网传")]?.rumourCue == 1.5)  // the Simplified form the lexicon adds
        #expect(index[WordKey("請勿")]?.negation == true && index[WordKey("請勿")]?.rumourCue == nil)
        #expect(index[WordKey("淹水")] == nil)
    }
}
