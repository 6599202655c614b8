import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// v3: official incidents, cross-reference results and the known-rumour memory.
    static func migrateIncidents(_ db: Database) throws {
        try db.create(table: "incident") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("kind", .text).notNull()
            t.column("externalID", .text).notNull()
            t.column("sender", .text)
            t.column("msgType", .text)
            t.column("state", .text).notNull()
            t.column("event", .text)
            t.column("type", .text)
            t.column("headline", .text)
            t.column("description", .text)
            t.column("sent", .datetime).notNull()
            t.column("effective", .datetime)
            t.column("expires", .datetime)
            t.column("areas", .jsonText).notNull()
            t.column("address", .text)
            t.column("lat", .double)
            t.column("lon", .double)
            t.column("polygons", .jsonText).notNull()
            t.column("circles", .jsonText).notNull()
            t.column("refs", .jsonText).notNull()
            t.column("details", .jsonText).notNull()
            t.column("url", .text)
            t.column("warnings", .jsonText).notNull()
            t.column("importedAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.uniqueKey(["kind", "externalID"])
        }
        try db.create(index: "incident_kind_sent", on: "incident", columns: ["kind", "sent"])
        try db.create(index: "incident_updated", on: "incident", columns: ["updatedAt"])
        try db.create(table: "knownRumour") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("claim", .text).notNull().unique()
            t.column("verdict", .text).notNull()
            t.column("url", .text)
            t.column("origin", .text).notNull()  // "import:FILE" or "review"
            t.column("postId", .integer).unique()
            t.column("spreadCount", .integer).notNull().defaults(to: 0)
            t.column("lastSeenAt", .datetime)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "xref") { t in
            t.primaryKey("postId", .integer).references("post", onDelete: .cascade)
            t.column("verdict", .text).notNull().indexed()
            t.column("score", .double).notNull()
            t.column("explanation", .text).notNull()  // a JSON array of XrefNote (before: English lines, "\n"-separated)
            t.column("matches", .jsonText).notNull()
            t.column("knownRumourId", .integer).references("knownRumour", onDelete: .setNull)
            t.column("knownRumourSimilarity", .double)
            t.column("checkedAt", .datetime).notNull()
        }
    }
}

/// What an import changed.
public struct IncidentImportSummary: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var cancelled = 0
    public var superseded = 0
    public var warnings: [String] = []
    public init() {}
}

/// A post with its assessment, as the cross-reference reads it.
public struct PostForXref: Sendable {
    public var id: Int64
    public var text: String
    public var published: Date?
    public var fetchedAt: Date
    public var assessment: Assessment
    public var clusterSize: Int
    /// The post's position when its source gave one (extra `lat`/`lon`).
    public var location: GeoPoint?
    /// The perceptual hashes of the post's pictures the crawl stage read: per picture, its hashes ("dct64:…",
    /// "dct256:…"; extra `pictureHashes`).
    public var pictureHashes: [[String]] = []
}

