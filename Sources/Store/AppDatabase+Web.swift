import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// "v5-web": accounts, sessions, API tokens, claims, the audit log, login throttling, the full-text index and
    /// the moderator's edited public wording.
    static func registerWebMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-web") { db in
            try db.create(table: "account") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("role", .text).notNull()  // admin | moderator | eoc
                t.column("passwordHash", .text).notNull()  // bcrypt
                t.column("createdAt", .datetime).notNull()
                t.column("disabled", .boolean).notNull().defaults(to: false)
            }
            // The cookie holds a random id; only its SHA-256 is stored, so a copy of the database opens no session.
            try db.create(table: "session") { t in
                t.primaryKey("idHash", .text)
                t.belongsTo("account", onDelete: .cascade).notNull()
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull().indexed()
                t.column("ip", .text)
                t.column("userAgent", .text)
            }
            try db.create(table: "apiToken") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("account", onDelete: .cascade).notNull()
                t.column("tokenHash", .text).notNull().unique()  // SHA-256 of the token
                t.column("label", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("lastUsedAt", .datetime)
            }
            try db.create(table: "claim") { t in
                t.primaryKey("postId", .integer).references("post", onDelete: .cascade)
                t.column("user", .text).notNull()
                t.column("until", .datetime).notNull()
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull().indexed()
                t.column("action", .text).notNull()
                t.column("postId", .integer).indexed()  // no foreign key: the log outlives what it describes
                t.column("before", .jsonText)
                t.column("after", .jsonText)
                t.column("ip", .text)
            }
            // Failed logins per "account|ip": `failures` within the window, then locked until `lockedUntil`.
            try db.create(table: "loginThrottle") { t in
                t.primaryKey("key", .text)
                t.column("failures", .integer).notNull()
                t.column("windowStart", .datetime).notNull()
                t.column("lockedUntil", .datetime)
            }
            try db.alter(table: "review") { t in t.add(column: "publicText", .text) }
            // The cross-reference stage owns this table; created here only so the queue can LEFT JOIN it before
            // that stage has run.
            // Same columns as "v3-incidents" creates (which runs first where it exists; then this is a no-op).
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS xref (
                      postId INTEGER PRIMARY KEY REFERENCES post(id) ON DELETE CASCADE,
                      verdict TEXT NOT NULL, score DOUBLE NOT NULL, explanation TEXT NOT NULL, matches TEXT NOT NULL,
                      knownRumourId INTEGER, knownRumourSimilarity DOUBLE, checkedAt DATETIME NOT NULL)
                    """)
            // Full-text search over the tokenizer's tokens (space-joined), so Chinese words are searchable;
            // rowid = post.id.
            try db.execute(sql: "CREATE VIRTUAL TABLE postSearch USING fts5(tokens, tokenize = 'unicode61')")
            try db.create(index: "review_reviewer", on: "review", columns: ["reviewer"])
        }
    }
}

extension AppDatabase {
    /// v9: the file says it is Sieve's (`PRAGMA application_id`), and API tokens expire.
    static func migrateHardening(_ db: Database) throws {
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.alter(table: "apiToken") { t in t.add(column: "expiresAt", .datetime) }
    }
}

// MARK: - Accounts, sessions, tokens
//
// Everything below is written once against `SQLTransaction` and runs on SQLite and PostgreSQL alike. Where a
// decision depends on what another request might change meanwhile (claims, decisions, merges, login failures),
// PostgreSQL locks the row first (`FOR UPDATE`); SQLite's single writer already serialises them.

extension AppDatabase {
    @discardableResult
    public func createAccount(name: String, role: AccountRole, passwordHash: String) async throws(StoreError) -> Account {
        try await write { tx in
            let now = Date()
            guard
                let id = try tx.scalar(
                    """
                    INSERT INTO account (name, role, passwordHash, createdAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO NOTHING RETURNING id
                    """, [name, role.rawValue, passwordHash, now], as: Int64.self)
            else { throw StoreError.accountExists(name) }
            return Account(id: id, name: name, role: role, passwordHash: passwordHash, createdAt: now, disabled: false)
        }
    }

    public func account(named name: String) async throws(StoreError) -> Account? {
        try await read { tx in try tx.row("SELECT * FROM account WHERE name = ?", [name]).map(Self.account) }
    }

    public func accounts() async throws(StoreError) -> [Account] {
        try await read { tx in try tx.rows("SELECT * FROM account ORDER BY name").map(Self.account) }
    }

    static func account(_ row: SQLRow) throws -> Account {
        Account(
            id: try row["id"], name: try row["name"], role: AccountRole(rawValue: try row["role"]) ?? .eoc,
            passwordHash: try row["passwordHash"], createdAt: try row["createdAt"], disabled: try row["disabled"])
    }

    /// Starts a session after a successful login. The session the browser came with (if any) is deleted in the
    /// same transaction: a login always gets a fresh id (no session fixation).
    public func createSession(
        account: String, idHash: String, csrfToken: String, expiresAt: Date, replacing oldHash: String?,
        ip: String?, userAgent: String?
    ) async throws(StoreError) {
        try await write { tx in
            guard let accountID = try tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            if let oldHash { try tx.execute("DELETE FROM session WHERE idHash = ?", [oldHash]) }
            let now = Date()
            try tx.execute("DELETE FROM session WHERE expiresAt < ?", [now])
            try tx.execute(
                """
                INSERT INTO session (idHash, accountId, csrfToken, createdAt, expiresAt, ip, userAgent)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [idHash, accountID, csrfToken, now, expiresAt, ip, userAgent])
        }
    }

    /// The live session with this id hash (not expired, account not disabled).
    public func session(idHash: String, now: Date = Date()) async throws(StoreError) -> WebSession? {
        try await read { tx in
            try tx.row(
                """
                SELECT session.idHash, session.csrfToken, session.expiresAt, account.name, account.role
                FROM session JOIN account ON account.id = session.accountId
                WHERE session.idHash = ? AND session.expiresAt > ? AND account.disabled = ?
                """, [idHash, now, false]
            ).map { row in
                WebSession(
                    idHash: try row["idHash"], account: try row["name"],
                    role: AccountRole(rawValue: try row["role"]) ?? .eoc, csrfToken: try row["csrfToken"],
                    expiresAt: try row["expiresAt"])
            }
        }
    }

    public func deleteSession(idHash: String) async throws(StoreError) {
        try await write { tx in try tx.execute("DELETE FROM session WHERE idHash = ?", [idHash]) }
    }

    /// Stores an API token's SHA-256 for `account` (the token itself is shown once and never stored), valid until
    /// `expiresAt`. Returns the token's id (for `sieve user revoke-token`).
    @discardableResult
    public func createAPIToken(account: String, tokenHash: String, label: String?, expiresAt: Date? = nil, actor: String? = nil)
        async throws(StoreError) -> Int64
    {
        try await write { tx in
            guard let accountID = try tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            let id = try tx.scalar(
                "INSERT INTO apiToken (accountId, tokenHash, label, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?) RETURNING id",
                [accountID, tokenHash, label, Date(), expiresAt], as: Int64.self) ?? 0
            if let actor {
                var after: [String: Any] = ["account": account, "token": id]
                if let expiresAt { after["expires"] = TaipeiTime.rfc3339(expiresAt) }
                try Self.insertAudit(tx, actor: actor, action: "token_create", postId: nil, before: nil, after: Self.json(after), ip: nil)
            }
            return id
        }
    }

    /// The account an API token belongs to (nil: unknown, expired or revoked token, or disabled account).
    public func account(tokenHash: String, now: Date = Date()) async throws(StoreError) -> Account? {
        try await read { tx in
            try tx.row(
                """
                SELECT account.* FROM apiToken JOIN account ON account.id = apiToken.accountId
                WHERE apiToken.tokenHash = ? AND account.disabled = ? AND (apiToken.expiresAt IS NULL OR apiToken.expiresAt > ?)
                """, [tokenHash, false, now]
            ).map(Self.account)
        }
    }

    /// An account's API tokens (or everyone's), oldest first.
    public func apiTokens(account: String? = nil) async throws(StoreError) -> [APITokenInfo] {
        try await read { tx in
            try tx.rows(
                """
                SELECT apiToken.id, account.name, apiToken.label, apiToken.createdAt, apiToken.lastUsedAt, apiToken.expiresAt
                FROM apiToken JOIN account ON account.id = apiToken.accountId
                """ + (account == nil ? "" : " WHERE account.name = ?") + " ORDER BY apiToken.id",
                account.map { [$0] } ?? []
            ).map { r in
                APITokenInfo(
                    id: try r["id"], account: try r["name"], label: try r["label"], createdAt: try r["createdAt"],
                    lastUsedAt: try r["lastUsedAt"], expiresAt: try r["expiresAt"])
            }
        }
    }

    /// Deletes one of an account's API tokens (`id`), or all of them (nil). Returns how many went; audited.
    @discardableResult
    public func revokeAPITokens(account: String, id: Int64?, actor: String) async throws(StoreError) -> Int {
        try await write { tx in
            guard let accountID = try tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            let ids: [Int64]
            if let id {
                ids = try tx.column("SELECT id FROM apiToken WHERE accountId = ? AND id = ?", [accountID, id], as: Int64.self)
            } else {
                ids = try tx.column("SELECT id FROM apiToken WHERE accountId = ?", [accountID], as: Int64.self)
            }
            for i in ids { try tx.execute("DELETE FROM apiToken WHERE id = ?", [i]) }
            try Self.insertAudit(
                tx, actor: actor, action: "token_revoke", postId: nil, before: nil,
                after: Self.json(["account": account, "tokens": ids]), ip: nil)
            return ids.count
        }
    }

    /// Ends every session of an account (it must log in again). Returns how many; audited.
    @discardableResult
    public func endSessions(account: String, actor: String) async throws(StoreError) -> Int {
        try await write { tx in
            let n = try Self.endSessions(tx, account: account)
            try Self.insertAudit(
                tx, actor: actor, action: "logout_all", postId: nil, before: nil,
                after: Self.json(["account": account, "sessions": n]), ip: nil)
            return n
        }
    }

    static func endSessions(_ tx: SQLTransaction, account: String) throws -> Int {
        guard let accountID = try tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
        else { throw StoreError.noSuchAccount(account) }
        let n = try tx.scalar("SELECT COUNT(*) FROM session WHERE accountId = ?", [accountID], as: Int.self) ?? 0
        try tx.execute("DELETE FROM session WHERE accountId = ?", [accountID])
        return n
    }

    /// Disables (or enables again) an account: a disabled one cannot log in, its sessions end and its API tokens
    /// stop working (they come back when it is enabled). Audited.
    public func setAccountDisabled(_ name: String, _ disabled: Bool, actor: String) async throws(StoreError) {
        try await write { tx in
            guard let row = try tx.row("SELECT disabled FROM account WHERE name = ?", [name])
            else { throw StoreError.noSuchAccount(name) }
            let was: Bool = try row["disabled"]
            try tx.execute("UPDATE account SET disabled = ? WHERE name = ?", [disabled, name])
            let sessions = disabled ? try Self.endSessions(tx, account: name) : 0
            try Self.insertAudit(
                tx, actor: actor, action: disabled ? "user_disable" : "user_enable", postId: nil,
                before: Self.json(["account": name, "disabled": was]),
                after: Self.json(["account": name, "disabled": disabled, "sessions_ended": sessions]), ip: nil)
        }
    }

    /// Sets a new password hash; every session of the account ends. Audited (never the hash).
    public func changePassword(_ name: String, passwordHash: String, actor: String) async throws(StoreError) {
        try await write { tx in
            guard try tx.scalar("SELECT id FROM account WHERE name = ?", [name], as: Int64.self) != nil
            else { throw StoreError.noSuchAccount(name) }
            try tx.execute("UPDATE account SET passwordHash = ? WHERE name = ?", [passwordHash, name])
            let sessions = try Self.endSessions(tx, account: name)
            try Self.insertAudit(
                tx, actor: actor, action: "password_change", postId: nil, before: nil,
                after: Self.json(["account": name, "sessions_ended": sessions]), ip: nil)
        }
    }

    // MARK: Login throttling

    /// When logins for `key` are refused until, if they are now.
    public func loginLockedUntil(key: String, now: Date = Date()) async throws(StoreError) -> Date? {
        try await loginLockedUntil(keys: [key], now: now)
    }

    /// The latest lock in force among `keys` (a login is throttled per account and address, per address, and per
    /// account).
    public func loginLockedUntil(keys: [String], now: Date = Date()) async throws(StoreError) -> Date? {
        guard !keys.isEmpty else { return nil }
        return try await read { tx in
            let until = try tx.scalar(
                "SELECT MAX(lockedUntil) FROM loginThrottle WHERE key IN (\(SQLTransaction.placeholders(keys.count)))",
                keys.map { $0 as any SQLBindable }, as: Date.self)
            return until.flatMap { $0 > now ? $0 : nil }
        }
    }

    /// Counts a failed login for `key`. Without `backoff`, the `maxFailures`-th failure within `window` seconds locks
    /// `key` for `lockout` seconds and starts the count again. With `backoff` (per account, whatever the address: a
    /// lockout there would let anyone lock a real user out), each failure from the `maxFailures`-th on makes the next
    /// attempt wait twice as long as the last, from 1 s up to `lockout`. Returns the lock's end when this failure set
    /// one.
    @discardableResult
    public func recordLoginFailure(
        key: String, maxFailures: Int, window: TimeInterval, lockout: TimeInterval, backoff: Bool = false,
        now: Date = Date()
    ) async throws(StoreError) -> Date? {
        try await write { tx in
            if tx.dialect.sharesWork {
                // Several servers may count failures for one key at once: make sure the row exists, then lock it.
                try tx.execute(
                    "INSERT INTO loginThrottle (key, failures, windowStart) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING",
                    [key, now])
            }
            let row = try tx.row(
                "SELECT failures, windowStart FROM loginThrottle WHERE key = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""),
                [key])
            var failures = 1
            var windowStart = now
            if let row, let start: Date = try row["windowStart"], now.timeIntervalSince(start) < window {
                failures = (try row["failures"] as Int? ?? 0) + 1
                windowStart = start
            }
            let locked: Date?
            if backoff {
                let step = failures - maxFailures
                locked = step >= 0 ? now.addingTimeInterval(min(lockout, pow(2, Double(min(step, 30))))) : nil
            } else {
                locked = failures >= maxFailures ? now.addingTimeInterval(lockout) : nil
            }
            try tx.execute(
                """
                INSERT INTO loginThrottle (key, failures, windowStart, lockedUntil) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, windowStart = excluded.windowStart,
                  lockedUntil = excluded.lockedUntil
                """, [key, locked == nil || backoff ? failures : 0, windowStart, locked])
            return locked
        }
    }

    public func clearLoginFailures(key: String) async throws(StoreError) {
        try await write { tx in try tx.execute("DELETE FROM loginThrottle WHERE key = ?", [key]) }
    }
}

