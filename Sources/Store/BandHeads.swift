import Foundation
import Logging
import SieveCore

/// PostgreSQL: the near-duplicate candidates of crowded SimHash band values, kept by the process.
///
/// A new post's near-duplicate lookup reads, per band, the oldest `AppDatabase.candidatesPerBand` posts sharing that
/// band value. Once a value has that many posts older than the page being stored, those are its candidates for every
/// later post: newer posts sort after them. In a flood of near-identical posts half the lookups hit such values
/// (200,000-post burst: 53% of the last 20,000 posts' lookups, 128 candidates each), so the worker reads their
/// candidates once (`learn`) and compares later posts with them in memory, as the lookup would.
///
/// Later posts on such a value write no band row for it (`insertPostsBatched`): it would sort after the
/// candidates, and no lookup reads past them.
///
/// Where it can differ from the lookup: a post another worker inserted with a smaller id but committed after the
/// head was read is not among the candidates (the lookup had the same race before the commit), and a post deleted
/// by hand stays a candidate until the process restarts or a page fails (`clear`: a match on a deleted post fails
/// its page's transaction on the duplicate's foreign key; the page is retried without the heads); once deleted, its
/// value has one candidate fewer for good (the next post's band row may not have been written).
final class BandHeads: Sendable {
    struct Candidate: Sendable, Equatable {
        let id: Int64
        let hash: UInt64
        let root: Int64
    }

    /// At most this many band values (128 candidates of 24 bytes each: about 12 MB at 4,096).
    let capacity: Int
    private let heads = Locked([Int: [Candidate]]())

    init(capacity: Int = 4_096) {
        self.capacity = capacity
    }

    var count: Int { heads.withLock { $0.count } }

    /// The candidates of band `band`'s value `key`, oldest first, when known.
    func head(band: Int, key: Int) -> [Candidate]? {
        heads.withLock { $0[band << 16 | key] }
    }

    func clear() {
        heads.withLock { $0.removeAll() }
    }

    /// Reads the candidates of `values` (`band << 16 | key`, each with `candidatesPerBand` posts older than the
    /// page being stored, all committed) in one statement, while there is room.
    func learn(_ values: Set<Int>, _ tx: SQLTransaction) async throws {
        let room = capacity - count
        guard room > 0 else { return }
        let wanted = values.filter { head(band: $0 >> 16, key: $0 & 0xFFFF) == nil }.sorted().prefix(room)
        guard !wanted.isEmpty else { return }
        var batch = RowBatch([("band", "bigint"), ("key", "bigint")])
        for v in wanted { batch.append([v >> 16, v & 0xFFFF]) }
        let rows = try await tx.rows(
            """
            SELECT r.band, r.key, c.postId, c.simhash, COALESCE(p.duplicateOf, p.id) AS root FROM \(batch.source(tx.dialect))
            CROSS JOIN LATERAL (
              SELECT s.postId, s.simhash FROM simhashBand s WHERE s.band = r.band AND s.key = r.key ORDER BY s.postId LIMIT ?) AS c
            JOIN post p ON p.id = c.postId
            """, batch.arguments(tx.dialect) + [AppDatabase.candidatesPerBand])
        var read: [Int: [Candidate]] = [:]
        for row in rows {
            let value = Int(try row["band"] as Int64) << 16 | Int(try row["key"] as Int64)
            read[value, default: []].append(
                Candidate(id: try row["postId"], hash: UInt64(bitPattern: try row["simhash"]), root: try row["root"]))
        }
        heads.withLock { heads in
            for (value, candidates) in read where candidates.count == AppDatabase.candidatesPerBand && heads.count < capacity {
                heads[value] = candidates.sorted { $0.id < $1.id }
            }
        }
    }
}

/// PostgreSQL: keeps the band table's pages marked all-visible during a burst.
///
/// The near-duplicate lookup reads candidates' hashes from the bands' primary key (an index-only scan), which
/// needs no visit to the table only for pages the visibility map marks all-visible, and only VACUUM marks them.
/// Autovacuum looks at a table at most once an `autovacuum_naptime` (10 s as recommended, 1 min by default): in a
/// burst's first 14 seconds every candidate of every lookup was read from the table as well (auto_explain: 4,156
/// heap fetches for 4,186 candidates), and later up to 40% between two autovacuums. So each process vacuums the
/// band table itself after writing `every` band rows: the table is insert-only, so VACUUM reads only the pages
/// written since (the visibility map skips the rest) and has no index entries to remove.
final class BandVacuum: Sendable {
    /// Band rows written (about a quarter as many posts) between two vacuums by this process.
    let every: Int
    private let state = Locked((written: 0, running: false, runs: 0))
    private static let logger = Logger(label: "sieve.store")

    init(every: Int = 10_000) {
        self.every = every
    }

    /// Vacuums this process ran to completion.
    var runs: Int { state.withLock { $0.runs } }

    /// Counts `rows` written; true (and the vacuum marked running) when one is due and none runs.
    private func due(_ rows: Int) -> Bool {
        state.withLock { s in
            s.written += rows
            guard s.written >= every, !s.running else { return false }
            s.written = 0
            s.running = true
            return true
        }
    }

    /// After a page's transaction committed `rows` band rows: vacuums the band table when due. `SKIP_LOCKED`:
    /// when another process (or autovacuum) is vacuuming it, this one does not wait. A failure (a lost
    /// connection, a role that may not vacuum: then PostgreSQL warns and skips) costs only the speed-up.
    func added(_ rows: Int, _ backend: PostgresBackend) async {
        guard rows > 0, due(rows) else { return }
        do {
            _ = try await backend.withSession { s in try await s.run("VACUUM (SKIP_LOCKED) simhashBand", []) }
            state.withLock { $0.running = false; $0.runs += 1 }
        } catch {
            state.withLock { $0.running = false }
            Self.logger.warning(
                "could not vacuum the near-duplicate band table (simhashBand); lookups read the table until autovacuum does",
                metadata: ["database": "\(backend.display)", "error": "\(PostgresBackend.message(error))"])
        }
    }
}
