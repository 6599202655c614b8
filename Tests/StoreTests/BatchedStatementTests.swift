import Foundation
import SieveCore
import Store
import Testing
import TestSupport

/// PostgreSQL's hot paths send a batch in a fixed number of statements (one round trip each), whatever its size, and
/// what they store is what the row-by-row path stores on SQLite.
@Suite("Store: batched statements (PostgreSQL, and SQLite for assessments and cross-references)", .serialized)
struct BatchedStatementTests {
    let dir = TempDir()

    /// Stores one fetched page of `posts` under the stage name `stage` and returns that stage's tally.
    func storePage(_ posts: [PostToStore], in db: AppDatabase, source: String, stage: String) async throws -> StatementStats.Tally {
        let config = [SourceConfig(name: source, kind: .rss, url: "https://\(source).example/rss", interval: 600)]
        try await StatementStats.$stage.withValue(stage) {
            let ids = try await db.syncSources(config)
            _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
            let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), sources: [ids[source]!], lease: 60).first)
            let outcome = try await db.completeFetch(
                entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200), posts: posts,
                links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
            #expect(outcome.newPosts == posts.count)
        }
        return try #require(db.statementStats.snapshot[stage])
    }

    /// `n` posts; every fifth repeats the first one's hash (near-duplicates inside the page), the others are
    /// scattered (`salt` keeps pages apart: near-duplicates are found across sources too).
    func page(_ n: Int, prefix: String, salt: UInt64) -> [PostToStore] {
        (0..<n).map { i in
            PostToStore(
                post: ExtractedPost(externalID: "\(prefix)\(i)", title: "t\(i)", text: "花蓮縣秀林鄉土石流 \(i)"),
                simhash: i % 5 == 0 ? (salt &+ 7) &* 0x9E37_79B9_7F4A_7C15 : (salt &+ 1000 &+ UInt64(i)) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    @Test(arguments: Backend.available)
    func aPageCostsTheSameStatementsWhateverItsSize(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, #function))
        let small = try await storePage(page(10, prefix: "a", salt: 0), in: db, source: "small", stage: "small")
        let large = try await storePage(page(200, prefix: "b", salt: 1 << 20), in: db, source: "large", stage: "large")
        #expect(small.statements == large.statements)
        #expect(large.statements <= 16)
        let stored = try await db.posts().filter { $0.externalID.hasPrefix("b") }
        #expect(stored.count == 200)
        // b5, b10, … joined b0's cluster (and only through it).
        let root = try #require(stored.first { $0.externalID == "b0" })
        #expect(stored.filter { $0.duplicateOf == root.id }.count == 39)
        #expect(root.clusterSize == 40)
    }

    /// SQLite stores a page larger than one statement's parameters in slices of 500 posts; near-duplicates are found
    /// across the slices as within one (1,200 posts, every fifth sharing b0's hash: 239 join its cluster).
    @Test func aLargePageOnSQLiteGoesInSlicesAndFindsItsNearDuplicates() async throws {
        let db = try #require(try await Backend.sqlite.open(in: dir, #function))
        let tally = try await storePage(page(1_200, prefix: "b", salt: 1 << 20), in: db, source: "large", stage: "large")
        let stored = try await db.posts().filter { $0.externalID.hasPrefix("b") }
        #expect(stored.count == 1_200)
        let root = try #require(stored.first { $0.externalID == "b0" })
        #expect(stored.filter { $0.duplicateOf == root.id }.count == 239)
        #expect(root.clusterSize == 240)
        #expect(tally.statements <= 3 * 8, "three slices of a handful of statements: \(tally.statements)")
    }

    /// On both backends (SQLite sends a batch as `VALUES` tables since the burst's profile showed its per-post
    /// statements on the shared writer).
    @Test(arguments: Backend.available)
    func assessmentsAndCrossReferencesCostTheSameStatementsWhateverTheBatch(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, #function))
        _ = try await storePage(page(120, prefix: "p", salt: 0), in: db, source: "s", stage: "crawl")
        var tallies: [Int: StatementStats.Tally] = [:]
        for batch in [10, 100] {
            let before = db.statementStats.snapshot["b\(batch)"] ?? StatementStats.Tally()
            try await StatementStats.$stage.withValue("b\(batch)") {
                let posts = try await db.leasePostsToAssess(limit: batch)
                #expect(posts.count == batch)
                try await db.saveAssessments(posts.map {
                    ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["flood"], places: [], reasons: ["r"], model: "m"), 0.5)
                })
                let due = try await db.leasePostsToCrossReference(limit: batch)
                #expect(due.count == batch)
                try await db.saveCrossReferences(
                    due.map { ($0.id, XrefResult(verdict: .unconfirmed, score: 0, matches: [], knownRumour: nil, explanation: []), 0.4) },
                    evidence: try await db.evidenceVersion())
            }
            let tally = try #require(db.statementStats.snapshot["b\(batch)"])
            tallies[batch] = tally
            #expect(before.statements == 0)
        }
        #expect(tallies[10]?.statements == tallies[100]?.statements)
        #expect(try await db.postCount(state: .queued) == 110)
        #expect(try await db.leasePostsToCrossReference().isEmpty)
    }

    /// SQLite caps the parameters of one statement: a batch larger than one statement takes goes in slices, all of
    /// it stored (3,100 assessments of 10 columns: two slices, two statements each).
    @Test func aSQLiteBatchLargerThanOneStatementGoesInSlices() async throws {
        let db = try #require(try await Backend.sqlite.open(in: dir, #function))
        _ = try await storePage(page(3_100, prefix: "p", salt: 0), in: db, source: "s", stage: "crawl")
        try await StatementStats.$stage.withValue("big") {
            let posts = try await db.leasePostsToAssess(limit: 5_000)
            #expect(posts.count == 3_100)
            try await db.saveAssessments(posts.map {
                ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["flood"], places: [], reasons: ["r"], model: "m"), 0.5)
            })
        }
        let tally = try #require(db.statementStats.snapshot["big"])
        #expect(tally.statements == 1 + 4, "one lease, two slices of two statements: \(tally.statements)")
        #expect(try await db.postCount(state: .queued) == 3_100)
        let due = try await db.leasePostsToCrossReference(limit: 5_000)
        #expect(due.count == 3_100)
        try await db.saveCrossReferences(
            due.map { ($0.id, XrefResult(verdict: .unconfirmed, score: 0, matches: [], knownRumour: nil, explanation: []), 0.25) },
            evidence: try await db.evidenceVersion())
        #expect(try await db.leasePostsToCrossReference().isEmpty)
    }

    /// Text with every character JSON must escape, and dates with fractions of a second, come back as they went in.
    @Test(arguments: Backend.available) func awkwardTextAndDatesSurviveTheBatch(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, #function))
        let texts = [
            "引號\"與反斜線\\與換行\n與tab\t與\r回車", "控制字元\u{1}\u{1F}\u{7F}", "emoji 🌀🌊 與 U+2028\u{2028}結束",
            "{\"json\": [1, 2]}", "'單引號' -- SQL ; DROP TABLE post", String(repeating: "長", count: 5000),
        ]
        let published = Date(timeIntervalSince1970: 1_788_000_000.123)
        let posts = texts.enumerated().map { i, t in
            PostToStore(
                post: ExtractedPost(externalID: "x\(i)", title: i == 0 ? nil : "標題\"\(i)", published: published, text: t),
                simhash: nil)
        }
        _ = try await storePage(posts, in: db, source: "awkward", stage: "awkward")
        let stored = Dictionary(uniqueKeysWithValues: try await db.posts().map { ($0.externalID, $0) })
        for (i, t) in texts.enumerated() {
            let p = try #require(stored["x\(i)"])
            #expect(p.text == t)
            #expect(p.title == (i == 0 ? nil : "標題\"\(i)"))
            #expect(abs((p.publishedAt ?? .distantPast).timeIntervalSince(published)) < 0.001)
        }
    }
}
