import Foundation
import GRDB
import SieveCore
@testable import Store
import Testing
import TestSupport

/// The store's side of the hardening issue: one decision path with one audit trail, accounts that can be shut,
/// databases that are never created or taken over by mistake, dates that cannot trap.
@Suite("Store hardening")
struct StoreHardeningTests {
    let dir = TempDir()

    /// A store with `count` queued posts; returns their ids.
    func queued(_ count: Int, in db: AppDatabase) async throws -> [Int64] {
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://news.example/")])["news"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://news.example/"),
            posts: (0..<count).map { ExtractedPost(externalID: "p\($0)", published: Date(), text: "汐止淹水 \($0)") })
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map { ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["flood"], places: [], reasons: [], model: "t"), 1) })
        return posts.map(\.id)
    }

    /// `sieve review` took no notice of a moderator's open item and wrote no audit line. Now the CLI's decision goes
    /// the web app's way: refused while someone else holds the item, allowed with force (audited), always audited.
    @Test func aCLIDecisionRespectsAWebClaimAndIsAudited() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let ids = try await queued(2, in: db)
        try await db.lock(postID: ids[0], user: "amy", duration: 600)
        await #expect(throws: StoreError.self) {
            try await db.review(postID: ids[0], decision: .approve, reviewer: "cli:ops", note: nil, channels: [])
        }
        #expect(try await db.item(id: ids[0]).state == "queued")
        try await db.review(postID: ids[0], decision: .approve, reviewer: "cli:ops", note: "確認", channels: [], force: true)
        let overrides = try await db.auditEntries(action: "claim_override")
        #expect(overrides.count == 1 && overrides[0].actor == "cli:ops" && overrides[0].before?.contains("amy") == true)
        try await db.review(postID: ids[1], decision: .reject, reviewer: "cli:ops", note: "無關", channels: [], reason: .notDisaster)
        #expect(try await db.auditEntries(actor: "cli:ops").map(\.action).sorted() == ["approve", "claim_override", "reject"])
    }

    /// Retraction, edits, and outbox retry/drop write their audit lines in the same transaction as the change.
    @Test func retractEditRetryAndDropAreAudited() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let ids = try await queued(2, in: db)
        try await db.review(postID: ids[0], decision: .approve, reviewer: "cli:ops", note: nil, channels: ["feed"])
        try await db.edit(postID: ids[0], reviewer: "cli:ops", text: "更正：汐止淹水已退", note: "更正")
        let row = try #require(try await db.publications().first { $0.postId == ids[0] })
        try await db.writer!.write { d in try d.execute(sql: "UPDATE publication SET status = 'dead' WHERE id = ?", arguments: [row.id]) }
        _ = try await db.retryDelivery(row.id!, actor: "cli:ops")
        _ = try await db.dropDelivery(row.id!, actor: "cli:ops")
        try await db.retract(postID: ids[0], reviewer: "cli:ops", note: "誤報")
        let actions = try await db.auditEntries(postId: ids[0]).map(\.action)
        for a in ["approve", "edit", "outbox-retry", "outbox-drop", "retract"] { #expect(actions.contains(a), "\(actions)") }
    }

    @Test func retractingAQueuedItemSaysWhatToDoInstead() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let ids = try await queued(1, in: db)
        await #expect {
            try await db.retract(postID: ids[0], reviewer: "cli:ops", note: nil)
        } throws: { error in
            let text = (error as? StoreError)?.description ?? ""
            return text.contains("only approved or escalated items can be retracted") && text.contains("reject it")
        }
    }

    @Test func accountsCanBeShutAndTokensExpire() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        try await db.createAccount(name: "amy", role: .moderator, passwordHash: "h1")
        try await db.createSession(
            account: "amy", idHash: "s1", csrfToken: "c", expiresAt: Date().addingTimeInterval(3600), replacing: nil, ip: nil,
            userAgent: nil)
        let live = try await db.createAPIToken(account: "amy", tokenHash: "t-live", label: "dash", expiresAt: Date().addingTimeInterval(3600), actor: "cli:ops")
        try await db.createAPIToken(account: "amy", tokenHash: "t-old", label: nil, expiresAt: Date().addingTimeInterval(-1), actor: "cli:ops")
        #expect(try await db.account(tokenHash: "t-live")?.name == "amy")
        #expect(try await db.account(tokenHash: "t-old") == nil)  // expired

        try await db.setAccountDisabled("amy", true, actor: "cli:ops")
        #expect(try await db.session(idHash: "s1") == nil)
        #expect(try await db.account(tokenHash: "t-live") == nil)
        try await db.setAccountDisabled("amy", false, actor: "cli:ops")
        #expect(try await db.account(tokenHash: "t-live")?.name == "amy")

        try await db.createSession(
            account: "amy", idHash: "s2", csrfToken: "c", expiresAt: Date().addingTimeInterval(3600), replacing: nil, ip: nil,
            userAgent: nil)
        try await db.changePassword("amy", passwordHash: "h2", actor: "cli:ops")
        #expect(try await db.session(idHash: "s2") == nil)
        #expect(try await db.account(named: "amy")?.passwordHash == "h2")

        try await db.createSession(
            account: "amy", idHash: "s3", csrfToken: "c", expiresAt: Date().addingTimeInterval(3600), replacing: nil, ip: nil,
            userAgent: nil)
        #expect(try await db.endSessions(account: "amy", actor: "cli:ops") == 1)
        #expect(try await db.session(idHash: "s3") == nil)

        #expect(try await db.revokeAPITokens(account: "amy", id: live, actor: "cli:ops") == 1)
        #expect(try await db.account(tokenHash: "t-live") == nil)
        let audit = try await db.auditEntries(actor: "cli:ops").map(\.action)
        for a in ["token_create", "user_disable", "user_enable", "password_change", "logout_all", "token_revoke"] {
            #expect(audit.contains(a), "\(audit)")
        }
        #expect(!(try await db.auditEntries().contains { ($0.after ?? "").contains("h2") }))  // never the hash
    }

    /// Per account, failures slow the next attempt down (1 s, 2 s, 4 s … up to the cap) instead of locking the
    /// account for everyone.
    @Test func loginFailuresPerAccountBackOffInsteadOfLockingOut() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let now = Date()
        var waits: [TimeInterval] = []
        for i in 0..<8 {
            let at = now.addingTimeInterval(Double(i))
            let until = try await db.recordLoginFailure(key: "account|amy", maxFailures: 3, window: 900, lockout: 60, backoff: true, now: at)
            waits.append(until.map { $0.timeIntervalSince(at) } ?? 0)
        }
        #expect(waits == [0, 0, 1, 2, 4, 8, 16, 32])
        let capped = try await db.recordLoginFailure(key: "account|amy", maxFailures: 3, window: 900, lockout: 60, backoff: true, now: now.addingTimeInterval(9))
        #expect(capped.map { $0.timeIntervalSince(now.addingTimeInterval(9)) } == 60)
        #expect(try await db.loginLockedUntil(keys: ["x|y", "account|amy"], now: now.addingTimeInterval(10)) != nil)
    }

    // MARK: Opening databases

    /// A read-only command on a mistyped path creates nothing (it used to create the folders and an empty file).
    @Test func aMissingDatabaseIsNotCreatedUnlessAsked() async throws {
        let path = dir.path("no/such/folder/x.sqlite")
        await #expect(throws: StoreError.self) { try await AppDatabase(path: path, mode: .existing) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("no")))
        // Even a command that may create one does not invent folders.
        await #expect(throws: StoreError.self) { try await AppDatabase(path: path, mode: .create) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("no")))
        await #expect(throws: StoreError.self) { try await AppDatabase(path: dir.path("missing.sqlite"), mode: .existing) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")))
        let created = try await AppDatabase(path: dir.path("new.sqlite"), mode: .create)
        #expect(created.created)
        let again = try await AppDatabase(path: dir.path("new.sqlite"), mode: .existing)
        #expect(!again.created)
    }

    /// Another program's SQLite file is refused untouched (Sieve used to add its ~22 tables to it); Sieve's own
    /// files say whose they are with PRAGMA application_id.
    @Test func anotherProgramsSQLiteFileIsRefusedUntouched() async throws {
        let path = dir.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE contacts (name TEXT)")
            try db.execute(sql: "INSERT INTO contacts VALUES ('阿美')")
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(throws: StoreError.self) { try await AppDatabase(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

        let marked = dir.path("marked.sqlite")
        let q2 = try DatabaseQueue(path: marked)
        try await q2.write { db in try db.execute(sql: "PRAGMA application_id = 42") }
        try q2.close()
        await #expect(throws: StoreError.self) { try await AppDatabase(path: marked) }

        let plain = dir.path("plain.txt")
        _ = FileManager.default.createFile(atPath: plain, contents: Data("not a database".utf8))
        await #expect(throws: StoreError.self) { try await AppDatabase(path: plain) }

        let sieve = try await AppDatabase(path: dir.path("sieve.sqlite"))
        #expect(try await sieve.writer!.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") } == AppDatabase.applicationID)
    }

    /// Every process with the store open holds the shared lock `sieve restore` needs exclusively.
    @Test func anOpenStoreHoldsTheLockRestoreNeeds() async throws {
        let path = dir.path("s.sqlite")
        var db: AppDatabase? = try await AppDatabase(path: path)
        #expect(throws: FileLock.Busy.self) { try FileLock(path: path + ".store.lock", mode: .exclusive) }
        _ = db
        db = nil
        let exclusive = try FileLock(path: path + ".store.lock", mode: .exclusive)
        await #expect(throws: StoreError.self) { try await AppDatabase(path: path) }
        _ = exclusive
    }

    /// A feed's date in year 9999 or before 1990 is stored as unknown: it would otherwise sort the post first (or
    /// last) for ever, and far dates overflowed PostgreSQL's microseconds.
    @Test func implausiblePublicationDatesAreStoredAsUnknown() async throws {
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://news.example/")])["news"]!
        let far = Date(timeIntervalSince1970: 253_402_300_000)
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://news.example/"),
            posts: [
                ExtractedPost(externalID: "future", published: far, text: "a"),
                ExtractedPost(externalID: "negative", published: Date(timeIntervalSince1970: -86_400 * 365 * 100), text: "b"),
                ExtractedPost(externalID: "fine", published: Date(timeIntervalSince1970: 1_789_394_400), text: "c"),
            ])
        let dates = try await db.writer!.read { d in
            try Row.fetchAll(d, sql: "SELECT externalID, publishedAt FROM post ORDER BY externalID").map {
                ($0["externalID"] as String, $0["publishedAt"] as Date?)
            }
        }
        #expect(dates.map(\.0) == ["fine", "future", "negative"])
        #expect(dates[0].1 != nil && dates[1].1 == nil && dates[2].1 == nil)
        #expect(PlausibleDate.storable(far.addingTimeInterval(1e15)) <= Date(timeIntervalSince1970: 253_402_300_799))
    }
}
