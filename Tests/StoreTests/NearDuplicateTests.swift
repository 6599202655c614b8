import Foundation
import GRDB
import SieveCore
import Store
import Testing
import TestSupport

@Suite("Near-duplicates found through the SimHash band index, on both backends", .serialized)
struct NearDuplicateTests {
    let dir = TempDir()

    /// Stores `hashes` as one fetched page's posts (in order) and returns the stored posts by external id.
    func store(_ hashes: [UInt64], in db: AppDatabase) async throws -> [String: PostRecord] {
        let config = [SourceConfig(name: "s", kind: .rss, url: "https://h.example/rss", interval: 600)]
        let ids = try await db.syncSources(config)
        _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
        let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), lease: 60).first)
        let posts = hashes.enumerated().map { i, h in
            PostToStore(post: ExtractedPost(externalID: "p\(i)", url: nil, title: nil, text: "post \(i)"), simhash: h)
        }
        let outcome = try await db.completeFetch(
            entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200), posts: posts,
            links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
        #expect(outcome.newPosts == hashes.count)
        return Dictionary(uniqueKeysWithValues: try await db.posts().map { ($0.externalID, $0) })
    }

    /// The first column of `sql`'s rows, run on the database at `location` outside Sieve, as an operator would
    /// (psql; a GRDB connection, with foreign keys on, for SQLite).
    func raw(_ location: String, _ sql: String) async throws -> [String] {
        if PostgresLocation.isPostgresURL(location) {
            let out = try await TestPostgres.psql(location, sql)
            return out.isEmpty ? [] : out.components(separatedBy: "\n")
        }
        let queue = try DatabaseQueue(path: location)
        return try await queue.write { db in try Row.fetchAll(db, sql: sql).map { $0[0] as String } }
    }

    /// Sieve never deletes a post; one deleted by hand takes its bands along (a foreign key's cascade on SQLite, a
    /// trigger on PostgreSQL, where the bands carry no foreign key) and leaves the other posts' bands alone.
    @Test(arguments: Backend.available) func aPostDeletedByHandTakesItsBandsAlong(_ backend: Backend) async throws {
        let location: String
        if backend == .postgres {
            location = try #require(try await TestPostgres.freshDatabase("bandsDeleted"))
        } else {
            location = dir.path("deleted.sqlite")
        }
        let db = try await AppDatabase(path: location)
        if backend == .postgres {
            #expect(try await raw(location, "SELECT CAST(COUNT(*) AS TEXT) FROM pg_constraint WHERE conrelid = 'simhashband'::regclass AND contype = 'f'") == ["0"])
        }
        // The top bit set on one: its bands come from a negative 64-bit integer.
        let posts = try await store([0x8123_4567_89AB_CDEF, 0x0123_4567_89AB_CDEF ^ 0xFFFF_0000, 0x7777_0000_5555_1111], in: db)
        let ids = try ["p0", "p1", "p2"].map { try #require(posts[$0]?.id) }
        func bands(_ id: Int64) async throws -> [String] {
            try await raw(location, "SELECT CAST(COUNT(*) AS TEXT) FROM simhashBand WHERE postId = \(id)")
        }
        for id in ids { #expect(try await bands(id) == ["4"]) }
        _ = try await raw(location, "DELETE FROM post WHERE id = \(ids[0])")
        #expect(try await bands(ids[0]) == ["0"])
        #expect(try await bands(ids[1]) == ["4"])
        #expect(try await bands(ids[2]) == ["4"])
    }

    @Test(arguments: Backend.available) func linksPostsWithinThreeBitsToTheClusterRoot(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, #function))
        // The top bit set: the hash is a negative 64-bit integer in both databases.
        let root: UInt64 = 0x8123_4567_89AB_CDEF
        let posts = try await store(
            [
                root,
                root ^ 0b111,  // 3 bits from the root: a near-duplicate
                root ^ 0b1111,  // 4 bits from the root, 1 from p1: linked to p1's root
                root ^ 0xF000_0000_0000_0000,  // 4 bits, nothing within 3 (shares three bands with the root)
                ~root,  // shares no band at all
                0x8000_0000_0000_0000 ^ root ^ 0x1_0000,  // 2 bits, in two different bands
            ], in: db)
        let id = { (name: String) in posts[name]!.id }
        #expect(posts["p0"]?.duplicateOf == nil)
        #expect(posts["p1"]?.duplicateOf == id("p0"))
        #expect(posts["p2"]?.duplicateOf == id("p0"))
        #expect(posts["p3"]?.duplicateOf == nil)
        #expect(posts["p4"]?.duplicateOf == nil)
        #expect(posts["p5"]?.duplicateOf == id("p0"))
        #expect(posts["p0"]?.clusterSize == 4)
    }

    @Test(arguments: Backend.available, [100, 150])
    func aFloodedBandComparesOnlyItsOldestCandidates(_ backend: Backend, position: Int) async throws {
        let db = try #require(try await backend.open(in: dir, "flooded\(position)"))
        // 150 posts share the low band with the last post and differ from it by 16 bits or more elsewhere. The one
        // near-duplicate (3 bits away, one in each of the other bands, so it shares only the low band) sits among
        // them at `position`: within the oldest 128 candidates it is found; beyond them the lookup stops first.
        let target: UInt64 = 0x0000_1111_2222_3333
        var hashes: [UInt64] = (0..<150).map { i in target ^ (UInt64(0xFF) << 16) ^ (UInt64(0xFF) << 32) ^ (UInt64(i) << 48) }
        hashes.insert(target ^ (1 << 16) ^ (1 << 32) ^ (1 << 48), at: position)
        hashes.append(target)
        let posts = try await store(hashes, in: db)
        let found = posts["p\(hashes.count - 1)"]?.duplicateOf
        #expect(found == (position < 128 ? posts["p\(position)"]?.id : nil))
    }
}
