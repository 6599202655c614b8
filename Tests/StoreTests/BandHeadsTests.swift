import Foundation
import SieveCore
@testable import Store
import Testing
import TestSupport

/// PostgreSQL keeps crowded band values' near-duplicate candidates in memory (`BandHeads`): what it finds is what
/// the lookup finds, which SQLite (no heads) shows on the same pages.
@Suite("Store: crowded band values' candidates in memory", .serialized)
struct BandHeadsTests {
    let dir = TempDir()

    /// 64-bit hashes from a seed (SplitMix64).
    static func random(_ seed: UInt64) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Crowd post `i`: band 0 is 0x1234 for all of them, the other 48 bits random (far from each other).
    static func crowd(_ i: Int) -> UInt64 { (random(UInt64(i)) & ~0xFFFF) | 0x1234 }

    /// `h` with one bit flipped in each of bands 1-3: distance 3, sharing only band 0 with `h`.
    static func nearOnlyByBand0(_ h: UInt64) -> UInt64 { h ^ (1 << 17) ^ (1 << 33) ^ (1 << 49) }

    /// Stores `posts` as one fetched page of its own source.
    func store(_ posts: [(String, UInt64)], page: String, in db: AppDatabase) async throws -> StoreOutcome {
        let config = [SourceConfig(name: page, kind: .rss, url: "https://\(page).example/rss")]
        let ids = try await db.syncSources(config)
        _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
        let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), sources: [ids[page]!], lease: 60).first)
        return try await db.completeFetch(
            entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200),
            posts: posts.map { PostToStore(post: ExtractedPost(externalID: $0.0, text: "t \($0.0)"), simhash: $0.1) },
            links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
    }

    /// external id → (the external id it duplicates, cluster size).
    func clusters(_ db: AppDatabase) async throws -> [String: String] {
        let posts = try await db.posts()
        let external = Dictionary(uniqueKeysWithValues: posts.map { ($0.id, $0.externalID) })
        return Dictionary(uniqueKeysWithValues: posts.map {
            ($0.externalID, "\($0.duplicateOf.flatMap { external[$0] } ?? "-") \($0.clusterSize)")
        })
    }

    /// 200 crowd posts in four pages, then posts near crowd posts 5 and 150 by band 0 only: the one near 5 joins
    /// its cluster (5 is among band 0's first 128 candidates), the one near 150 starts its own (150 is not).
    func crowdAndNeighbours(_ db: AppDatabase) async throws {
        for p in 0..<4 {
            _ = try await store((0..<50).map { i in ("c\(p * 50 + i)", Self.crowd(p * 50 + i)) }, page: "crowd\(p)", in: db)
        }
        _ = try await store(
            [("near5", Self.nearOnlyByBand0(Self.crowd(5))), ("near150", Self.nearOnlyByBand0(Self.crowd(150))),
             ("near5-again", Self.nearOnlyByBand0(Self.crowd(5)) ^ 1)],
            page: "neighbours", in: db)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func findsWhatTheLookupFinds() async throws {
        let sqlite = try await AppDatabase(path: dir.path("reference.sqlite"))
        let url = try #require(try await TestPostgres.freshDatabase("bandHeads"))
        let pg = try await AppDatabase(path: url)
        try await crowdAndNeighbours(sqlite)
        try await crowdAndNeighbours(pg)
        #expect(pg.bandHeads.head(band: 0, key: 0x1234)?.count == AppDatabase.candidatesPerBand, "the crowded value was learned")
        #expect(sqlite.bandHeads.count == 0)
        // A page after the value is known: a post within distance 3 of near150 by band 0 only (whose band-0 row
        // PostgreSQL skipped: it is not among the first 128 either way) and one near c100 (among them).
        for db in [sqlite, pg] {
            _ = try await store(
                [("near-near150", Self.nearOnlyByBand0(Self.crowd(150)) ^ (1 << 18) ^ (1 << 34) ^ (1 << 50)),
                 ("near100", Self.nearOnlyByBand0(Self.crowd(100)))],
                page: "later", in: db)
        }
        let expected = try await clusters(sqlite)
        #expect(expected["near5"] == "c5 1" && expected["c5"] == "- 3" && expected["near150"] == "- 1", "\(expected)")
        #expect(expected["near100"] == "c100 1" && expected["near-near150"] == "- 1", "\(expected)")
        #expect(try await clusters(pg) == expected)
        // PostgreSQL wrote no band-0 row for the four posts on the crowded value stored after it was learned (they
        // would sort after its 128 candidates; near5-again's band 0 is 0x1235); SQLite wrote all 204.
        let crowded = "SELECT count(*) FROM simhashBand WHERE band = 0 AND key = \(0x1234)"
        #expect(try await sqlite.read { tx in try await tx.scalar(crowded, as: Int64.self) } == 204)
        #expect(try await pg.read { tx in try await tx.scalar(crowded, as: Int64.self) } == 200)
        #expect(try await pg.read { tx in try await tx.scalar("SELECT count(*) FROM simhashBand", as: Int64.self) } == 4 * 205 - 4)
    }

    /// A burst's pages vacuum the band table every `BandVacuum.every` band rows, so its pages are marked
    /// all-visible and the lookup's index-only scan need not read the table.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func pagesVacuumTheBandTable() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("bandVacuum"))
        let db = try await AppDatabase(path: url)
        let postsPerPage = db.bandVacuum.every / 4 / 5
        let allVisible = "SELECT relallvisible FROM pg_class WHERE relname = 'simhashband'"
        let size = "SELECT pg_relation_size('simhashband') / current_setting('block_size')::int"
        var earlierPages = 0
        for page in 0..<5 {
            _ = try await store(
                (0..<postsPerPage).map { i in ("r\(page)-\(i)", Self.random(UInt64(page * 100_000 + i))) }, page: "random\(page)",
                in: db)
            if page == 3 {
                #expect(db.bandVacuum.runs == 0, "four fifths of the rows: not yet")
                earlierPages = try #require(Int(try await TestPostgres.psql(url, size)))
                // The test server commits asynchronously (synchronous_commit = off), and VACUUM marks a page only
                // once its rows' commits are flushed (the commit hint waits for that): flush them now, as a
                // synchronous commit would have.
                _ = try await TestPostgres.psql(url, "CHECKPOINT")
            }
        }
        #expect(db.bandVacuum.runs == 1)
        // The last fetch's rows (and the table page it shares with the fourth's) were not flushed: they may miss it.
        let visible = try #require(Int(try await TestPostgres.psql(url, allVisible)))
        #expect(earlierPages > 40)
        #expect(visible >= earlierPages - 1, "the pages the first four fetches wrote are all-visible: \(visible) of \(earlierPages)")
    }

    /// A candidate deleted by hand: the page that matches it fails once (the duplicate's foreign key), the heads
    /// are dropped, and the same page then stores as the lookup would have stored it.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aCandidateDeletedByHandIsForgotten() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("bandHeadsDelete"))
        let db = try await AppDatabase(path: url)
        try await crowdAndNeighbours(db)
        _ = try await TestPostgres.psql(url, "DELETE FROM post WHERE externalID = 'c7'")
        let page = [("near7", Self.nearOnlyByBand0(Self.crowd(7)))]
        #expect(db.bandHeads.head(band: 0, key: 0x1234)?.contains { $0.root == $0.id && $0.hash == Self.crowd(7) } == true)
        var failed = false
        do {
            _ = try await store(page, page: "after-delete", in: db)
        } catch {
            failed = true
            #expect(db.bandHeads.count == 0, "a failed page drops the heads")
            let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date().addingTimeInterval(120), sources: nil, lease: 60).first)
            _ = try await db.completeFetch(
                entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200),
                posts: page.map { PostToStore(post: ExtractedPost(externalID: $0.0, text: "t"), simhash: $0.1) },
                links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
        }
        #expect(failed, "the page matched the deleted candidate once")
        let after = try await clusters(db)
        #expect(after["near7"] == "- 1", "c7 is gone, and band 0's next candidate is too far: \(after["near7"] ?? "missing")")
    }
}
