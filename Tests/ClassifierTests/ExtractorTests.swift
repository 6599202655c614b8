@testable import Classifier
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Times, people, places")
struct ExtractorTests {
    // 2026-09-14 20:00 Taipei (a Monday).
    static let reference = ISO8601DateFormatter().date(from: "2026-09-14T12:00:00Z")!

    @Test func timesResolveAgainstThePostTime() {
        let cases: [(String, String, String)] = [
            ("今晚", "2026-09-14T18:00:00+08:00", "part-of-day"),
            ("明天", "2026-09-15T00:00:00+08:00", "day"),
            ("9/3", "2026-09-03T00:00:00+08:00", "day"),
            ("下午三點", "2026-09-14T15:00:00+08:00", "minute"),
            ("明天上午9點半", "2026-09-15T09:30:00+08:00", "minute"),
            ("昨晚11點", "2026-09-13T23:00:00+08:00", "minute"),
            ("9月15日凌晨2點", "2026-09-15T02:00:00+08:00", "minute"),
            ("15:40", "2026-09-14T15:40:00+08:00", "minute"),
        ]
        for (text, start, granularity) in cases {
            let t = TimeExtractor.extract("消息：\(text)發生", reference: Self.reference)
            #expect(t.first?.start == start, "\(text): \(t)")
            #expect(t.first?.granularity == granularity, "\(text): \(t)")
        }
        #expect(TimeExtractor.extract("共有120戶停電", reference: Self.reference).isEmpty)
    }

    /// 「晚間11時40分」 in a post published at 00:45 is the evening before, not the coming night (it resolved to
    /// 23:40 of the same day, 23 hours in the future).
    @Test func aTimeWithoutADayIsNeverHalfADayAheadOfThePost() {
        let justAfterMidnight = ISO8601DateFormatter().date(from: "2026-09-14T16:45:00Z")!  // 09-15 00:45 Taipei
        #expect(TimeExtractor.extract("晚間11時40分土石流沖毀便道", reference: justAfterMidnight).first?.start == "2026-09-14T23:40:00+08:00")
        #expect(TimeExtractor.extract("晚上有豪雨", reference: justAfterMidnight).first?.start == "2026-09-14T18:00:00+08:00")
        // Later the same day stays the same day; a named day is never moved.
        #expect(TimeExtractor.extract("晚間8點登陸", reference: Self.reference.addingTimeInterval(-5 * 3600)).first?.start == "2026-09-14T20:00:00+08:00")
        #expect(TimeExtractor.extract("明天晚間11時", reference: justAfterMidnight).first?.start == "2026-09-16T23:00:00+08:00")
    }

    @Test func peopleWithCounts() {
        let p = PeopleExtractor.extract("一家5口受困二樓，另有3人受傷、1人失聯，已撤離20戶")
        #expect(p.contains { $0.kind == "trapped" && $0.count == 5 })
        #expect(p.contains { $0.kind == "injured" && $0.count == 3 })
        #expect(p.contains { $0.kind == "missing" && $0.count == 1 })
        #expect(p.contains { $0.kind == "evacuated" })
        #expect(PeopleExtractor.extract("受困民眾等待救援").first?.kind == "trapped")
        #expect(PeopleExtractor.extract("今天天氣很好").isEmpty)
    }

