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
        try await write { tx in try await tx.execute("DELETE FROM tip WHERE senderHash = ?", [senderHash]) }
    }

    /// Deletes tips received before `cutoff` (the retention limit) and event ids older than a week; how many tips went.
    @discardableResult
    public func pruneTips(before cutoff: Date, now: Date = Date()) async throws(StoreError) -> Int {
        try await write { tx in
            try await tx.execute("DELETE FROM tipEvent WHERE receivedAt < ?", [min(cutoff, now.addingTimeInterval(-7 * 86_400))])
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
}