extension AppDatabase {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    private static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String?, default value: T) -> T {
        guard let text, let v = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else { return value }
        return v
    }

    /// Stores incidents in one transaction. An incident already stored (same kind and id) is updated when its
    /// content changed. CAP Update/Cancel messages act on the incidents their `references` name: an Update
    /// supersedes them, a Cancel cancels them (and is not itself an incident).
    @discardableResult
    public func saveIncidents(_ incidents: [Incident], now: Date = Date()) async throws(StoreError) -> IncidentImportSummary {
        try await write { tx in
            var summary = IncidentImportSummary()
            for var incident in incidents {
                // References: "sender,identifier,sent" triples; the identifier is what we key on.
                let referenced = incident.references.compactMap { ref -> String? in
                    let parts = ref.split(separator: ",", omittingEmptySubsequences: false)
                    return parts.count >= 2 ? String(parts[1]) : nil
                }
                if incident.msgType == "Cancel" {
                    var found = 0
                    for id in referenced {
                        found += try await tx.execute(
                            "UPDATE incident SET state = 'cancelled', updatedAt = ? WHERE kind = ? AND externalID = ? AND state != 'cancelled'",
                            [now, incident.kind.rawValue, id])
                    }
                    summary.cancelled += found
                    if found == 0 {
                        summary.warnings.append("\(incident.externalID): Cancel references \(referenced.isEmpty ? "nothing" : referenced.joined(separator: " ")), which is not stored as an active incident")
                    }
                    continue
                }
                if incident.msgType == "Update" {
                    for id in referenced {
                        summary.superseded += try await tx.execute(
                            "UPDATE incident SET state = 'superseded', updatedAt = ? WHERE kind = ? AND externalID = ? AND state = 'active'",
                            [now, incident.kind.rawValue, id])
                    }
                }
                let existing = try await tx.row(
                    "SELECT id, state, headline, description, sent, expires, areas, details FROM incident WHERE kind = ? AND externalID = ?",
                    [incident.kind.rawValue, incident.externalID])
                let areas = try Self.json(incident.areas)
                let details = try Self.json(incident.details)
                if let existing {
                    let headline: String? = try existing["headline"], description: String? = try existing["description"]
                    let sent: Date? = try existing["sent"], expires: Date? = try existing["expires"]
                    let storedAreas: String? = try existing["areas"], storedDetails: String? = try existing["details"]
                    let same = headline == incident.headline && description == incident.description
                        && Self.sameInstant(sent, incident.sent) && Self.sameInstant(expires, incident.expires)
                        && storedAreas == areas && storedDetails == details
                    if same {
                        summary.unchanged += 1
                        continue
                    }
                    // A cancelled incident stays cancelled when an older copy is imported again.
                    if (try existing["state"] as String?) == "cancelled" { incident.state = "cancelled" }
                    summary.updated += 1
                } else {
                    summary.inserted += 1
                }
                try await tx.execute(
                    """
                        INSERT INTO incident (kind, externalID, sender, msgType, state, event, type, headline, description,
                          sent, effective, expires, areas, address, lat, lon, polygons, circles, refs, details, url, warnings,
                          importedAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(kind, externalID) DO UPDATE SET sender = excluded.sender, msgType = excluded.msgType,
                          state = excluded.state, event = excluded.event, type = excluded.type, headline = excluded.headline,
                          description = excluded.description, sent = excluded.sent, effective = excluded.effective,
                          expires = excluded.expires, areas = excluded.areas, address = excluded.address, lat = excluded.lat,
                          lon = excluded.lon, polygons = excluded.polygons, circles = excluded.circles, refs = excluded.refs,
                          details = excluded.details, url = excluded.url, warnings = excluded.warnings,
                          updatedAt = excluded.updatedAt
                        """,
                    [
                        incident.kind.rawValue, incident.externalID, incident.sender, incident.msgType, incident.state,
                        incident.event, incident.type, incident.headline, incident.description, incident.sent,
                        incident.effective, incident.expires, areas, incident.address, incident.point?.lat,
                        incident.point?.lon, try Self.json(incident.polygons), try Self.json(incident.circles),
                        try Self.json(incident.references), details, incident.url, try Self.json(incident.warnings), now, now,
                    ])
            }
            if summary.inserted + summary.updated + summary.cancelled + summary.superseded > 0 {
                try await Self.markQueueForCrossReference(tx)
            }
            return summary
        }
    }

    /// Equal to the stored precision (SQLite keeps milliseconds, PostgreSQL microseconds).
    static func sameInstant(_ a: Date?, _ b: Date?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return abs(a.timeIntervalSince(b)) < 0.001
        default: return false
        }
    }

    static func incident(from row: SQLRow) throws -> Incident {
        var i = Incident(
            kind: IncidentKind(rawValue: try row["kind"]) ?? .cap, externalID: try row["externalID"], sent: try row["sent"],
            state: try row["state"], event: try row["event"], type: try row["type"], headline: try row["headline"],
            description: try row["description"], areas: decode([IncidentArea].self, try row["areas"], default: []))
        i.id = try row["id"]
        i.sender = try row["sender"]
        i.msgType = try row["msgType"]
        i.effective = try row["effective"]
        i.expires = try row["expires"]
        i.address = try row["address"]
        if let lat: Double = try row["lat"], let lon: Double = try row["lon"] { i.point = GeoPoint(lat: lat, lon: lon) }
        i.polygons = decode([[GeoPoint]].self, try row["polygons"], default: [])
        i.circles = decode([GeoCircle].self, try row["circles"], default: [])
        i.references = decode([String].self, try row["refs"], default: [])
        i.details = decode(IncidentDetails.self, try row["details"], default: IncidentDetails())
        i.url = try row["url"]
        i.warnings = decode([String].self, try row["warnings"], default: [])
        return i
    }

    /// Incidents, newest first; `activeAt` keeps those active then; `from`/`to` bound `sent` (or, for incidents
    /// with an `expires`, the span they were in force).
    public func incidents(
        kinds: Set<IncidentKind>? = nil, activeAt: Date? = nil, from: Date? = nil, to: Date? = nil, limit: Int? = nil
    ) async throws(StoreError) -> [Incident] {
        try await read { tx in
            var sql = "SELECT * FROM incident WHERE 1 = 1"
            var args: [any SQLBindable] = []
            if let kinds {
                sql += " AND kind IN (\(SQLTransaction.placeholders(kinds.count)))"
                args += kinds.map(\.rawValue).sorted().map { $0 as any SQLBindable }
            }
            if let activeAt {
                sql += " AND state = 'active' AND (expires IS NULL OR expires > ?)"
                args.append(activeAt)
            }
            if let from {
                sql += " AND (sent >= ? OR (expires IS NOT NULL AND expires >= ?))"
                args += [from, from] as [any SQLBindable]
            }
            if let to {
                sql += " AND sent <= ?"
                args.append(to)
            }
            sql += " ORDER BY sent DESC, id DESC"
            if let limit { sql += " LIMIT \(limit)" }
            return try await tx.rows(sql, args).map(Self.incident(from:))
        }
    }

    public func incident(id: Int64) async throws(StoreError) -> Incident? {
        try await read { tx in try await tx.row("SELECT * FROM incident WHERE id = ?", [id]).map(Self.incident(from:)) }
    }

    public func incidentCount() async throws(StoreError) -> Int {
        try await read { tx in try await tx.scalar("SELECT COUNT(*) FROM incident") ?? 0 }
    }

    /// When incidents or known rumours last changed (nil when there are none): cross-references older than this
    /// are checked again.
    public func evidenceVersion() async throws(StoreError) -> Date? {
        try await read { tx in try await Self.evidenceVersion(tx) }
    }

    static func evidenceVersion(_ tx: SQLTransaction) async throws -> Date? {
        let a = try await tx.scalar("SELECT MAX(updatedAt) FROM incident", as: Date.self)
        let b = try await tx.scalar("SELECT MAX(createdAt) FROM knownRumour", as: Date.self)
        switch (a, b) {
        case let (a?, b?): return max(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// New evidence: every post awaiting review is due for a cross-reference again.
    static func markQueueForCrossReference(_ tx: SQLTransaction) async throws {
        try await tx.execute(
            """
            UPDATE post SET xrefDue = 1 WHERE state IN ('queued', 'escalated') AND xrefDue = 0
              AND EXISTS (SELECT 1 FROM assessment WHERE assessment.postId = post.id)
            """)
    }

    // MARK: Known rumours

    /// Adds debunked (or confirmed) claims; a claim already known is left alone. Returns how many were new.
    @discardableResult
    public func addKnownRumours(_ items: [(claim: String, verdict: String, url: String?)], origin: String, now: Date = Date())
        async throws(StoreError) -> Int
    {
        try await write { tx in
            var added = 0
            for item in items {
                added += try await tx.execute(
                    """
                    INSERT INTO knownRumour (claim, verdict, url, origin, createdAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(claim) DO NOTHING
                    """, [item.claim, item.verdict, item.url, origin, now])
            }
            if added > 0 { try await Self.markQueueForCrossReference(tx) }
            return added
        }
    }

    /// Every post a moderator rejected as a rumour becomes a known rumour (once). Returns how many were added.
    @discardableResult
    public func syncRejectedRumours(now: Date = Date()) async throws(StoreError) -> Int {
        // Looked for first with a read: the cross-reference loop calls this before every round, and the single
        // SQLite writer is the crawl's bottleneck in a burst.
        let pending = try await read { tx in
            try await tx.scalar(
                """
                SELECT 1 FROM review JOIN post ON post.id = review.postId
                WHERE review.decision = 'reject' AND review.reason = 'rumour'
                  AND NOT EXISTS (SELECT 1 FROM knownRumour k WHERE k.postId = post.id) LIMIT 1
                """, as: Int64.self)
        }
        guard pending != nil else { return 0 }
        return try await write { tx in
            let added = try await tx.execute(
                """
                    INSERT INTO knownRumour (claim, verdict, url, origin, postId, createdAt)
                    SELECT post.text, 'RUMOR', post.url, 'review', post.id, ?
                    FROM review JOIN post ON post.id = review.postId
                    WHERE review.decision = 'reject' AND review.reason = 'rumour'
                      AND review.id = (SELECT MAX(id) FROM review r2 WHERE r2.postId = post.id)
                      AND NOT EXISTS (SELECT 1 FROM knownRumour k WHERE k.postId = post.id)
                    ON CONFLICT DO NOTHING
                    """, [now])
            if added > 0 { try await Self.markQueueForCrossReference(tx) }
            return added
        }
    }

    public func knownRumours() async throws(StoreError) -> [KnownRumour] {
        try await read { tx in
            try await tx.rows("SELECT * FROM knownRumour ORDER BY id").map { r in
                KnownRumour(
                    id: try r["id"], claim: try r["claim"], verdict: try r["verdict"], url: try r["url"], origin: try r["origin"],
                    spreadCount: try r["spreadCount"], note: try r["note"])
            }
        }
    }

    // MARK: Cross-reference

    /// Posts awaiting review whose cross-reference is due: missing, or older than the evidence (a look, not a
    /// claim). Posts are marked due when they enter the queue and, all of them, when new incidents or known
    /// rumours arrive; `saveCrossReferences` clears the mark.
    public func postsToCrossReference(limit: Int = 1000) async throws(StoreError) -> [PostForXref] {
        try await readPosts({ tx in try await Self.selectPostsToCrossReference(tx, limit: limit, lease: nil) }, make: Self.postForXref)
    }

    /// Claims up to `limit` posts due for a cross-reference for this process until `now + lease` (PostgreSQL:
    /// `FOR UPDATE SKIP LOCKED`, skipping posts another worker holds). `saveCrossReferences` releases them.
    public func leasePostsToCrossReference(limit: Int = 1000, lease: TimeInterval = 300, now: Date = Date(), after: Int64 = 0)
        async throws(StoreError) -> [PostForXref]
    {
        try await leasePosts(
            lease: lease, now: now, { tx, l in try await Self.selectPostsToCrossReference(tx, limit: limit, after: after, lease: l) },
            make: Self.postForXref)
    }

    /// Reads only the due posts, through the partial index `post_xrefDue` (the queue of posts already checked
    /// can be hundreds of thousands long in a burst).
    static func selectPostsToCrossReference(_ tx: SQLTransaction, limit: Int, after: Int64 = 0, lease: PostLease?) async throws -> [SQLRow] {
        let due = "post.xrefDue = 1 AND post.state IN ('queued', 'escalated') AND post.id > ?"
        if let lease {
            return try await lease.claim(
                select: """
                    SELECT post.id FROM post JOIN assessment ON assessment.postId = post.id
                    WHERE \(due)\(tx.dialect.unleased("post")) ORDER BY post.id LIMIT ?
                    """,
                arguments: [after] + tx.dialect.unleasedArguments(lease.now) + [limit], from: "assessment",
                join: "assessment.postId = post.id AND ",
                returning: "post.id, post.text, post.title, post.publishedAt, post.fetchedAt, post.clusterSize, post.extra, assessment.*",
                tx)
        }
        return try await tx.rows(
            """
            SELECT post.id, post.text, post.title, post.publishedAt, post.fetchedAt, post.clusterSize, post.extra, assessment.*
            FROM post\(tx.dialect.indexedBy("post_xrefDue")) JOIN assessment ON assessment.postId = post.id
            WHERE \(due) ORDER BY post.id LIMIT ?
            """, [after, limit])
    }

    /// A claimed row as the cross-reference reads it (the assessment's JSON decoded, without the reason notes it
    /// never shows).
    static func postForXref(_ row: SQLRow) throws -> PostForXref {
        let text: String = try row["text"]
        let title: String? = try row["title"]
        return PostForXref(
            id: try row["id"], text: [title, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"),
            published: try row["publishedAt"], fetchedAt: try row["fetchedAt"], assessment: try Self.assessment(from: row, withNotes: false),
            clusterSize: try row["clusterSize"] ?? 1, location: Self.location(extra: try row["extra"]),
            pictureHashes: Self.pictureHashes(extra: try row["extra"]))
    }

    /// The hashes of a post's pictures from its extra fields ("h1,h2 h1,h2": pictures by spaces, a picture's hashes
    /// by commas).
    static func pictureHashes(extra: String?) -> [[String]] {
        guard let extra, extra.contains("pictureHashes"),
            let map = try? JSONDecoder().decode([String: String].self, from: Data(extra.utf8)), let value = map["pictureHashes"]
        else { return [] }
        return value.split(separator: " ").map { $0.split(separator: ",").map(String.init) }
    }

    /// lat/lon from a post's extra fields, when both are there and in range.
    static func location(extra: String?) -> GeoPoint? {
        guard let extra, let map = try? JSONDecoder().decode([String: String].self, from: Data(extra.utf8)),
            let lat = map["lat"].flatMap(Double.init), let lon = map["lon"].flatMap(Double.init),
            (-90...90).contains(lat), (-180...180).contains(lon)
        else { return nil }
        return GeoPoint(lat: lat, lon: lon)
    }

    /// Stores cross-reference results and the new queue priorities in one transaction, and counts repeats of
    /// known rumours. `evidence` is the evidence version the results were computed against
    /// (`evidenceVersion()` read before loading incidents and rumours): when newer evidence arrived meanwhile,
    /// the posts stay due and are checked again.
    public func saveCrossReferences(
        _ items: [(postID: Int64, result: XrefResult, priority: Double)], evidence: Date?, now: Date = Date()
    ) async throws(StoreError) {
        // JSON is encoded before the transaction: the single SQLite writer is shared with the crawl.
        let matches: [String]
        do {
            matches = try items.map { try Self.json($0.result.matches) }
        } catch {
            throw Self.storeError(error)
        }
        try await combinedWrite { tx in
            let stale = try await Self.isStale(evidence, tx)
            // At most five statements per batch on both backends (on SQLite per slice that fits one statement's
            // parameters): row by row it was four per post, on the writer every stage shares.
            let slice = tx.dialect.sharesWork ? max(items.count, 1) : RowBatch.sqliteRowsPerStatement(columns: 8)
            for start in stride(from: 0, to: items.count, by: slice) {
                let end = min(start + slice, items.count)
                try await Self.saveCrossReferencesBatched(
                    Array(items[start..<end]), matches: Array(matches[start..<end]), stale: stale, now: now, tx)
            }
        }
    }

    /// Whether evidence newer than `evidence` (the version a batch was checked against) arrived meanwhile: then
    /// the batch's posts stay due and are checked again.
    static func isStale(_ evidence: Date?, _ tx: SQLTransaction) async throws -> Bool {
        guard let current = try await evidenceVersion(tx) else { return false }
        return evidence.map { current > $0 } ?? true
    }

    /// Stores assessments and their cross-references in one transaction and moves the posts to the queue, checked
    /// (`Pipeline.classifyAndCheck`: a worker running both stages checks each post as it classifies it). What is
    /// stored is what `saveAssessments` then `saveCrossReferences` store, less a statement per post: the assessment
    /// is written with the cross-reference's priority, and each post is updated once.
    public func saveAssessedAndChecked(
        _ items: [(postID: Int64, assessment: Assessment, result: XrefResult, priority: Double)], evidence: Date?,
        now: Date = Date()
    ) async throws(StoreError) {
        let assessments = Self.assessmentRows(items.map { ($0.postID, $0.assessment, $0.priority) }, now: now)
        let checks = items.map { ($0.postID, $0.result, $0.priority) }
        let matches: [String]
        do {
            matches = try items.map { try Self.json($0.result.matches) }
        } catch {
            throw Self.storeError(error)
        }
        let ids = items.map(\.postID)
        try await combinedWrite { tx in
            let stale = try await Self.isStale(evidence, tx)
            let slice = tx.dialect.sharesWork ? max(items.count, 1) : RowBatch.sqliteRowsPerStatement(columns: 10)
            for start in stride(from: 0, to: items.count, by: slice) {
                let end = min(start + slice, items.count)
                try await Self.saveAssessmentsBatched(Array(ids[start..<end]), Array(assessments[start..<end]), queuePosts: false, tx)
                try await Self.saveCrossReferencesBatched(
                    Array(checks[start..<end]), matches: Array(matches[start..<end]), stale: stale, now: now, assessed: true, tx)
            }
        }
    }

    /// The cross-reference upsert (`INSERT … SELECT`) between these two halves.
    static let insertXref =
        "INSERT INTO xref (postId, verdict, score, explanation, matches, knownRumourId, knownRumourSimilarity, checkedAt)"
    static let replaceXref = """
        ON CONFLICT(postId) DO UPDATE SET verdict = excluded.verdict, score = excluded.score,
          explanation = excluded.explanation, matches = excluded.matches, knownRumourId = excluded.knownRumourId,
          knownRumourSimilarity = excluded.knownRumourSimilarity, checkedAt = excluded.checkedAt
        """

    /// The cross-references in at most five statements for the whole batch (on PostgreSQL one round trip each): the
    /// previous known-rumour matches (of posts that match one now), the results, the known rumours' spread counts
    /// (one more per post that newly repeats one), the priorities, and the posts' due marks and leases. A post
    /// listed twice keeps its last result.
    /// `assessed`: the posts' assessments were written in this transaction with these priorities and the posts
    /// are still to be queued (as `saveAssessmentsBatched` queues them): no priority update, and the posts' one
    /// update queues them too.
    static func saveCrossReferencesBatched(
        _ items: [(postID: Int64, result: XrefResult, priority: Double)], matches: [String], stale: Bool, now: Date,
        assessed: Bool = false, _ tx: SQLTransaction
    ) async throws {
        var last: [Int64: Int] = [:]
        for (i, item) in items.enumerated() { last[item.postID] = i }
        var results = RowBatch([
            ("postId", "bigint"), ("verdict", "text"), ("score", "double precision"), ("explanation", "text"),
            ("matches", "text"), ("knownRumourId", "bigint"), ("knownRumourSimilarity", "double precision"),
            ("checkedAt", "timestamptz"),
        ])
        var priorities = RowBatch([("id", "bigint"), ("priority", "double precision")])
        for (i, (item, matchesJSON)) in zip(items, matches).enumerated() where last[item.postID] == i {
            let r = item.result
            results.append([
                item.postID, r.verdict.rawValue, r.score, XrefNote.encode(r.explanation), matchesJSON,
                r.knownRumour?.rumourID, r.knownRumour?.similarity, now,
            ])
            priorities.append([item.postID, item.priority])
        }
        guard results.count > 0 else { return }
        let priorityArguments = priorities.arguments(tx.dialect)
        // The previous matches of the posts that match a known rumour now (a repeat is counted once per post);
        // most batches have none, and then no statement.
        var previous: [Int64: Int64] = [:]
        var matching = RowBatch([("id", "bigint")])
        for (i, item) in items.enumerated() where last[item.postID] == i && item.result.knownRumour != nil { matching.append([item.postID]) }
        if matching.count > 0 {
            for row in try await tx.rows(
                "SELECT xref.postId, xref.knownRumourId FROM xref JOIN \(matching.source(tx.dialect)) ON xref.postId = r.id",
                matching.arguments(tx.dialect))
            {
                if let k: Int64 = try row["knownRumourId"] { previous[try row["postId"]] = k }
            }
        }
        var spread: [Int64: Int] = [:]
        for (i, item) in items.enumerated() where last[item.postID] == i {
            if let k = item.result.knownRumour, previous[item.postID] != k.rumourID { spread[k.rumourID, default: 0] += 1 }
        }
        try await tx.execute(
            "\(Self.insertXref) SELECT * FROM \(results.source(tx.dialect)) WHERE true \(Self.replaceXref)", results.arguments(tx.dialect))
        if !spread.isEmpty {
            var counts = RowBatch([("id", "bigint"), ("n", "bigint")])
            for (id, n) in spread.sorted(by: { $0.key < $1.key }) { counts.append([id, n]) }
            try await tx.execute(
                """
                UPDATE knownRumour SET spreadCount = spreadCount + r.n, lastSeenAt = ?
                FROM \(counts.source(tx.dialect)) WHERE knownRumour.id = r.id
                """, [now] + counts.arguments(tx.dialect))
        }
        if assessed {
            // saveAssessmentsBatched's state change, with the due mark this check leaves.
            try await tx.execute(
                """
                UPDATE post SET state = CASE WHEN state = ? THEN ? ELSE state END, claimedBy = NULL, leaseUntil = NULL,
                  xrefDue = CASE WHEN state IN ('fetched', 'queued', 'escalated') THEN \(stale ? 1 : 0) ELSE xrefDue END
                FROM \(priorities.source(tx.dialect)) WHERE post.id = r.id
                """, [PostState.fetched.rawValue, PostState.queued.rawValue] + priorityArguments)
            return
        }
        try await tx.execute(
            "UPDATE assessment SET priority = r.priority FROM \(priorities.source(tx.dialect)) WHERE assessment.postId = r.id",
            priorityArguments)
        try await tx.execute(
            """
            UPDATE post SET claimedBy = NULL, leaseUntil = NULL, xrefDue = \(stale ? 1 : 0)
            FROM \(priorities.source(tx.dialect)) WHERE post.id = r.id
            """, priorityArguments)
    }

    /// The stored cross-reference of a post, if it has one.
    public func crossReference(postID: Int64) async throws(StoreError) -> XrefResult? {
        try await read { tx in
            guard let row = try await tx.row(
                """
                SELECT xref.*, knownRumour.claim, knownRumour.verdict AS kverdict, knownRumour.url AS kurl
                FROM xref LEFT JOIN knownRumour ON knownRumour.id = xref.knownRumourId WHERE xref.postId = ?
                """, [postID])
            else { return nil }
            var known: KnownRumourMatch?
            if let id: Int64 = try row["knownRumourId"] {
                known = KnownRumourMatch(
                    rumourID: id, similarity: try row["knownRumourSimilarity"] ?? 0, verdict: try row["kverdict"] ?? "",
                    claim: try row["claim"] ?? "", url: try row["kurl"])
            }
            let explanation: String = try row["explanation"]
            return XrefResult(
                verdict: XrefVerdict(rawValue: try row["verdict"]) ?? .unconfirmed, score: try row["score"],
                matches: Self.decode([IncidentMatch].self, try row["matches"], default: []), knownRumour: known,
                explanation: XrefNote.decode(explanation))
        }
    }
}
