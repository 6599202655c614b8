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

    /// A fresh database: a SQLite file in `dir`, or a new PostgreSQL database; nil (the reason printed) when
    /// PostgreSQL is not available.
    func open(in dir: TempDir, _ test: String) throws -> AppDatabase? {
        switch self {
        case .sqlite: return try AppDatabase(path: dir.path("s.sqlite"))
        case .postgres:
            guard let url = try TestPostgres.freshDatabase(test) else { return nil }
            return try AppDatabase(path: url)
        }
    }
}

@Suite("Store on a real SQLite file and a real PostgreSQL database", .serialized)
struct StoreTests {
    let dir = TempDir()

    func open() throws -> AppDatabase { try AppDatabase(path: dir.path("s.sqlite")) }

    /// A fresh database on `backend`; nil (the reason printed) when PostgreSQL is not available.
    func open(_ backend: Backend, _ test: String = #function) throws -> AppDatabase? { try backend.open(in: dir, test) }

    func seed(_ db: AppDatabase) throws -> Int64 {
        let ids = try db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        let posts = (1...3).map { ExtractedPost(externalID: "id-\($0)", url: "https://e.org/\($0)", title: "t\($0)", text: "土石流 \($0)") }
        try db.recordFetch(DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200), posts: posts)
        return ids["news"]!
    }

    @Test func opensInWALModeWithMigrations() throws {
        let db = try open()
        let mode = try db.writer!.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let tables = try db.writer!.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for t in ["source", "document", "post", "assessment", "review", "publication"] { #expect(tables.contains(t)) }
        // Re-opening runs no migration twice.
        _ = try open()
    }

    @Test func postgresHasTheSameTablesAndMigratesOnce() throws {
        guard let url = try TestPostgres.freshDatabase(#function) else { return }
        // `sieve migrate` reads the status first without applying anything: an empty database has all pending.
        let before = try AppDatabase.migrationStatus(path: url)
        #expect(before.applied.isEmpty && before.pending.count >= 3 && before.pending.first == "pg1-core")
        let pg = try AppDatabase(path: url)
        #expect(try AppDatabase.migrationStatus(path: url).applied == before.pending)
        let lite = try open()
        #expect(try pg.tables() == lite.tables())
        #expect(pg.sharesWork && !lite.sharesWork)
        // Re-opening (and several processes opening at once) applies nothing twice.
        let again = try AppDatabase(path: url)
        #expect(try again.tables() == pg.tables())
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM sieve_migrations") == "\(try pg.migrationStatus().applied.count)")
        #expect(try pg.migrationStatus().applied.contains("pg4-web-search"))
        #expect(try pg.migrationStatus().pending.isEmpty && pg.migrationStatus().unknown.isEmpty)
    }

    @Test func badPostgresURLsAreClearErrors() {
        #expect(throws: StoreError.self) { try AppDatabase(path: "postgres://u:secret@127.0.0.1:1/x?sslmode=bogus") }
        do {
            _ = try AppDatabase(path: "postgres://u:secret@127.0.0.1:1/x")
            Issue.record("connecting to a closed port should fail")
        } catch {
            // The message names the database without its password.
            #expect(error.description.contains("postgres://u:***@127.0.0.1:1/x"))
            #expect(!error.description.contains("secret"))
        }
    }

    @Test(arguments: Backend.allCases) func sameExternalIDIsStoredOnce(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        let source = try seed(db)
        let again = try db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://e.org/rss", status: 200),
            posts: [ExtractedPost(externalID: "id-1", text: "changed"), ExtractedPost(externalID: "id-4", text: "new")])
        #expect(again == 1)
        #expect(try db.postCount() == 4)
        #expect(try db.documents().map(\.postCount) == [3, 1])
        #expect(try db.sources().first?.lastStatus == "ok")
    }

    @Test(arguments: Backend.allCases) func failuresAreRecordedWithTheirReason(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        let source = try seed(db)
        try db.recordFailure(DocumentRecord(sourceId: source, url: "https://e.org/rss", status: 503, error: "HTTP 503"))
        let s = try #require(try db.sources().first)
        #expect(s.lastStatus == "failed")
        #expect(s.lastError == "HTTP 503")
        #expect(try db.documents().last?.error == "HTTP 503")
    }

    @Test(arguments: Backend.allCases) func assessmentQueuesAndReviewPublishes(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        _ = try seed(db)
        let toAssess = try db.postsToAssess()
        #expect(toAssess.count == 3)
        try db.saveAssessments(toAssess.enumerated().map { i, p in
            (p.id, Assessment(disaster: 0.9, rumour: 0.1 * Double(i), types: ["landslide"], places: [], reasons: ["r"], model: "t"), Double(i))
        })
        #expect(try db.postsToAssess().isEmpty)
        let queue = try db.queue()
        #expect(queue.count == 3)
        #expect(queue.map(\.priority) == [2, 1, 0])  // highest priority first
        #expect(queue[0].assessment?.types == ["landslide"])

        let top = queue[0].id
        try db.review(postID: top, decision: .approve, reviewer: "mod", note: "ok", channels: ["feed", "line"])
        #expect(try db.publications(postID: top).map(\.channel) == ["feed", "line"])
        #expect(try db.item(id: top).state == "approved")
        #expect(try db.queue().count == 2)
        // A decided item cannot be decided again.
        #expect(throws: StoreError.invalidTransition(post: top, from: "approved", decision: "reject")) {
            try db.review(postID: top, decision: .reject, reviewer: "mod", note: nil, channels: [])
        }
        #expect(throws: StoreError.noSuchPost(9999)) {
            try db.review(postID: 9999, decision: .reject, reviewer: "mod", note: nil, channels: [])
        }
        // Escalated items stay in the queue and can still be decided.
        try db.review(postID: queue[1].id, decision: .escalate, reviewer: "mod", note: "EOC", channels: [])
        #expect(try db.queue().map(\.state).contains("escalated"))
        try db.review(postID: queue[1].id, decision: .reject, reviewer: "eoc", note: "handled", channels: [])
        #expect(try db.reviews(postID: queue[1].id).map(\.decision) == ["escalate", "reject"])

        // The outbox hands the approval to a publisher once; delivered, it is in the channel's items.
        let claimed = try db.claimDue(channels: ["feed"])
        #expect(claimed.map(\.item.postID) == [top])
        #expect(claimed.first?.item.note == "ok")
        #expect(try db.claimDue(channels: ["feed"]).isEmpty)
        try db.markDelivered(claimed[0].publication.id!, remoteID: nil)
        let items = try db.publishableItems(channel: "feed")
        #expect(items.count == 1)
        #expect(try db.publications(postID: top).first?.status == "delivered")
    }

    @Test(arguments: Backend.allCases) func sourcesSyncByName(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        let a = try db.syncSources([SourceConfig(name: "x", kind: .rss, url: "https://a")])
        let b = try db.syncSources([SourceConfig(name: "x", kind: .atom, url: "https://b")])
        #expect(a == b)
        #expect(try db.sources().first?.url == "https://b")
    }

    @Test func unwritableLocationIsAClearError() {
        #expect(throws: StoreError.self) { try AppDatabase(path: "/proc/forbidden/s.sqlite") }
    }
}
