import Foundation
import SieveCore
import Store
import Testing
import TestSupport

/// Runs `body` in `workers` threads at once, each with its own connection to the database at `url` (a worker
/// process of its own); returns what they claimed and the errors they met.
func concurrently(
    _ workers: Int, url: String, _ body: @escaping @Sendable (AppDatabase) async throws -> [Int64]
) async -> (claimed: [Int64], errors: [String]) {
    await withTaskGroup(of: Result<[Int64], any Error>.self) { group in
        for _ in 0..<workers {
            group.addTask {
                do { return .success(try await body(try await AppDatabase(path: url))) } catch { return .failure(error) }
            }
        }
        var claimed: [Int64] = []
        var errors: [String] = []
        for await r in group {
            switch r {
            case .success(let ids): claimed += ids
            case .failure(let e): errors.append("\(e)")
            }
        }
        return (claimed, errors)
    }
}

@Suite("Claims and leases: several workers share one database", .serialized)
struct ClaimTests {
    let dir = TempDir()

    func open(_ backend: Backend, _ test: String = #function) async throws -> AppDatabase? { try await backend.open(in: dir, test) }

    func sources(_ n: Int) -> [SourceConfig] {
        (1...n).map { SourceConfig(name: "s\($0)", kind: .rss, url: "https://h\($0).example/rss", interval: 600) }
    }

    @Test(arguments: Backend.available) func frontierClaimsAreExclusiveAndExpire(_ backend: Backend) async throws {
        let a = try #require(try await open(backend))
        let b = try await AppDatabase(path: a.path)  // a second worker (process) on the same database
        let config = sources(5)
        let ids = try await a.syncSources(config)
        #expect(try await a.enqueueSeeds(config, ids: ids, hostOf: { URL(string: $0)?.host ?? "" }, force: false) == 5)
        let now = Date()
        let first = try await a.leaseFrontierBatch(limit: 3, now: now, lease: 60)
        #expect(first.count == 3)
        let second = try await b.leaseFrontierBatch(limit: 10, now: now, lease: 60)
        #expect(second.count == 2)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(try await b.leaseFrontierBatch(limit: 10, now: now).isEmpty)
        #expect(try await a.frontierCounts(now: now).inflight == 5)
        // Two minutes later a's lease has run out (a died).
        let later = now.addingTimeInterval(120)
        let takenOver = try await b.leaseFrontierBatch(limit: 10, now: later, lease: 60)
        if backend == .postgres {
            // Shared: the survivor takes the expired claims over; nothing else is handed out twice.
            #expect(Set(takenOver.map(\.id)) == Set(first.map(\.id)) .union(second.map(\.id)))
        } else {
            // SQLite: one process owns the database; what is in flight comes back through recoverInflight.
            #expect(takenOver.isEmpty)
            #expect(try await b.recoverInflight() == 5)
            #expect(try await b.leaseFrontierBatch(limit: 10, now: later).count == 5)
        }
        // A stopping worker gives its claims back.
        try await b.releaseLeases()
        #expect(try await a.frontierCounts(now: later).ready == 5)
    }

    func addPosts(_ db: AppDatabase, _ n: Int) async throws -> Int64 {
        let ids = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        let posts = (1...n).map { ExtractedPost(externalID: "p\($0)", url: "https://e.org/\($0)", title: "t\($0)", text: "土石流 \($0)") }
        try await db.recordFetch(DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200), posts: posts)
        return ids["news"]!
    }