// MARK: - Audit

extension AppDatabase {
    static func insertAudit(
        _ tx: SQLTransaction, actor: String, action: String, postId: Int64?, before: String?, after: String?,
        ip: String?, at: Date = Date()
    ) throws {
        try tx.execute(
            "INSERT INTO audit (at, actor, action, postId, before, after, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [at, actor, action, postId, before, after, ip])
    }

    /// Appends one line to the audit log.
    public func audit(
        actor: String, action: String, postId: Int64? = nil, before: String? = nil, after: String? = nil,
        ip: String? = nil
    ) async throws(StoreError) {
        try await write { tx in
            try Self.insertAudit(tx, actor: actor, action: action, postId: postId, before: before, after: after, ip: ip)
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
            return try tx.rows(sql, args).map(Self.auditEntry)
        }
    }

    static func auditEntry(_ r: SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: try r["id"], at: try r["at"], actor: try r["actor"], action: try r["action"], postId: try r["postId"],
            before: try r["before"], after: try r["after"], ip: try r["ip"])
    }
}

// MARK: - Claims, decisions, merges

extension AppDatabase {
    /// Refuses when someone other than `user` holds a live claim on `postID`; with `force`, takes it over and says so
    /// in the audit log.
    static func respectClaim(_ tx: SQLTransaction, postID: Int64, user: String, force: Bool, ip: String?, now: Date) throws {
        guard let other = try otherLock(tx, postID: postID, user: user, now: now) else { return }
        guard force else { throw StoreError.claimedByOther(post: postID, user: other.user, until: other.until) }
        try insertAudit(
            tx, actor: user, action: "claim_override", postId: postID,
            before: json(["claimedBy": other.user, "until": TaipeiTime.rfc3339(other.until)]), after: nil, ip: ip, at: now)
    }

