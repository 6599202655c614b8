import Foundation
import SieveCore

/// Work waiting for each stage (ready now, or claimed and not yet finished by some worker).
public struct PendingWork: Sendable, Equatable {
    /// Frontier URLs pending (due within the horizon) or in flight.
    public var crawl = 0
    /// Posts stored and not yet assessed.
    public var classify = 0
    /// Queued posts whose cross-reference is missing or older than the evidence.
    public var xref = 0
    /// Deliveries due within the horizon or being delivered.
    public var publish = 0
    public init() {}
}

extension AppDatabase {
    /// What is left to do, for `sieve worker --once` (which stops when its stages have nothing left, including
    /// work other workers hold: when a worker dies, its leases expire and the survivors take the work over).
    /// `upTo`: count at most that many of each (`upTo: 1` only asks whether anything is left, without walking a
    /// burst's backlog).
    public func pendingWork(channels: [String], now: Date = Date(), horizon: TimeInterval = 60, upTo: Int? = nil)
        async throws(StoreError) -> PendingWork
    {
        try await read { tx in
            var w = PendingWork()
            let soon = now.addingTimeInterval(horizon)
            func count(_ select: String, _ arguments: [any SQLBindable] = []) async throws -> Int {
                guard let upTo else { return try await tx.scalar("SELECT COUNT(*) FROM (\(select)) AS w", arguments) ?? 0 }
                return try await tx.scalar("SELECT COUNT(*) FROM (\(select) LIMIT ?) AS w", arguments + [upTo]) ?? 0
            }
            w.crawl = try await count("SELECT 1 FROM frontier WHERE state = 'inflight' OR (state = 'pending' AND notBefore <= ?)", [soon])
            w.classify = try await count("SELECT 1 FROM post WHERE state = ?", [PostState.fetched.rawValue])
            w.xref = try await count(
                "SELECT 1 FROM post\(tx.dialect.indexedBy("post_xrefDue")) WHERE xrefDue = 1 AND state IN ('queued', 'escalated')")
            if !channels.isEmpty {
                w.publish = try await count(
                    """
                    SELECT 1 FROM publication WHERE channel IN (\(SQLTransaction.placeholders(channels.count)))
                      AND (status = 'delivering' OR (status IN ('pending', 'failed') AND nextAttemptAt <= ?))
                    """, channels.map { $0 as any SQLBindable } + [soon])
            }
            return w
        }
    }
}

extension AppDatabase {
    /// The tables the schema has (the migration bookkeeping tables excluded), sorted.
    public func tables() async throws(StoreError) -> [String] {
        try await read { tx in
            let sql = tx.dialect.sharesWork
                ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'sieve_migrations'"
                : """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                  AND name NOT LIKE 'postSearch_%'
                """
            return try await tx.column(sql, as: String.self).map { $0.lowercased() }.sorted()
        }
    }
}