    /// Every county/city and township in the 2014 DGBAS list (by id; names appear bare and with their county, in
    /// 台 and 臺 spellings) is in Lexicons/places.tsv at the right level, townships under the right county.
    @Test(.enabled(if: TestPaths.has("gazetteer/area_2014.csv"), "../shared/data/gazetteer/area_2014.csv is absent")) func gazetteerIsComplete() throws {
        let csv = try #require(TestPaths.sharedData("gazetteer/area_2014.csv"))
        let lexicon = try Lexicon.load(directory: TestPaths.lexicons)
        let text = try String(contentsOf: csv, encoding: .utf8)
        var names: [String: [String]] = [:]  // id → names
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            guard cols.count >= 2, cols[1].count <= 7, !cols[1].contains("-") else { continue }  // villages excluded
            names[cols[1], default: []].append(Normalizer.normalize(cols[0]).replacingOccurrences(of: " ", with: ""))
        }
        let countyIDs = names.keys.filter { $0.count < 7 }
        let townshipIDs = names.keys.filter { $0.count == 7 }
        var missing: [String] = []
        var countyOf: [String: String] = [:]  // county id → canonical
        for id in countyIDs {
            let found = names[id]!.compactMap { n in lexicon.places[n]?.first { $0.level == "county" }?.canonical }.first
            if let found { countyOf[id] = found } else { missing.append("\(names[id]!.first!) (\(id))") }
        }
        for id in townshipIDs {
            // A township id's county: the county whose name prefixes one of its full names.
            let ok = names[id]!.contains { full in
                lexicon.places.keys.contains { key in
                    guard full.hasPrefix(key), key.count < full.count,
                        let county = lexicon.places[key]?.first(where: { $0.level == "county" })?.canonical
                    else { return false }
                    let rest = String(full.dropFirst(key.count))
                    return lexicon.places[rest]?.contains { $0.level == "township" && $0.parent == county } ?? false
                }
            }
            if !ok { missing.append("\(names[id]!.joined(separator: "/")) (\(id))") }
        }
        print("gazetteer: \(countyIDs.count) counties and \(townshipIDs.count) townships in area_2014.csv; missing \(missing.count)")
        #expect(countyIDs.count == 22)
        #expect(townshipIDs.count >= 368)
        #expect(missing.isEmpty, Comment(rawValue: missing.prefix(20).joined(separator: ", ")))
    }

    @Test func assessmentCarriesEverything() throws {
        let scorer = PostClassifier(lexicon: try Lexicon.load(directory: TestPaths.lexicons), models: ModelSet())
        let a = scorer.assess(
            title: nil, text: "新北市汐止區康福里康寧街137號淹水及腰，一家5口受困二樓，今晚十點還在等救援", published: Self.reference)
        #expect(a.types.contains("trapped") && a.types.contains("flood"))
        #expect(a.places.contains { $0.name == "汐止區" && $0.county == "新北市" })
        #expect(a.places.contains { $0.level == "village" && $0.name == "康福里" })
        #expect(a.places.contains { $0.level == "address" && $0.surface == "康寧街137號" })
        #expect(a.times.first?.start == "2026-09-14T22:00:00+08:00")
        #expect(a.people.first?.count == 5)
        #expect(a.reasons.count >= 3)
    }
}

extension ExtractorTests {
    /// The look-ahead in front of the time pattern changes nothing but the empty matches: on every text of the
    /// project's corpus (written and real: every fourth of about 50,000 lines) both patterns find the same
    /// non-empty matches.
    @Test func theTimePatternsLookAheadKeepsEveryMatch() throws {
        let bare = try NSRegularExpression(pattern: TimeExtractor.body)
        var texts: [String] = ["今晚 8點", "  下午三點半", "9/3 15:30", "３日晚上", "明天", "沒有時間", ""]
        for file in ["Corpus/train/disaster.tsv", "Corpus/train/rumour.tsv", "Corpus/real/disaster_negatives.tsv",
                     "Corpus/real/disaster_official_news.tsv", "Corpus/real/rumour.tsv"] {
            let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent(file), encoding: .utf8)
            texts += text.split(separator: "\n").enumerated().filter { $0.offset % 4 == 0 }.map { String($0.element) }
        }
        #expect(texts.count > 10_000)
        var differing: [String] = []
        var found = 0
        for t in texts {
            let range = NSRange(location: 0, length: (t as NSString).length)
            let a = TimeExtractor.pattern.matches(in: t, range: range).filter { $0.range.length > 0 }.map(\.range)
            let b = bare.matches(in: t, range: range).filter { $0.range.length > 0 }.map(\.range)
            found += a.count
            if a != b { differing.append(t) }
        }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
        #expect(found > 250, "the corpus has times to find: \(found)")
    }
}

@Suite("Landmarks")
struct LandmarkTests {
    @Test func landmarksAreFoundWithTheirCounty() throws {
        let scorer = LexiconScorer(lexicon: try Lexicon.load(directory: TestPaths.lexicons))
        let a = scorer.assess(title: nil, text: "蘇花公路落石，雪山隧道北上車多", published: nil)
        #expect(a.places.contains { $0.name == "蘇花公路" && $0.level == "landmark" && $0.county == "花蓮縣" })
        #expect(a.places.contains { $0.name == "雪山隧道" && $0.level == "landmark" && $0.county == "宜蘭縣" })
    }
}
