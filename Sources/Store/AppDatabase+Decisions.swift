import Foundation
import GRDB
import SieveCore

// MARK: - Item locks, decisions, merges

extension AppDatabase {
    /// Refuses when someone other than `user` holds a live claim on `postID`; with `force`, takes it over and says so
    /// in the audit log.
    static func respectClaim(_ tx: SQLTransaction, postID: Int64, user: String, force: Bool, ip: String?, now: Date) async throws {
        guard let other = try await otherLock(tx, postID: postID, user: user, now: now) else { return }
        guard force else { throw StoreError.claimedByOther(post: postID, user: other.user, until: other.until) }
        try await insertAudit(
            tx, actor: user, action: "claim_override", postId: postID,
            before: json(["claimedBy": other.user, "until": TaipeiTime.rfc3339(other.until)]), after: nil, ip: ip, at: now)
    }

    /// The live claim on `postID` held by someone other than `user`, if any.
    static func otherLock(_ tx: SQLTransaction, postID: Int64, user: String, now: Date) async throws -> ItemLock? {
        guard let row = try await tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ? AND "until" > ?"#, [postID, now])
        else { return nil }
        let holder: String = try row["user"]
        return holder == user ? nil : ItemLock(postId: postID, user: holder, until: try row["until"])
    }

    /// Claims `postID` for `user` for `duration` seconds, unless someone else holds a live claim; returns the claim
    /// in force afterwards (the other user's, when they hold it).
    @discardableResult
    public func lock(postID: Int64, user: String, duration: TimeInterval, ip: String? = nil, now: Date = Date())
        async throws(StoreError) -> ItemLock
    {
        try await write { tx in
            guard try await tx.scalar("SELECT 1 FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID], as: Int.self) != nil
            else { throw StoreError.noSuchPost(postID) }
            if let row = try await tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ?"#, [postID]) {
                let holder: String = try row["user"]
                let until: Date = try row["until"]
                if holder != user && until > now { return ItemLock(postId: postID, user: holder, until: until) }
            }
            let until = now.addingTimeInterval(duration)
            let fresh = try await tx.scalar(
                #"SELECT 1 FROM claim WHERE postId = ? AND "user" = ? AND "until" > ?"#, [postID, user, now], as: Int.self) == nil
            try await tx.execute(
                #"""
                INSERT INTO claim (postId, "user", "until") VALUES (?, ?, ?)
                ON CONFLICT(postId) DO UPDATE SET "user" = excluded."user", "until" = excluded."until"
                """#, [postID, user, until])
            if fresh {
                try await Self.insertAudit(
                    tx, actor: user, action: "claim", postId: postID, before: nil,
                    after: Self.json(["until": TaipeiTime.rfc3339(until)]), ip: ip, at: now)
            }
            return ItemLock(postId: postID, user: user, until: until)
        }
    }

    /// The moderator's lock on `postID` that is still live, if any.
    public func currentLock(postID: Int64, now: Date = Date()) async throws(StoreError) -> ItemLock? {
        try await read { tx in
            try await tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ? AND "until" > ?"#, [postID, now]).map {
                ItemLock(postId: postID, user: try $0["user"], until: try $0["until"])
            }
        }
    }

    /// Records a decision — from the web app, the API or the CLI, one path for all — in one transaction: refuses
    /// when another user holds a live claim (unless `force`, which is audited as `claim_override`), records the
    /// review (and publications), keeps the edited public wording, releases the claim and writes the audit line.
    @discardableResult
    public func decide(
        postID: Int64, _ d: WebDecision, by user: String, ip: String? = nil, force: Bool = false, now: Date = Date()
    ) async throws(StoreError) -> ReviewRecord {
        try await write { tx in
            // PostgreSQL: hold the post while deciding, so a claim or another decision waits for this one.
            if tx.dialect.sharesWork { _ = try await tx.rows("SELECT 1 FROM post WHERE id = ? FOR UPDATE", [postID]) }
            try await Self.respectClaim(tx, postID: postID, user: user, force: force, ip: ip, now: now)
            let before = try await tx.scalar("SELECT state FROM post WHERE id = ?", [postID], as: String.self)
            let review = try await Self.recordReview(
                tx, postID: postID, decision: d.decision, reviewer: user, note: d.note, channels: d.channels,
                reason: d.reason)
            // Edited wording only: the post's own text (as the form pre-fills it) is not an edit.
            let original = try await tx.scalar("SELECT text FROM post WHERE id = ?", [postID], as: String.self)
            let publicText = d.decision == .approve
                ? d.publicText.flatMap { t in
                    let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
                    return trimmed.isEmpty || trimmed == original?.trimmingCharacters(in: .whitespacesAndNewlines) ? nil : trimmed
                } : nil
            if let publicText, let id = review.id {
                try await tx.execute("UPDATE review SET publicText = ? WHERE id = ?", [publicText, id])
            }
            try await tx.execute("DELETE FROM claim WHERE postId = ?", [postID])
            let after = try await tx.scalar("SELECT state FROM post WHERE id = ?", [postID], as: String.self)
            var afterObject: [String: Any] = ["state": after ?? ""]
            if let reason = review.reason { afterObject["reason"] = reason }
            if let note = d.note { afterObject["note"] = note }
            if d.decision == .approve { afterObject["channels"] = d.channels }
            if let publicText { afterObject["publicText"] = publicText }
            try await Self.insertAudit(
                tx, actor: user, action: d.decision.rawValue, postId: postID, before: Self.json(["state": before ?? ""]),
                after: Self.json(afterObject), ip: ip, at: now)
            return review
        }
    }

    /// Merges `postID` into the cluster of `target` (a duplicate found by a person, not by SimHash): the post and
    /// its own near-duplicates point at the target's cluster head, the head's cluster grows, and the post leaves
    /// the queue rejected as a duplicate.
    public func merge(postID: Int64, into target: Int64, by user: String, ip: String? = nil, now: Date = Date())
        async throws(StoreError)
    {
        try await write { tx in
            guard postID != target else { throw StoreError.invalidMerge(post: postID, into: target) }
            guard let post = try await tx.row(
                "SELECT state, duplicateOf, clusterSize FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""),
                [postID])
            else { throw StoreError.noSuchPost(postID) }
            guard let t = try await tx.row("SELECT id, duplicateOf FROM post WHERE id = ?", [target])
            else { throw StoreError.noSuchPost(target) }
            let head: Int64 = try t["duplicateOf"] ?? t["id"]
            guard head != postID else { throw StoreError.invalidMerge(post: postID, into: target) }
            if let other = try await Self.otherLock(tx, postID: postID, user: user, now: now) {
                throw StoreError.claimedByOther(post: postID, user: other.user, until: other.until)
            }
            let state: String = try post["state"]
            let size: Int = try post["clusterSize"] ?? 1
            let duplicateOf: Int64? = try post["duplicateOf"]
            _ = try await Self.recordReview(
                tx, postID: postID, decision: .reject, reviewer: user, note: "merged into #\(head)", channels: [],
                reason: .duplicate)
            try await tx.execute("UPDATE post SET duplicateOf = ? WHERE duplicateOf = ?", [head, postID])
            try await tx.execute("UPDATE post SET duplicateOf = ?, clusterSize = 1 WHERE id = ?", [head, postID])
            try await tx.execute("UPDATE post SET clusterSize = clusterSize + ? WHERE id = ?", [size, head])
            try await tx.execute("DELETE FROM claim WHERE postId = ?", [postID])
            try await Self.insertAudit(
                tx, actor: user, action: "merge", postId: postID,
                before: Self.json(["state": state, "duplicateOf": duplicateOf.map { $0 as Any } ?? NSNull()]),
                after: Self.json(["state": PostState.rejected.rawValue, "duplicateOf": head]), ip: ip, at: now)
        }
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
