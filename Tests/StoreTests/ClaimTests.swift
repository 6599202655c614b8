import Foundation
import SieveCore
import Store
import Testing
import TestSupport

/// Results collected from several threads.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ more: [T]) {
        lock.lock()
        items += more
        lock.unlock()
    }
    var all: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Runs `body` in `workers` threads at once, each with its own connection to the database at `url` (a worker
/// process of its own); returns what they claimed and the errors they met.
func concurrently(_ workers: Int, url: String, _ body: @escaping @Sendable (AppDatabase) throws -> [Int64]) -> (claimed: [Int64], errors: [String]) {
    let claimed = Collected<Int64>()
    let failures = Collected<String>()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        do {
            claimed.append(try body(try AppDatabase(path: url)))
        } catch {
            failures.append(["\(error)"])
        }
    }
    return (claimed.all, failures.all)
}

@Suite("Claims and leases: several workers share one database", .serialized)
struct ClaimTests {
    let dir = TempDir()

    func open(_ backend: Backend, _ test: String = #function) throws -> AppDatabase? { try backend.open(in: dir, test) }

    func sources(_ n: Int) -> [SourceConfig] {
        (1...n).map { SourceConfig(name: "s\($0)", kind: .rss, url: "https://h\($0).example/rss", interval: 600) }
    }

    @Test(arguments: Backend.allCases) func frontierClaimsAreExclusiveAndExpire(_ backend: Backend) throws {
        guard let a = try open(backend) else { return }
        let b = try AppDatabase(path: a.path)  // a second worker (process) on the same database
        let config = sources(5)
        let ids = try a.syncSources(config)
        #expect(try a.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false) == 5)
        let now = Date()
        let first = try a.claimBatch(limit: 3, now: now, lease: 60)
        #expect(first.count == 3)
        let second = try b.claimBatch(limit: 10, now: now, lease: 60)
        #expect(second.count == 2)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(try b.claimBatch(limit: 10, now: now).isEmpty)
        #expect(try a.frontierCounts(now: now).inflight == 5)
        // Two minutes later a's lease has run out (a died).
        let later = now.addingTimeInterval(120)
        let takenOver = try b.claimBatch(limit: 10, now: later, lease: 60)
        if backend == .postgres {
            // Shared: the survivor takes the expired claims over; nothing else is handed out twice.
            #expect(Set(takenOver.map(\.id)) == Set(first.map(\.id)) .union(second.map(\.id)))
        } else {
            // SQLite: one process owns the database; what is in flight comes back through recoverInflight.
            #expect(takenOver.isEmpty)
            #expect(try b.recoverInflight() == 5)
            #expect(try b.claimBatch(limit: 10, now: later).count == 5)
        }
        // A stopping worker gives its claims back.
        try b.releaseClaims()
        #expect(try a.frontierCounts(now: later).ready == 5)
    }

    func addPosts(_ db: AppDatabase, _ n: Int) throws -> Int64 {
        let ids = try db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        let posts = (1...n).map { ExtractedPost(externalID: "p\($0)", url: "https://e.org/\($0)", title: "t\($0)", text: "土石流 \($0)") }
        try db.recordFetch(DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200), posts: posts)
        return ids["news"]!
    }

