import Foundation
@testable import Classifier
import SieveCore
import Testing
import TestSupport

/// The classifier's reasons are data (ReasonNote): in Chinese they read exactly as the stored lines, in English
/// every word of the wording is English and only the post's own words stay as written.
@Suite("Classifier: reasons as data")
struct ReasonNoteTests {
    @Test func reasonsRenderAsStoredInChineseAndInEnglishOtherwise() throws {
        let lexicon = try Lexicon.load(directory: TestPaths.lexicons)
        let classifier = PostClassifier(lexicon: lexicon, models: try ModelSet.load(directory: TestPaths.packageRoot.appendingPathComponent("Models").path))
        let texts = [
            "網傳明天停班停課，大家快轉傳", "高雄市那瑪夏區台21線今晚8時發生土石流，道路中斷，3人受困、2人受傷",
            "新北市汐止區康寧街淹水到腰，有人受困二樓", "颱風天在家煮泡麵配追劇", "台北市明天照常上班上課",
            "中正路與民族路口路樹倒塌，擋住兩個車道",
        ]
        Messages.missingAppPhrases.withLock { $0.removeAll() }
        var seenTemplates = Set<String>()
        for text in texts {
            let a = classifier.assess(title: nil, text: text, published: Date(timeIntervalSince1970: 1_789_394_400))
            #expect(a.reasonNotes.count == a.reasons.count, "\(text): \(a.reasons)")
            #expect(a.reasonNotes.map { $0.render(.zhHant) } == a.reasons)
            for note in a.reasonNotes {
                seenTemplates.insert(note.template)
                let english = note.render(.en)
                // What is left in Chinese is quoted from the post or names a place, a training set or an EMIC type.
                let wording = english.replacingOccurrences(of: "「[^」]*」", with: "", options: .regularExpression)
                    .replacingOccurrences(of: "“[^”]*”", with: "", options: .regularExpression)
                for word in ["模型", "提到", "地點", "時間", "人員", "謠言", "訓練資料", "依據", "未見", "受困", "受傷", "筆"] {
                    #expect(!wording.contains(word), "\(english)")
                }
            }
        }
        #expect(seenTemplates.count >= 6)
        let missing = Messages.missingAppPhrases.withLock { $0 }
        #expect(missing.isEmpty, "\(missing)")
        // A note survives the store's JSON.
        let note = ReasonNote("提到{words}：{type}（+{weight}）", ["words": "「淹水」", "type": "淹水", "weight": "2.0"], names: ["type": "type.flood"])
        let back = try JSONDecoder().decode(ReasonNote.self, from: JSONEncoder().encode(note))
        #expect(back == note && back.render(.en).hasPrefix("mentions 「淹水」: Flood") && back.render() == "提到「淹水」：淹水（+2.0）")
    }

    /// The reasons' numbers are written by hand (String(format:) was a measurable share of classifying a post);
    /// they read the same as String(format:) did for every weight sum and probability a reason can show.
    @Test func handWrittenNumbersReadAsStringFormatDid() {
        for k in 0...3000 {
            for x in [Double(k) * 0.1, Double(k) * 0.3 + 0.3 * Double(k % 7), Double(k) / 997] {
                #expect(LexiconScorer.oneDecimal(x) == String(format: "%.1f", x), "\(x)")
            }
        }
        for k in 0...1000 {
            let p = Double(k) / 1000
            #expect(PostClassifier.percent(p) == String(format: "%.0f%%", p * 100), "\(p)")
        }
    }

    /// Feature hashes are sorted by bucketing on their top bits: the same order as `sort()`, duplicates included.
    @Test func bucketSortedHashesAreSorted() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 5, 33, 64, 200, 1000, 5000, 70_000] {
            var a = (0..<n).map { _ in UInt64.random(in: .min ... .max, using: &rng) }
            a += a.prefix(n / 3)  // repeated hashes
            a += (0..<(n / 4)).map { UInt64($0) }  // clustered small values (one bucket)
            var b = a
            Featurizer.sortHashes(&b)
            #expect(b == a.sorted(), "n = \(n)")
        }
    }
}
