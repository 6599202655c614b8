import Foundation
import SieveCore

extension AppDatabase {
    /// Records a moderator's decision in one transaction: the review row, the post's new state, one pending
    /// delivery per chosen channel (`publish` for an approval, `lead` for an escalation to the EOC), and the audit
    /// line. The same path as the web app's (`decide`): another moderator's live claim is respected unless `force`.
    @discardableResult
    public func review(
        postID: Int64, decision: ReviewDecision, reviewer: String, note: String?, channels: [String],
        reason: RejectReason? = nil, force: Bool = false, ip: String? = nil
    ) async throws(StoreError) -> ReviewRecord {
        try await decide(
            postID: postID, WebDecision(decision: decision, reason: reason, note: note, channels: channels), by: reviewer,
            ip: ip, force: force)
    }

    /// The state change of a decision, inside the caller's transaction (`decide` adds the claim check, the claim's
    /// release and the audit line around it; a merge records its own).
    static func recordReview(
        _ tx: SQLTransaction, postID: Int64, decision: ReviewDecision, reviewer: String, note: String?, channels: [String],
        reason: RejectReason?
    ) async throws -> ReviewRecord {
        guard
            let state = try await tx.scalar(
                "SELECT state FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID], as: String.self)
        else { throw StoreError.noSuchPost(postID) }
        guard state == PostState.queued.rawValue || state == PostState.escalated.rawValue else {
            throw StoreError.invalidTransition(post: postID, from: state, decision: decision.rawValue)
        }
        let now = Date()
        var review = ReviewRecord(
            id: nil, postId: postID, decision: decision.rawValue, reviewer: reviewer, note: note, decidedAt: now,
            reason: decision == .reject ? reason?.rawValue : nil)
        review.id = try await tx.scalar(
            "INSERT INTO review (postId, decision, reviewer, note, decidedAt, reason) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [postID, review.decision, reviewer, note, now, review.reason], as: Int64.self)
        let newState: PostState
        switch decision {
        case .approve: newState = .approved
        case .reject: newState = .rejected
        case .escalate: newState = .escalated
        }
        // A post leaving the queue needs no further cross-reference (an escalated one stays in it).
        try await tx.execute(
            "UPDATE post SET state = ?\(newState == .escalated ? "" : ", xrefDue = 0") WHERE id = ?", [newState.rawValue, postID])
        // Approvals go to the publishing channels, escalations to the EOC's lead channels; the rows are
        // written in this same transaction, so a decision is never recorded without its deliveries.
        switch decision {
        case .approve:
            for channel in channels {
                try await Self.enqueue(tx, postID: postID, channel: channel, action: .publish, note: note, now: now)
            }
        case .escalate:
            for channel in channels {
                try await Self.enqueue(tx, postID: postID, channel: channel, action: .lead, note: note, now: now)
            }
        case .reject: break
        }
        return review
    }

    public func reviews(postID: Int64) async throws(StoreError) -> [ReviewRecord] {
        try await read { tx in try await tx.rows("SELECT * FROM review WHERE postId = ? ORDER BY id", [postID]).map(ReviewRecord.init) }
    }
}

/// Why a moderator rejected an item.
public enum RejectReason: String, Sendable, Codable, CaseIterable {
    case notDisaster = "not_disaster"
    case rumour
    case duplicate
    case spam
}

/// A decided item as training data.
public struct LabelledReview: Sendable {
    public var postID: Int64
    public var text: String
    public var decision: String
    public var reason: String?
    public var types: [String]
}

extension AppDatabase {
    /// The latest decision on every reviewed post, with its text and assessed types.
    public func labelledReviews() async throws(StoreError) -> [LabelledReview] {
        try await read { tx in
            let rows = try await tx.rows(
                """
                    SELECT post.id, COALESCE(post.title || '\n', '') || post.text, review.decision, review.reason,
                           assessment.types
                    FROM review JOIN post ON post.id = review.postId
                    LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE review.id IN (SELECT MAX(id) FROM review GROUP BY postId)
                    ORDER BY review.id
                    """)
            return try rows.map { r in
                let typesJSON: String? = try r[4]
                let types = typesJSON.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
                return LabelledReview(postID: try r[0], text: try r[1], decision: try r[2], reason: try r[3], types: types)
            }
        }
    }
}
