import Foundation
import SieveCore

extension AppDatabase {
    static func itemSelect(_ dialect: SQLDialect) -> String {
        """
        SELECT post.id AS postId, post.title,
               COALESCE((SELECT publicText FROM review WHERE review.postId = post.id AND review.decision = 'approve'
                         ORDER BY review.id DESC LIMIT 1), post.text) AS text,
               post.url, post.publishedAt, post.state, post.extra,
               source.name AS sourceName, assessment.types, assessment.places, assessment.details,
               (SELECT decidedAt FROM review WHERE review.postId = post.id AND review.decision IN ('approve', 'escalate')
                ORDER BY review.id DESC LIMIT 1) AS decidedAt,
               (SELECT note FROM review WHERE review.postId = post.id AND review.decision IN ('approve', 'escalate')
                ORDER BY review.id DESC LIMIT 1) AS note,
               xref.verdict AS xrefVerdict, xref.matches AS xrefMatches,
               (SELECT lat FROM incident WHERE incident.id = \(dialect.jsonFirstInteger("xref.matches", key: "incidentID"))) AS xrefLat,
               (SELECT lon FROM incident WHERE incident.id = \(dialect.jsonFirstInteger("xref.matches", key: "incidentID"))) AS xrefLon,
               (SELECT COUNT(*) FROM exercise) AS exerciseStore
        FROM post JOIN source ON source.id = post.sourceId
        LEFT JOIN assessment ON assessment.postId = post.id
        LEFT JOIN xref ON xref.postId = post.id
        """
    }

    /// What every item from an exercise store starts with.
    public static let exerciseMark = "【演習】"

    static func item(_ row: SQLRow, publicationID: Int64, approvedAt: Date?) throws -> PublishableItem {
        let decoder = JSONDecoder()
        let decidedAt: Date? = try row["decidedAt"]
        var item = PublishableItem(
            publicationID: publicationID, postID: try row["postId"], source: try row["sourceName"], title: try row["title"],
            text: try row["text"], url: try row["url"], published: try row["publishedAt"],
            approvedAt: approvedAt ?? decidedAt ?? Date(timeIntervalSince1970: 0), note: try row["note"],
            types: try decoder.decode([String].self, from: Data((try row["types"] as String? ?? "[]").utf8)),
            places: try decoder.decode([PlaceMention].self, from: Data((try row["places"] as String? ?? "[]").utf8)))
        item.state = try row["state"]
        // An exercise store's items say so in every channel, feed and file they reach: the mark is put on here,
        // where every publishable item is made, so no writer can forget it.
        if (try row["exerciseStore"] as Int?) ?? 0 > 0 {
            item.exercise = true
            item.title = item.title.map { Self.exerciseMark + $0 }
            item.text = Self.exerciseMark + item.text
        }
        if let details: String = try row["details"],
            let d = try? decoder.decode(AssessmentDetails.self, from: Data(details.utf8))
        {
            item.people = d.people
        }
        if let extra: String = try row["extra"],
            let map = try? decoder.decode([String: String].self, from: Data(extra.utf8)),
            let lat = map["lat"].flatMap(Double.init), let lon = map["lon"].flatMap(Double.init),
            (-90...90).contains(lat), (-180...180).contains(lon)
        {
            item.latitude = lat
            item.longitude = lon
        }
        // Official incidents the cross-reference found; a corroborated item without its own position takes the
        // best matching incident's (EMIC reports and CWA epicentres have coordinates).
        item.verdict = try row["xrefVerdict"]
        if let matches: String = try row["xrefMatches"], let list = try? decoder.decode([IncidentMatch].self, from: Data(matches.utf8)) {
            item.incidents = list
        }
        if item.latitude == nil, item.verdict == XrefVerdict.corroborated.rawValue, let lat: Double = try row["xrefLat"], let lon: Double = try row["xrefLon"] {
            item.latitude = lat
            item.longitude = lon
        }
        return item
    }

    static func publishableItem(_ tx: SQLTransaction, postID: Int64, publication: PublicationRecord) async throws -> PublishableItem? {
        guard let row = try await tx.row(itemSelect(tx.dialect) + " WHERE post.id = ?", [postID]) else { return nil }
        var item = try item(row, publicationID: publication.id ?? 0, approvedAt: publication.createdAt)
        if let note = publication.note, publication.action != OutboxAction.retract.rawValue { item.note = note }
        return item
    }

    /// Items published (or being published) on `channel` and not withdrawn, newest approval first.
    public func publishableItems(channel: String, limit: Int = 200) async throws(StoreError) -> [PublishableItem] {
        try await read { tx in
            let rows = try await tx.rows(
                """
                SELECT p.id AS pubId, p.createdAt AS approvedAt, i.* FROM publication p
                JOIN (\(Self.itemSelect(tx.dialect))) i ON i.postId = p.postId
                WHERE p.channel = ? AND p.action = 'publish' AND p.status IN ('delivering', 'delivered')
                  AND i.state = 'approved'
                ORDER BY p.createdAt DESC, p.id DESC LIMIT ?
                """, [channel, limit])
            return try rows.map { try Self.item($0, publicationID: try $0["pubId"], approvedAt: try $0["approvedAt"]) }
        }
    }

