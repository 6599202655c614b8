import Foundation
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
        _ sources: [SourceConfig], ids: [String: Int64], hostOf: @escaping @Sendable (String) -> String, force: Bool, now: Date = Date()
    ) async throws(StoreError) -> Int {
        try await write { tx in
            if tx.dialect.sharesWork { return try await Self.enqueueSeedsBatched(sources, ids: ids, hostOf: hostOf, force: force, now: now, tx) }
            var queued = 0
            for s in sources {
                guard let sourceID = ids[s.name] else { continue }
                if let existing = try await tx.row("SELECT id, state, fetchedAt FROM frontier WHERE sourceId = ? AND url = ?", [sourceID, s.url]) {
                    let state: String = try existing["state"]
                    let fetchedAt: Date? = try existing["fetchedAt"]
                    let due = force || s.isDue(lastRun: fetchedAt, now: now)
                    if (state == "done" || state == "failed") && due {
                        try await tx.execute(
                            """
                            UPDATE frontier SET state = 'pending', attempts = 0, notBefore = ?, lastError = NULL
                            WHERE id = ? AND state IN ('done', 'failed')
                            """, [now, try existing["id"] as Int64])
                        queued += 1
                    } else if state == "pending" || state == "inflight" {
                        queued += 1
                    }
                } else {
                    // Another worker may be adding the same seed right now: the first one wins.
                    try await tx.execute(
                        """
                        INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                        VALUES (?, ?, ?, 'seed', 0, 'pending', 0, ?, ?) ON CONFLICT(sourceId, url) DO NOTHING
                        """, [sourceID, s.url, hostOf(s.url), now, now])
                    queued += 1
                }
            }
            return queued
        }
    }

    /// PostgreSQL: `enqueueSeeds` in three statements whatever the number of sources (one round trip each): read
    /// the seeds' frontier entries, requeue the due ones, insert the missing ones.
    static func enqueueSeedsBatched(
        _ sources: [SourceConfig], ids: [String: Int64], hostOf: (String) -> String, force: Bool, now: Date, _ tx: SQLTransaction
    ) async throws -> Int {
        var seeds = RowBatch([("sourceId", "bigint"), ("url", "text")])
        var wanted: [(source: SourceConfig, id: Int64)] = []
        for s in sources {
            guard let id = ids[s.name] else { continue }
            seeds.append([id, s.url])
            wanted.append((s, id))
        }
        guard !wanted.isEmpty else { return 0 }
        struct Existing { let id: Int64, state: String, fetchedAt: Date? }
        var existing: [String: Existing] = [:]
        for row in try await tx.rows(
            """
            SELECT f.id, f.sourceId, f.url, f.state, f.fetchedAt FROM frontier f
            JOIN \(seeds.source()) ON f.sourceId = r.sourceId AND f.url = r.url
            """, seeds.postgresArrays)
        {
            let key = "\(try row["sourceId"] as Int64) \(try row["url"] as String)"
            existing[key] = Existing(id: try row["id"], state: try row["state"], fetchedAt: try row["fetchedAt"])
        }
        var queued = 0
        var requeue = RowBatch([("id", "bigint")])
        var insert = RowBatch([("sourceId", "bigint"), ("url", "text"), ("host", "text")])
        var seen = Set<String>()
        for (s, id) in wanted {
            let key = "\(id) \(s.url)"
            guard seen.insert(key).inserted else { continue }
            if let e = existing[key] {
                if (e.state == "done" || e.state == "failed") && (force || s.isDue(lastRun: e.fetchedAt, now: now)) {
                    requeue.append([e.id])
                    queued += 1
                } else if e.state == "pending" || e.state == "inflight" {
                    queued += 1
                }
            } else {
                insert.append([id, s.url, hostOf(s.url)])
                queued += 1
            }
        }
        if requeue.count > 0 {
            try await tx.execute(
                """
                UPDATE frontier SET state = 'pending', attempts = 0, notBefore = ?, lastError = NULL
                FROM \(requeue.source()) WHERE frontier.id = r.id AND frontier.state IN ('done', 'failed')
                """, [now] + requeue.postgresArrays)
        }
        if insert.count > 0 {
            // Another worker may be adding the same seed right now: the first one wins.
            try await tx.execute(
                """
                INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                SELECT r.sourceId, r.url, r.host, 'seed', 0, 'pending', 0, ?, ? FROM \(insert.source())
                ON CONFLICT(sourceId, url) DO NOTHING
                """, [now, now] + insert.postgresArrays)
        }
        return queued
    }

    /// URLs that were being fetched go back to pending (they will be fetched again; storing is idempotent, so
    /// nothing is doubled). SQLite (one process, under the run lock): after a crash, everything in flight.
    /// PostgreSQL (shared): only entries whose claim's lease has expired — their worker is gone.
    @discardableResult
    public func recoverInflight(now: Date = Date()) async throws(StoreError) -> Int {
        try await write { tx in
            try await tx.execute(
                "UPDATE frontier SET state = 'pending', claimedBy = NULL, leaseUntil = NULL WHERE state = 'inflight'"
                    + tx.dialect.unleased("frontier"), tx.dialect.unleasedArguments(now))
        }
    }

    /// Takes up to `limit` pending URLs whose time has come (oldest first) and marks them in flight for this
    /// process until `now + lease`, in one transaction. On PostgreSQL the rows are claimed with
    /// `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same URL, and entries whose claim expired
    /// (a worker died) are taken again. On SQLite, after a crash, `recoverInflight` puts them back.
    public func leaseFrontierBatch(
        limit: Int, now: Date = Date(), sources: Set<Int64>? = nil, lease: TimeInterval = 300
    ) async throws(StoreError) -> [FrontierEntry] {
        if let sources, sources.isEmpty { return [] }
        let entries = try await write { tx -> [FrontierEntry] in
            var sql = """
                SELECT f.id, f.sourceId, source.name, f.url, f.host, f.role, f.depth, f.attempts, f.etag, f.lastModified,
                       f.bodyHash
                FROM frontier f JOIN source ON source.id = f.sourceId
                WHERE (f.state = 'pending' AND f.notBefore <= ?
                """
            var args: [any SQLBindable] = [now]
            if tx.dialect.sharesWork {
                sql += " OR f.state = 'inflight' AND f.leaseUntil < ?"
                args.append(now)
            }
            sql += ")"
            if let sources {
                sql += " AND f.sourceId IN (\(SQLTransaction.placeholders(sources.count)))"
                args += sources.sorted().map { $0 as any SQLBindable }
            }
            sql += " ORDER BY f.notBefore, f.id LIMIT ?" + tx.dialect.skipLocked("f")
            args.append(limit)
            let rows = try await tx.rows(sql, args)
            guard !rows.isEmpty else { return [] }
            let entries = try rows.map { row in
                FrontierEntry(
                    id: try row[0], sourceID: try row[1], source: try row[2], url: try row[3], host: try row[4],
                    role: FrontierEntry.Role(rawValue: try row[5]) ?? .item, depth: try row[6], attempts: try row[7],
                    etag: try row[8], lastModified: try row[9], bodyHash: try row[10])
            }
            try await tx.execute(
                "UPDATE frontier SET state = 'inflight', claimedBy = ?, leaseUntil = ? WHERE id IN (\(SQLTransaction.placeholders(entries.count)))",
                [self.workerID, now.addingTimeInterval(lease)] + entries.map { $0.id as any SQLBindable })
            return entries
        }
        hold("frontier", entries.map(\.id))
        return entries
    }

    /// Gives claimed frontier entries back untried (a worker stopping with entries still waiting for their host).
    public func releaseFrontier(_ ids: [Int64]) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await write { tx in
            try await tx.execute(
                """
                UPDATE frontier SET state = 'pending', claimedBy = NULL, leaseUntil = NULL
                WHERE state = 'inflight' AND claimedBy = ? AND id IN (\(SQLTransaction.placeholders(ids.count)))
                """, [self.workerID] + ids.map { $0 as any SQLBindable })
        }
        forget("frontier", ids)
    }

    /// How much work is left: pending now, pending later (retries), in flight.
    /// Which of these external ids the source already has a post for (the crawl stage reads pictures of new posts
    /// only).
    public func existingPosts(sourceID: Int64, externalIDs: [String]) async throws(StoreError) -> Set<String> {
        guard !externalIDs.isEmpty else { return [] }
        return try await read { tx in
            var found = Set<String>()
            for chunk in stride(from: 0, to: externalIDs.count, by: 500).map({ Array(externalIDs[$0..<min($0 + 500, externalIDs.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try await tx.rows(
                    "SELECT externalID FROM post WHERE sourceId = ? AND externalID IN (\(marks))", [sourceID as any SQLBindable] + chunk.map { $0 as any SQLBindable })
                for row in rows { found.insert(try row["externalID"]) }
            }
            return found
        }
    }

    public func frontierCounts(now: Date = Date()) async throws(StoreError) -> (ready: Int, later: Int, inflight: Int, done: Int, failed: Int) {
        try await read { tx in
            let rows = try await tx.rows(
                """
                SELECT state, CASE WHEN notBefore <= ? THEN 1 ELSE 0 END AS ready, COUNT(*) AS n FROM frontier
                GROUP BY state, ready
                """, [now])
            var c = (ready: 0, later: 0, inflight: 0, done: 0, failed: 0)
            for r in rows {
                let n: Int = try r["n"]
                switch try r["state"] as String {
                case "pending": if try r["ready"] as Bool { c.ready += n } else { c.later += n }
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
    ) async throws(StoreError) -> StoreOutcome {
        // JSON is encoded before the transaction: every stage shares the single SQLite writer.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded: [(replies: String?, extra: String?)]
        do {
            encoded = try posts.map { item in
                (
                    item.post.replies.isEmpty ? nil : String(decoding: try encoder.encode(item.post.replies), as: UTF8.self),
                    item.post.extra.isEmpty ? nil : String(decoding: try encoder.encode(item.post.extra), as: UTF8.self)
                )
            }
        } catch {
            throw Self.storeError(error)
        }
        let heads = sharesWork ? bandHeads : nil
        let stored: StoreOutcome
        let bandRows: Int
        do {
            (stored, bandRows) = try await combinedWrite { tx -> (StoreOutcome, Int) in
                var outcome = StoreOutcome()
                var bandRows = 0
                var doc = document
                // A page's posts in a handful of statements on both backends (on SQLite in slices that fit one
                // statement's parameters; each slice compares with the ones before it, as post by post did).
                let slice = tx.dialect.sharesWork ? max(posts.count, 1) : 500
                for start in stride(from: 0, to: posts.count, by: slice) {
                    let end = min(start + slice, posts.count)
                    let (n, d, b) = try await Self.insertPostsBatched(
                        Array(posts[start..<end]), encoded: Array(encoded[start..<end]), sourceID: entry.sourceID, now: now,
                        heads: heads, tx)
                    outcome.newPosts += n
                    outcome.nearDuplicates += d
                    bandRows += b
                }
                // Links: items are fetched once; listing pages again on each crawl cycle (once per cycle, up to
                // `maxPageDepth` pages deep, so pagination loops end).
                var items = 0
                for link in links {
                    switch link.role {
                    case .page:
                        guard entry.depth + 1 <= maxPageDepth else { continue }
                        outcome.newLinks += try await tx.execute(
                            """
                            INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                            VALUES (?, ?, ?, 'page', ?, 'pending', 0, ?, ?)
                            ON CONFLICT(sourceId, url) DO UPDATE SET state = 'pending', attempts = 0, notBefore = excluded.notBefore
                            WHERE frontier.state IN ('done', 'failed') AND frontier.role = 'page'
                              AND (frontier.fetchedAt IS NULL OR frontier.fetchedAt < ?)
                            """, [entry.sourceID, link.url, link.host, entry.depth + 1, now, now, cycleStart])
                    case .item, .seed:
                        guard items < maxItems else { continue }
                        items += 1
                        outcome.newLinks += try await tx.execute(
                            """
                            INSERT INTO frontier (sourceId, url, host, role, depth, state, attempts, notBefore, discoveredAt)
                            VALUES (?, ?, ?, 'item', ?, 'pending', 0, ?, ?)
                            ON CONFLICT(sourceId, url) DO NOTHING
                            """, [entry.sourceID, link.url, link.host, entry.depth + 1, now, now])
                    }
                }
                doc.postCount = outcome.newPosts
                try await Self.insertDocument(doc, tx)
                try await tx.execute(
                    """
                    UPDATE frontier SET state = 'done', fetchedAt = ?, etag = ?, lastModified = ?, bodyHash = ?, lastError = NULL,
                      claimedBy = NULL, leaseUntil = NULL
                    WHERE id = ?
                    """, [now, document.etag, document.lastModified, document.bodyHash, entry.id])
                try await tx.execute(
                    "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?", [now, entry.sourceID])
                return (outcome, bandRows)
            }
        } catch {
            // A band head naming a post deleted by hand fails the page (the duplicate's foreign key); the retry
            // reads the heads afresh.
            heads?.clear()
            throw error
        }
        forget("frontier", [entry.id])
        if let postgres { await bandVacuum.added(bandRows, postgres) }
        return stored
    }

    /// 304 or an unchanged body: nothing new, the entry is done.
    public func completeUnchanged(entry: FrontierEntry, document: DocumentRecord, now: Date = Date()) async throws(StoreError) {
        try await combinedWrite { tx in
            try await Self.insertDocument(document, tx)
            try await tx.execute(
                "UPDATE frontier SET state = 'done', fetchedAt = ?, lastError = NULL, claimedBy = NULL, leaseUntil = NULL WHERE id = ?",
                [now, entry.id])
            try await tx.execute(
                "UPDATE source SET lastFetchedAt = ?, lastStatus = 'ok', lastError = NULL WHERE id = ?", [now, entry.sourceID])
        }
        forget("frontier", [entry.id])
    }

    /// A failed fetch: retried at `retryAt`, or given up (state failed) when nil.
    public func failFetch(entry: FrontierEntry, document: DocumentRecord, retryAt: Date?, now: Date = Date())
        async throws(StoreError)
    {
        try await combinedWrite { tx in
            try await Self.insertDocument(document, tx)
            if let retryAt {
                try await tx.execute(
                    """
                    UPDATE frontier SET state = 'pending', attempts = attempts + 1, notBefore = ?, lastError = ?,
                      claimedBy = NULL, leaseUntil = NULL
                    WHERE id = ?
                    """, [retryAt, document.error, entry.id])
            } else {
                try await tx.execute(
                    """
                    UPDATE frontier SET state = 'failed', attempts = attempts + 1, fetchedAt = ?, lastError = ?,
                      claimedBy = NULL, leaseUntil = NULL
                    WHERE id = ?
                    """, [now, document.error, entry.id])
            }
            if entry.role == .seed || retryAt == nil {
                try await tx.execute(
                    "UPDATE source SET lastFetchedAt = ?, lastStatus = 'failed', lastError = ? WHERE id = ?",
                    [now, document.error, entry.sourceID])
            }
        }
        forget("frontier", [entry.id])
    }

    /// A page's posts stored in a few statements whatever their number (on PostgreSQL each statement is a round
    /// trip to the server): one multi-row insert, one for their SimHash bands, one near-duplicate lookup for all of
    /// them, and one update each for the duplicates and their clusters. The result is the same as inserting them one
    /// by one: each post is compared with older posts only, and a post that matches another new post joins that
    /// post's cluster. Returns (new posts, near-duplicates).
    static func insertPostsBatched(
        _ posts: [PostToStore], encoded: [(replies: String?, extra: String?)], sourceID: Int64, now: Date,
        heads: BandHeads? = nil, _ tx: SQLTransaction
    ) async throws -> (new: Int, duplicates: Int, bandRows: Int) {
        guard !posts.isEmpty else { return (0, 0, 0) }
        var rows = RowBatch([
            ("i", "bigint"), ("externalID", "text"), ("url", "text"), ("title", "text"), ("author", "text"),
            ("publishedAt", "timestamptz"), ("text", "text"), ("language", "text"), ("simhash", "bigint"),
            ("replies", "text"), ("extra", "text"),
        ])
        for (i, (item, (replies, extra))) in zip(posts, encoded).enumerated() {
            let p = item.post
            rows.append([
                i, p.externalID, p.url, p.title, p.author, PlausibleDate.published(p.published, fetchedAt: now), p.text,
                p.language, item.simhash.map { Int64(bitPattern: $0) }, replies, extra,
            ])
        }
        let inserted = try await tx.rows(
            """
            INSERT INTO post (sourceId, externalID, url, title, author, publishedAt, fetchedAt, text, language, state,
                              simhash, replies, extra)
            SELECT ?, r.externalID, r.url, r.title, r.author, r.publishedAt, ?, r.text, r.language, 'fetched', r.simhash,
                   r.replies, r.extra
            FROM \(rows.source(tx.dialect)) WHERE true ORDER BY r.i
            ON CONFLICT(sourceId, externalID) DO NOTHING RETURNING id, externalID
            """, [sourceID, now] + rows.arguments(tx.dialect))
        // The new posts (a repeated external id is stored once: the first), oldest first, with their hashes.
        var idOf: [String: Int64] = [:]
        for row in inserted { idOf[try row["externalID"]] = try row["id"] }
        var hashed: [(id: Int64, hash: UInt64)] = []
        for item in posts {
            guard let id = idOf.removeValue(forKey: item.post.externalID), let h = item.simhash else { continue }
            hashed.append((id, h))
        }
        hashed.sort { $0.id < $1.id }
        guard !hashed.isEmpty else { return (inserted.count, 0, 0) }
        // For every band of every new post, the oldest older post within distance 3 among the first
        // `candidatesPerBand` sharing that band value, and that post's cluster root as stored. The statistics
        // say a band value has about 3 posts (true of most text), so the planner reads every post with that value
        // through a bitmap and sorts them; a flood of near-identical posts puts hundreds on one value, where the
        // ordered index-only scan that stops after `candidatesPerBand` is 5-10 times cheaper (burst: 40 ms → 4-9 ms
        // per 50-post page), and never much dearer. This transaction alone plans without bitmap scans.
        // PostgreSQL (`heads`): a band value whose first `candidatesPerBand` posts are all older than this page
        // has those same candidates for every later post, so the worker keeps them (`BandHeads`) and compares
        // in memory; only the other values are looked up. Such a value's band row of a new post is not written
        // either: it would sort after the candidates and no lookup would ever read it (Sieve deletes no posts; one
        // deleted by hand leaves its value a candidate short).
        let bandColumns = [("band", "bigint"), ("key", "bigint"), ("postId", "bigint"), ("simhash", "bigint")]
        var bands = RowBatch(bandColumns)
        var lookups = RowBatch(bandColumns)  // with heads: the bands not answered from them; without: `bands`
        var match: [Int64: (match: Int64, root: Int64)] = [:]
        for (id, h) in hashed {
            for b in 0..<4 {
                let key = Int((h >> (UInt64(b) * 16)) & 0xFFFF)
                guard let head = heads?.head(band: b, key: key), head.count == candidatesPerBand, let newest = head.last,
                    newest.id < id
                else {
                    bands.append([b, key, id, Int64(bitPattern: h)])
                    if heads != nil { lookups.append([b, key, id, Int64(bitPattern: h)]) }
                    continue
                }
                guard let c = head.first(where: { ($0.hash ^ h).nonzeroBitCount <= 3 }) else { continue }
                if let best = match[id], best.match <= c.id { continue }
                match[id] = (c.id, c.root)
            }
        }
        // New ids: no band row can exist yet, so no conflict handling (a speculative insertion costs an index probe
        // per row).
        if bands.count > 0 {
            try await tx.execute(
                "INSERT INTO simhashBand (band, key, postId, simhash) SELECT * FROM \(bands.source(tx.dialect)) WHERE true",
                bands.arguments(tx.dialect))
        }
        if heads == nil { lookups = bands }
        if tx.dialect.sharesWork { try await tx.execute("SET LOCAL enable_bitmapscan = off") }
        let found: [SQLRow]
        if lookups.count == 0 {
            found = []
        } else if heads != nil {
            found = try await tx.rows(
                """
                WITH m AS MATERIALIZED (
                  SELECT r.postId, r.band, r.key, c.match, c.n, c.newest FROM \(lookups.source(tx.dialect))
                  CROSS JOIN LATERAL (
                    SELECT MIN(c.postId) FILTER (WHERE \(tx.dialect.hammingDistance("c.simhash", "r.simhash")) <= 3) AS match,
                           count(*) AS n, MAX(c.postId) AS newest
                    FROM (
                      SELECT s.postId, s.simhash FROM simhashBand s
                      WHERE s.band = r.band AND s.key = r.key AND s.postId < r.postId ORDER BY s.postId LIMIT ?) AS c) AS c)
                SELECT m.postId, m.band, m.key, m.match, m.n, m.newest, COALESCE(p.duplicateOf, p.id) AS root
                FROM m LEFT JOIN post p ON p.id = m.match
                """, lookups.arguments(tx.dialect) + [candidatesPerBand])
        } else {
            found = try await tx.rows(
                """
                WITH m AS MATERIALIZED (
                  SELECT r.postId, (
                    SELECT MIN(c.postId) FROM (
                      SELECT s.postId, s.simhash FROM simhashBand s
                      WHERE s.band = r.band AND s.key = r.key AND s.postId < r.postId ORDER BY s.postId LIMIT ?) AS c
                    WHERE \(tx.dialect.hammingDistance("c.simhash", "r.simhash")) <= 3) AS match
                  FROM \(lookups.source(tx.dialect)))
                SELECT m.postId, m.match, COALESCE(p.duplicateOf, p.id) AS root FROM m JOIN post p ON p.id = m.match
                """, [candidatesPerBand] + lookups.arguments(tx.dialect))
        }
        var saturated = Set<Int>()
        for row in found {
            let id: Int64 = try row["postId"]
            if heads != nil, (try row["n"] as Int64) == Int64(candidatesPerBand), (try row["newest"] as Int64) < hashed[0].id {
                saturated.insert(Int(try row["band"] as Int64) << 16 | Int(try row["key"] as Int64))
            }
            guard let m: Int64 = try row["match"], let root: Int64 = try row["root"] else { continue }
            if let best = match[id], best.match <= m { continue }
            match[id] = (m, root)
        }
        if let heads { try await heads.learn(saturated, tx) }
        // Roots in order: a match among this page's posts leads to that post's own root.
        var rootOf: [Int64: Int64] = [:]
        var duplicates = RowBatch([("id", "bigint"), ("root", "bigint")])
        var clusterGrowth: [Int64: Int] = [:]
        for (id, _) in hashed {
            guard let m = match[id] else { continue }
            let root = rootOf[m.match] ?? m.root
            rootOf[id] = root
            duplicates.append([id, root])
            clusterGrowth[root, default: 0] += 1
        }
        guard duplicates.count > 0 else { return (inserted.count, 0, bands.count) }
        try await tx.execute(
            "UPDATE post SET duplicateOf = r.root FROM \(duplicates.source(tx.dialect)) WHERE post.id = r.id", duplicates.arguments(tx.dialect))
        var clusters = RowBatch([("id", "bigint"), ("n", "bigint")])
        for (root, n) in clusterGrowth.sorted(by: { $0.key < $1.key }) { clusters.append([root, n]) }
        try await tx.execute(
            "UPDATE post SET clusterSize = clusterSize + r.n FROM \(clusters.source(tx.dialect)) WHERE post.id = r.id",
            clusters.arguments(tx.dialect))
        return (inserted.count, duplicates.count, bands.count)
    }

    /// How many posts sharing a band value are compared, oldest first, when a new post looks for its near-duplicate.
    static let candidatesPerBand = 128

    /// Inserts a fetch record.
    static func insertDocument(_ d: DocumentRecord, _ tx: SQLTransaction) async throws {
        try await tx.execute(
            """
            INSERT INTO document (sourceId, url, finalURL, status, contentType, etag, lastModified, bodyHash, bytes,
                                  fetchedAt, durationMs, error, postCount)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
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

    public func cachedRobots(host: String, now: Date = Date()) async throws(StoreError) -> CachedRobots? {
        try await read { tx in
            guard let r = try await tx.row("SELECT * FROM robots WHERE host = ? AND expiresAt > ?", [host, now]) else { return nil }
            return CachedRobots(status: try r["status"], body: try r["body"], error: try r["error"], expiresAt: try r["expiresAt"])
        }
    }

    public func saveRobots(host: String, status: Int?, body: Data?, error: String?, expiresAt: Date, now: Date = Date())
        async throws(StoreError)
    {
        try await write { tx in
            try await tx.execute(
                """
                INSERT INTO robots (host, status, body, fetchedAt, expiresAt, error) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(host) DO UPDATE SET status = excluded.status, body = excluded.body,
                  fetchedAt = excluded.fetchedAt, expiresAt = excluded.expiresAt, error = excluded.error
                """, [host, status, body, now, expiresAt, error])
        }
    }
}

extension AppDatabase {
    /// The earliest time a pending retry may run.
    public func nextRetryTime() async throws(StoreError) -> Date? {
        try await read { tx in try await tx.scalar("SELECT MIN(notBefore) FROM frontier WHERE state = 'pending'") }
    }

    /// For each source, the last error of an entry still waiting for a retry.
    public func pendingErrors(sources: Set<Int64>) async throws(StoreError) -> [Int64: String] {
        try await read { tx in
            var out: [Int64: String] = [:]
            for row in try await tx.rows("SELECT sourceId, lastError FROM frontier WHERE state = 'pending' AND lastError IS NOT NULL ORDER BY id") {
                let id: Int64 = try row["sourceId"]
                if sources.contains(id), out[id] == nil { out[id] = try row["lastError"] }
            }
            return out
        }
    }
}
