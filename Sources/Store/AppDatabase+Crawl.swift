import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// Makes the `source` table match the configuration (inserting or updating by name) and returns name → id.
    public func syncSources(_ sources: [SourceConfig]) throws(StoreError) -> [String: Int64] {
        try write { db in
            var ids: [String: Int64] = [:]
            for s in sources {
                if var existing = try SourceRecord.filter(Column("name") == s.name).fetchOne(db) {
                    existing.kind = s.kind.rawValue
                    existing.url = s.url
                    existing.interval = s.interval
                    try existing.update(db)
                    ids[s.name] = existing.id!
                } else {
                    var record = SourceRecord(
                        id: nil, name: s.name, kind: s.kind.rawValue, url: s.url, interval: s.interval)
                    try record.insert(db)
                    ids[s.name] = record.id!
                }
            }
            return ids
        }
    }

    /// Records a successful fetch and its posts in one transaction. Posts already stored for the source
    /// (same external id) are left alone. Returns how many posts were new.
    @discardableResult
    public func recordFetch(_ document: DocumentRecord, posts: [ExtractedPost]) throws(StoreError) -> Int {
        try write { db in
            var doc = document
            var inserted = 0
            let now = Date()
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO post (sourceId, externalID, url, title, author, publishedAt, fetchedAt, text, language, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(sourceId, externalID) DO NOTHING
                    """)
            for p in posts {
                try insert.execute(arguments: [
                    document.sourceId, p.externalID, p.url, p.title, p.author, p.published, now, p.text, p.language,
                    PostState.fetched.rawValue,
                ])
                inserted += db.changesCount
            }
            doc.postCount = inserted
            try doc.insert(db)
            try db.execute(
                sql: "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?",
                arguments: [document.fetchedAt, document.sourceId])
            return inserted
        }
    }

    /// Records a failed fetch (the document row carries the error) in one transaction.
    public func recordFailure(_ document: DocumentRecord) throws(StoreError) {
        try write { db in
            var doc = document
            try doc.insert(db)
            try db.execute(
                sql: "UPDATE source SET lastFetchedAt = ?, lastStatus = 'failed', lastError = ? WHERE id = ?",
                arguments: [document.fetchedAt, document.error, document.sourceId])
        }
    }

    public func sources() throws(StoreError) -> [SourceRecord] {
        try read { db in try SourceRecord.order(Column("name")).fetchAll(db) }
    }

    public func documents(sourceName: String? = nil) throws(StoreError) -> [DocumentRecord] {
        try read { db in
            if let sourceName {
                return try DocumentRecord.fetchAll(
                    db,
                    sql: "SELECT document.* FROM document JOIN source ON source.id = document.sourceId WHERE source.name = ? ORDER BY document.id",
                    arguments: [sourceName])
            }
            return try DocumentRecord.order(Column("id")).fetchAll(db)
        }
    }

    public func postCount(state: PostState? = nil) throws(StoreError) -> Int {
        try read { db in
            if let state { return try PostRecord.filter(Column("state") == state.rawValue).fetchCount(db) }
            return try PostRecord.fetchCount(db)
        }
    }

    public func posts() throws(StoreError) -> [PostRecord] {
        try read { db in try PostRecord.order(Column("id")).fetchAll(db) }
    }

    // MARK: - plumbing

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database("\(error)")
        }
    }
}
