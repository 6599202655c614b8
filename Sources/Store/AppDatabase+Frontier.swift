import Foundation
import GRDB
import SieveCore

/// A URL waiting in (or taken from) the crawl frontier.
public struct FrontierEntry: Sendable, Equatable {
    public enum Role: String, Sendable { case seed, page, item }
    public var id: Int64
    public var sourceID: Int64
    public var source: String
    public var url: String
    public var host: String
    public var role: Role
    public var depth: Int
    public var attempts: Int
    public var etag: String?
    public var lastModified: String?
    public var bodyHash: String?
}

/// A link found on a fetched page, to be added to the frontier.
public struct DiscoveredLink: Sendable, Equatable {
    public var url: String
    public var host: String
    public var role: FrontierEntry.Role

    public init(url: String, host: String, role: FrontierEntry.Role) {
        self.url = url
        self.host = host
        self.role = role
    }
}

/// A post ready to store, with its near-duplicate fingerprint.
public struct PostToStore: Sendable {
    public var post: ExtractedPost
    public var simhash: UInt64?

    public init(post: ExtractedPost, simhash: UInt64?) {
        self.post = post
        self.simhash = simhash
    }
}

/// What storing a fetched page did.
public struct StoreOutcome: Sendable, Equatable {
    public var newPosts: Int = 0
    public var nearDuplicates: Int = 0
    public var newLinks: Int = 0
}

