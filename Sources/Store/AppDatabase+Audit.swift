import Foundation
import GRDB
import SieveCore

// MARK: - Audit

extension AppDatabase {
    static func insertAudit(
        _ tx: SQLTransaction, actor: String, action: String, postId: Int64?, before: String?, after: String?,
        ip: String?, at: Date = Date()
    ) async throws {
        try await tx.execute(
            "INSERT INTO audit (at, actor, action, postId, before, after, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [at, actor, action, postId, before, after, ip])
    }

    /// Appends one line to the audit log.
    public func audit(
        actor: String, action: String, postId: Int64? = nil, before: String? = nil, after: String? = nil,
        ip: String? = nil
    ) async throws(StoreError) {
        try await write { tx in
            try await Self.insertAudit(tx, actor: actor, action: action, postId: postId, before: before, after: after, ip: ip)
        }
    }

    /// Audit lines, newest first, optionally only one actor's, action's or item's; `limit` nil for all.
    public func auditEntries(
        actor: String? = nil, action: String? = nil, postId: Int64? = nil, limit: Int? = 100, offset: Int = 0
    ) async throws(StoreError) -> [AuditEntry] {
        try await read { tx in
            var clauses: [String] = []
            var args: [any SQLBindable] = []
            if let actor { clauses.append("actor = ?"); args.append(actor) }
            if let action { clauses.append("action = ?"); args.append(action) }
            if let postId { clauses.append("postId = ?"); args.append(postId) }
            var sql = "SELECT * FROM audit"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit {
                sql += " LIMIT ? OFFSET ?"
                args.append(limit)
                args.append(offset)
            }
            return try await tx.rows(sql, args).map(Self.auditEntry)
        }
    }

    static func auditEntry(_ r: SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: try r["id"], at: try r["at"], actor: try r["actor"], action: try r["action"], postId: try r["postId"],
            before: try r["before"], after: try r["after"], ip: try r["ip"])
    }
}
