import Foundation
import SieveCore

extension AppDatabase {
    /// Posts stored but not yet assessed, oldest first (a look, not a claim: see `leasePostsToAssess`).
    public func postsToAssess(limit: Int = 1000) async throws(StoreError) -> [PostToAssess] {
        try await readPosts({ tx in try await Self.selectPostsToAssess(tx, limit: limit, lease: nil) }, make: Self.postToAssess)
    }

    /// Claims up to `limit` unassessed posts for this process until `now + lease` (PostgreSQL: `FOR UPDATE SKIP
    /// LOCKED`, skipping posts another worker holds a live lease on). `saveAssessments` releases them.
    public func leasePostsToAssess(limit: Int = 1000, lease: TimeInterval = 300, now: Date = Date(), after: Int64 = 0) async throws(StoreError)
        -> [PostToAssess]
    {
        try await leasePosts(lease: lease, now: now, { tx, l in try await Self.selectPostsToAssess(tx, limit: limit, after: after, lease: l) }, make: Self.postToAssess)
    }

    /// Claims posts for this process (PostgreSQL: `select` leases the rows it returns, in one statement) and turns
    /// the rows into values after the transaction (decoding stored JSON does not hold the database). On SQLite,
    /// where one process owns the database (the run lock) and its stage loops never claim the same stage twice,
    /// a lease would never be read: the claim is a plain read and takes no turn on the single writer, which the
    /// crawl needs during a burst.
    func leasePosts<T>(
        lease: TimeInterval, now: Date, _ select: @escaping @Sendable (SQLTransaction, PostLease?) async throws -> [SQLRow],
        make: (SQLRow) throws -> T
    ) async throws(StoreError) -> [T] {
        guard self.sharesWork else { return try await readPosts({ tx in try await select(tx, nil) }, make: make) }
        let claim = PostLease(now: now, worker: workerID, until: now.addingTimeInterval(lease))
        let rows = try await write { tx in try await select(tx, claim) }
        hold("post", rows.compactMap { try? $0["id"] as Int64 })
        return try Self.make(rows, make)
    }

    /// Who leases posts until when, and the time that decides whether another worker's lease has run out.
    struct PostLease: Sendable {
        let now: Date
        let worker: String
        let until: Date

        /// Wraps a SELECT of post ids (ending in `LIMIT ?`, its arguments in `arguments`) into one statement that
        /// leases those posts, skipping rows another transaction holds, and returns `returning` of each (in id
        /// order): one round trip to claim a batch.
        func claim(select: String, arguments: [any SQLBindable], from: String = "post", join: String = "",
                   returning: String, _ tx: SQLTransaction) async throws -> [SQLRow] {
            let rows = try await tx.rows(
                """
                UPDATE post SET claimedBy = ?, leaseUntil = ?\(from == "post" ? "" : " FROM \(from)")
                WHERE \(join)post.id IN (\(select) FOR UPDATE OF post SKIP LOCKED) RETURNING \(returning)
                """, [worker, until] + arguments)
            return try rows.sorted { (try $0["id"] as Int64) < (try $1["id"] as Int64) }
        }
    }

    /// Selects posts in one read and turns the rows into values after it.
    func readPosts<T>(
        _ select: @escaping @Sendable (SQLTransaction) async throws -> [SQLRow], make: (SQLRow) throws -> T
    ) async throws(StoreError) -> [T] {
        try Self.make(try await read { tx in try await select(tx) }, make)
    }

    static func make<T>(_ rows: [SQLRow], _ make: (SQLRow) throws -> T) throws(StoreError) -> [T] {
        do {
            return try rows.map(make)
        } catch {
            throw storeError(error)
        }
    }

    static func selectPostsToAssess(_ tx: SQLTransaction, limit: Int, after: Int64 = 0, lease: PostLease?) async throws -> [SQLRow] {
        if let lease {
            return try await lease.claim(
                select: "SELECT id FROM post WHERE state = ? AND id > ?\(tx.dialect.unleased("post")) ORDER BY id LIMIT ?",
                arguments: [PostState.fetched.rawValue, after] + tx.dialect.unleasedArguments(lease.now) + [limit],
                returning: "id, title, text, publishedAt, fetchedAt, clusterSize, extra", tx)
        }
        return try await tx.rows(
            "SELECT id, title, text, publishedAt, fetchedAt, clusterSize, extra FROM post WHERE state = ? AND id > ? ORDER BY id LIMIT ?",
            [PostState.fetched.rawValue, after, limit])
    }

    static func postToAssess(_ row: SQLRow) throws -> PostToAssess {
        PostToAssess(
            id: try row["id"], title: try row["title"], text: try row["text"], published: try row["publishedAt"],
            fetchedAt: try row["fetchedAt"], clusterSize: try row["clusterSize"] ?? 1, extra: try row["extra"])
    }

