import Foundation
import GRDB
import SieveCore

/// A message a person forwarded to a tipline, as stored: never the sender's id, only its salted hash.
public struct NewTip: Sendable, Equatable {
    /// The platform's id of this delivery (LINE's `webhookEventId`): a delivery seen before is a replay.
    public var eventID: String
    /// "line", …
    public var channel: String
    /// SHA-256 of the salt and the platform's sender id, hex.
    public var senderHash: String
    public var text: String
    /// What the tip is about, normalised so the same claim forwarded by many people counts together.
    public var claimKey: String
    /// The answer given: rumour, contradicted, corroborated, retracted or unverified.
    public var verdict: String

    public init(eventID: String, channel: String, senderHash: String, text: String, claimKey: String, verdict: String) {
        self.eventID = eventID
        self.channel = channel
        self.senderHash = senderHash
        self.text = text
        self.claimKey = claimKey
        self.verdict = verdict
    }
}

/// What recording a tip did.
public enum TipRecorded: Sendable, Equatable {
    /// A new tip; `askedBy`: how many different people have asked about the same claim (this one included).
    case new(id: Int64, askedBy: Int)
    /// The platform delivered this event before (a retry or a replayed request): nothing recorded.
    case replay
}

/// The claims people ask about most, for the moderators.
public struct TipDemand: Sendable, Equatable {
    public var claimKey: String
    /// The latest wording someone sent.
    public var text: String
    public var askedBy: Int
    public var latest: Date
    public var verdict: String
}