    func assessment() -> Assessment {
        Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: ["r"], model: "t")
    }

    @Test(arguments: Backend.allCases) func postClaimsHideClaimedPostsUntilTheLeaseEnds(_ backend: Backend) throws {
        guard let a = try open(backend) else { return }
        let b = try AppDatabase(path: a.path)
        _ = try addPosts(a, 5)
        let now = Date()
        let mine = try a.claimPostsToAssess(limit: 3, lease: 30, now: now)
        #expect(mine.count == 3)
        let theirs = try b.claimPostsToAssess(limit: 10, lease: 30, now: now)
        if backend == .postgres {
            #expect(theirs.count == 2)
            #expect(try b.claimPostsToAssess(limit: 10, now: now.addingTimeInterval(31)).count == 5)  // every lease ran out
        } else {
            #expect(theirs.count == 5)  // SQLite: one process; claims do not hide work from it
        }
        try a.saveAssessments(mine.map { ($0.id, assessment(), 1.0) })
        #expect(try a.postCount(state: .queued) == 3)
        // Cross-reference claims work the same way, on the queued posts.
        let x1 = try a.claimPostsToCrossReference(limit: 2, lease: 30, now: now)
        #expect(x1.count == 2)
        let x2 = try b.claimPostsToCrossReference(limit: 10, lease: 30, now: now)
        #expect(x2.count == (backend == .postgres ? 1 : 3))
    }

    /// Which posts are due for a cross-reference: set when a post enters the queue and, for the whole queue,
    /// when evidence arrives (a new incident or known rumour); cleared by a saved check unless the check was made
    /// against evidence that has since changed; a post leaving the queue is no longer due.
    @Test(arguments: Backend.allCases) func crossReferenceDueFollowsQueueAndEvidence(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        _ = try addPosts(db, 4)
        #expect(try db.claimPostsToCrossReference().isEmpty)  // not assessed yet: nothing to check
        try db.saveAssessments(try db.claimPostsToAssess().map { ($0.id, assessment(), 1.0) })
        #expect(try db.pendingWork(channels: []).xref == 4)
        let result = XrefResult(verdict: .unconfirmed, score: 0, matches: [], knownRumour: nil, explanation: ["none"])
        let first = try db.claimPostsToCrossReference(limit: 2)
        #expect(first.map(\.id) == first.map(\.id).sorted() && first.count == 2)  // oldest first
        try db.saveCrossReferences(first.map { ($0.id, result, 0.5) }, evidence: try db.evidenceVersion())
        let rest = try db.claimPostsToCrossReference()
        #expect(Set(rest.map(\.id)).isDisjoint(with: first.map(\.id)) && rest.count == 2)
        // Checked against evidence older than what is stored by the time it is saved: stays due.
        let before = try db.evidenceVersion()
        let sent = Date()
        try db.saveIncidents([Incident(kind: .emic, externalID: "E9", sent: sent, headline: "秀林鄉土石流")])
        try db.saveCrossReferences(rest.map { ($0.id, result, 0.5) }, evidence: before)
        #expect(try db.pendingWork(channels: []).xref == 4)  // the new incident made every queued post due again
        let again = try db.claimPostsToCrossReference()
        #expect(again.count == 4)
        try db.saveCrossReferences(again.map { ($0.id, result, 0.5) }, evidence: try db.evidenceVersion())
        #expect(try db.claimPostsToCrossReference().isEmpty)
        // An unchanged incident imported again is no new evidence; a new known rumour is.
        try db.saveIncidents([Incident(kind: .emic, externalID: "E9", sent: sent, headline: "秀林鄉土石流")])
        #expect(try db.pendingWork(channels: []).xref == 0)
        try db.addKnownRumours([(claim: "網傳明天停班停課", verdict: "RUMOR", url: nil)], origin: "test")
        #expect(try db.pendingWork(channels: []).xref == 4)
        // A post leaving the queue is not checked again; an escalated one still is.
        try db.review(postID: again[0].id, decision: .approve, reviewer: "mod", note: nil, channels: [])
        try db.review(postID: again[1].id, decision: .escalate, reviewer: "mod", note: nil, channels: [])
        #expect(Set(try db.postsToCrossReference().map(\.id)) == Set(again.dropFirst().map(\.id)))
    }

    /// A worker renews the leases it holds while its batch is still being worked on, so nobody takes the work
    /// over; and a delivery taken over after its lease ran out is settled only by the worker now holding it.
    @Test(arguments: Backend.allCases) func renewedLeasesKeepClaimsAndOnlyTheHolderSettles(_ backend: Backend) throws {
        guard let a = try open(backend) else { return }
        let b = try AppDatabase(path: a.path)  // a second worker on the same database
        _ = try addPosts(a, 3)
        let now = Date()
        let mine = try a.claimPostsToAssess(limit: 2, lease: 30, now: now)
        #expect(mine.count == 2)
        // Renewed until now + 50. SQLite leases no posts: its one process never claims a stage's posts twice, so the
        // claim is a plain read that does not wait for the writer.
        #expect(try a.renewLeases(lease: 30, now: now.addingTimeInterval(20)) == (backend == .postgres ? 2 : 0))
        if backend == .postgres {
            #expect(try b.claimPostsToAssess(limit: 10, lease: 30, now: now.addingTimeInterval(40)).count == 1)
            #expect(try b.claimPostsToAssess(limit: 10, lease: 30, now: now.addingTimeInterval(51)).count == 2)
        }
        try a.saveAssessments(mine.map { ($0.id, assessment(), 1.0) })
        try a.review(postID: mine[0].id, decision: .approve, reviewer: "mod", note: nil, channels: ["hook"])
        // Deliveries: a claims, renews, and is not overtaken; once a stops renewing, b takes over.
        let t = Date().addingTimeInterval(1)
        let claimed = try a.claimDue(now: t, channels: ["hook"], lease: 30)
        #expect(claimed.count == 1)
        let id = try #require(claimed.first?.publication.id)
        #expect(try a.renewLeases(lease: 30, now: t.addingTimeInterval(20)) >= 1)
        #expect(try b.claimDue(now: t.addingTimeInterval(40), channels: ["hook"], lease: 30).isEmpty)
        let takenOver = try b.claimDue(now: t.addingTimeInterval(51), channels: ["hook"], lease: 30)
        #expect(takenOver.map(\.publication.id) == [id])
        try a.markDelivered(id, remoteID: "late")  // a was too slow: its outcome does not overwrite b's delivery
        #expect(try b.publications(postID: mine[0].id).first?.status == "delivering")
        try b.markDelivered(id, remoteID: "m1")
        let settled = try #require(try b.publications(postID: mine[0].id).first)
        #expect(settled.status == "delivered" && settled.remoteID == "m1")
    }

    /// A retraction while another worker is claiming the item's delivery (its transaction not yet committed)
    /// waits for that claim, sees the delivery under way and withdraws it afterwards, instead of cancelling a
    /// delivery that is being made and never withdrawing it.
    @Test func retractionDuringAClaimWithdrawsTheDelivery() throws {
        guard let url = try TestPostgres.freshDatabase(#function) else { return }
        let db = try AppDatabase(path: url)
        _ = try addPosts(db, 1)
        let post = try #require(try db.claimPostsToAssess().first)
        try db.saveAssessments([(post.id, assessment(), 1.0)])
        try db.review(postID: post.id, decision: .approve, reviewer: "mod", note: nil, channels: ["hook"])
        // The other worker's claim: the row becomes `delivering` in a transaction held open for 1.5 s.
        let psql = ProcessInfo.processInfo.environment["SIEVE_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql"
        let claim = Process()
        claim.executableURL = URL(fileURLWithPath: psql)
        claim.arguments = [
            "-X", "-q", url, "-c",
            "BEGIN; UPDATE publication SET status = 'delivering', leaseUntil = now() + interval '2 minutes' WHERE postId = \(post.id); SELECT pg_sleep(1.5); COMMIT;",
        ]
        claim.standardOutput = FileHandle.nullDevice
        try claim.run()
        defer { claim.waitUntilExit() }
        var held = false
        for _ in 0..<100 where !held {
            held = try TestPostgres.psql(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid() AND state = 'active'"
            ) == "1"
            if !held { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(held)
        let retracts = try db.retract(postID: post.id, reviewer: "mod", note: "wrong")
        claim.waitUntilExit()
        #expect(retracts.map(\.status) == ["pending"])  // the channel may have it: withdraw it
        let publish = try #require(try db.publications(postID: post.id).first { $0.action == "publish" })
        #expect(publish.status == "delivering")  // not overwritten with `cancelled`
        try db.markDelivered(publish.id!, remoteID: "m1")
        #expect(try db.publications(postID: post.id).first { $0.action == "publish" }?.status == "delivered")
    }

    @Test func concurrentWorkersClassifyEveryPostOnce() throws {
        guard let db = try open(.postgres) else { return }
        _ = try addPosts(db, 300)
        let a = assessment()
        let (claimed, errors) = concurrently(4, url: db.path) { worker in
            var mine: [Int64] = []
            while true {
                let batch = try worker.claimPostsToAssess(limit: 7, lease: 60)
                if batch.isEmpty { return mine }
                mine += batch.map(\.id)
                try worker.saveAssessments(batch.map { ($0.id, a, 1.0) })
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(claimed.count == 300)
        #expect(Set(claimed).count == 300)
        #expect(try db.postCount(state: .queued) == 300)
        #expect(try db.pendingWork(channels: []).classify == 0)
    }

    @Test func concurrentPublishersClaimEachDeliveryOnce() throws {
        guard let db = try open(.postgres) else { return }
        _ = try addPosts(db, 40)
        let posts = try db.claimPostsToAssess(limit: 100)
        try db.saveAssessments(posts.map { ($0.id, assessment(), 1.0) })
        for p in posts { try db.review(postID: p.id, decision: .approve, reviewer: "mod", note: nil, channels: ["a", "b"]) }
        #expect(try db.pendingWork(channels: ["a", "b"]).publish == 80)
        let (claimed, errors) = concurrently(4, url: db.path) { worker in
            var mine: [Int64] = []
            while true {
                let batch = try worker.claimDue(limit: 3, channels: ["a", "b"])
                if batch.isEmpty { return mine }
                mine += batch.map { $0.publication.id! }
                for e in batch { try worker.markDelivered(e.publication.id!, remoteID: "r\(e.publication.id!)") }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(claimed.count == 80)
        #expect(Set(claimed).count == 80)
        #expect(try db.publications().allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
    }

    @Test(arguments: Backend.allCases) func pendingWorkCountsEachStage(_ backend: Backend) throws {
        guard let db = try open(backend) else { return }
        _ = try addPosts(db, 4)
        var w = try db.pendingWork(channels: ["feed"])
        #expect(w.classify == 4 && w.xref == 0 && w.publish == 0 && w.crawl == 0)
        let posts = try db.claimPostsToAssess(limit: 10)
        try db.saveAssessments(posts.map { ($0.id, assessment(), 1.0) })
        try db.review(postID: posts[0].id, decision: .approve, reviewer: "m", note: nil, channels: ["feed"])
        w = try db.pendingWork(channels: ["feed"])
        #expect(w.classify == 0 && w.xref == 3 && w.publish == 1)
    }
}
