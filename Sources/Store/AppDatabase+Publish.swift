import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// Everything ever published or waiting to be published on `channel`, newest approval first.
    public func publishableItems(channel: String, limit: Int = 200) throws(StoreError) -> [PublishableItem] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT publication.id AS pubId, publication.createdAt AS approvedAt, post.id AS postId, post.title,
                           -- the moderator's edited public wording (web app), else the post as written
                           COALESCE((SELECT publicText FROM review WHERE review.postId = post.id
                                     AND review.decision = 'approve' ORDER BY review.id DESC LIMIT 1),
                                    post.text) AS text,
                           post.url, post.publishedAt, source.name AS sourceName, assessment.types,
                           assessment.places,
                           (SELECT note FROM review WHERE review.postId = post.id AND review.decision = 'approve'
                            ORDER BY review.id DESC LIMIT 1) AS note
                    FROM publication JOIN post ON post.id = publication.postId
                    JOIN source ON source.id = post.sourceId
                    LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE publication.channel = ? AND publication.status IN ('pending', 'published')
                    ORDER BY publication.createdAt DESC, publication.id DESC
                    LIMIT ?
                    """, arguments: [channel, limit])
            let decoder = JSONDecoder()
            return try rows.map { row in
                PublishableItem(
                    publicationID: row["pubId"], postID: row["postId"], source: row["sourceName"], title: row["title"],
                    text: row["text"], url: row["url"], published: row["publishedAt"], approvedAt: row["approvedAt"],
                    note: row["note"],
                    types: try decoder.decode([String].self, from: Data((row["types"] as String? ?? "[]").utf8)),
                    places: try decoder.decode([PlaceMention].self, from: Data((row["places"] as String? ?? "[]").utf8)))
            }
        }
    }

    /// Marks pending publications as published (after the channel accepted them), in one transaction.
    public func markPublished(_ publicationIDs: [Int64], at date: Date = Date()) throws(StoreError) {
        guard !publicationIDs.isEmpty else { return }
        try write { db in
            for id in publicationIDs {
                try db.execute(
                    sql: """
                        UPDATE publication SET status = 'published', attempts = attempts + 1, publishedAt = ?, lastError = NULL
                        WHERE id = ? AND status = 'pending'
                        """, arguments: [date, id])
            }
        }
    }

    /// Records a failed delivery attempt.
    public func markFailed(_ publicationIDs: [Int64], error: String) throws(StoreError) {
        try write { db in
            for id in publicationIDs {
                try db.execute(
                    sql: "UPDATE publication SET attempts = attempts + 1, lastError = ? WHERE id = ? AND status = 'pending'",
                    arguments: [error, id])
            }
        }
    }

    public func publications(postID: Int64? = nil) throws(StoreError) -> [PublicationRecord] {
        try read { db in
            var request = PublicationRecord.order(Column("id"))
            if let postID { request = request.filter(Column("postId") == postID) }
            return try request.fetchAll(db)
        }
    }
}
