import Foundation
import Logging
import ServiceLifecycle
import SieveCore
@testable import Store
import Testing
import TestSupport

/// PostgreSQL's connection pools run as a `Service` in the caller's service group (`pools: .serviceGroup`):
/// `sieve serve`, `sieve worker` and `sieve schedule` put `AppDatabase.connections` first in their group.
@Suite("The store's PostgreSQL pools as a service")
struct StoreConnectionsTests {
    /// Uses the store from inside the group, then ends (which shuts the group down gracefully).
    struct UseTheStore: Service {
        let db: AppDatabase
        let sources: Int

        func run() async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<sources {
                    group.addTask {
                        _ = try await db.syncSources([SourceConfig(name: "in-group-\(i)", kind: .rss, url: "https://example.org/\(i)")])
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func poolsRunInTheGroupAndCloseWithIt() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("poolsRunInTheGroup"))
        let db = try await AppDatabase(path: url, pools: .serviceGroup)
        let backend = try #require(db.postgres)
        // Before the group runs (opening, migrations, start-up checks): each transaction on a connection of its own.
        _ = try await db.syncSources([SourceConfig(name: "before", kind: .rss, url: "https://example.org/")])
        let own = backend.ownConnectionSessions.withLock { $0 }
        #expect(own >= 2, "migrations and the first transaction ran on their own connections: \(own)")

        let connections = try #require(db.connections)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: connections, serviceName: "store"),
                    .init(service: UseTheStore(db: db, sources: 12), successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "use"),
                ],
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        try await group.run()
        // Inside the group every transaction leased from the pools.
        #expect(backend.ownConnectionSessions.withLock { $0 } == own)
        let names = try await TestPostgres.psql(url, "SELECT count(*) FROM source WHERE name LIKE 'in-group-%'")
        #expect(names.trimmingCharacters(in: .whitespacesAndNewlines) == "12")

        // The group shut down: the pools are closed and say so, and they do not run twice.
        do {
            _ = try await db.syncSources([SourceConfig(name: "after", kind: .rss, url: "https://example.org/")])
            Issue.record("a transaction ran after the group shut down")
        } catch {
            #expect(error.description.contains("service group shut down"), "\(error.description)")
        }
        await #expect(throws: (any Error).self) { try await connections.run() }

        // The pools' connections are gone from the server (they close as the pools stop; polled, not timed).
        var left = "?"
        for _ in 0..<100 {
            left = try await TestPostgres.psql(
                url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            if left == "0" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(left == "0", "connections still open after the group: \(left)")
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aStoreThatRunsItsOwnPoolsOffersNoService() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("ownPoolsNoService"))
        let db = try await AppDatabase(path: url)
        #expect(db.connections == nil)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])
        #expect(ids["s"] != nil)
        #expect(db.postgres?.ownConnectionSessions.withLock { $0 } == 0)
        let folder = TempDir()
        let sqlite = try await AppDatabase(path: folder.path("s.sqlite"), pools: .serviceGroup)
        #expect(sqlite.connections == nil)
    }
}