extension AppDatabase {
    /// Puts every due source's seed URL in the frontier (all of them when `force`). Returns how many were queued.
    @discardableResult
    public func enqueueSeeds(
        _ sources: [SourceConfig], ids: [String: Int64], hostOf: (String) -> String, force: Bool, now: Date = Date()
    ) throws(StoreError) -> Int {
        try write { db in
            var queued = 0
            for s in sources {
                guard let sourceID = ids[s.name] else { continue }
                let existing = try Row.fetchOne(
                    db, sql: "SELECT id, state, fetchedAt FROM frontier WHERE sourceId = ? AND url = ?",
                    arguments: [sourceID, s.url])
                if let existing {
                    let state: String = existing["state"]
                    let fetchedAt: Date? = existing["fetchedAt"]
                    let due = force || s.isDue(lastRun: fetchedAt, now: now)
                    if (state == "done" || state == "failed") && due {
                        try db.execute(
                            sql: "UPDATE frontier SET state = 'pending', attempts = 0, notBefore = ?, lastError = NULL WHERE id = ?",
                            arguments: [now, existing["id"] as Int64])
                        queued += 1
                    } else if state == "pending" || state == "inflight" {
                        queued += 1
                    }
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                            VALUES (?, ?, ?, 'seed', 0, 'pending', 0, ?, ?)
                            """, arguments: [sourceID, s.url, hostOf(s.url), now, now])
                    queued += 1
                }
            }
            return queued
        }
    }

    /// After a crash, URLs that were being fetched go back to pending (they will be fetched again; storing is
    /// idempotent, so nothing is doubled).
    @discardableResult
    public func recoverInflight() throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE frontier SET state = 'pending' WHERE state = 'inflight'")
            return db.changesCount
        }
    }

    /// Takes up to `limit` pending URLs whose time has come (oldest first) and marks them in flight, in one
    /// transaction. After a crash, `recoverInflight` puts them back.
    public func claimBatch(limit: Int, now: Date = Date(), sources: Set<Int64>? = nil) throws(StoreError) -> [FrontierEntry] {
        try write { db in
            let select = try db.cachedStatement(
                sql: """
                    SELECT frontier.id, frontier.sourceId, source.name, frontier.url, frontier.host, frontier.role,
                           frontier.depth, frontier.attempts, frontier.etag, frontier.lastModified, frontier.bodyHash
                    FROM frontier JOIN source ON source.id = frontier.sourceId
                    WHERE frontier.state = 'pending' AND frontier.notBefore <= ?
                    ORDER BY frontier.notBefore, frontier.id LIMIT ?
                    """)
            let rows = try Row.fetchAll(select, arguments: [now, sources == nil ? limit : limit * 4])
            var out: [FrontierEntry] = []
            let mark = try db.cachedStatement(sql: "UPDATE frontier SET state = 'inflight' WHERE id = ?")
            for row in rows {
                let entry = FrontierEntry(
                    id: row[0], sourceID: row[1], source: row[2], url: row[3], host: row[4],
                    role: FrontierEntry.Role(rawValue: row[5]) ?? .item, depth: row[6], attempts: row[7], etag: row[8],
                    lastModified: row[9], bodyHash: row[10])
                if let sources, !sources.contains(entry.sourceID) { continue }
                try mark.execute(arguments: [entry.id])
                out.append(entry)
                if out.count >= limit { break }
            }
            return out
        }
    }

    /// How much work is left: pending now, pending later (retries), in flight.
    public func frontierCounts(now: Date = Date()) throws(StoreError) -> (ready: Int, later: Int, inflight: Int, done: Int, failed: Int) {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT state, notBefore <= ? AS ready, COUNT(*) AS n FROM frontier GROUP BY state, notBefore <= ?
                    """, arguments: [now, now])
            var c = (ready: 0, later: 0, inflight: 0, done: 0, failed: 0)
            for r in rows {
                let n: Int = r["n"]
                switch r["state"] as String {
                case "pending": if (r["ready"] as Bool) { c.ready += n } else { c.later += n }
                case "inflight": c.inflight += n
                case "done": c.done += n
                default: c.failed += n
                }
            }
            return c
        }
    }

    /// Stores one fetched page in one transaction: the document row, its posts (near-duplicates linked to the first
    /// post seen), the links it yielded, and the frontier entry's new state and validators.
    @discardableResult
    public func completeFetch(
        entry: FrontierEntry, document: DocumentRecord, posts: [PostToStore], links: [DiscoveredLink],
        maxPageDepth: Int, maxItems: Int, cycleStart: Date, now: Date = Date()
    ) throws(StoreError) -> StoreOutcome {
        try write { db in
            var outcome = StoreOutcome()
            var doc = document
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO post (sourceId, externalID, url, title, author, publishedAt, fetchedAt, text, language,
                                      state, simhash, replies, extra)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'fetched', ?, ?, ?)
                    ON CONFLICT(sourceId, externalID) DO NOTHING
                    """)
            for item in posts {
                let p = item.post
                let replies = p.replies.isEmpty ? nil : String(decoding: try encoder.encode(p.replies), as: UTF8.self)
                let extra = p.extra.isEmpty ? nil : String(decoding: try encoder.encode(p.extra), as: UTF8.self)
                let hash = item.simhash.map { Int64(bitPattern: $0) }
                try insert.execute(arguments: [
                    entry.sourceID, p.externalID, p.url, p.title, p.author, p.published, now, p.text, p.language, hash,
                    replies, extra,
                ])
                guard db.changesCount > 0 else { continue }
                outcome.newPosts += 1
                let postID = db.lastInsertedRowID
                if let h = item.simhash {
                    if let root = try Self.nearDuplicate(of: h, excluding: postID, in: db) {
                        try db.cachedStatement(sql: "UPDATE post SET duplicateOf = ? WHERE id = ?").execute(arguments: [root, postID])
                        try db.cachedStatement(sql: "UPDATE post SET clusterSize = clusterSize + 1 WHERE id = ?")
                            .execute(arguments: [root])
                        outcome.nearDuplicates += 1
                    }
                    let band = try db.cachedStatement(
                        sql: "INSERT OR IGNORE INTO simhashBand (band, key, postId, simhash) VALUES (?, ?, ?, ?)")
                    for b in 0..<4 {
                        try band.execute(arguments: [b, Int((h >> (UInt64(b) * 16)) & 0xFFFF), postID, Int64(bitPattern: h)])
                    }
                }
            }
            // Links: items are fetched once; listing pages again on each crawl cycle (once per cycle, up to
            // `maxPageDepth` pages deep, so pagination loops end).
            var items = 0
            for link in links {
                switch link.role {
                case .page:
                    guard entry.depth + 1 <= maxPageDepth else { continue }
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                            VALUES (?, ?, ?, 'page', ?, 'pending', 0, ?, ?)
                            ON CONFLICT(sourceId, url) DO UPDATE SET state = 'pending', attempts = 0, notBefore = excluded.notBefore
                            WHERE frontier.state IN ('done', 'failed') AND frontier.role = 'page'
                              AND (frontier.fetchedAt IS NULL OR frontier.fetchedAt < ?)
                            """
                    ).execute(arguments: [entry.sourceID, link.url, link.host, entry.depth + 1, now, now, cycleStart])
                case .item, .seed:
                    guard items < maxItems else { continue }
                    items += 1
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                            VALUES (?, ?, ?, 'item', ?, 'pending', 0, ?, ?)
                            ON CONFLICT(sourceId, url) DO NOTHING
                            """
                    ).execute(arguments: [entry.sourceID, link.url, link.host, entry.depth + 1, now, now])
                }
                outcome.newLinks += db.changesCount
            }
            doc.postCount = outcome.newPosts
            try Self.insertDocument(doc, db)
            try db.cachedStatement(
                sql: """
                    UPDATE frontier SET state = 'done', fetchedAt = ?, etag = ?, lastModified = ?, bodyHash = ?, lastError = NULL
                    WHERE id = ?
                    """
            ).execute(arguments: [now, document.etag, document.lastModified, document.bodyHash, entry.id])
            try db.cachedStatement(sql: "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?")
                .execute(arguments: [now, entry.sourceID])
            return outcome
        }
    }

    /// 304 or an unchanged body: nothing new, the entry is done.
    public func completeUnchanged(entry: FrontierEntry, document: DocumentRecord, now: Date = Date()) throws(StoreError) {
        try write { db in
            var doc = document
            try doc.insert(db)
            try db.execute(
                sql: "UPDATE frontier SET state = 'done', fetchedAt = ?, lastError = NULL WHERE id = ?",
                arguments: [now, entry.id])
            try db.execute(
                sql: "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?",
                arguments: [now, entry.sourceID])
        }
    }

    /// A failed fetch: retried at `retryAt`, or given up (state failed) when nil.
    public func failFetch(entry: FrontierEntry, document: DocumentRecord, retryAt: Date?, now: Date = Date())
        throws(StoreError)
    {
        try write { db in
            var doc = document
            try doc.insert(db)
            if let retryAt {
                try db.execute(
                    sql: "UPDATE frontier SET state = 'pending', attempts = attempts + 1, notBefore = ?, lastError = ? WHERE id = ?",
                    arguments: [retryAt, document.error, entry.id])
            } else {
                try db.execute(
                    sql: "UPDATE frontier SET state = 'failed', attempts = attempts + 1, fetchedAt = ?, lastError = ? WHERE id = ?",
                    arguments: [now, document.error, entry.id])
            }
            if entry.role == .seed || retryAt == nil {
                try db.execute(
                    sql: "UPDATE source SET lastFetchedAt = ?, lastStatus = 'failed', lastError = ? WHERE id = ?",
                    arguments: [now, document.error, entry.sourceID])
            }
        }
    }

    /// The first stored post within Hamming distance 3 of `hash`, found through the band index.
    static func nearDuplicate(of hash: UInt64, excluding postID: Int64, in db: Database) throws -> Int64? {
        var best: Int64? = nil
        let stmt = try db.cachedStatement(
            sql: "SELECT postId, simhash FROM simhashBand WHERE band = ? AND key = ? AND postId <> ? LIMIT 512")
        for band in 0..<4 {
            let key = Int((hash >> (UInt64(band) * 16)) & 0xFFFF)
            let cursor = try Row.fetchCursor(stmt, arguments: [band, key, postID])
            while let r = try cursor.next() {
                let other: Int64 = r[1]
                if (UInt64(bitPattern: other) ^ hash).nonzeroBitCount <= 3 {
                    let id: Int64 = r[0]
                    if best == nil || id < best! { best = id }
                }
            }
        }
        guard let match = best else { return nil }
        // Link to the cluster's root, not to another duplicate.
        return try Int64.fetchOne(db, sql: "SELECT COALESCE(duplicateOf, id) FROM post WHERE id = ?", arguments: [match])
    }

    /// Inserts a fetch record through a cached statement (hot path).
    static func insertDocument(_ d: DocumentRecord, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO document (sourceId, url, finalURL, status, contentType, etag, lastModified, bodyHash, bytes,
                                      fetchedAt, durationMs, error, postCount)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            d.sourceId, d.url, d.finalURL, d.status, d.contentType, d.etag, d.lastModified, d.bodyHash, d.bytes,
            d.fetchedAt, d.durationMs, d.error, d.postCount,
        ])
    }

    // MARK: robots.txt cache

    public struct CachedRobots: Sendable {
        public var status: Int?
        public var body: Data?
        public var error: String?
        public var expiresAt: Date
    }

    public func cachedRobots(host: String, now: Date = Date()) throws(StoreError) -> CachedRobots? {
        try read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM robots WHERE host = ? AND expiresAt > ?", arguments: [host, now])
            else { return nil }
            return CachedRobots(status: r["status"], body: r["body"], error: r["error"], expiresAt: r["expiresAt"])
        }
    }

    public func saveRobots(host: String, status: Int?, body: Data?, error: String?, expiresAt: Date, now: Date = Date())
        throws(StoreError)
    {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO robots (host, status, body, fetchedAt, expiresAt, error) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(host) DO UPDATE SET status = excluded.status, body = excluded.body,
                      fetchedAt = excluded.fetchedAt, expiresAt = excluded.expiresAt, error = excluded.error
                    """, arguments: [host, status, body, now, expiresAt, error])
        }
    }
}

extension AppDatabase {
    /// The earliest time a pending retry may run.
    public func nextRetryTime() throws(StoreError) -> Date? {
        try read { db in try Date.fetchOne(db, sql: "SELECT MIN(notBefore) FROM frontier WHERE state = 'pending'") }
    }

    /// For each source, the last error of an entry still waiting for a retry.
    public func pendingErrors(sources: Set<Int64>) throws(StoreError) -> [Int64: String] {
        try read { db in
            var out: [Int64: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT sourceId, lastError FROM frontier WHERE state = 'pending' AND lastError IS NOT NULL ORDER BY id")
            {
                let id: Int64 = row["sourceId"]
                if sources.contains(id), out[id] == nil { out[id] = row["lastError"] }
            }
            return out
        }
    }
}