    /// The live claim on `postID` held by someone other than `user`, if any.
    static func otherLock(_ tx: SQLTransaction, postID: Int64, user: String, now: Date) throws -> ItemLock? {
        guard let row = try tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ? AND "until" > ?"#, [postID, now])
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
            guard try tx.scalar("SELECT 1 FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""), [postID], as: Int.self) != nil
            else { throw StoreError.noSuchPost(postID) }
            if let row = try tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ?"#, [postID]) {
                let holder: String = try row["user"]
                let until: Date = try row["until"]
                if holder != user && until > now { return ItemLock(postId: postID, user: holder, until: until) }
            }
            let until = now.addingTimeInterval(duration)
            let fresh = try tx.scalar(
                #"SELECT 1 FROM claim WHERE postId = ? AND "user" = ? AND "until" > ?"#, [postID, user, now], as: Int.self) == nil
            try tx.execute(
                #"""
                INSERT INTO claim (postId, "user", "until") VALUES (?, ?, ?)
                ON CONFLICT(postId) DO UPDATE SET "user" = excluded."user", "until" = excluded."until"
                """#, [postID, user, until])
            if fresh {
                try Self.insertAudit(
                    tx, actor: user, action: "claim", postId: postID, before: nil,
                    after: Self.json(["until": TaipeiTime.rfc3339(until)]), ip: ip, at: now)
            }
            return ItemLock(postId: postID, user: user, until: until)
        }
    }

    /// The live claim on `postID`, if any.
    public func lock(postID: Int64, now: Date = Date()) async throws(StoreError) -> ItemLock? {
        try await read { tx in
            try tx.row(#"SELECT "user", "until" FROM claim WHERE postId = ? AND "until" > ?"#, [postID, now]).map {
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
            if tx.dialect.sharesWork { _ = try tx.rows("SELECT 1 FROM post WHERE id = ? FOR UPDATE", [postID]) }
            try Self.respectClaim(tx, postID: postID, user: user, force: force, ip: ip, now: now)
            let before = try tx.scalar("SELECT state FROM post WHERE id = ?", [postID], as: String.self)
            let review = try Self.recordReview(
                tx, postID: postID, decision: d.decision, reviewer: user, note: d.note, channels: d.channels,
                reason: d.reason)
            // Edited wording only: the post's own text (as the form pre-fills it) is not an edit.
            let original = try tx.scalar("SELECT text FROM post WHERE id = ?", [postID], as: String.self)
            let publicText = d.decision == .approve
                ? d.publicText.flatMap { t in
                    let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
                    return trimmed.isEmpty || trimmed == original?.trimmingCharacters(in: .whitespacesAndNewlines) ? nil : trimmed
                } : nil
            if let publicText, let id = review.id {
                try tx.execute("UPDATE review SET publicText = ? WHERE id = ?", [publicText, id])
            }
            try tx.execute("DELETE FROM claim WHERE postId = ?", [postID])
            let after = try tx.scalar("SELECT state FROM post WHERE id = ?", [postID], as: String.self)
            var afterObject: [String: Any] = ["state": after ?? ""]
            if let reason = review.reason { afterObject["reason"] = reason }
            if let note = d.note { afterObject["note"] = note }
            if d.decision == .approve { afterObject["channels"] = d.channels }
            if let publicText { afterObject["publicText"] = publicText }
            try Self.insertAudit(
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
            guard postID != target else { throw StoreError.invalidMerge("an item cannot be merged into itself") }
            guard let post = try tx.row(
                "SELECT state, duplicateOf, clusterSize FROM post WHERE id = ?" + (tx.dialect.sharesWork ? " FOR UPDATE" : ""),
                [postID])
            else { throw StoreError.noSuchPost(postID) }
            guard let t = try tx.row("SELECT id, duplicateOf FROM post WHERE id = ?", [target])
            else { throw StoreError.noSuchPost(target) }
            let head: Int64 = try t["duplicateOf"] ?? t["id"]
            guard head != postID else { throw StoreError.invalidMerge("post \(target) is already a duplicate of \(postID)") }
            if let other = try Self.otherLock(tx, postID: postID, user: user, now: now) {
                throw StoreError.claimedByOther(post: postID, user: other.user, until: other.until)
            }
            let state: String = try post["state"]
            let size: Int = try post["clusterSize"] ?? 1
            let duplicateOf: Int64? = try post["duplicateOf"]
            _ = try Self.recordReview(
                tx, postID: postID, decision: .reject, reviewer: user, note: "merged into #\(head)", channels: [],
                reason: .duplicate)
            try tx.execute("UPDATE post SET duplicateOf = ? WHERE duplicateOf = ?", [head, postID])
            try tx.execute("UPDATE post SET duplicateOf = ?, clusterSize = 1 WHERE id = ?", [head, postID])
            try tx.execute("UPDATE post SET clusterSize = clusterSize + ? WHERE id = ?", [size, head])
            try tx.execute("DELETE FROM claim WHERE postId = ?", [postID])
            try Self.insertAudit(
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

// MARK: - Queue and items

extension SQLDialect {
    /// A condition: the JSON array of strings in `column` holds the string bound to the one `?`.
    func jsonArrayContains(_ column: String) -> String {
        self.sharesWork
            ? "EXISTS (SELECT 1 FROM jsonb_array_elements_text(\(column)::jsonb) AS e(value) WHERE e.value = ?)"
            : "EXISTS (SELECT 1 FROM json_each(\(column)) WHERE value = ?)"
    }

    /// A condition: a place of the JSON array in `column` is in the county bound to both `?` (its `county`, or a
    /// county-level place of that name).
    func jsonPlacesInCounty(_ column: String) -> String {
        self.sharesWork
            ? """
            EXISTS (SELECT 1 FROM jsonb_array_elements(\(column)::jsonb) AS p(value) WHERE p.value ->> 'county' = ?
                    OR (p.value ->> 'level' = 'county' AND p.value ->> 'name' = ?))
            """
            : """
            EXISTS (SELECT 1 FROM json_each(\(column)) WHERE json_extract(value, '$.county') = ?
                    OR (json_extract(value, '$.level') = 'county' AND json_extract(value, '$.name') = ?))
            """
    }
}

extension AppDatabase {
    static let queueColumns = """
        post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
        assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details,
        xref.verdict AS xrefVerdict, xref.score AS xrefScore, xref.explanation AS xrefExplanation,
        xref.matches AS xrefMatches, claim."user" AS claimUser, claim."until" AS claimUntil
        """

    /// The joins of a queue row; the one `?` is the current time (live claims only).
    static let queueJoins = """
        FROM post JOIN source ON source.id = post.sourceId
        LEFT JOIN assessment ON assessment.postId = post.id
        LEFT JOIN xref ON xref.postId = post.id
        LEFT JOIN claim ON claim.postId = post.id AND claim."until" > ?
        """

    /// One page of the open queue (queued and escalated, cluster heads only), most urgent first.
    public func queuePage(_ f: QueueFilter, now: Date = Date()) async throws(StoreError) -> QueuePage {
        // PostgreSQL searches a tsvector with the tsquery equivalent of the FTS5 expression (FullTextSearch).
        let tsquery: String?? = dialect.sharesWork ? try f.match.map(FullTextSearch.tsquery) : nil
        return try await read { tx in
            var clauses = ["post.duplicateOf IS NULL"]
            var args: [any SQLBindable] = [now]  // the claim join's `?`
            if let state = f.state {
                clauses.append("post.state = ?")
                args.append(state.rawValue)
            } else {
                clauses.append("post.state IN ('queued', 'escalated')")
            }
            if let type = f.type {
                clauses.append(tx.dialect.jsonArrayContains("assessment.types"))
                args.append(type)
            }
            if let county = f.county {
                clauses.append(tx.dialect.jsonPlacesInCounty("assessment.places"))
                args += [county, county]
            }
            if let verdict = f.verdict {
                if verdict == "none" {
                    clauses.append("xref.verdict IS NULL")
                } else {
                    clauses.append("xref.verdict = ?")
                    args.append(verdict)
                }
            }
            if let source = f.source {
                clauses.append("source.name = ?")
                args.append(source)
            }
            if let from = f.from {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) >= ?")
                args.append(from)
            }
            if let to = f.to {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) < ?")
                args.append(to)
            }
            if let match = f.match {
                if !tx.dialect.sharesWork {
                    clauses.append("post.id IN (SELECT rowid FROM postSearch WHERE postSearch MATCH ?)")
                    args.append(match)
                } else if let q = tsquery ?? nil {
                    clauses.append("post.id IN (SELECT rowid FROM postSearch WHERE lexemes @@ ?::tsquery)")
                    args.append(q)
                } else {
                    clauses.append("1 = 0")  // no term FTS5 would search for: nothing matches
                }
            }
            args.append(f.pageSize + 1)
            args.append((f.page - 1) * f.pageSize)
            // Without a search, walk the priority index and stop after one page (SQLite: CROSS JOIN fixes the
            // join order; open items always have an assessment). On SQLite a search starts from the few FTS
            // matches instead; PostgreSQL's planner chooses between the two itself (it knows how common a term is).
            let from = f.match == nil || tx.dialect.sharesWork
                ? """
                FROM assessment \(tx.dialect.sharesWork ? "JOIN" : "CROSS JOIN") post ON post.id = assessment.postId
                JOIN source ON source.id = post.sourceId
                LEFT JOIN xref ON xref.postId = post.id
                LEFT JOIN claim ON claim.postId = post.id AND claim."until" > ?
                """ : Self.queueJoins
            let sql = """
                SELECT \(Self.queueColumns)
                \(from)
                WHERE \(clauses.joined(separator: " AND "))
                ORDER BY assessment.priority DESC, assessment.postId DESC
                LIMIT ? OFFSET ?
                """
            var rows = try tx.rows(sql, args).map(Self.queueRow)
            let hasNext = rows.count > f.pageSize
            if hasNext { rows.removeLast() }
            return QueuePage(rows: rows, page: f.page, pageSize: f.pageSize, hasNext: hasNext)
        }
    }

    static func queueRow(_ row: SQLRow) throws -> QueueRow {
        let item = try queueItem(row)
        var xref: CrossReference? = nil
        if let verdict: String = try row["xrefVerdict"] {
            xref = CrossReference(
                verdict: verdict, score: try row["xrefScore"], explanation: try row["xrefExplanation"],
                matches: try row["xrefMatches"])
        }
        var lock: ItemLock? = nil
        if let user: String = try row["claimUser"], let until: Date = try row["claimUntil"] {
            lock = ItemLock(postId: item.id, user: user, until: until)
        }
        return QueueRow(item: item, xref: xref, lock: lock)
    }

    /// Everything about one item: the row, its cluster, reviews, publications and audit lines.
    public func itemDetail(id: Int64, now: Date = Date()) async throws(StoreError) -> ItemDetail {
        let found: ItemDetail? = try await read { tx in
            guard let row = try tx.row("SELECT \(Self.queueColumns) \(Self.queueJoins) WHERE post.id = ?", [now, id])
            else { return nil }
            let main = try Self.queueRow(row)
            let head = main.item.duplicateOf ?? main.item.id
            let cluster = try tx.rows(
                """
                SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                       assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                FROM post JOIN source ON source.id = post.sourceId
                LEFT JOIN assessment ON assessment.postId = post.id
                WHERE (post.id = ? OR post.duplicateOf = ?) AND post.id != ?
                ORDER BY post.id LIMIT 200
                """, [head, head, id]
            ).map(Self.queueItem)
            let reviews = try tx.rows("SELECT * FROM review WHERE postId = ? ORDER BY id", [id]).map(ReviewRecord.init)
            let publicText = try tx.scalar(
                "SELECT publicText FROM review WHERE postId = ? AND decision = 'approve' ORDER BY id DESC LIMIT 1", [id],
                as: String.self)
            let publications = try tx.rows("SELECT * FROM publication WHERE postId = ? ORDER BY id", [id])
                .map(PublicationRecord.init)
            let audit = try tx.rows("SELECT * FROM audit WHERE postId = ? ORDER BY id", [id]).map(Self.auditEntry)
            return ItemDetail(
                row: main, cluster: cluster, reviews: reviews, publicText: publicText, publications: publications,
                audit: audit)
        }
        guard let found else { throw StoreError.noSuchPost(id) }
        return found
    }

    /// Source names, for the queue's filter.
    public func sourceNames() async throws(StoreError) -> [String] {
        try await read { tx in try tx.column("SELECT name FROM source ORDER BY name", as: String.self) }
    }

    /// The number of open items and the newest post id, for the queue page's live-update check.
    public func queueSummary() async throws(StoreError) -> (open: Int, queued: Int, escalated: Int, latestID: Int64) {
        try await read { tx in
            guard let row = try tx.row(
                """
                SELECT (SELECT COUNT(*) FROM post WHERE state = 'queued' AND duplicateOf IS NULL) AS queued,
                       (SELECT COUNT(*) FROM post WHERE state = 'escalated' AND duplicateOf IS NULL) AS escalated,
                       (SELECT COALESCE(MAX(id), 0) FROM post WHERE state IN ('queued', 'escalated')) AS latest
                """)
            else { return (0, 0, 0, 0) }
            let q: Int = try row["queued"], e: Int = try row["escalated"]
            return (q + e, q, e, try row["latest"])
        }
    }
}

// MARK: - Full-text index

extension AppDatabase {
    /// How far below the highest indexed post id PostgreSQL looks for posts still missing from the index: there,
    /// several workers insert posts at once, and a transaction that commits late leaves a lower id behind one
    /// already indexed (SQLite's single writer commits ids in order). A sweep looks at every post.
    static let searchLookback = 10_000

    /// Posts not yet in the search index, oldest first: on SQLite the ids above the highest indexed one; on
    /// PostgreSQL those missing among the last `searchLookback` ids, or (`sweep`) among all posts.
    public func postsToIndex(limit: Int = 500, sweep: Bool = false) async throws(StoreError) -> [(id: Int64, text: String)] {
        try await read { tx in
            let rows: [SQLRow]
            if tx.dialect.sharesWork {
                // The bound on both sides lets PostgreSQL merge the two primary keys over the window only.
                let bound = sweep ? "0" : "(SELECT COALESCE(MAX(rowid), 0) FROM postSearch) - \(Self.searchLookback)"
                rows = try tx.rows(
                    """
                    SELECT id, COALESCE(title || chr(10), '') || text || COALESCE(chr(10) || author, '') AS body
                    FROM post
                    WHERE id > \(bound)
                      AND NOT EXISTS (SELECT 1 FROM postSearch WHERE postSearch.rowid = post.id AND postSearch.rowid > \(bound))
                    ORDER BY id LIMIT ?
                    """, [limit])
            } else {
                rows = try tx.rows(
                    """
                    SELECT id, COALESCE(title || char(10), '') || text || COALESCE(char(10) || author, '') AS body
                    FROM post WHERE id > (SELECT COALESCE(MAX(rowid), 0) FROM postSearch) ORDER BY id LIMIT ?
                    """, [limit])
            }
            return try rows.map { (id: try $0["id"], text: try $0["body"]) }
        }
    }

    /// Adds posts' space-joined tokens to the search index, in one transaction (PostgreSQL: with their FTS5 terms
    /// as a tsvector, see `FullTextSearch`).
    public func indexPosts(_ entries: [(id: Int64, tokens: String)]) async throws(StoreError) {
        guard !entries.isEmpty else { return }
        try await write { tx in
            guard tx.dialect.sharesWork else {
                for e in entries { try tx.execute("INSERT OR REPLACE INTO postSearch (rowid, tokens) VALUES (?, ?)", [e.id, e.tokens]) }
                return
            }
            var start = 0
            while start < entries.count {
                let chunk = entries[start..<min(entries.count, start + 100)]
                start += chunk.count
                var args: [any SQLBindable] = []
                for e in chunk { args += [e.id, e.tokens, FullTextSearch.tsvector(e.tokens)] }
                try tx.execute(
                    """
                    INSERT INTO postSearch (rowid, tokens, lexemes)
                    VALUES \(Array(repeating: "(?, ?, ?::tsvector)", count: chunk.count).joined(separator: ", "))
                    ON CONFLICT (rowid) DO UPDATE SET tokens = excluded.tokens, lexemes = excluded.lexemes
                    """, args)
            }
        }
    }
}

// MARK: - Dashboard

extension AppDatabase {
    public func tableExists(_ name: String) async throws(StoreError) -> Bool {
        try await read { tx in try Self.tableExists(tx, name) }
    }

    static func tableExists(_ tx: SQLTransaction, _ name: String) throws -> Bool {
        let sql = tx.dialect.sharesWork
            ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = LOWER(?)"
            : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND LOWER(name) = LOWER(?)"
        return try tx.scalar(sql, [name], as: Int.self) != nil
    }

    /// Posts per hour (Taipei) in the `hours` hours up to the newest post (or `now`, if earlier), by primary type
    /// and by county; queue size and age; decisions per reviewer; the published-vs-official indicator.
    public func dashboardStats(hours: Int = 24, topSeries: Int = 6, now: Date = Date()) async throws(StoreError) -> DashboardStats {
        try await read { tx in
            let pg = tx.dialect.sharesWork
            let newest = try tx.scalar("SELECT MAX(COALESCE(publishedAt, fetchedAt)) FROM post", as: Date.self) ?? now
            let end = min(newest, now)
            let endHour = Date(timeIntervalSince1970: (end.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            let start = endHour.addingTimeInterval(-Double(hours - 1) * 3600)
            let hourList = (0..<hours).map { start.addingTimeInterval(Double($0) * 3600) }

            func series(_ keySQL: String) throws -> HourlySeries {
                let hour = pg
                    ? "CAST(FLOOR(EXTRACT(EPOCH FROM COALESCE(post.publishedAt, post.fetchedAt)) / 3600) AS BIGINT)"
                    : "CAST(strftime('%s', COALESCE(post.publishedAt, post.fetchedAt)) AS INTEGER) / 3600"
                let rows = try tx.rows(
                    """
                    SELECT \(hour) AS h, \(keySQL) AS k, COUNT(*) AS n
                    FROM post LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE COALESCE(post.publishedAt, post.fetchedAt) >= ? AND COALESCE(post.publishedAt, post.fetchedAt) < ?
                      AND post.state != 'fetched'
                    GROUP BY h, k
                    """, [start, endHour.addingTimeInterval(3600)])
                var totals: [String: Int] = [:]
                var cells: [String: [Int]] = [:]
                let firstHour = Int(start.timeIntervalSince1970 / 3600)
                for r in rows {
                    let key: String = try r["k"] as String? ?? "—"
                    let h: Int = try r["h"], n: Int = try r["n"]
                    let index = h - firstHour
                    guard index >= 0, index < hours else { continue }
                    totals[key, default: 0] += n
                    cells[key, default: [Int](repeating: 0, count: hours)][index] += n
                }
                let ranked = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
                var out: [(name: String, counts: [Int])] = ranked.prefix(topSeries).map { ($0, cells[$0]!) }
                if ranked.count > topSeries {
                    var other = [Int](repeating: 0, count: hours)
                    for key in ranked.dropFirst(topSeries) { for i in 0..<hours { other[i] += cells[key]![i] } }
                    out.append(("其他", other))
                }
                return HourlySeries(hours: hourList, series: out)
            }
            let byType = try series(pg ? "(assessment.types::jsonb ->> 0)" : "json_extract(assessment.types, '$[0]')")
            let byCounty = try series(
                pg
                    ? """
                    (SELECT COALESCE(p.value ->> 'county', CASE WHEN p.value ->> 'level' = 'county' THEN p.value ->> 'name' END)
                     FROM jsonb_array_elements(assessment.places::jsonb) WITH ORDINALITY AS p(value, i) ORDER BY p.i LIMIT 1)
                    """
                    : """
                    (SELECT COALESCE(json_extract(p.value, '$.county'),
                                     CASE WHEN json_extract(p.value, '$.level') = 'county' THEN json_extract(p.value, '$.name') END)
                     FROM json_each(assessment.places) AS p LIMIT 1)
                    """)
            let q = try tx.row(
                pg
                    ? """
                    SELECT SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS queued,
                           SUM(CASE WHEN state = 'escalated' THEN 1 ELSE 0 END) AS escalated,
                           MIN(CASE WHEN state = 'queued' THEN fetchedAt END) AS oldest,
                           AVG(CASE WHEN state = 'queued' THEN ? - CAST(EXTRACT(EPOCH FROM fetchedAt) AS DOUBLE PRECISION) END) AS age
                    FROM post WHERE state IN ('queued', 'escalated') AND duplicateOf IS NULL
                    """
                    : """
                    SELECT SUM(state = 'queued') AS queued, SUM(state = 'escalated') AS escalated,
                           MIN(CASE WHEN state = 'queued' THEN fetchedAt END) AS oldest,
                           AVG(CASE WHEN state = 'queued' THEN ? - CAST(strftime('%s', fetchedAt) AS REAL) END) AS age
                    FROM post WHERE state IN ('queued', 'escalated') AND duplicateOf IS NULL
                    """, [now.timeIntervalSince1970])
            var decisions: [String: [String: Int]] = [:]
            for r in try tx.rows("SELECT reviewer, decision, COUNT(*) AS n FROM review GROUP BY reviewer, decision") {
                decisions[try r["reviewer"], default: [:]][try r["decision"]] = try r["n"]
            }
            let published = try tx.scalar(
                "SELECT COUNT(DISTINCT postId) FROM publication WHERE action = 'publish' AND status IN ('pending', 'delivering', 'delivered')",
                as: Int.self) ?? 0
            let official: Int? = try Self.tableExists(tx, "incident")
                ? try tx.scalar("SELECT COUNT(*) FROM incident", as: Int.self) : nil
            return DashboardStats(
                byType: byType, byCounty: byCounty, queued: try q?["queued"] ?? 0, escalated: try q?["escalated"] ?? 0,
                oldestQueued: try q?["oldest"], averageQueuedAge: try q?["age"],
                decisions: decisions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                communityPublished: published, officialAnnouncements: official)
        }
    }
}
