import Foundation
import GRDB
import SieveCore

/// The Store: one SQLite file (WAL) behind GRDB, with every state transition in one transaction.
public final class AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    public let path: String

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA cache_size = -2048")  // 2 MiB per connection (the OS caches the file too)
            }
            config.maximumReaderCount = 4
            let pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
            self.writer = pool
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
    }

    /// Migrations, registered in order. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-skeleton") { db in
            try db.create(table: "source") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("url", .text).notNull()
                t.column("interval", .integer).notNull()
                t.column("lastFetchedAt", .datetime)
                t.column("lastStatus", .text)  // "ok" | "failed"
                t.column("lastError", .text)
            }
            try db.create(table: "document") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("url", .text).notNull()
                t.column("finalURL", .text)
                t.column("status", .integer)  // HTTP status; nil for file: or when no response
                t.column("contentType", .text)
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("bodyHash", .text)
                t.column("bytes", .integer)
                t.column("fetchedAt", .datetime).notNull()
                t.column("durationMs", .integer)
                t.column("error", .text)
                t.column("postCount", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "post") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("externalID", .text).notNull()
                t.column("url", .text)
                t.column("title", .text)
                t.column("author", .text)
                t.column("publishedAt", .datetime)
                t.column("fetchedAt", .datetime).notNull()
                t.column("text", .text).notNull()
                t.column("language", .text)
                t.column("state", .text).notNull().defaults(to: PostState.fetched.rawValue).indexed()
                t.uniqueKey(["sourceId", "externalID"])
            }
            try db.create(table: "assessment") { t in
                t.primaryKey("postId", .integer).references("post", onDelete: .cascade)
                t.column("disaster", .double).notNull()
                t.column("rumour", .double).notNull()
                t.column("types", .jsonText).notNull()
                t.column("places", .jsonText).notNull()
                t.column("reasons", .jsonText).notNull()
                t.column("model", .text).notNull()
                t.column("priority", .double).notNull().indexed()
                t.column("assessedAt", .datetime).notNull()
            }
            try db.create(table: "review") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("post", onDelete: .cascade).notNull()
                t.column("decision", .text).notNull()
                t.column("reviewer", .text).notNull()
                t.column("note", .text)
                t.column("decidedAt", .datetime).notNull()
            }
            try db.create(table: "publication") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("post", onDelete: .cascade).notNull()
                t.column("channel", .text).notNull()
                t.column("status", .text).notNull().indexed()  // pending | published | failed | dead
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("publishedAt", .datetime)
                t.uniqueKey(["postId", "channel"])
            }
        }
        m.registerMigration("v2-frontier-dedupe") { db in
            // The persistent crawl frontier: every URL a crawl will fetch, with its validators and retry state.
            try db.create(table: "frontier") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("url", .text).notNull()
                t.column("host", .text).notNull()
                t.column("role", .text).notNull()  // seed | page | item
                t.column("depth", .integer).notNull().defaults(to: 0)
                t.column("state", .text).notNull()  // pending | inflight | done | failed
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("notBefore", .datetime).notNull()
                t.column("lastError", .text)
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("bodyHash", .text)
                t.column("discoveredAt", .datetime).notNull()
                t.column("fetchedAt", .datetime)
                t.uniqueKey(["sourceId", "url"])
            }
            try db.create(index: "frontier_pending", on: "frontier", columns: ["state", "notBefore"])
            try db.alter(table: "post") { t in
                t.add(column: "simhash", .integer)
                t.add(column: "duplicateOf", .integer).references("post", onDelete: .setNull)
                t.add(column: "clusterSize", .integer).notNull().defaults(to: 1)
                t.add(column: "replies", .jsonText)
                t.add(column: "extra", .jsonText)
            }
            try db.create(index: "post_duplicateOf", on: "post", columns: ["duplicateOf"])
            // Why an item was rejected: not_disaster | rumour | duplicate | spam (feeds retraining).
            try db.alter(table: "review") { t in t.add(column: "reason", .text) }
            // Time expressions and people mentioned, as JSON {"times": […], "people": […]}.
            try db.alter(table: "assessment") { t in t.add(column: "details", .jsonText) }
            // SimHash index: 4 bands of 16 bits. Two hashes within Hamming distance 3 share at least one band
            // exactly (pigeonhole), so candidates come from 4 indexed lookups, not a scan.
            try db.create(table: "simhashBand") { t in
                t.column("band", .integer).notNull()
                t.column("key", .integer).notNull()
                t.column("postId", .integer).notNull().references("post", onDelete: .cascade)
                t.column("simhash", .integer).notNull()
                t.primaryKey(["band", "key", "postId"])
            }
            // robots.txt per host, cached across runs.
            try db.create(table: "robots") { t in
                t.primaryKey("host", .text)
                t.column("status", .integer)
                t.column("body", .blob)
                t.column("fetchedAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("error", .text)
            }
        }
        m.registerMigration("v3-incidents") { db in
            try Self.migrateIncidents(db)
        }
        m.registerMigration("v4-outbox") { db in try Self.migrateOutbox(db) }
        registerWebMigration(&m)  // "v5-web": AppDatabase+Web.swift
        return m
    }
}
