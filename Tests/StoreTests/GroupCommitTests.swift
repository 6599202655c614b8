import Foundation
import GRDB
import SieveCore
@testable import Store
import Testing
import TestSupport

/// Group commit on SQLite (`combinedWrite`): writes waiting for the one writer share its next transaction, each in
/// its own savepoint; callers hear back only after the COMMIT.
@Suite("Store: group commit of waiting writes")
struct GroupCommitTests {
    /// Holds the SQLite writer (a write whose closure blocks GRDB's writer queue, not a Swift concurrency thread,
    /// until `release`), so writes queue up behind it.
    final class WriterHold: Sendable {
        let entered = Locked(false)
        let gate = DispatchSemaphore(value: 0)
        let done: Task<Void, any Error>

        init(_ db: AppDatabase) async {
            let writer = db.writer!
            let (entered, gate) = (entered, gate)
            done = Task.detached {
                try await writer.write { _ in
                    entered.withLock { $0 = true }
                    gate.wait()
                }
            }
            await waitUntil(timeout: 10) { entered.withLock { $0 } }
        }

        func release() async throws {
            gate.signal()
            try await done.value
        }
    }

    func open(_ dir: TempDir) async throws -> AppDatabase {
        let db = try await AppDatabase(path: dir.path("g.sqlite"))
        try await db.writer!.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        }
        return db
    }

    func rows(_ db: AppDatabase) async throws -> [Int64] {
        try await db.writer!.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM t ORDER BY id") }
    }

    /// Waits (up to 10 s) until `n` writes are queued.
    func waitForQueued(_ db: AppDatabase, _ n: Int) async -> Bool {
        await waitUntil(timeout: 10) { db.combiner.waiting >= n }
    }

    @Test func writesThatWaitedShareOneTransactionAndAllLand() async throws {
        let dir = TempDir()
        let db = try await open(dir)
        let hold = await WriterHold(db)
        let writes = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 1...20 {
                    group.addTask {
                        try await StatementStats.$stage.withValue("crawl") {
                            try await db.combinedWrite { tx in try await tx.execute("INSERT INTO t (id, v) VALUES (?, ?)", [i, "w\(i)"]) }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(await waitForQueued(db, 20))
        // Nothing is answered before the commit: every caller is still waiting.
        #expect(try await rows(db).isEmpty)
        try await hold.release()
        #expect(try await writes.value == 20)  // each INSERT changed one row
        #expect(try await rows(db) == Array(1...20))
        let tallies = db.statementStats.snapshot
        // The twenty writes: one shared transaction; each write still counts as its stage's one write with its
        // own statements (SAVEPOINT, INSERT, RELEASE).
        #expect(tallies[AppDatabase.sharedStage]?.transactions == 1)
        #expect(tallies["crawl"]?.transactions == 20)
        #expect(tallies["crawl"]?.statements == 60)
    }

    @Test func aFailingWriteIsRolledBackAloneAndTheOthersCommit() async throws {
        let dir = TempDir()
        let db = try await open(dir)
        let hold = await WriterHold(db)
        let first = Task { try await db.combinedWrite { tx in try await tx.execute("INSERT INTO t (id, v) VALUES (1, 'a')") } }
        #expect(await waitForQueued(db, 1))
        let failing = Task {
            try await db.combinedWrite { tx in
                try await tx.execute("INSERT INTO t (id, v) VALUES (2, 'b')")
                try await tx.execute("INSERT INTO t (id, v) VALUES (1, 'duplicate key')")  // fails
            }
        }
        #expect(await waitForQueued(db, 2))
        let third = Task { try await db.combinedWrite { tx in try await tx.execute("INSERT INTO t (id, v) VALUES (3, 'c')") } }
        #expect(await waitForQueued(db, 3))
        try await hold.release()
        #expect(try await first.value == 1)
        #expect(try await third.value == 1)
        await #expect(throws: StoreError.self) { try await failing.value }
        // Row 2 was inserted by the failing write before its error: rolled back with it.
        #expect(try await rows(db) == [1, 3])
        // Alone in its transaction (no savepoint), a failing write is rolled back all the same.
        await #expect(throws: StoreError.self) {
            try await db.combinedWrite { tx in
                try await tx.execute("INSERT INTO t (id, v) VALUES (9, 'z')")
                try await tx.execute("INSERT INTO t (id, v) VALUES (1, 'duplicate key')")
            }
        }
        #expect(try await rows(db) == [1, 3])
    }

    @Test func aCommitThatFailsFailsEveryWriteInItAndTheStoreGoesOn() async throws {
        let dir = TempDir()
        let db = try await open(dir)
        // A deferred foreign key is checked at COMMIT, after every savepoint was released.
        try await db.writer!.write { db in
            try db.execute(sql: """
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                """)
        }
        let hold = await WriterHold(db)
        let good = Task { try await db.combinedWrite { tx in try await tx.execute("INSERT INTO t (id, v) VALUES (1, 'a')") } }
        #expect(await waitForQueued(db, 1))
        let orphan = Task { try await db.combinedWrite { tx in try await tx.execute("INSERT INTO child (id, p) VALUES (1, 42)") } }
        #expect(await waitForQueued(db, 2))
        try await hold.release()
        // The good write shared the transaction that could not commit: it is not reported as done.
        await #expect(throws: StoreError.self) { try await good.value }
        await #expect(throws: StoreError.self) { try await orphan.value }
        #expect(try await rows(db).isEmpty)
        // The next write has a transaction of its own and lands.
        #expect(try await db.combinedWrite { tx in try await tx.execute("INSERT INTO t (id, v) VALUES (5, 'e')") } == 1)
        #expect(try await rows(db) == [5])
    }

    @Test func aPageStoreAndAnAssessmentSaveShareATransaction() async throws {
        // The stage methods that use group commit, queued behind a held writer, land as they would one by one.
        let dir = TempDir()
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let config = [SourceConfig(name: "s", kind: .rss, url: "https://h.example/rss", interval: 600)]
        let ids = try await db.syncSources(config)
        _ = try await db.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false)
        let entry = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), lease: 60).first)
        let first = [PostToStore(post: ExtractedPost(externalID: "a", text: "花蓮縣秀林鄉土石流"), simhash: 0x0123_4567_89AB_CDEF)]
        _ = try await db.completeFetch(
            entry: entry, document: DocumentRecord(sourceId: entry.sourceID, url: entry.url, status: 200), posts: first,
            links: [DiscoveredLink(url: "https://h.example/rss?page=2", host: "h.example", role: .page)],
            maxPageDepth: 2, maxItems: 10, cycleStart: Date())
        let toAssess = try await db.leasePostsToAssess()
        let next = try #require(try await db.leaseFrontierBatch(limit: 1, now: Date(), lease: 60).first)

        let hold = await WriterHold(db)
        let save = Task {
            try await db.saveAssessments(toAssess.map {
                ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: ["r"], model: "m"), 0.5)
            })
        }
        #expect(await waitForQueued(db, 1))
        // The second page holds a near-duplicate (2 bits apart) of the post the save is assessing.
        let second = [PostToStore(post: ExtractedPost(externalID: "b", text: "花蓮縣秀林鄉土石流！"), simhash: 0x0123_4567_89AB_CDEF ^ 0b11)]
        let page = Task {
            try await db.completeFetch(
                entry: next, document: DocumentRecord(sourceId: next.sourceID, url: next.url, status: 200), posts: second,
                links: [], maxPageDepth: 2, maxItems: 10, cycleStart: Date())
        }
        #expect(await waitForQueued(db, 2))
        try await hold.release()
        try await save.value
        let outcome = try await page.value
        #expect(outcome.newPosts == 1 && outcome.nearDuplicates == 1)
        #expect(try await db.postCount(state: .queued) == 1)
        #expect(try await db.postCount(state: .fetched) == 1)
        #expect(db.statementStats.snapshot[AppDatabase.sharedStage]?.transactions ?? 0 >= 1)
    }

    @Test func statementJournalsStayInMemory() async throws {
        // A multi-row statement inside a transaction journals the pages it changes; past 64 KiB SQLite would
        // spill that journal to a file in /var/tmp unless temp_store is MEMORY (2), on every connection.
        let dir = TempDir()
        let db = try await open(dir)
        #expect(try await db.writer!.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
        #expect(try await db.writer!.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
    }
}
