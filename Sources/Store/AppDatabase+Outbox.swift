import Foundation
import GRDB
import SieveCore

/// What the outbox does with one delivery.
public enum OutboxAction: String, Sendable, Codable, CaseIterable {
    /// An approved item, published on the channel.
    case publish
    /// An escalated item, sent to the EOC as a lead.
    case lead
    /// Withdraw what was published (delete where the channel allows).
    case retract
    /// Correct what was published after the wording was edited (edit where the channel allows).
    case update
}

/// Where a delivery is in its life.
public enum OutboxStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its first attempt.
    case pending
    /// Claimed by a publisher (lease in `leaseUntil`).
    case delivering
    /// The channel accepted it.
    case delivered
    /// The last attempt failed; retried at `nextAttemptAt`.
    case failed
    /// Gave up (attempts exhausted or a permanent error); `sieve outbox retry` re-queues it.
    case dead
    /// Withdrawn before it was delivered.
    case cancelled
    /// The channel cannot do this (e.g. delete a Slack message); recorded, not retried.
    case unsupported
    /// Removed from the outbox by a moderator (`sieve outbox drop`).
    case dropped
}

/// One claimed delivery with what a channel needs to render it.
public struct OutboxEntry: Sendable, Equatable {
    public var publication: PublicationRecord
    public var item: PublishableItem
    public var action: OutboxAction { OutboxAction(rawValue: publication.action) ?? .publish }
    /// For a retraction: the id the channel gave the published message (from the publish or lead row).
    public var publishedRemoteIDs: [String]
}

/// A row of `sieve outbox list`.
public struct OutboxListing: Sendable, Equatable {
    public var publication: PublicationRecord
    public var title: String
}

/// A withdrawal of a published item.
public struct RetractionRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
    public static let databaseTableName = "retraction"
    public var postId: Int64
    public var retractedAt: Date
    public var reviewer: String
    public var note: String?
}