    /// Extends every lease this process holds (frontier entries in flight, posts being classified or
    /// cross-referenced, deliveries being made) to `now + lease`, so work that takes longer than one lease is not
    /// handed to another worker while it is still being done. Returns how many claims were renewed.
    @discardableResult
    public func renewLeases(lease: TimeInterval, now: Date = Date()) async throws(StoreError) -> Int {
        let until = now.addingTimeInterval(lease)
        let held = heldClaims.withLock { $0 }
        let statements: [(table: String, condition: String)] = [
            ("frontier", "state = 'inflight'"), ("post", "TRUE"), ("publication", "status = 'delivering'"),
        ]
        guard statements.contains(where: { !(held[$0.table] ?? []).isEmpty }) else { return 0 }
        let renewed = try await write { tx -> [String: Set<Int64>] in
            var out: [String: Set<Int64>] = [:]
            for (table, condition) in statements {
                guard let ids = held[table], !ids.isEmpty else { continue }
                let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
                out[table] = Set(try await tx.column(
                    "UPDATE \(table) SET leaseUntil = ? WHERE \(condition) AND claimedBy = ? AND id IN \(tx.dialect.integersFromJSON) RETURNING id",
                    [until, self.workerID, list], as: Int64.self))
            }
            return out
        }
        // Claims settled since (or taken over) are forgotten; ones made during the renewal stay.
        heldClaims.withLock { current in
            for (table, ids) in held { current[table]?.subtract(ids.subtracting(renewed[table] ?? [])) }
        }
        return renewed.values.map(\.count).reduce(0, +)
    }

    /// Gives back every claim this process holds (frontier entries and posts), e.g. when a worker stops.
    public func releaseLeases() async throws(StoreError) {
        try await write { tx in
            try await tx.execute(
                "UPDATE frontier SET state = 'pending', claimedBy = NULL, leaseUntil = NULL WHERE state = 'inflight' AND claimedBy = ?",
                [self.workerID])
            try await tx.execute("UPDATE post SET claimedBy = NULL, leaseUntil = NULL WHERE claimedBy = ?", [self.workerID])
        }
        heldClaims.withLock { $0["frontier"] = nil; $0["post"] = nil }
    }

    /// Stores assessments and moves their posts to the queue (releasing their claims), all in one transaction.
    /// The JSON columns are encoded before the transaction, so the writer is held only for the statements.
    public func saveAssessments(_ items: [(postID: Int64, assessment: Assessment, priority: Double)]) async throws(StoreError) {
        let rows = Self.assessmentRows(items, now: Date())
        let ids = items.map(\.postID)
        try await combinedWrite { [rows] tx in
            // Two statements per batch on both backends (on SQLite per slice of the batch that fits one statement's
            // parameters): row by row it was two per post, on the writer every stage shares.
            let slice = tx.dialect.sharesWork ? max(rows.count, 1) : RowBatch.sqliteRowsPerStatement(columns: 10)
            for start in stride(from: 0, to: rows.count, by: slice) {
                let end = min(start + slice, rows.count)
                try await Self.saveAssessmentsBatched(Array(ids[start..<end]), Array(rows[start..<end]), tx)
            }
        }
    }

    /// The assessment rows of `items` in `saveAssessmentsBatched`'s column order (JSON encoded here, outside the
    /// transaction).
    static func assessmentRows(_ items: [(postID: Int64, assessment: Assessment, priority: Double)], now: Date) -> [[any SQLBindable]] {
        items.map { item in
            let a = item.assessment
            return [
                item.postID, a.disaster, a.rumour, AssessmentJSON.encode(a.types), AssessmentJSON.encode(a.places),
                AssessmentJSON.encode(a.reasons), a.model, item.priority, now,
                AssessmentJSON.encode(AssessmentDetails(
                    times: a.times, people: a.people, reasonNotes: a.reasonNotes.isEmpty ? nil : a.reasonNotes,
                    disasterLabel: a.disasterLabel, rumourLabel: a.rumourLabel, emicType: a.emicType)),
            ]
        }
    }

    /// The assessment upsert (`INSERT … SELECT`) between these two halves.
    static let insertAssessment =
        "INSERT INTO assessment (postId, disaster, rumour, types, places, reasons, model, priority, assessedAt, details)"
    static let replaceAssessment = """
        ON CONFLICT(postId) DO UPDATE SET disaster = excluded.disaster, rumour = excluded.rumour,
          types = excluded.types, places = excluded.places, reasons = excluded.reasons,
          model = excluded.model, priority = excluded.priority, assessedAt = excluded.assessedAt,
          details = excluded.details
        """