    /// Every approved item (whatever its channels), newest approval first: what `sieve publish --feeds` writes.
    public func approvedItems(limit: Int = 500) async throws(StoreError) -> [PublishableItem] {
        try await read { tx in
            let rows = try await tx.rows(
                "SELECT * FROM (\(Self.itemSelect(tx.dialect))) i WHERE state = 'approved' ORDER BY decidedAt DESC NULLS LAST, postId DESC LIMIT ?",
                [limit])
            return try rows.map { try Self.item($0, publicationID: 0, approvedAt: nil) }
        }
    }

    /// What the public page shows: approved items and withdrawn ones that had been approved (a retraction is news
    /// too; an EOC lead withdrawn before it was ever public is not), newest decision first — never anything queued,
    /// escalated, rejected or merged. A retracted item carries its retraction.
    public func publicItems(limit: Int = 500) async throws(StoreError) -> [(item: PublishableItem, retraction: RetractionRecord?)] {
        try await read { tx in
            let rows = try await tx.rows(
                """
                SELECT i.*, r.retractedAt AS retractedAt, r.reviewer AS retractedBy, r.note AS retractionNote
                FROM (\(Self.itemSelect(tx.dialect))) i LEFT JOIN retraction r ON r.postId = i.postId
                WHERE i.state = 'approved'
                   OR (i.state = 'retracted'
                       AND EXISTS (SELECT 1 FROM review WHERE review.postId = i.postId AND review.decision = 'approve'))
                ORDER BY COALESCE(r.retractedAt, i.decidedAt) DESC NULLS LAST, i.postId DESC LIMIT ?
                """, [limit])
            return try rows.map { row in
                let item = try Self.item(row, publicationID: 0, approvedAt: nil)
                let retractedAt: Date? = try row["retractedAt"]
                let retraction = try retractedAt.map {
                    RetractionRecord(postId: item.postID, retractedAt: $0, reviewer: try row["retractedBy"] ?? "", note: try row["retractionNote"])
                }
                return (item, item.state == PostState.retracted.rawValue ? retraction : nil)
            }
        }
    }

    /// The EOC's view of items: each escalation, approval and retraction as a dated event, oldest first, for the
    /// CAP messages (Alert, Update, Cancel). `channel` limits it to items with deliveries on that channel.
    public func capEvents(channel: String? = nil, limit: Int = 1000) async throws(StoreError) -> [CAPEvent] {
        try await read { tx in
            var filter = ""
            var args: [any SQLBindable] = []
            if let channel {
                filter = """
                     AND EXISTS (SELECT 1 FROM publication p WHERE p.postId = review.postId AND p.channel = ?
                       AND p.action = CASE review.decision WHEN 'approve' THEN 'publish' ELSE 'lead' END
                       AND p.status IN ('delivering', 'delivered'))
                    """
                args.append(channel)
            }
            let decisions = try await tx.rows(
                """
                SELECT review.id, review.postId, review.decision, review.decidedAt, review.note FROM review
                WHERE review.decision IN ('approve', 'escalate')\(filter)
                ORDER BY review.id
                """, args)
            var events: [CAPEvent] = []
            var items: [Int64: PublishableItem] = [:]
            func item(_ postID: Int64) async throws -> PublishableItem? {
                if let i = items[postID] { return i }
                guard let row = try await tx.row(Self.itemSelect(tx.dialect) + " WHERE post.id = ?", [postID]) else {
                    return nil
                }
                let i = try Self.item(row, publicationID: 0, approvedAt: nil)
                items[postID] = i
                return i
            }
            for d in decisions {
                guard var i = try await item(try d["postId"]) else { continue }
                i.note = try d["note"]
                i.approvedAt = try d["decidedAt"]
                let kind: CAPEvent.Kind = (try d["decision"] as String) == "approve" ? .approved : .escalated
                events.append(CAPEvent(id: "r\(try d["id"] as Int64)", kind: kind, at: try d["decidedAt"], item: i))
            }
            let posts = Set(events.map(\.item.postID))
            for r in try await tx.rows("SELECT * FROM retraction ORDER BY retractedAt").map(RetractionRecord.init) where posts.contains(r.postId) {
                guard var i = try await item(r.postId) else { continue }
                i.note = r.note
                events.append(CAPEvent(id: "x", kind: .retracted, at: r.retractedAt, item: i))
            }
            events.sort { ($0.at, $0.item.postID) < ($1.at, $1.item.postID) }
            return Array(events.suffix(limit))
        }
    }

    public func publications(postID: Int64? = nil) async throws(StoreError) -> [PublicationRecord] {
        try await read { tx in
            if let postID {
                return try await tx.rows("SELECT * FROM publication WHERE postId = ? ORDER BY id", [postID]).map(PublicationRecord.init)
            }
            return try await tx.rows("SELECT * FROM publication ORDER BY id").map(PublicationRecord.init)
        }
    }
}

/// One thing the EOC is told about an item.
public struct CAPEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case escalated, approved, retracted }
    /// Unique within the item ("r12" for review 12, "x" for the retraction).
    public var id: String
    public var kind: Kind
    public var at: Date
    public var item: PublishableItem
}
