import Foundation
import Logging
import Operations
import SieveCore
import Store
import Testing
import TestSupport

@Suite("Lease renewal on a shared database")
struct LeaseKeeperTests {
    /// Two processes' stores on one fresh PostgreSQL database holding four unassessed posts.
    func twoWorkersAndFourPosts(_ test: String) async throws -> (url: String, a: AppDatabase, b: AppDatabase) {
        let url = try #require(try await TestPostgres.freshDatabase(test))
        let a = try await AppDatabase(path: url)
        let b = try await AppDatabase(path: url)
        let ids = try await a.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        try await a.recordFetch(
            DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200),
            posts: (1...4).map { ExtractedPost(externalID: "p\($0)", title: "t\($0)", text: "土石流 \($0)") })
        return (url, a, b)
    }

    /// A worker whose batch outlives its lease keeps its leases while it is alive: renewed, they stay out of
    /// another worker's reach past the first lease's end; not renewed, they expire and the other worker takes them
    /// over. The times are given, not slept through (a loaded machine cannot make this flaky).
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func leasesOutliveTheirFirstTermWhileRenewed() async throws {
        let (_, a, b) = try await twoWorkersAndFourPosts(#function)
        let t0 = Date()
        #expect(try await a.leasePostsToAssess(limit: 4, lease: 3, now: t0).count == 4)
        let clock = Locked(t0)
        let keeper = LeaseKeeper(database: a, lease: 3, logger: Logger(label: "test"), now: { clock.withLock { $0 } })
        #expect(keeper.interval == 1)
        // Renewed at t0 + 2 and t0 + 4: at t0 + 6 the leases still run (until t0 + 7), past the first term (t0 + 3).
        for t in [2.0, 4.0] {
            clock.withLock { $0 = t0 + t }
            await keeper.renewOnce()
        }
        #expect(try await b.leasePostsToAssess(limit: 4, lease: 3, now: t0 + 6).isEmpty)
        // No renewal after t0 + 4: at t0 + 7.5 they have expired, and the other worker takes all four.
        #expect(try await b.leasePostsToAssess(limit: 4, lease: 3, now: t0 + 7.5).count == 4)
    }

    /// The service renews on its own: while it runs, the leases' end moves forward (watched in the database,
    /// not timed).
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func theServiceRenewsUntilCancelled() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let a = try await AppDatabase(path: url)
        let ids = try await a.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        try await a.recordFetch(
            DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200),
            posts: [ExtractedPost(externalID: "p1", title: "t1", text: "土石流")])
        let t0 = Date()
        #expect(try await a.leasePostsToAssess(limit: 1, lease: 3, now: t0).count == 1)
        let first = try await TestPostgres.psql(url, "SELECT extract(epoch from leaseUntil) FROM post")
        let renewing = Task { try await LeaseKeeper(database: a, lease: 3, logger: Logger(label: "test")).run() }
        var later = first
        for _ in 0..<300 where later == first {  // up to 30 s on a loaded machine; a renewal comes every second
            try await Task.sleep(for: .milliseconds(100))
            later = try await TestPostgres.psql(url, "SELECT extract(epoch from leaseUntil) FROM post")
        }
        renewing.cancel()
        _ = try? await renewing.value
        #expect((Double(later) ?? 0) > (Double(first) ?? 0), "the lease's end never moved: \(first) → \(later)")
    }

    /// A claim this process does not know it holds — its transaction committed but the answer was lost (the
    /// connection died at COMMIT during a failover) — is not renewed: it expires after one lease and another worker
    /// takes it, instead of staying with this live process (whose renewals would otherwise keep it forever). Known
    /// claims are renewed, and forgotten once settled.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func aClaimWhoseAnswerWasLostIsNotRenewed() async throws {
        let (url, a, b) = try await twoWorkersAndFourPosts(#function)
        let t0 = Date()
        let known = try await a.leasePostsToAssess(limit: 2, lease: 3, now: t0)
        #expect(known.count == 2)
        // The other two: claimed for `a` in the database, as a lost COMMIT answer would leave them.
        _ = try await TestPostgres.psql(url, """
            UPDATE post SET claimedBy = '\(a.workerID)', leaseUntil = to_timestamp(\(t0.timeIntervalSince1970 + 3))
            WHERE id NOT IN (\(known.map { String($0.id) }.joined(separator: ",")))
            """)
        let keeper = LeaseKeeper(database: a, lease: 3, logger: Logger(label: "test"), now: { t0 + 2 })
        await keeper.renewOnce()
        // At t0 + 4: the ghost claims have expired, the known ones (renewed until t0 + 5) have not.
        let taken = try await b.leasePostsToAssess(limit: 4, lease: 3, now: t0 + 4)
        #expect(Set(taken.map(\.id)) == Set((1...4).map(Int64.init)).subtracting(known.map(\.id)))
        // Settled posts drop out of the renewal.
        try await a.saveAssessments(known.map { ($0.id, Assessment(disaster: 0.5, rumour: 0.1, types: [], places: [], reasons: [], model: "t"), 1) })
        #expect(try await a.renewLeases(lease: 3, now: t0 + 4.5) == 0)
    }
}