extension AppDatabase {
    static func migrateOutbox(_ db: Database) throws {
        // The v1 table allowed one row per (post, channel); the outbox needs one per (post, channel, action)
        // and delivery state, so the table is rebuilt (SQLite cannot drop a UNIQUE constraint in place).
        try db.create(table: "publication_v4") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("post", onDelete: .cascade).notNull()
            t.column("channel", .text).notNull()
            t.column("action", .text).notNull().defaults(to: OutboxAction.publish.rawValue)
            t.column("status", .text).notNull()
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("lastError", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("publishedAt", .datetime)
            t.column("nextAttemptAt", .datetime).notNull()
            t.column("leaseUntil", .datetime)
            t.column("idempotencyKey", .text).notNull().unique()
            t.column("remoteID", .text)
            t.column("note", .text)
            t.uniqueKey(["postId", "channel", "action"])
        }
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM publication")
        for row in rows {
            let status: String = row["status"]
            try db.execute(
                sql: """
                    INSERT INTO publication_v4 (id, postId, channel, action, status, attempts, lastError, createdAt,
                      publishedAt, nextAttemptAt, idempotencyKey)
                    VALUES (?, ?, ?, 'publish', ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row["id"], row["postId"], row["channel"], status == "published" ? "delivered" : status,
                    row["attempts"], row["lastError"], row["createdAt"], row["publishedAt"], row["createdAt"],
                    UUID().uuidString.lowercased(),
                ])
        }
        try db.drop(table: "publication")
        try db.rename(table: "publication_v4", to: "publication")
        try db.create(index: "publication_due", on: "publication", columns: ["status", "nextAttemptAt"])
        try db.create(table: "retraction") { t in
            t.primaryKey("postId", .integer).references("post", onDelete: .cascade)
            t.column("retractedAt", .datetime).notNull()
            t.column("reviewer", .text).notNull()
            t.column("note", .text)
        }
    }

    /// Adds one delivery to the outbox (inside the caller's transaction); an existing row for the same
    /// (post, channel, action) is left alone, so deciding twice never delivers twice.
    static func enqueue(
        _ tx: SQLTransaction, postID: Int64, channel: String, action: OutboxAction, note: String?, now: Date,
        status: OutboxStatus = .pending
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO publication (postId, channel, action, status, attempts, createdAt, nextAttemptAt,
              idempotencyKey, note)
            VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT(postId, channel, action) DO NOTHING
            """, [postID, channel, action.rawValue, status.rawValue, now, now, UUID().uuidString.lowercased(), note])
    }

    /// Hands deliveries that are due to a publisher: at most `limit`, oldest first, never two for the same
    /// (post, channel) at once, skipping `excludedChannels` (circuit open). Each is marked `delivering` until
    /// `leaseUntil`; a publisher that dies leaves the lease to expire (or `reclaimOrphans` frees it). On
    /// PostgreSQL, rows another publisher is claiming at that moment are skipped (`FOR UPDATE SKIP LOCKED`), so
    /// several workers never hand out the same delivery.
    public func leaseDueDeliveries(
        now: Date = Date(), limit: Int = 50, channels: [String], excludedChannels: Set<String> = [],
        lease: TimeInterval = 120
    ) async throws(StoreError) -> [OutboxEntry] {
        let wanted = channels.filter { !excludedChannels.contains($0) }
        guard !wanted.isEmpty else { return [] }
        let entries = try await write { tx -> [OutboxEntry] in
            // Expired leases: the publisher holding them is gone; the attempt's outcome is unknown.
            try await tx.execute(
                """
                UPDATE publication SET status = 'failed', attempts = attempts + 1,
                  lastError = 'publisher stopped mid-delivery (outcome unknown; retried with the same idempotency key)',
                  leaseUntil = NULL, claimedBy = NULL
                WHERE status = 'delivering' AND leaseUntil < ?
                """, [now])
            // A retraction waits until its publish/lead row is settled.
            let records = try await tx.rows(
                """
                SELECT * FROM publication p
                WHERE p.status IN ('pending', 'failed') AND p.nextAttemptAt <= ?
                  AND p.channel IN (\(SQLTransaction.placeholders(wanted.count)))
                  AND (p.action = 'retract' OR NOT EXISTS (SELECT 1 FROM retraction r WHERE r.postId = p.postId))
                  AND NOT (p.action = 'retract' AND EXISTS (SELECT 1 FROM publication q WHERE q.postId = p.postId
                           AND q.channel = p.channel AND q.action != 'retract' AND q.status IN ('delivering')))
                ORDER BY CASE p.action WHEN 'lead' THEN 0 WHEN 'retract' THEN 1 ELSE 2 END, p.nextAttemptAt, p.id
                LIMIT ?
                """ + tx.dialect.skipLocked("p"), [now] + wanted.map { $0 as any SQLBindable } + [limit]
            ).map(PublicationRecord.init)
            var entries: [OutboxEntry] = []
            for var record in records {
                record.status = OutboxStatus.delivering.rawValue
                record.leaseUntil = now.addingTimeInterval(lease)
                try await tx.execute(
                    "UPDATE publication SET status = 'delivering', leaseUntil = ?, claimedBy = ? WHERE id = ?",
                    [record.leaseUntil, self.workerID, record.id])
                guard let item = try await Self.publishableItem(tx, postID: record.postId, publication: record) else { continue }
                let remote = try await tx.column(
                    """
                    SELECT remoteID FROM publication WHERE postId = ? AND channel = ? AND action != 'retract'
                      AND remoteID IS NOT NULL ORDER BY id
                    """, [record.postId, record.channel], as: String.self)
                entries.append(OutboxEntry(publication: record, item: item, publishedRemoteIDs: remote))
            }
            return entries
        }
        hold("publication", entries.compactMap(\.publication.id))
        return entries
    }

    /// Frees every `delivering` row (counting the interrupted attempt). Only for the sole publisher, at start-up
    /// (`sieve publish` holds `<database>.publish.lock`); never on a shared database.
    @discardableResult
    public func reclaimOrphans() async throws(StoreError) -> Int {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE publication SET status = 'failed', attempts = attempts + 1, leaseUntil = NULL, claimedBy = NULL,
                  lastError = 'publisher stopped mid-delivery (outcome unknown; retried with the same idempotency key)'
                WHERE status = 'delivering'
                """)
        }
    }

    /// Right before sending: whether this process still holds delivery `id` (claimed by it, still `delivering`, and
    /// not of an item retracted meanwhile), extending its lease to `until`. False means someone else took it over
    /// (its lease ran out) or it must not go out any more: do not send.
    public func confirmDelivery(_ id: Int64, leaseUntil until: Date) async throws(StoreError) -> Bool {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE publication SET leaseUntil = ?
                WHERE id = ? AND status = 'delivering' AND claimedBy = ?
                  AND (action = 'retract' OR NOT EXISTS (SELECT 1 FROM retraction r WHERE r.postId = publication.postId))
                """, [until, id, self.workerID]) == 1
        }
    }

    /// The channel accepted the delivery.
    public func markDelivered(_ id: Int64, remoteID: String?, at date: Date = Date()) async throws(StoreError) {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE publication SET status = 'delivered', attempts = attempts + 1, publishedAt = ?, remoteID = COALESCE(?, remoteID),
                  lastError = NULL, leaseUntil = NULL, claimedBy = NULL
                WHERE id = ? AND status = 'delivering' AND (claimedBy = ? OR claimedBy IS NULL)
                """, [date, remoteID, id, self.workerID])
        }
        forget("publication", [id])
    }

    /// An attempt failed: `failed` until `retryAt`, or `dead` when `retryAt` is nil.
    public func markAttemptFailed(_ id: Int64, error: String, retryAt: Date?) async throws(StoreError) {
        try await write { tx in
            if let retryAt {
                try await tx.execute(
                    """
                    UPDATE publication SET status = 'failed', attempts = attempts + 1, lastError = ?, leaseUntil = NULL,
                      nextAttemptAt = ?, claimedBy = NULL
                    WHERE id = ? AND status = 'delivering' AND (claimedBy = ? OR claimedBy IS NULL)
                    """, [error, retryAt, id, self.workerID])
            } else {
                try await tx.execute(
                    """
                    UPDATE publication SET status = 'dead', attempts = attempts + 1, lastError = ?, leaseUntil = NULL, claimedBy = NULL
                    WHERE id = ? AND status = 'delivering' AND (claimedBy = ? OR claimedBy IS NULL)
                    """, [error, id, self.workerID])
            }
        }
        forget("publication", [id])
    }

    /// The channel cannot do this; recorded as the outcome, never retried.
    public func markUnsupported(_ id: Int64, reason: String) async throws(StoreError) {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE publication SET status = 'unsupported', lastError = ?, leaseUntil = NULL, claimedBy = NULL, publishedAt = ?
                WHERE id = ? AND status = 'delivering' AND (claimedBy = ? OR claimedBy IS NULL)
                """, [reason, Date(), id, self.workerID])
        }
        forget("publication", [id])
    }

    /// Gives a claimed delivery back without attempting it (circuit open, rate limit): due again at `at`.
    public func release(_ id: Int64, until at: Date, reason: String?) async throws(StoreError) {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE publication SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END,
                  leaseUntil = NULL, claimedBy = NULL, nextAttemptAt = ?, lastError = COALESCE(?, lastError)
                WHERE id = ? AND status = 'delivering' AND (claimedBy = ? OR claimedBy IS NULL)
                """, [at, reason, id, self.workerID])
        }
        forget("publication", [id])
    }

    /// Earliest time a waiting delivery on these channels becomes due (nil: nothing waiting).
    public func nextDue(channels: [String]) async throws(StoreError) -> Date? {
        guard !channels.isEmpty else { return nil }
        return try await read { tx in
            try await tx.scalar(
                """
                SELECT MIN(nextAttemptAt) FROM publication p
                WHERE status IN ('pending', 'failed') AND channel IN (\(SQLTransaction.placeholders(channels.count)))
                  AND (p.action = 'retract' OR NOT EXISTS (SELECT 1 FROM retraction r WHERE r.postId = p.postId))
                """, channels.map { $0 as any SQLBindable }, as: Date.self)
        }
    }

    /// The outbox, newest first, optionally only some statuses.
    public func outbox(statuses: [OutboxStatus] = [], limit: Int = 200) async throws(StoreError) -> [OutboxListing] {
        try await read { tx in
            var sql = """
                SELECT publication.*, COALESCE(NULLIF(post.title, ''), substr(post.text, 1, 40)) AS postTitle
                FROM publication JOIN post ON post.id = publication.postId
                """
            var args: [any SQLBindable] = statuses.map(\.rawValue)
            if !statuses.isEmpty { sql += " WHERE publication.status IN (\(SQLTransaction.placeholders(statuses.count)))" }
            sql += " ORDER BY publication.id DESC LIMIT ?"
            args.append(limit)
            return try await tx.rows(sql, args).map { row in
                OutboxListing(publication: try PublicationRecord(row), title: try row["postTitle"] ?? "")
            }
        }
    }

    static func publication(_ id: Int64, _ tx: SQLTransaction) async throws -> PublicationRecord? {
        try await tx.row("SELECT * FROM publication WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [id])
            .map(PublicationRecord.init)
    }

    /// `sieve outbox retry ID`: a dead, failed, unsupported or dropped delivery goes back to pending with a fresh
    /// attempt budget (same idempotency key, so a delivery that did get through is not repeated where the
    /// channel honours it).
    public func retryDelivery(_ id: Int64, actor: String, ip: String? = nil, now: Date = Date()) async throws(StoreError)
        -> PublicationRecord
    {
        try await write { tx in
            guard var record = try await Self.publication(id, tx) else { throw StoreError.noSuchDelivery(id) }
            let before = record.status
            if record.action != OutboxAction.retract.rawValue,
                try await tx.scalar("SELECT 1 FROM retraction WHERE postId = ?", [record.postId], as: Int.self) != nil
            {
                throw StoreError.retracted(post: record.postId, delivery: id)
            }
            guard ["dead", "failed", "unsupported", "dropped", "pending"].contains(record.status) else {
                throw StoreError.deliveryState(id: id, status: record.status, wanted: "retry")
            }
            record.status = OutboxStatus.pending.rawValue
            record.attempts = 0
            record.nextAttemptAt = now
            try await tx.execute("UPDATE publication SET status = 'pending', attempts = 0, nextAttemptAt = ? WHERE id = ?", [now, id])
            try await Self.insertAudit(
                tx, actor: actor, action: "outbox-retry", postId: record.postId,
                before: Self.json(["delivery": id, "status": before]), after: Self.json(["delivery": id, "status": record.status]),
                ip: ip, at: now)
            return record
        }
    }

    /// `sieve outbox drop ID`: never deliver it.
    public func dropDelivery(_ id: Int64, actor: String, ip: String? = nil, now: Date = Date()) async throws(StoreError)
        -> PublicationRecord
    {
        try await write { tx in
            guard var record = try await Self.publication(id, tx) else { throw StoreError.noSuchDelivery(id) }
            let before = record.status
            guard ["dead", "failed", "pending", "unsupported"].contains(record.status) else {
                throw StoreError.deliveryState(id: id, status: record.status, wanted: "drop")
            }
            record.status = OutboxStatus.dropped.rawValue
            record.leaseUntil = nil
            try await tx.execute("UPDATE publication SET status = 'dropped', leaseUntil = NULL WHERE id = ?", [id])
            try await Self.insertAudit(
                tx, actor: actor, action: "outbox-drop", postId: record.postId,
                before: Self.json(["delivery": id, "status": before]), after: Self.json(["delivery": id, "status": record.status]),
                ip: ip, at: now)
            return record
        }
    }

    /// Withdraws an approved or escalated item in one transaction: the post becomes `retracted`, every delivery not
    /// yet made (pending, waiting for a retry, or dead-lettered, on every channel and for every action) is
    /// cancelled, and every channel that did (or may have) received it gets a `retract` delivery (delete, Cancel,
    /// or "not supported" — the outcome is recorded per channel). Returns the retract rows. Afterwards no
    /// delivery of the item but its retraction can be claimed or retried.
    @discardableResult
    public func retract(
        postID: Int64, reviewer: String, note: String?, ip: String? = nil, force: Bool = false, now: Date = Date()
    ) async throws(StoreError) -> [PublicationRecord] {
        try await write { tx in
            guard
                let state = try await tx.scalar(
                    "SELECT state FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID], as: String.self)
            else { throw StoreError.noSuchPost(postID) }
            guard state == PostState.approved.rawValue || state == PostState.escalated.rawValue else {
                throw StoreError.invalidTransition(post: postID, from: state, decision: "retract")
            }
            // An escalated item may be open on a moderator's screen.
            try await Self.respectClaim(tx, postID: postID, user: reviewer, force: force, ip: ip, now: now)
            try await tx.execute("DELETE FROM claim WHERE postId = ?", [postID])
            try await tx.execute(
                "INSERT INTO retraction (postId, retractedAt, reviewer, note) VALUES (?, ?, ?, ?)", [postID, now, reviewer, note])
            try await tx.execute("UPDATE post SET state = ?, xrefDue = 0 WHERE id = ?", [PostState.retracted.rawValue, postID])
            // FOR UPDATE (PostgreSQL): a publisher claiming one of these rows right now commits first and this reads
            // its `delivering`, instead of cancelling a delivery that is under way and never withdrawing it.
            let rows = try await tx.rows(
                "SELECT * FROM publication WHERE postId = ? AND action != 'retract' ORDER BY id"
                    + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID]
            ).map(PublicationRecord.init)
            var channels: [String: Bool] = [:]  // channel → something reached it (or may have)
            for row in rows {
                switch OutboxStatus(rawValue: row.status) {
                case .delivered, .delivering, .failed:
                    // A failed attempt may have got through (timeout after the post); retract to be safe.
                    channels[row.channel] = true
                default:
                    channels[row.channel] = channels[row.channel] ?? false
                }
                if row.status == "pending" || row.status == "failed" || row.status == "dead" {
                    try await tx.execute(
                        """
                        UPDATE publication SET status = 'cancelled', lastError = 'retracted before delivery'
                        WHERE id = ? AND status IN ('pending', 'failed', 'dead')
                        """, [row.id])
                }
            }
            for (channel, reached) in channels.sorted(by: { $0.key < $1.key }) {
                try await Self.enqueue(
                    tx, postID: postID, channel: channel, action: .retract, note: note, now: now,
                    status: reached ? .pending : .cancelled)
                if !reached {
                    try await tx.execute(
                        "UPDATE publication SET lastError = 'nothing to withdraw: never delivered' WHERE postId = ? AND channel = ? AND action = 'retract'",
                        [postID, channel])
                }
            }
            let retractRows = try await tx.rows("SELECT * FROM publication WHERE postId = ? AND action = 'retract' ORDER BY id", [postID])
                .map(PublicationRecord.init)
            var after: [String: Any] = [
                "state": PostState.retracted.rawValue,
                "withdraw": retractRows.filter { $0.status == OutboxStatus.pending.rawValue }.map(\.channel),
            ]
            if let note { after["note"] = note }
            try await Self.insertAudit(
                tx, actor: reviewer, action: "retract", postId: postID, before: Self.json(["state": state]),
                after: Self.json(after), ip: ip, at: now)
            return retractRows
        }
    }

    /// Edits the public wording of an approved item after publication: the edit is recorded as a review (the CAP
    /// feed gets an Update referencing the earlier messages; the feeds carry the new wording) and every channel
    /// that got the item gets an `update` delivery (edited in place where the channel allows). A later edit
    /// replaces an undelivered earlier one.
    @discardableResult
    public func edit(postID: Int64, reviewer: String, text: String, note: String?, ip: String? = nil, now: Date = Date())
        async throws(StoreError) -> [PublicationRecord]
    {
        try await write { tx in
            guard
                let state = try await tx.scalar(
                    "SELECT state FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID], as: String.self)
            else { throw StoreError.noSuchPost(postID) }
            guard state == PostState.approved.rawValue else {
                throw StoreError.invalidTransition(post: postID, from: state, decision: "edit")
            }
            let wording = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !wording.isEmpty else {
                throw StoreError.invalidTransition(post: postID, from: state, decision: "edit with empty text")
            }
            try await tx.execute(
                "INSERT INTO review (postId, decision, reviewer, note, decidedAt, reason, publicText) VALUES (?, ?, ?, ?, ?, NULL, ?)",
                [postID, ReviewDecision.approve.rawValue, reviewer, note, now, wording])
            let reached = try await tx.column(
                """
                SELECT DISTINCT channel FROM publication WHERE postId = ? AND action = 'publish'
                  AND status IN ('delivered', 'delivering', 'failed')
                """, [postID], as: String.self)
            for channel in reached {
                try await tx.execute(
                    """
                    INSERT INTO publication (postId, channel, action, status, attempts, createdAt, nextAttemptAt,
                      idempotencyKey, note)
                    VALUES (?, ?, 'update', 'pending', 0, ?, ?, ?, ?)
                    ON CONFLICT(postId, channel, action) DO UPDATE SET status = 'pending', attempts = 0,
                      nextAttemptAt = excluded.nextAttemptAt, idempotencyKey = excluded.idempotencyKey,
                      note = excluded.note, lastError = NULL, leaseUntil = NULL
                    """, [postID, channel, now, now, UUID().uuidString.lowercased(), note])
            }
            var after: [String: Any] = ["publicText": wording, "corrected": reached]
            if let note { after["note"] = note }
            try await Self.insertAudit(tx, actor: reviewer, action: "edit", postId: postID, before: nil, after: Self.json(after), ip: ip, at: now)
            return try await tx.rows("SELECT * FROM publication WHERE postId = ? AND action = 'update' ORDER BY id", [postID])
                .map(PublicationRecord.init)
        }
    }

    public func retraction(postID: Int64) async throws(StoreError) -> RetractionRecord? {
        try await read { tx in try await tx.row("SELECT * FROM retraction WHERE postId = ?", [postID]).map(RetractionRecord.init) }
    }
}

extension RetractionRecord {
    init(_ r: SQLRow) throws {
        self.init(postId: try r["postId"], retractedAt: try r["retractedAt"], reviewer: try r["reviewer"], note: try r["note"])
    }
}
