import Foundation
import SieveCore

/// PostgreSQL: the near-duplicate candidates of crowded SimHash band values, kept by the process.
///
/// A new post's near-duplicate lookup reads, per band, the oldest `AppDatabase.candidatesPerBand` posts sharing that
/// band value. Once a value has that many posts older than the page being stored, those are its candidates for every
/// later post: newer posts sort after them. In a flood of near-identical posts half the lookups hit such values
/// (200,000-post burst: 53% of the last 20,000 posts' lookups, 128 candidates each), so the worker reads their
/// candidates once (`learn`) and compares later posts with them in memory, as the lookup would.
///
/// Where it can differ from the lookup: a post another worker inserted with a smaller id but committed after the
/// head was read is not among the candidates (the lookup had the same race before the commit), and a post deleted
/// by hand stays a candidate until the process restarts or a page fails (`clear`: a match on a deleted post fails
/// its page's transaction on the duplicate's foreign key; the page is retried without the heads).
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