    /// The assessments and their posts' new state in two statements for the whole batch (on PostgreSQL one round
    /// trip each). A post listed twice keeps its last assessment. `queuePosts: false` writes the assessments only
    /// (the cross-reference saved with them moves the posts).
    static func saveAssessmentsBatched(_ ids: [Int64], _ rows: [[any SQLBindable]], queuePosts: Bool = true, _ tx: SQLTransaction) async throws {
        var last: [Int64: Int] = [:]
        for (i, id) in ids.enumerated() { last[id] = i }
        var records = RowBatch([
            ("postId", "bigint"), ("disaster", "double precision"), ("rumour", "double precision"), ("types", "text"),
            ("places", "text"), ("reasons", "text"), ("model", "text"), ("priority", "double precision"),
            ("assessedAt", "timestamptz"), ("details", "text"),
        ])
        var posts = RowBatch([("id", "bigint")])
        for (i, row) in rows.enumerated() where last[ids[i]] == i {
            records.append(row)
            posts.append([ids[i]])
        }
        guard records.count > 0 else { return }
        // `WHERE true`: SQLite reads `ON CONFLICT` after a bare `SELECT … FROM` as a join's `ON`.
        try await tx.execute(
            "\(Self.insertAssessment) SELECT * FROM \(records.source(tx.dialect)) WHERE true \(Self.replaceAssessment)",
            records.arguments(tx.dialect))
        guard queuePosts else { return }
        try await tx.execute(
            """
            UPDATE post SET state = CASE WHEN state = ? THEN ? ELSE state END, claimedBy = NULL, leaseUntil = NULL,
              xrefDue = CASE WHEN state IN ('fetched', 'queued', 'escalated') THEN 1 ELSE xrefDue END
            FROM \(posts.source(tx.dialect)) WHERE post.id = r.id
            """, [PostState.fetched.rawValue, PostState.queued.rawValue] + posts.arguments(tx.dialect))
    }

    /// Items awaiting review (queued or escalated), highest priority first.
    public func queue(limit: Int = 100, states: [PostState] = [.queued, .escalated]) async throws(StoreError) -> [QueueItem] {
        try await read { tx in
            try await tx.rows(
                """
                SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                       assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                FROM post JOIN source ON source.id = post.sourceId
                LEFT JOIN assessment ON assessment.postId = post.id
                WHERE post.state IN (\(SQLTransaction.placeholders(states.count))) AND post.duplicateOf IS NULL
                ORDER BY assessment.priority DESC NULLS LAST, post.publishedAt DESC NULLS LAST, post.id
                LIMIT ?
                """, states.map { $0.rawValue as any SQLBindable } + [limit]
            ).map(Self.queueItem)
        }
    }

    /// One item, whatever its state.
    public func item(id: Int64) async throws(StoreError) -> QueueItem {
        let found: QueueItem? = try await read { tx in
            try await tx.row(
                """
                SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                       assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                FROM post JOIN source ON source.id = post.sourceId
                LEFT JOIN assessment ON assessment.postId = post.id
                WHERE post.id = ?
                """, [id]
            ).map(Self.queueItem)
        }
        guard let found else { throw StoreError.noSuchPost(id) }
        return found
    }

    static func queueItem(_ row: SQLRow) throws -> QueueItem {
        let assessment: Assessment? = (try row["disaster"] as Double?) == nil ? nil : try Self.assessment(from: row)
        return QueueItem(
            id: try row["id"], source: try row["sourceName"], externalID: try row["externalID"], url: try row["url"],
            title: try row["title"], author: try row["author"], published: try row["publishedAt"],
            fetchedAt: try row["fetchedAt"], text: try row["text"], state: try row["state"], assessment: assessment,
            priority: try row["priority"], clusterSize: try row["clusterSize"] ?? 1, duplicateOf: try row["duplicateOf"])
    }
}

extension AppDatabase {
    /// The assessment columns of a row (disaster, rumour, types, places, reasons, model, details).
    static func assessment(from row: SQLRow, withNotes: Bool = true) throws -> Assessment {
        var assessment = Assessment(
            disaster: try row["disaster"], rumour: try row["rumour"],
            types: try AssessmentJSON.strings(try row["types"] as String? ?? "[]"),
            places: try AssessmentJSON.places(try row["places"] as String? ?? "[]"),
            reasons: try AssessmentJSON.strings(try row["reasons"] as String? ?? "[]"),
            model: try row["model"])
        if let details: String = try row["details"], let d = try? AssessmentJSON.details(details, withNotes: withNotes) {
            assessment.times = d.times
            assessment.people = d.people
            assessment.reasonNotes = d.reasonNotes ?? []
            assessment.disasterLabel = d.disasterLabel
            assessment.rumourLabel = d.rumourLabel
            assessment.emicType = d.emicType
        }
        return assessment
    }
}

/// The assessment's extra findings, stored as one JSON column.
struct AssessmentDetails: Codable {
    var times: [TimeMention]
    var people: [PeopleMention]
    /// The reasons as data (absent in rows written before they existed).
    var reasonNotes: [ReasonNote]? = nil
    /// 災情通報 / 非災情 / 不確定, 像謠言 / 非謠言 / 不確定 / 待查證 and the EMIC main type, as the calibrated models
    /// gave them: what the queue and the item page show (absent in rows written before they were stored).
    var disasterLabel: String? = nil
    var rumourLabel: String? = nil
    var emicType: String? = nil
}
