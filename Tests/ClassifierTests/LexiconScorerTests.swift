import Classifier
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Lexicon scorer v0")
struct LexiconScorerTests {
    static let scorer = LexiconScorer(lexicon: try! Lexicon.load(directory: TestPaths.lexicons))

    @Test func classicClosureRumour() {
        let a = Self.scorer.assess(title: nil, text: "【緊急通知】網傳明天全台停班停課！！快分享給家人", published: nil)
        #expect(a.rumour >= 0.8)
        #expect(a.reasons.contains { $0.contains("網傳") || $0.contains("快分享") })
    }

    @Test func landslideReportWithPlace() {
        let a = Self.scorer.assess(
            title: "台21線那瑪夏路段坍方", text: "高雄市那瑪夏區台21線坍方，雙向交通中斷，請用路人改道。", published: nil)
        #expect(a.disaster >= 0.8)
        #expect(a.rumour < 0.3)
        #expect(a.types.contains("landslide"))
        #expect(a.places.contains { $0.name == "那瑪夏區" && $0.county == "高雄市" })
        #expect(a.places.contains { $0.level == "address" && $0.surface.contains("21線") })
    }

    @Test func trappedPeopleAndAddress() {
        let a = Self.scorer.assess(title: nil, text: "新北市汐止區康寧街137號淹水，一家五口受困二樓", published: nil)
        #expect(a.types.contains("trapped"))
        #expect(a.types.contains("flood"))
        #expect(a.places.contains { $0.surface == "康寧街137號" })
        let plain = Self.scorer.assess(title: nil, text: "新北市汐止區康寧街137號淹水", published: nil)
        #expect(queuePriority(a) > queuePriority(plain))
    }

    @Test func chatterScoresLow() {
        let a = Self.scorer.assess(title: nil, text: "今晚味全龍對樂天桃猿的比賽延賽啦，只好在家看電影", published: nil)
        #expect(a.disaster < 0.2)
        #expect(a.rumour < 0.2)
        #expect(a.types.isEmpty)
    }

    @Test func ambiguousTownshipUsesTheCountyMentioned() {
        let a = Self.scorer.assess(title: nil, text: "臺南市東區淹水", published: nil)
        #expect(a.places.contains { $0.name == "東區" && $0.county == "臺南市" })
    }

    @Test func negatedCueDoesNotCount() {
        let a = Self.scorer.assess(title: nil, text: "市府提醒：請勿轉傳來源不明訊息，明天照常上班上課", published: nil)
        let b = Self.scorer.assess(title: nil, text: "網傳明天停班停課，大家轉傳", published: nil)
        #expect(a.rumour < b.rumour)
    }

    @Test func emptyAndGarbageGiveSensibleAssessments() {
        for text in ["", "\u{0}\u{1}\u{2}", String(repeating: "a", count: 1_000_000)] {
            let a = Self.scorer.assess(title: nil, text: text, published: nil)
            #expect(a.disaster >= 0 && a.disaster <= 1)
            #expect(a.rumour >= 0 && a.rumour <= 1)
        }
    }

    @Test func missingLexiconFolderIsAClearError() {
        #expect(throws: Lexicon.LoadError.self) {
            var l = Lexicon()
            try l.addWords(file: URL(fileURLWithPath: "/nonexistent/words.txt"))
        }
    }
}

@Suite("Simplified Chinese")
struct SimplifiedLexiconTests {
    @Test func simplifiedRumourMeetsTheTraditionalLexicon() throws {
        let scorer = LexiconScorer(lexicon: try Lexicon.load(directory: TestPaths.lexicons))
        let t = scorer.assess(title: nil, text: "【緊急通知】網傳明天全台停班停課！快分享", published: nil)
        let s = scorer.assess(title: nil, text: "【紧急通知】网传明天全台停班停课！快分享", published: nil)
        #expect(s.rumour >= 0.8)
        #expect(abs(s.rumour - t.rumour) < 0.15)
        let flood = scorer.assess(title: nil, text: "新北市汐止区淹水，一家人受困", published: nil)
        #expect(flood.types.contains("flood"))
        #expect(flood.types.contains("trapped"))
        #expect(flood.places.contains { $0.name == "汐止區" })
    }
}
