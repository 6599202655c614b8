import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// Posts stored but not yet assessed, oldest first.
    public func postsToAssess(limit: Int = 1000) throws(StoreError) -> [PostToAssess] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, title, text, publishedAt FROM post WHERE state = ? ORDER BY id LIMIT ?",
                arguments: [PostState.fetched.rawValue, limit]
            ).map { row in
                PostToAssess(id: row["id"], title: row["title"], text: row["text"], published: row["publishedAt"])
            }
        }
    }

    /// Stores assessments and moves their posts to the queue, all in one transaction.
    public func saveAssessments(_ items: [(postID: Int64, assessment: Assessment, priority: Double)]) throws(StoreError) {
        try write { db in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let now = Date()
            for item in items {
                let a = item.assessment
                func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
                try db.execute(
                    sql: """
                        INSERT INTO assessment (postId, disaster, rumour, types, places, reasons, model, priority, assessedAt, details)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(postId) DO UPDATE SET disaster = excluded.disaster, rumour = excluded.rumour,
                          types = excluded.types, places = excluded.places, reasons = excluded.reasons,
                          model = excluded.model, priority = excluded.priority, assessedAt = excluded.assessedAt,
                          details = excluded.details
                        """,
                    arguments: [
                        item.postID, a.disaster, a.rumour, try json(a.types), try json(a.places), try json(a.reasons),
                        a.model, item.priority, now, try json(AssessmentDetails(times: a.times, people: a.people)),
                    ])
                try db.execute(
                    sql: "UPDATE post SET state = ? WHERE id = ? AND state = ?",
                    arguments: [PostState.queued.rawValue, item.postID, PostState.fetched.rawValue])
            }
        }
    }

    /// Items awaiting review (queued or escalated), highest priority first.
    public func queue(limit: Int = 100, states: [PostState] = [.queued, .escalated]) throws(StoreError) -> [QueueItem] {
        try read { db in
            let placeholders = states.map { _ in "?" }.joined(separator: ",")
            var args: [any DatabaseValueConvertible] = states.map(\.rawValue)
            args.append(limit)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                           assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                    FROM post JOIN source ON source.id = post.sourceId
                    LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE post.state IN (\(placeholders)) AND post.duplicateOf IS NULL
                    ORDER BY assessment.priority DESC, post.publishedAt DESC, post.id
                    LIMIT ?
                    """, arguments: StatementArguments(args))
            return try rows.map(Self.queueItem)
        }
    }

    /// One item, whatever its state.
    public func item(id: Int64) throws(StoreError) -> QueueItem {
        let found: QueueItem? = try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                           assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                    FROM post JOIN source ON source.id = post.sourceId
                    LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE post.id = ?
                    """, arguments: [id])
            return try row.map(Self.queueItem)
        }
        guard let found else { throw StoreError.noSuchPost(id) }
        return found
    }

    static func queueItem(_ row: Row) throws -> QueueItem {
        let assessment: Assessment? = (row["disaster"] as Double?) == nil ? nil : try Self.assessment(from: row)
        return QueueItem(
            id: row["id"], source: row["sourceName"], externalID: row["externalID"], url: row["url"],
            title: row["title"], author: row["author"], published: row["publishedAt"], fetchedAt: row["fetchedAt"],
            text: row["text"], state: row["state"], assessment: assessment, priority: row["priority"],
            clusterSize: row["clusterSize"] ?? 1, duplicateOf: row["duplicateOf"])
    }
}

extension AppDatabase {
    /// The assessment columns of a row (disaster, rumour, types, places, reasons, model, details).
    static func assessment(from row: Row) throws -> Assessment {
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            try decoder.decode(T.self, from: Data((row[column] as String? ?? "[]").utf8))
        }
        var assessment = Assessment(
            disaster: row["disaster"], rumour: row["rumour"], types: try decode([String].self, "types"),
            places: try decode([PlaceMention].self, "places"), reasons: try decode([String].self, "reasons"),
            model: row["model"])
        if let details: String = row["details"], let d = try? decoder.decode(AssessmentDetails.self, from: Data(details.utf8)) {
            assessment.times = d.times
            assessment.people = d.people
        }
        return assessment
    }
}

/// The assessment's extra findings, stored as one JSON column.
struct AssessmentDetails: Codable {
    var times: [TimeMention]
    var people: [PeopleMention]
}
