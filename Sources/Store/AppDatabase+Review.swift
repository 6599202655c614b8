import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// Records a moderator's decision in one transaction: the review row, the post's new state, and for an
    /// approval one pending publication per chosen channel.
    @discardableResult
    public func review(
        postID: Int64, decision: ReviewDecision, reviewer: String, note: String?, channels: [String]
    ) throws(StoreError) -> ReviewRecord {
        try write { db in
            guard let state = try String.fetchOne(db, sql: "SELECT state FROM post WHERE id = ?", arguments: [postID])
            else { throw StoreError.noSuchPost(postID) }
            guard state == PostState.queued.rawValue || state == PostState.escalated.rawValue else {
                throw StoreError.invalidTransition(post: postID, from: state, decision: decision.rawValue)
            }
            let now = Date()
            var review = ReviewRecord(
                id: nil, postId: postID, decision: decision.rawValue, reviewer: reviewer, note: note, decidedAt: now)
            try review.insert(db)
            let newState: PostState
            switch decision {
            case .approve: newState = .approved
            case .reject: newState = .rejected
            case .escalate: newState = .escalated
            }
            try db.execute(sql: "UPDATE post SET state = ? WHERE id = ?", arguments: [newState.rawValue, postID])
            if decision == .approve {
                for channel in channels {
                    try db.execute(
                        sql: """
                            INSERT INTO publication (postId, channel, status, attempts, createdAt)
                            VALUES (?, ?, 'pending', 0, ?) ON CONFLICT(postId, channel) DO NOTHING
                            """, arguments: [postID, channel, now])
                }
            }
            return review
        }
    }

    public func reviews(postID: Int64) throws(StoreError) -> [ReviewRecord] {
        try read { db in try ReviewRecord.filter(Column("postId") == postID).order(Column("id")).fetchAll(db) }
    }
}
