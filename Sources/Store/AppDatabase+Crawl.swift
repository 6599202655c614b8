import Foundation
import SieveCore

extension AppDatabase {
    /// Makes the `source` table match the configuration (inserting or updating by name) and returns name → id.
    public func syncSources(_ sources: [SourceConfig]) async throws(StoreError) -> [String: Int64] {
        try await write { tx in
            var ids: [String: Int64] = [:]
            if tx.dialect.sharesWork, !sources.isEmpty {
                // PostgreSQL: one statement for all of them (in name order, so workers starting together lock the
                // rows in the same order; a name listed twice keeps its last settings).
                var last: [String: SourceConfig] = [:]
                for s in sources { last[s.name] = s }
                var rows = RowBatch([("name", "text"), ("kind", "text"), ("url", "text"), ("interval", "bigint")])
                for s in last.values.sorted(by: { $0.name < $1.name }) { rows.append([s.name, s.kind.rawValue, s.url, s.interval]) }
                for row in try await tx.rows(
                    """
                    INSERT INTO source (name, kind, url, "interval") SELECT * FROM \(rows.source())
                    ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url, "interval" = excluded."interval"
                    RETURNING id, name
                    """, rows.postgresArrays)
                {
                    ids[try row["name"]] = try row["id"]
                }
                return ids
            }
            for s in sources {
                // One statement, so workers starting together on a shared database never collide on the name.
                ids[s.name] = try await tx.scalar(
                    """
                    INSERT INTO source (name, kind, url, "interval") VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url, "interval" = excluded."interval"
                    RETURNING id
                    """, [s.name, s.kind.rawValue, s.url, s.interval], as: Int64.self)
            }
            return ids
        }
    }

    /// Records a successful fetch and its posts in one transaction. Posts already stored for the source
    /// (same external id) are left alone. Returns how many posts were new.
    @discardableResult
    public func recordFetch(_ document: DocumentRecord, posts: [ExtractedPost]) async throws(StoreError) -> Int {
        try await write { tx in
            var doc = document
            var inserted = 0
            let now = Date()
            for p in posts {
                inserted += try await tx.execute(
                    """
                    INSERT INTO post (sourceId, externalID, url, title, author, publishedAt, fetchedAt, text, language, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(sourceId, externalID) DO NOTHING
                    """,
                    [
                        document.sourceId, p.externalID, p.url, p.title, p.author, PlausibleDate.published(p.published, fetchedAt: now),
                        now, p.text, p.language,
                        PostState.fetched.rawValue,
                    ])
            }
            doc.postCount = inserted
            try await Self.insertDocument(doc, tx)
            try await tx.execute(
                "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?",
                [document.fetchedAt, document.sourceId])
            return inserted
        }
    }

    /// Records a failed fetch (the document row carries the error) in one transaction.
    public func recordFailure(_ document: DocumentRecord) async throws(StoreError) {
        try await write { tx in
            try await Self.insertDocument(document, tx)
            try await tx.execute(
                "UPDATE source SET lastFetchedAt = ?, lastStatus = 'failed', lastError = ? WHERE id = ?",
                [document.fetchedAt, document.error, document.sourceId])
        }
    }

    public func sources() async throws(StoreError) -> [SourceRecord] {
        try await read { tx in try await tx.rows("SELECT * FROM source ORDER BY name").map(SourceRecord.init) }
    }

    public func documents(sourceName: String? = nil) async throws(StoreError) -> [DocumentRecord] {
        try await read { tx in
            if let sourceName {
                return try await tx.rows(
                    "SELECT document.* FROM document JOIN source ON source.id = document.sourceId WHERE source.name = ? ORDER BY document.id",
                    [sourceName]
                ).map(DocumentRecord.init)
            }
            return try await tx.rows("SELECT * FROM document ORDER BY id").map(DocumentRecord.init)
        }
    }

    public func postCount(state: PostState? = nil) async throws(StoreError) -> Int {
        try await read { tx in
            if let state { return try await tx.scalar("SELECT COUNT(*) FROM post WHERE state = ?", [state.rawValue]) ?? 0 }
            return try await tx.scalar("SELECT COUNT(*) FROM post") ?? 0
        }
    }

    public func posts() async throws(StoreError) -> [PostRecord] {
        try await read { tx in try await tx.rows("SELECT * FROM post ORDER BY id").map(PostRecord.init) }
    }
}