    func assessment() -> Assessment {
        Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: ["r"], model: "t")
    }

    @Test(arguments: Backend.available) func postClaimsHideClaimedPostsUntilTheLeaseEnds(_ backend: Backend) async throws {
        let a = try #require(try await open(backend))
        let b = try await AppDatabase(path: a.path)
        _ = try await addPosts(a, 5)
        let now = Date()
        let mine = try await a.leasePostsToAssess(limit: 3, lease: 30, now: now)
        #expect(mine.count == 3)
        let theirs = try await b.leasePostsToAssess(limit: 10, lease: 30, now: now)
        if backend == .postgres {
            #expect(theirs.count == 2)
            #expect(try await b.leasePostsToAssess(limit: 10, now: now.addingTimeInterval(31)).count == 5)  // every lease ran out
        } else {
            #expect(theirs.count == 5)  // SQLite: one process; claims do not hide work from it
        }
        try await a.saveAssessments(mine.map { ($0.id, assessment(), 1.0) })
        #expect(try await a.postCount(state: .queued) == 3)
        // Cross-reference claims work the same way, on the queued posts.
        let x1 = try await a.leasePostsToCrossReference(limit: 2, lease: 30, now: now)
        #expect(x1.count == 2)
        let x2 = try await b.leasePostsToCrossReference(limit: 10, lease: 30, now: now)
        #expect(x2.count == (backend == .postgres ? 1 : 3))
    }

    /// Which posts are due for a cross-reference: set when a post enters the queue and, for the whole queue,
    /// when evidence arrives (a new incident or known rumour); cleared by a saved check unless the check was made
    /// against evidence that has since changed; a post leaving the queue is no longer due.
    @Test(arguments: Backend.available) func crossReferenceDueFollowsQueueAndEvidence(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        _ = try await addPosts(db, 4)
        #expect(try await db.leasePostsToCrossReference().isEmpty)  // not assessed yet: nothing to check
        try await db.saveAssessments(try await db.leasePostsToAssess().map { ($0.id, assessment(), 1.0) })
        #expect(try await db.pendingWork(channels: []).xref == 4)
        let result = XrefResult(verdict: .unconfirmed, score: 0, matches: [], knownRumour: nil, explanation: [XrefNote("xref.text", ["text": "none"])])
        let first = try await db.leasePostsToCrossReference(limit: 2)
        #expect(first.map(\.id) == first.map(\.id).sorted() && first.count == 2)  // oldest first
        try await db.saveCrossReferences(first.map { ($0.id, result, 0.5) }, evidence: try await db.evidenceVersion())
        let rest = try await db.leasePostsToCrossReference()
        #expect(Set(rest.map(\.id)).isDisjoint(with: first.map(\.id)) && rest.count == 2)
        // Checked against evidence older than what is stored by the time it is saved: stays due.
        let before = try await db.evidenceVersion()
        let sent = Date()
        try await db.saveIncidents([Incident(kind: .emic, externalID: "E9", sent: sent, headline: "秀林鄉土石流")])
        try await db.saveCrossReferences(rest.map { ($0.id, result, 0.5) }, evidence: before)
        #expect(try await db.pendingWork(channels: []).xref == 4)  // the new incident made every queued post due again
        let again = try await db.leasePostsToCrossReference()
        #expect(again.count == 4)
        try await db.saveCrossReferences(again.map { ($0.id, result, 0.5) }, evidence: try await db.evidenceVersion())
        #expect(try await db.leasePostsToCrossReference().isEmpty)
        // An unchanged incident imported again is no new evidence; a new known rumour is.
        try await db.saveIncidents([Incident(kind: .emic, externalID: "E9", sent: sent, headline: "秀林鄉土石流")])
        #expect(try await db.pendingWork(channels: []).xref == 0)
        try await db.addKnownRumours([(claim: "網傳明天停班停課", verdict: "RUMOR", url: nil)], origin: "test")
        #expect(try await db.pendingWork(channels: []).xref == 4)
        // A post leaving the queue is not checked again; an escalated one still is.
        try await db.review(postID: again[0].id, decision: .approve, reviewer: "mod", note: nil, channels: [])
        try await db.review(postID: again[1].id, decision: .escalate, reviewer: "mod", note: nil, channels: [])
        #expect(Set(try await db.postsToCrossReference().map(\.id)) == Set(again.dropFirst().map(\.id)))
    }

    /// A worker renews the leases it holds while its batch is still being worked on, so nobody takes the work
    /// over; and a delivery taken over after its lease ran out is settled only by the worker now holding it.
    @Test(arguments: Backend.available) func renewedLeasesKeepClaimsAndOnlyTheHolderSettles(_ backend: Backend) async throws {
        let a = try #require(try await open(backend))
        let b = try await AppDatabase(path: a.path)  // a second worker on the same database
        _ = try await addPosts(a, 3)
        let now = Date()
        let mine = try await a.leasePostsToAssess(limit: 2, lease: 30, now: now)
        #expect(mine.count == 2)
        // Renewed until now + 50. SQLite leases no posts: its one process never claims a stage's posts twice, so the
        // claim is a plain read that does not wait for the writer.
        #expect(try await a.renewLeases(lease: 30, now: now.addingTimeInterval(20)) == (backend == .postgres ? 2 : 0))
        if backend == .postgres {
            #expect(try await b.leasePostsToAssess(limit: 10, lease: 30, now: now.addingTimeInterval(40)).count == 1)
            #expect(try await b.leasePostsToAssess(limit: 10, lease: 30, now: now.addingTimeInterval(51)).count == 2)
        }
        try await a.saveAssessments(mine.map { ($0.id, assessment(), 1.0) })
        try await a.review(postID: mine[0].id, decision: .approve, reviewer: "mod", note: nil, channels: ["hook"])
        // Deliveries: a claims, renews, and is not overtaken; once a stops renewing, b takes over.
        let t = Date().addingTimeInterval(1)
        let claimed = try await a.leaseDueDeliveries(now: t, channels: ["hook"], lease: 30)
        #expect(claimed.count == 1)
        let id = try #require(claimed.first?.publication.id)
        #expect(try await a.renewLeases(lease: 30, now: t.addingTimeInterval(20)) >= 1)
        #expect(try await b.leaseDueDeliveries(now: t.addingTimeInterval(40), channels: ["hook"], lease: 30).isEmpty)
        let takenOver = try await b.leaseDueDeliveries(now: t.addingTimeInterval(51), channels: ["hook"], lease: 30)
        #expect(takenOver.map(\.publication.id) == [id])
        try await a.markDelivered(id, remoteID: "late")  // a was too slow: its outcome does not overwrite b's delivery
        #expect(try await b.publications(postID: mine[0].id).first?.status == "delivering")
        try await b.markDelivered(id, remoteID: "m1")
        let settled = try #require(try await b.publications(postID: mine[0].id).first)
        #expect(settled.status == "delivered" && settled.remoteID == "m1")
    }

    /// A retraction while another worker is claiming the item's delivery (its transaction not yet committed)
    /// waits for that claim, sees the delivery under way and withdraws it afterwards, instead of cancelling a
    /// delivery that is being made and never withdrawing it.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func retractionDuringAClaimWithdrawsTheDelivery() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let db = try await AppDatabase(path: url)
        _ = try await addPosts(db, 1)
        let post = try #require(try await db.leasePostsToAssess().first)
        try await db.saveAssessments([(post.id, assessment(), 1.0)])
        try await db.review(postID: post.id, decision: .approve, reviewer: "mod", note: nil, channels: ["hook"])
        // The other worker's claim: the row becomes `delivering` in a transaction held open for 1.5 s.
        let psql = ProcessInfo.processInfo.environment["SIEVE_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql"
        let claim = Process()
        claim.executableURL = URL(fileURLWithPath: psql)
        claim.arguments = [
            "-X", "-q", url, "-c",
            "BEGIN; UPDATE publication SET status = 'delivering', leaseUntil = now() + interval '2 minutes' WHERE postId = \(post.id); SELECT pg_sleep(1.5); COMMIT;",
        ]
        claim.standardOutput = FileHandle.nullDevice
        let child = ChildProcess(claim)
        try child.run()
        var held = false
        for _ in 0..<100 where !held {
            held = try await TestPostgres.psql(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid() AND state = 'active'"
            ) == "1"
            if !held { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(held)
        let retracts = try await db.retract(postID: post.id, reviewer: "mod", note: "wrong")
        await child.exited()
        #expect(retracts.map(\.status) == ["pending"])  // the channel may have it: withdraw it
        let publish = try #require(try await db.publications(postID: post.id).first { $0.action == "publish" })
        #expect(publish.status == "delivering")  // not overwritten with `cancelled`
        try await db.markDelivered(publish.id!, remoteID: "m1")
        #expect(try await db.publications(postID: post.id).first { $0.action == "publish" }?.status == "delivered")
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func concurrentWorkersClassifyEveryPostOnce() async throws {
        let db = try #require(try await open(.postgres))
        _ = try await addPosts(db, 300)
        let a = assessment()
        let (claimed, errors) = await concurrently(4, url: db.path) { worker in
            var mine: [Int64] = []
            while true {
                let batch = try await worker.leasePostsToAssess(limit: 7, lease: 60)
                if batch.isEmpty { return mine }
                mine += batch.map(\.id)
                try await worker.saveAssessments(batch.map { ($0.id, a, 1.0) })
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(claimed.count == 300)
        #expect(Set(claimed).count == 300)
        #expect(try await db.postCount(state: .queued) == 300)
        #expect(try await db.pendingWork(channels: []).classify == 0)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func concurrentPublishersClaimEachDeliveryOnce() async throws {
        let db = try #require(try await open(.postgres))
        _ = try await addPosts(db, 40)
        let posts = try await db.leasePostsToAssess(limit: 100)
        try await db.saveAssessments(posts.map { ($0.id, assessment(), 1.0) })
        for p in posts { try await db.review(postID: p.id, decision: .approve, reviewer: "mod", note: nil, channels: ["a", "b"]) }
        #expect(try await db.pendingWork(channels: ["a", "b"]).publish == 80)
        let (claimed, errors) = await concurrently(4, url: db.path) { worker in
            var mine: [Int64] = []
            while true {
                let batch = try await worker.leaseDueDeliveries(limit: 3, channels: ["a", "b"])
                if batch.isEmpty { return mine }
                mine += batch.map { $0.publication.id! }
                for e in batch { try await worker.markDelivered(e.publication.id!, remoteID: "r\(e.publication.id!)") }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        #expect(claimed.count == 80)
        #expect(Set(claimed).count == 80)
        #expect(try await db.publications().allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
    }

    @Test(arguments: Backend.available) func pendingWorkCountsEachStage(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        _ = try await addPosts(db, 4)
        var w = try await db.pendingWork(channels: ["feed"])
        #expect(w.classify == 4 && w.xref == 0 && w.publish == 0 && w.crawl == 0)
        let posts = try await db.leasePostsToAssess(limit: 10)
        try await db.saveAssessments(posts.map { ($0.id, assessment(), 1.0) })
        try await db.review(postID: posts[0].id, decision: .approve, reviewer: "m", note: nil, channels: ["feed"])
        w = try await db.pendingWork(channels: ["feed"])
        #expect(w.classify == 0 && w.xref == 3 && w.publish == 1)
    }
}
