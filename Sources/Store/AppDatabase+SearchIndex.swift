import Foundation
import GRDB
import SieveCore

// MARK: - Full-text index

extension AppDatabase {
    /// How far below the highest indexed post id PostgreSQL looks for posts still missing from the index: there,
    /// several workers insert posts at once, and a transaction that commits late leaves a lower id behind one
    /// already indexed (SQLite's single writer commits ids in order). A sweep looks at every post.
    static let searchLookback = 10_000

    /// Posts not yet in the search index, oldest first: on SQLite the ids above the highest indexed one; on
    /// PostgreSQL those missing among the last `searchLookback` ids, or (`sweep`) among all posts.
    public func postsToIndex(limit: Int = 500, sweep: Bool = false) async throws(StoreError) -> [(id: Int64, text: String)] {
        try await read { tx in
            let rows: [SQLRow]
            if tx.dialect.sharesWork {
                // The bound on both sides lets PostgreSQL merge the two primary keys over the window only.
                let bound = sweep ? "0" : "(SELECT COALESCE(MAX(rowid), 0) FROM postSearch) - \(Self.searchLookback)"
                rows = try await tx.rows(
                    """
                    SELECT id, COALESCE(title || chr(10), '') || text || COALESCE(chr(10) || author, '') AS body
                    FROM post
                    WHERE id > \(bound)
                      AND NOT EXISTS (SELECT 1 FROM postSearch WHERE postSearch.rowid = post.id AND postSearch.rowid > \(bound))
                    ORDER BY id LIMIT ?
                    """, [limit])
            } else {
                rows = try await tx.rows(
                    """
                    SELECT id, COALESCE(title || char(10), '') || text || COALESCE(char(10) || author, '') AS body
                    FROM post WHERE id > (SELECT COALESCE(MAX(rowid), 0) FROM postSearch) ORDER BY id LIMIT ?
                    """, [limit])
            }
            return try rows.map { (id: try $0["id"], text: try $0["body"]) }
        }
    }

    /// Adds posts' space-joined tokens to the search index, in one transaction (PostgreSQL: with their FTS5 terms
    /// as a tsvector, see `FullTextSearch`).
    public func indexPosts(_ entries: [(id: Int64, tokens: String)]) async throws(StoreError) {
        guard !entries.isEmpty else { return }
        try await write { tx in
            guard tx.dialect.sharesWork else {
                for e in entries { try await tx.execute("INSERT OR REPLACE INTO postSearch (rowid, tokens) VALUES (?, ?)", [e.id, e.tokens]) }
                return
            }
            var start = 0
            while start < entries.count {
                let chunk = entries[start..<min(entries.count, start + 100)]
                start += chunk.count
                var args: [any SQLBindable] = []
                for e in chunk { args += [e.id, e.tokens, FullTextSearch.tsvector(e.tokens)] }
                try await tx.execute(
                    """
                    INSERT INTO postSearch (rowid, tokens, lexemes)
                    VALUES \(Array(repeating: "(?, ?, ?::tsvector)", count: chunk.count).joined(separator: ", "))
                    ON CONFLICT (rowid) DO UPDATE SET tokens = excluded.tokens, lexemes = excluded.lexemes
                    """, args)
            }
        }
    }
}
