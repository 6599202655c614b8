import Foundation
import Logging
import Operations
import SieveCore
import Store
import Testing
import TestSupport

@Suite("Lease renewal on a shared database")
struct LeaseKeeperTests {
    /// A worker whose batch outlives its lease keeps its claims while it is alive: with a 3 s lease renewed every
    /// second, another worker finds nothing to take 6 s later; once renewal stops, the claims expire and the other
    /// worker takes them over.
    @Test func claimsOutliveTheirLeaseWhileRenewed() async throws {
        guard let url = try TestPostgres.freshDatabase(#function) else { return }
        let a = try AppDatabase(path: url)
        let b = try AppDatabase(path: url)
        let ids = try a.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        try a.recordFetch(
            DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200),
            posts: (1...4).map { ExtractedPost(externalID: "p\($0)", title: "t\($0)", text: "土石流 \($0)") })
        #expect(try a.claimPostsToAssess(limit: 4, lease: 3).count == 4)
        let keeper = LeaseKeeper(database: a, lease: 3, logger: Logger(label: "test"))
        #expect(keeper.interval == 1)
        let renewing = Task { try await keeper.run() }
        try await Task.sleep(for: .seconds(6))
        #expect(try b.claimPostsToAssess(limit: 4, lease: 3).isEmpty)
        renewing.cancel()
        _ = try? await renewing.value
        try await Task.sleep(for: .seconds(3.5))
        #expect(try b.claimPostsToAssess(limit: 4, lease: 3).count == 4)
    }
}
