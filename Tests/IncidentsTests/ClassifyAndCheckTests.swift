import Foundation
import Imaging
import Pipeline
import SieveCore
@testable import Store
import Testing
import TestSupport

/// A worker running both stages checks each post as it classifies it (`Pipeline.classifyAndCheck`, one transaction
/// per batch): what it stores is what `classify` then `crossReference` store, on both backends.
@Suite("Classify and cross-reference in one pass")
struct ClassifyAndCheckTests {
    let dir = TempDir()

    enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
        case sqlite, postgres
        var description: String { rawValue }
        static var available: [Backend] { TestPostgres.isAvailable ? allCases : [.sqlite] }

        func open(in dir: TempDir, _ name: String) async throws -> AppDatabase? {
            switch self {
            case .sqlite: return try await AppDatabase(path: dir.path("\(name).sqlite"))
            case .postgres:
                guard let url = try await TestPostgres.freshDatabase(name) else { return nil }
                return try await AppDatabase(path: url)
            }
        }
    }

    /// An EMIC report, two known rumours (one by its words, one by its picture) and posts that meet them: a report
    /// the EMIC row corroborates, three copies of a rumour, a rumour's picture, a post with a position, ordinary
    /// news and a post with a title.
    func seed(_ db: AppDatabase) async throws {
        let csv = """
            CASE_ID,CASE_DT,COUNTY_N,TOWN_N,CASE_LOC,GEOMETRY_TYPE,COORDINATE,DISASTER_MAIN_TYPE,DISASTER_SUB_TYPE,CASE_DESCRIPTION,CASE_STATUS,CASE_TYPE,INJURED_NO,DEATH_NO,TRAPPED_NO,MISSING_NO,SHELTER_NO,IS_TRAFFIC,IS_SERIOUS
            L1,2026/9/14 下午 08:50:00,新北市,汐止區,新北市汐止區康寧街137號,點,"121.659,25.063",積淹水災情,房屋積淹水,康寧街淹水及腰，一家人受困二樓,處理中,網路災情通報,0,0,5,0,0,False,True
            """
        try await db.saveIncidents(try await Fixture.parse(csv, name: "emic.csv").incidents)
        _ = try await db.addKnownRumours([("自來水公司公告明天全台停水48小時", "RUMOR", "https://cofacts.tw/article/2")], origin: "test")
        let photo = GrayImage(width: 480, height: 360, pixels: photoPixels(width: 480, height: 360, seed: 21))
        let known = try await PictureReading.read(try photo.encoded(as: .png), ocr: nil, views: true)
        try await db.addKnownRumour(NewKnownRumour(
            claim: "(圖片)", verdict: "FALSE", note: nil, url: nil, origin: "test",
            image: .init(hashes: known.views.map(\.description), ocrText: nil, width: 480, height: 360)))
        let forwarded = try await PictureReading.read(try photo.encoded(as: .jpeg(quality: 40)), ocr: nil)
        let at = Fixture.date("2026-09-14T21:00:00+08:00")
        let posts = [
            ExtractedPost(externalID: "emic", published: at, text: "汐止康寧街137號淹水及腰，一家5口受困二樓，拜託救援"),
            ExtractedPost(externalID: "rumour-1", published: at, text: "【轉傳】自來水公司公告：明天全台停水48小時！！請大家快儲水"),
            ExtractedPost(externalID: "rumour-2", published: at.addingTimeInterval(60), text: "自來水公司公告明天全台停水48小時，快轉給家人"),
            ExtractedPost(externalID: "rumour-3", text: "自来水公司公告明天全台停水48小时"),
            ExtractedPost(
                externalID: "picture", published: at, text: "大家看這張照片，河堤潰堤了",
                extra: ["pictureHashes": forwarded.hashes.map(\.description).joined(separator: ",")]),
            ExtractedPost(
                externalID: "position", published: at, text: "花蓮縣秀林鄉土石流，道路中斷", extra: ["lat": "24.12", "lon": "121.62"]),
            ExtractedPost(externalID: "news", published: at, text: "今晚的晚餐是牛肉麵，很好吃"),
            ExtractedPost(externalID: "titled", title: "颱風警報", published: at, text: "氣象署發布海上陸上颱風警報，宜蘭縣明天停班停課"),
        ]
        // Stored as the crawl stores a page (extra fields kept; the rumour's copies one near-duplicate cluster).
        let config = [SourceConfig(name: "s", kind: .rss, url: "https://s.example/rss")]
        let ids = try await db.syncSources(config)
        _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
        let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), sources: [ids["s"]!], lease: 60).first)
        let outcome = try await db.completeFetch(
            entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200),
            posts: posts.map { p in
                PostToStore(post: p, simhash: p.externalID.hasPrefix("rumour") ? 0x5A5A_0F0F_3C3C_9999 ^ UInt64(p.externalID.count) : nil)
            },
            links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
        #expect(outcome.newPosts == posts.count)
    }

    /// Everything the two stages write, per post (times left out), and the known rumours' spread counts.
    func snapshot(_ db: AppDatabase) async throws -> [String] {
        let rows = try await db.read { tx in
            try await tx.rows(
                """
                SELECT p.externalID, p.state, p.xrefDue, p.claimedBy, p.leaseUntil, a.disaster, a.rumour, a.types,
                       a.places, a.reasons, a.model, a.priority, a.details, x.verdict, x.score, x.explanation,
                       x.matches, x.knownRumourId, x.knownRumourSimilarity
                FROM post p LEFT JOIN assessment a ON a.postId = p.id LEFT JOIN xref x ON x.postId = p.id
                ORDER BY p.externalID
                """) + tx.rows("SELECT id, spreadCount FROM knownRumour ORDER BY id")
        }
        return rows.map { row in row.values.map { "\($0)" }.joined(separator: " | ") }
    }

    @Test(arguments: Backend.available)
    func storesWhatTheTwoStagesStore(_ backend: Backend) async throws {
        let twoStages = try #require(try await backend.open(in: dir, "two"))
        let onePass = try #require(try await backend.open(in: dir, "one"))
        try await seed(twoStages)
        try await seed(onePass)
        #expect(try await Pipeline.classify(database: twoStages, scorer: Fixture.classifier) == 8)
        #expect(try await Pipeline.crossReference(database: twoStages, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer) == 8)
        let n = try await Pipeline.classifyAndCheck(
            database: onePass, scorer: Fixture.classifier, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer, batch: 3)
        #expect(n == 8)
        // Nothing is left due for the cross-reference stage.
        #expect(try await Pipeline.crossReference(database: onePass, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer) == 0)
        let expected = try await snapshot(twoStages)
        let got = try await snapshot(onePass)
        #expect(got == expected)
        // The seed meets every kind of evidence (else the comparison would prove little).
        let verdicts = try await onePass.read { tx in try await tx.column("SELECT verdict FROM xref", as: String.self) }
        #expect(Set(verdicts).isSuperset(of: ["corroborated", "contradicted"]), "\(verdicts)")
        let spread = try await onePass.knownRumours().map(\.spreadCount)
        #expect(spread.sorted() == [1, 3], "three copies of the words, one of the picture: \(spread)")
        let queued = try await onePass.queue()
        #expect(queued.count == 6 && queued.allSatisfy { $0.priority != nil }, "two of the copies are near-duplicates")
    }

    /// Evidence that arrived while a batch was checked leaves its posts due: the cross-reference stage checks them
    /// again; otherwise they are done.
    @Test(arguments: Backend.available)
    func staleEvidenceLeavesThePostsDue(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, "stale"))
        try await seed(db)
        let version = try await db.evidenceVersion()
        let posts = try await db.leasePostsToAssess(limit: 10, lease: 60, now: Date(), after: 0)
        #expect(posts.count == 8)
        let assessment = Fixture.classifier.assess(title: nil, text: posts[0].text, published: nil)
        let result = XrefResult(verdict: .unconfirmed, score: 0, matches: [], knownRumour: nil, explanation: [])
        try await db.saveAssessedAndChecked([(posts[0].id, assessment, result, 0.5)], evidence: version, now: Date())
        try await db.saveAssessedAndChecked(
            [(posts[1].id, assessment, result, 0.25)], evidence: version.map { $0.addingTimeInterval(-60) } ?? .distantPast, now: Date())
        let due = try await db.postsToCrossReference().map(\.id)
        #expect(due == [posts[1].id])
        let queued = try await db.queue()
        #expect(Set(queued.map(\.id)) == [posts[0].id, posts[1].id])
        #expect(queued.first { $0.id == posts[0].id }?.priority == 0.5)
    }
}
