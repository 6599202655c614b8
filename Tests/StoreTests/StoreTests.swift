import Foundation
import GRDB
import SieveCore
import Store
import Testing
import TestSupport

/// The two backends every Store test runs on.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }

    /// The backends there is a server for: PostgreSQL's cases exist only when it runs, rather than passing empty.
    static var available: [Backend] { TestPostgres.isAvailable ? allCases : [.sqlite] }

    /// A fresh database: a SQLite file in `dir`, or a new PostgreSQL database; nil (the reason printed) when
    /// PostgreSQL is not available.
    func open(in dir: TempDir, _ test: String) async throws -> AppDatabase? {
        switch self {
        case .sqlite: return try await AppDatabase(path: dir.path("s.sqlite"))
        case .postgres:
            guard let url = try await TestPostgres.freshDatabase(test) else { return nil }
            return try await AppDatabase(path: url)
        }
    }
}

@Suite("Store on a real SQLite file and a real PostgreSQL database", .serialized)
struct StoreTests {
    let dir = TempDir()

    func open() async throws -> AppDatabase { try await AppDatabase(path: dir.path("s.sqlite")) }

    /// A fresh database on `backend`; nil (the reason printed) when PostgreSQL is not available.
    func open(_ backend: Backend, _ test: String = #function) async throws -> AppDatabase? { try await backend.open(in: dir, test) }

    func seed(_ db: AppDatabase) async throws -> Int64 {
        let ids = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        let posts = (1...3).map { ExtractedPost(externalID: "id-\($0)", url: "https://e.org/\($0)", title: "t\($0)", text: "土石流 \($0)") }
        try await db.recordFetch(DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200), posts: posts)
        return ids["news"]!
    }

    @Test func opensInWALModeWithMigrations() async throws {
        let db = try await open()
        let mode = try await db.writer!.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let tables = try await db.writer!.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for t in ["source", "document", "post", "assessment", "review", "publication"] { #expect(tables.contains(t)) }
        // Re-opening runs no migration twice.
        _ = try await open()
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func postgresHasTheSameTablesAndMigratesOnce() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        // `sieve migrate` reads the status first without applying anything: an empty database has all pending.
        let before = try await AppDatabase.migrationStatus(path: url)
        #expect(before.applied.isEmpty && before.pending.count >= 3 && before.pending.first == "pg1-core")
        let pg = try await AppDatabase(path: url)
        #expect(try await AppDatabase.migrationStatus(path: url).applied == before.pending)
        let lite = try await open()
        #expect(try await pg.tables() == (try await lite.tables()))
        #expect(pg.sharesWork && !lite.sharesWork)
        // Re-opening (and several processes opening at once) applies nothing twice.
        let again = try await AppDatabase(path: url)
        #expect(try await again.tables() == pg.tables())
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM sieve_migrations") == "\(try await pg.migrationStatus().applied.count)")
        #expect(try await pg.migrationStatus().applied.contains("pg4-web-search"))
        let status = try await pg.migrationStatus()
        #expect(status.pending.isEmpty && status.unknown.isEmpty)
    }

    @Test func badPostgresURLsAreClearErrors() async {
        await #expect(throws: StoreError.self) { try await AppDatabase(path: "postgres://u:secret@127.0.0.1:1/x?sslmode=bogus") }
        do {
            _ = try await AppDatabase(path: "postgres://u:secret@127.0.0.1:1/x")
            Issue.record("connecting to a closed port should fail")
        } catch {
            // The message names the database without its password.
            #expect(error.description.contains("postgres://u:***@127.0.0.1:1/x"))
            #expect(!error.description.contains("secret"))
        }
    }

    @Test(arguments: Backend.available) func sameExternalIDIsStoredOnce(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let source = try await seed(db)
        let again = try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://e.org/rss", status: 200),
            posts: [ExtractedPost(externalID: "id-1", text: "changed"), ExtractedPost(externalID: "id-4", text: "new")])
        #expect(again == 1)
        #expect(try await db.postCount() == 4)
        #expect(try await db.documents().map(\.postCount) == [3, 1])
        #expect(try await db.sources().first?.lastStatus == "ok")
    }

    @Test(arguments: Backend.available) func failuresAreRecordedWithTheirReason(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let source = try await seed(db)
        try await db.recordFailure(DocumentRecord(sourceId: source, url: "https://e.org/rss", status: 503, error: "HTTP 503"))
        let s = try #require(try await db.sources().first)
        #expect(s.lastStatus == "failed")
        #expect(s.lastError == "HTTP 503")
        #expect(try await db.documents().last?.error == "HTTP 503")
    }

    @Test(arguments: Backend.available) func assessmentQueuesAndReviewPublishes(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        _ = try await seed(db)
        let toAssess = try await db.postsToAssess()
        #expect(toAssess.count == 3)
        try await db.saveAssessments(toAssess.enumerated().map { i, p in
            (p.id, Assessment(disaster: 0.9, rumour: 0.1 * Double(i), types: ["landslide"], places: [], reasons: ["r"], model: "t"), Double(i))
        })
        #expect(try await db.postsToAssess().isEmpty)
        let queue = try await db.queue()
        #expect(queue.count == 3)
        #expect(queue.map(\.priority) == [2, 1, 0])  // highest priority first
        #expect(queue[0].assessment?.types == ["landslide"])

        let top = queue[0].id
        try await db.review(postID: top, decision: .approve, reviewer: "mod", note: "ok", channels: ["feed", "line"])
        #expect(try await db.publications(postID: top).map(\.channel) == ["feed", "line"])
        #expect(try await db.item(id: top).state == "approved")
        #expect(try await db.queue().count == 2)
        // A decided item cannot be decided again.
        await #expect(throws: StoreError.invalidTransition(post: top, from: "approved", decision: "reject")) {
            try await db.review(postID: top, decision: .reject, reviewer: "mod", note: nil, channels: [])
        }
        await #expect(throws: StoreError.noSuchPost(9999)) {
            try await db.review(postID: 9999, decision: .reject, reviewer: "mod", note: nil, channels: [])
        }
        // Escalated items stay in the queue and can still be decided.
        try await db.review(postID: queue[1].id, decision: .escalate, reviewer: "mod", note: "EOC", channels: [])
        #expect(try await db.queue().map(\.state).contains("escalated"))
        try await db.review(postID: queue[1].id, decision: .reject, reviewer: "eoc", note: "handled", channels: [])
        #expect(try await db.reviews(postID: queue[1].id).map(\.decision) == ["escalate", "reject"])

        // The outbox hands the approval to a publisher once; delivered, it is in the channel's items.
        let claimed = try await db.leaseDueDeliveries(channels: ["feed"])
        #expect(claimed.map(\.item.postID) == [top])
        #expect(claimed.first?.item.note == "ok")
        #expect(try await db.leaseDueDeliveries(channels: ["feed"]).isEmpty)
        try await db.markDelivered(claimed[0].publication.id!, remoteID: nil)
        let items = try await db.publishableItems(channel: "feed")
        #expect(items.count == 1)
        #expect(try await db.publications(postID: top).first?.status == "delivered")
    }

    @Test(arguments: Backend.available) func sourcesSyncByName(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let a = try await db.syncSources([SourceConfig(name: "x", kind: .rss, url: "https://a")])
        let b = try await db.syncSources([SourceConfig(name: "x", kind: .atom, url: "https://b")])
        #expect(a == b)
        #expect(try await db.sources().first?.url == "https://b")
    }

    @Test func unwritableLocationIsAClearError() async {
        await #expect(throws: StoreError.self) { try await AppDatabase(path: "/proc/forbidden/s.sqlite") }
    }
}
