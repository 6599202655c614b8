import Foundation
import SieveCore
@testable import Store
import Testing

/// The hand-written JSON of the assessment columns against Foundation's `JSONEncoder`/`JSONDecoder`, which wrote and
/// read them before: the same bytes out, the same values back, either way round.
@Suite("Assessment JSON columns")
struct AssessmentJSONTests {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func foundation<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }

    static let awkward = "引號\"反斜線\\ 斜線/ 換行\n歸位\r定位\t\u{08}\u{0C}\u{01}\u{1F} emoji 🌀 é 𠀀"

    static let details = AssessmentDetails(
        times: [TimeMention(surface: "今晚8點", start: "2026-07-24T20:00:00+08:00", granularity: "hour"),
                TimeMention(surface: awkward, start: "", granularity: "day")],
        people: [PeopleMention(kind: "trapped", count: 3, surface: "3人受困"), PeopleMention(kind: "missing", count: nil, surface: "有人失蹤")],
        reasonNotes: [
            ReasonNote("提到{word}（{source}）", ["word": "土石流", "source": "EMIC 通報"]),
            ReasonNote("{a}與{b}", [:], names: ["a": "type.flood", "b": "app:淹水"],
                       parts: ["x": ReasonNote("巢狀 {n}", ["n": awkward]), "y": ReasonNote("", [:])]),
        ])

    static let places = [
        PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市"),
        PlaceMention(surface: awkward, name: "台北", level: "county", county: nil),
    ]

    @Test func writesWhatJSONEncoderWrites() throws {
        #expect(AssessmentJSON.encode(Self.details) == (try Self.foundation(Self.details)))
        #expect(AssessmentJSON.encode(Self.places) == (try Self.foundation(Self.places)))
        for strings in [[], ["flood", "landslide"], [Self.awkward, ""], ["\"", "\n尾\\", "\u{01}", "\\\\頭"]] {
            #expect(AssessmentJSON.encode(strings) == (try Self.foundation(strings)))
        }
        let noNotes = AssessmentDetails(times: [], people: [], reasonNotes: nil)
        #expect(AssessmentJSON.encode(noNotes) == (try Self.foundation(noNotes)))
        // The labels and the EMIC type, each alone and all together (keys sorted, absent ones omitted).
        for (d, r, e) in [("不確定", nil, nil), (nil, "待查證", nil), (nil, nil, "路樹災情"), ("災情通報", "非謠言", Self.awkward)] as [(String?, String?, String?)] {
            var labelled = Self.details
            labelled.disasterLabel = d
            labelled.rumourLabel = r
            labelled.emicType = e
            #expect(AssessmentJSON.encode(labelled) == (try Self.foundation(labelled)))
            let back = try AssessmentJSON.details(AssessmentJSON.encode(labelled))
            #expect(back.disasterLabel == d && back.rumourLabel == r && back.emicType == e)
            var bare = noNotes
            bare.disasterLabel = d
            bare.rumourLabel = r
            bare.emicType = e
            #expect(AssessmentJSON.encode(bare) == (try Self.foundation(bare)))
        }
    }

    /// A drill counts a rumour as caught when the moderators saw it marked: 像謠言 or 待查證 (the flag band under
    /// 0.5), or for an unlabelled assessment a score of at least 0.5.
    @Test func aDrillCountsWhatTheModeratorsSawMarked() {
        func signal(_ rumour: Double, _ label: String?) -> ExerciseSignal {
            ExerciseSignal(disaster: 0.1, rumour: rumour, verdict: nil, state: "queued", rumourLabel: label)
        }
        #expect(signal(0.31, "待查證").rumourMarked && signal(0.8, "像謠言").rumourMarked)
        #expect(!signal(0.2, "非謠言").rumourMarked && !signal(0.5, "不確定").rumourMarked)
        #expect(signal(0.5, nil).rumourMarked && !signal(0.49, nil).rumourMarked)
    }

    @Test func readsWhatEitherWrote() throws {
        let decoder = JSONDecoder()
        for text in [AssessmentJSON.encode(Self.details), try Self.foundation(Self.details)] {
            let d = try AssessmentJSON.details(text)
            #expect(d.times == Self.details.times && d.people == Self.details.people && d.reasonNotes == Self.details.reasonNotes)
            let f = try decoder.decode(AssessmentDetails.self, from: Data(text.utf8))
            #expect(f.times == d.times && f.people == d.people && f.reasonNotes == d.reasonNotes)
            // The cross-reference's reading passes over the notes and reads the rest the same.
            let light = try AssessmentJSON.details(text, withNotes: false)
            #expect(light.reasonNotes == nil && d.reasonNotes?.isEmpty == false)
            #expect(light.times == d.times && light.people == d.people && light.emicType == d.emicType)
            #expect(light.disasterLabel == d.disasterLabel && light.rumourLabel == d.rumourLabel)
        }
        #expect(try AssessmentJSON.places(AssessmentJSON.encode(Self.places)) == Self.places)
        #expect(try AssessmentJSON.strings(AssessmentJSON.encode([Self.awkward, "a"])) == [Self.awkward, "a"])
    }

    @Test func readsOtherSpellingsOfTheSameJSON() throws {
        // Another key order, white space, escaped slashes and \u escapes (with a surrogate pair), unknown keys,
        // an explicit null for an optional: what PostgreSQL's jsonb or another writer may hand back.
        let text = #"""
            { "times" : [ ], "extra": {"k": [1, 2.5e3, true, false, null]},
              "people": [ {"surface": "\u4e09\u4eba\/\ud83c\udf00", "kind": "trapped", "count": null} ],
              "reasonNotes": [ {"template": "x", "args": {}, "names": null} ] }
            """#
        let d = try AssessmentJSON.details(text)
        #expect(d.people == [PeopleMention(kind: "trapped", count: nil, surface: "三人/🌀")])
        // Passing over notes with escaped quotes, brackets inside strings and nesting, before and after other keys.
        for notes in [#"[{"template": "a \"]}\\", "args": {"x": "[{"}}]"#, "[]", "null", #" [ [ ] , { } ] "#] {
            let light = try AssessmentJSON.details(#"{"reasonNotes": \#(notes), "emicType": "淹水", "times": [], "people": []}"#, withNotes: false)
            #expect(light.emicType == "淹水" && light.reasonNotes == nil, "\(notes)")
        }
        #expect(throws: AssessmentJSON.Malformed.self) { try AssessmentJSON.details(#"{"reasonNotes": [{"template": "x}"#, withNotes: false) }
        #expect(d.times.isEmpty && d.reasonNotes == [ReasonNote("x", [:])])
        #expect(try AssessmentJSON.strings(" [ \"a\" , \"b\" ] ") == ["a", "b"])
    }

    @Test func malformedJSONIsAnErrorThatSaysWhere() {
        for bad in ["", "[", "[\"a\"", "[\"a\",]", "{\"times\": [}", "[1]", "[\"\\x\"]", "[\"a\"] x", "[\"\\ud800\\u0041\"]",
                    String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            do {
                _ = try AssessmentJSON.strings(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect("\(error)".contains("malformed assessment JSON"), "\(error)")
            }
        }
    }

    /// Through the store: what `saveAssessments` writes comes back equal from the item page's read and, without the
    /// reason notes, from the cross-reference lease.
    @Test func anAssessmentRoundTripsThroughTheStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sieve-aj-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = try await AppDatabase(path: folder.appendingPathComponent("s.sqlite").path)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])
        try await db.recordFetch(DocumentRecord(sourceId: ids["s"]!, url: "https://example.org/"),
                                 posts: [ExtractedPost(externalID: "1", title: "t", text: "那瑪夏區土石流")])
        let post = try #require(try await db.postsToAssess().first)
        var a = Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide", Self.awkward], places: Self.places,
                           reasons: ["提到土石流", Self.awkward], model: "m")
        a.times = Self.details.times
        a.people = Self.details.people
        a.reasonNotes = Self.details.reasonNotes ?? []
        try await db.saveAssessments([(post.id, a, 1.0)])
        #expect(try await db.item(id: post.id).assessment == a)
        // The cross-reference lease reads everything but the reason notes, which it never shows.
        let back = try #require(try await db.leasePostsToCrossReference(limit: 10).first)
        var withoutNotes = a
        withoutNotes.reasonNotes = []
        #expect(back.assessment == withoutNotes && !a.reasonNotes.isEmpty)
    }
}
