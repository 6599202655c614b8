import Foundation
import GRDB
import SieveCore
import Store
import Testing

/// A store on a writer the caller makes (GRDB's demo style): an in-memory database for tests, no file at all.
@Suite("Store: on a writer passed in")
struct InMemoryStoreTests {
    @Test func anInMemoryStoreRunsTheStages() async throws {
        let db = try AppDatabase(writer: DatabaseQueue(configuration: AppDatabase.sqliteConfiguration()))
        #expect(db.created)
        #expect(try await db.tables().contains("post"))
        let config = [SourceConfig(name: "s", kind: .rss, url: "https://h.example/rss", interval: 600)]
        let ids = try await db.syncSources(config)
        _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
        let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), lease: 60).first)
        // Two posts 2 bits apart: the near-duplicate lookup needs sieve_hamming on this connection.
        let posts = [UInt64(0x0123_4567_89AB_CDEF), 0x0123_4567_89AB_CDEF ^ 0b101].enumerated().map { i, h in
            PostToStore(post: ExtractedPost(externalID: "p\(i)", text: "花蓮縣秀林鄉土石流 \(i)"), simhash: h)
        }
        let outcome = try await db.completeFetch(
            entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200), posts: posts,
            links: [], maxPageDepth: 1, maxItems: 10, cycleStart: Date())
        #expect(outcome.newPosts == 2 && outcome.nearDuplicates == 1)
        let toAssess = try await db.leasePostsToAssess()
        #expect(toAssess.count == 2)
        try await db.saveAssessments(toAssess.map {
            ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: ["r"], model: "m"), 0.5)
        })
        #expect(try await db.postCount(state: .queued) == 2)
        // A second store on the same writer finds the schema there.
        let writer = try #require(db.writer)
        #expect(try AppDatabase(writer: writer).created == false)
    }
}