extension AppDatabase {
    /// "v12-tips": tips (sender stored as a salted hash, the normalised claim they ask about, the answer given) and
    /// the platform event ids already handled (replays are answered once).
    static func migrateTips(_ db: Database) throws {
        try db.create(table: "tip") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("channel", .text).notNull()
            t.column("senderHash", .text).notNull()
            t.column("text", .text).notNull()
            t.column("claimKey", .text).notNull()
            t.column("verdict", .text).notNull()
            t.column("receivedAt", .datetime).notNull()
        }
        try db.create(index: "tip_claimKey", on: "tip", columns: ["claimKey"])
        try db.create(index: "tip_senderHash", on: "tip", columns: ["senderHash"])
        try db.create(table: "tipEvent") { t in
            t.column("eventId", .text).primaryKey()
            t.column("receivedAt", .datetime).notNull()
        }
    }

    static let postgresTips = [
        """
        CREATE TABLE tip (
          id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, senderHash TEXT NOT NULL, text TEXT NOT NULL,
          claimKey TEXT NOT NULL, verdict TEXT NOT NULL, receivedAt TIMESTAMPTZ NOT NULL)
        """,
        "CREATE INDEX tip_claimKey ON tip(claimKey)",
        "CREATE INDEX tip_senderHash ON tip(senderHash)",
        "CREATE TABLE tipEvent (eventId TEXT PRIMARY KEY, receivedAt TIMESTAMPTZ NOT NULL)",
    ]

    /// Records a tip once per platform event: a replayed event records nothing and says so. Returns how many
    /// different senders have asked about the same claim.
    public func recordTip(_ tip: NewTip, now: Date = Date()) async throws(StoreError) -> TipRecorded {
        try await write { tx in
            let fresh = try await tx.execute(
                "INSERT INTO tipEvent (eventId, receivedAt) VALUES (?, ?) ON CONFLICT (eventId) DO NOTHING", [tip.eventID, now])
            guard fresh > 0 else { return .replay }
            guard
                let id = try await tx.scalar(
                    """
                    INSERT INTO tip (channel, senderHash, text, claimKey, verdict, receivedAt) VALUES (?, ?, ?, ?, ?, ?)
                    RETURNING id
                    """, [tip.channel, tip.senderHash, tip.text, tip.claimKey, tip.verdict, now], as: Int64.self)
            else { throw StoreError.database("tip: the insert returned no id") }
            let askedBy = try await tx.scalar(
                "SELECT COUNT(DISTINCT senderHash) FROM tip WHERE claimKey = ?", [tip.claimKey], as: Int.self) ?? 1
            return .new(id: id, askedBy: askedBy)
        }
    }

    /// Deletes everything kept about one sender (a deletion request); how many tips went.
    @discardableResult
    public func deleteTips(senderHash: String) async throws(StoreError) -> Int {
        try await write { tx in
            try await tx.execute("DELETE FROM tipFollowUp WHERE senderHash = ?", [senderHash])
            return try await tx.execute("DELETE FROM tip WHERE senderHash = ?", [senderHash])
        }
    }

    /// Deletes tips received before `cutoff` (the retention limit) and event ids older than a week; how many tips went.
    @discardableResult
    public func pruneTips(before cutoff: Date, now: Date = Date()) async throws(StoreError) -> Int {
        try await write { tx in
            try await tx.execute("DELETE FROM tipEvent WHERE receivedAt < ?", [min(cutoff, now.addingTimeInterval(-7 * 86_400))])
            try await tx.execute("DELETE FROM tipFollowUp WHERE createdAt < ?", [cutoff])
            return try await tx.execute("DELETE FROM tip WHERE receivedAt < ?", [cutoff])
        }
    }

    /// The claims asked about most since `since`, most askers first.
    public func tipDemand(since: Date, limit: Int = 50) async throws(StoreError) -> [TipDemand] {
        try await read { tx in
            try await tx.rows(
                """
                SELECT t.claimKey, COUNT(DISTINCT t.senderHash) AS askedBy, MAX(t.receivedAt) AS latest,
                       (SELECT l.text FROM tip l WHERE l.claimKey = t.claimKey ORDER BY l.id DESC LIMIT 1) AS text,
                       (SELECT l.verdict FROM tip l WHERE l.claimKey = t.claimKey ORDER BY l.id DESC LIMIT 1) AS verdict
                FROM tip t WHERE t.receivedAt >= ? GROUP BY t.claimKey ORDER BY askedBy DESC, latest DESC LIMIT ?
                """, [since, limit]
            ).map { r in
                TipDemand(claimKey: try r["claimKey"], text: try r["text"], askedBy: try r["askedBy"], latest: try r["latest"], verdict: try r["verdict"])
            }
        }
    }

    /// The source the tipline's unanswered claims are stored under (what the queue shows as their source).
    public static let tiplineSource = "民眾詢問"

    /// A claim nothing answered, for the moderators: one post per claim in the 民眾詢問 source (state `fetched`,
    /// so the classify and cross-reference stages queue it like any post), its author line saying how many different
    /// people asked (「民眾詢問（3 人）」), raised with every new asker. Returns the post's id and whether it is new.
    @discardableResult
    public func queueTipClaim(claimKey: String, text: String, askedBy: Int, now: Date = Date()) async throws(StoreError) -> (postID: Int64, new: Bool) {
        let externalID = "tip:" + String(FNV1a.hash(claimKey), radix: 16)
        let author = "民眾詢問（\(askedBy) 人）"
        return try await write { tx in
            guard
                let source = try await tx.scalar(
                    """
                    INSERT INTO source (name, kind, url, "interval") VALUES (?, 'tipline', 'tipline:', 0)
                    ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id
                    """, [Self.tiplineSource], as: Int64.self)
            else { throw StoreError.database("tipline: the source insert returned no id") }
            if let id = try await tx.scalar(
                "SELECT id FROM post WHERE sourceId = ? AND externalID = ?", [source, externalID], as: Int64.self)
            {
                try await tx.execute("UPDATE post SET author = ? WHERE id = ?", [author, id])
                return (id, false)
            }
            guard
                let id = try await tx.scalar(
                    """
                    INSERT INTO post (sourceId, externalID, author, publishedAt, fetchedAt, text, extra)
                    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """, [source, externalID, author, now, now, String(text.prefix(5000)), "{\"tip_claim\":\"\(externalID)\"}"], as: Int64.self)
            else { throw StoreError.database("tipline: the post insert returned no id") }
            return (id, true)
        }
    }

    /// "v14-tip-follow-ups": people who asked to hear back once their claim is decided. `target` is the platform's
    /// address for them (LINE user id, Telegram chat id), sealed by the caller (AES-GCM) and erased once the
    /// follow-up is sent — the only place a sender's platform id is kept, and only with their consent.
    static func migrateTipFollowUps(_ db: Database) throws {
        try db.create(table: "tipFollowUp") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("postId", .integer).notNull().references("post", onDelete: .cascade)
            t.column("channel", .text).notNull()
            t.column("senderHash", .text).notNull()
            t.column("target", .text)
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("createdAt", .datetime).notNull()
            t.column("sentAt", .datetime)
            t.uniqueKey(["postId", "senderHash"])
        }
        try db.create(index: "tipFollowUp_pending", on: "tipFollowUp", columns: ["sentAt", "postId"])
    }

    static let postgresTipFollowUps = [
        """
        CREATE TABLE tipFollowUp (
          id BIGSERIAL PRIMARY KEY, postId BIGINT NOT NULL REFERENCES post(id) ON DELETE CASCADE, channel TEXT NOT NULL,
          senderHash TEXT NOT NULL, target TEXT, attempts BIGINT NOT NULL DEFAULT 0, createdAt TIMESTAMPTZ NOT NULL,
          sentAt TIMESTAMPTZ, UNIQUE (postId, senderHash))
        """,
        "CREATE INDEX tipFollowUp_pending ON tipFollowUp(sentAt, postId)",
    ]

    /// The sender asks to hear back: their latest unanswered claim (still undecided in the queue) gets a follow-up
    /// to `target`. Returns the claim's post id, or nil when there is nothing of theirs waiting.
    public func subscribeFollowUp(senderHash: String, channel: String, sealedTarget: String, now: Date = Date()) async throws(StoreError) -> Int64? {
        try await write { tx in
            let keys = try await tx.rows(
                "SELECT claimKey FROM tip WHERE senderHash = ? AND channel = ? AND verdict = 'unverified' ORDER BY id DESC LIMIT 5",
                [senderHash, channel]
            ).map { r -> String in try r[0] }
            for key in keys {
                let externalID = "tip:" + String(FNV1a.hash(key), radix: 16)
                guard
                    let post = try await tx.scalar(
                        """
                        SELECT p.id FROM post p JOIN source s ON s.id = p.sourceId
                        WHERE s.name = ? AND p.externalID = ? AND p.state IN ('fetched', 'queued')
                        """, [Self.tiplineSource, externalID], as: Int64.self)
                else { continue }
                try await tx.execute(
                    """
                    INSERT INTO tipFollowUp (postId, channel, senderHash, target, createdAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (postId, senderHash) DO UPDATE SET target = excluded.target, sentAt = NULL, attempts = 0
                    """, [post, channel, senderHash, sealedTarget, now])
                return post
            }
            return nil
        }
    }

    /// Follow-ups whose claim a moderator has decided, not yet sent.
    public func dueFollowUps(limit: Int = 50) async throws(StoreError) -> [TipFollowUp] {
        try await read { tx in
            try await tx.rows(
                """
                SELECT f.id, f.channel, f.target, f.attempts, p.state, p.text FROM tipFollowUp f JOIN post p ON p.id = f.postId
                WHERE f.sentAt IS NULL AND f.target IS NOT NULL AND p.state IN ('approved', 'escalated', 'rejected', 'retracted')
                ORDER BY f.id LIMIT ?
                """, [limit]
            ).map { r in
                TipFollowUp(
                    id: try r[0], channel: try r[1], sealedTarget: try r[2], attempts: try r[3], decision: try r[4], text: try r[5])
            }
        }
    }

    /// Sent (or given up after too many attempts): the target is erased either way.
    public func finishFollowUp(_ id: Int64, sent: Bool, now: Date = Date()) async throws(StoreError) {
        try await write { tx in
            try await tx.execute("UPDATE tipFollowUp SET sentAt = ?, target = NULL, attempts = attempts + ? WHERE id = ?", [now, sent ? 0 : 1, id])
        }
    }

    /// A failed attempt; the follow-up is tried again later.
    public func followUpFailed(_ id: Int64) async throws(StoreError) {
        try await write { tx in try await tx.execute("UPDATE tipFollowUp SET attempts = attempts + 1 WHERE id = ?", [id]) }
    }
}

/// One follow-up to send: the decision on the claim and the platform address (sealed).
public struct TipFollowUp: Sendable, Equatable {
    public var id: Int64
    public var channel: String
    public var sealedTarget: String
    public var attempts: Int
    /// The post's state: approved, escalated, rejected or retracted.
    public var decision: String
    public var text: String
}
