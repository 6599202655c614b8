import Foundation
import GRDB
import SieveCore

// MARK: - Accounts, sessions, tokens
//
// Everything below is written once against `SQLTransaction` and runs on SQLite and PostgreSQL alike. Where a
// decision depends on what another request might change meanwhile (item locks, decisions, merges, login failures),
// PostgreSQL locks the row first (`FOR UPDATE`); SQLite's single writer already serialises them.

extension AppDatabase {
    @discardableResult
    public func createAccount(name: String, role: AccountRole, passwordHash: String) async throws(StoreError) -> Account {
        try await write { tx in
            let now = Date()
            guard
                let id = try await tx.scalar(
                    """
                    INSERT INTO account (name, role, passwordHash, createdAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO NOTHING RETURNING id
                    """, [name, role.rawValue, passwordHash, now], as: Int64.self)
            else { throw StoreError.accountExists(name) }
            return Account(id: id, name: name, role: role, passwordHash: passwordHash, createdAt: now, disabled: false)
        }
    }

    public func account(named name: String) async throws(StoreError) -> Account? {
        try await read { tx in try await tx.row("SELECT * FROM account WHERE name = ?", [name]).map(Self.account) }
    }

    public func accounts() async throws(StoreError) -> [Account] {
        try await read { tx in try await tx.rows("SELECT * FROM account ORDER BY name").map(Self.account) }
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
        ip: String?, userAgent: String?, method: String = "password"
    ) async throws(StoreError) {
        try await write { tx in
            guard let accountID = try await tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            if let oldHash { try await tx.execute("DELETE FROM session WHERE idHash = ?", [oldHash]) }
            let now = Date()
            try await tx.execute("DELETE FROM session WHERE expiresAt < ?", [now])
            try await tx.execute(
                """
                INSERT INTO session (idHash, accountId, csrfToken, createdAt, expiresAt, ip, userAgent, method)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [idHash, accountID, csrfToken, now, expiresAt, ip, userAgent, method])
        }
    }

    /// The live session with this id hash (not expired, account not disabled).
    public func session(idHash: String, now: Date = Date()) async throws(StoreError) -> WebSession? {
        try await read { tx in
            try await tx.row(
                """
                SELECT session.idHash, session.csrfToken, session.expiresAt, session.method, account.name, account.role
                FROM session JOIN account ON account.id = session.accountId
                WHERE session.idHash = ? AND session.expiresAt > ? AND account.disabled = ?
                """, [idHash, now, false]
            ).map { row in
                WebSession(
                    idHash: try row["idHash"], account: try row["name"],
                    role: AccountRole(rawValue: try row["role"]) ?? .eoc, csrfToken: try row["csrfToken"],
                    expiresAt: try row["expiresAt"], method: try row["method"])
            }
        }
    }

    public func deleteSession(idHash: String) async throws(StoreError) {
        try await write { tx in try await tx.execute("DELETE FROM session WHERE idHash = ?", [idHash]) }
    }

    /// Stores an API token's SHA-256 for `account` (the token itself is shown once and never stored), valid until
    /// `expiresAt`. Returns the token's id (for `sieve user revoke-token`).
    @discardableResult
    public func createAPIToken(account: String, tokenHash: String, label: String?, expiresAt: Date? = nil, actor: String? = nil)
        async throws(StoreError) -> Int64
    {
        try await write { tx in
            guard let accountID = try await tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            let id = try await tx.scalar(
                "INSERT INTO apiToken (accountId, tokenHash, label, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?) RETURNING id",
                [accountID, tokenHash, label, Date(), expiresAt], as: Int64.self) ?? 0
            if let actor {
                var after: [String: Any] = ["account": account, "token": id]
                if let expiresAt { after["expires"] = TaipeiTime.rfc3339(expiresAt) }
                try await Self.insertAudit(tx, actor: actor, action: "token_create", postId: nil, before: nil, after: Self.json(after), ip: nil)
            }
            return id
        }
    }

    /// The account an API token belongs to (nil: unknown, expired or revoked token, or disabled account).
    public func account(tokenHash: String, now: Date = Date()) async throws(StoreError) -> Account? {
        try await read { tx in
            try await tx.row(
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
            try await tx.rows(
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
            guard let accountID = try await tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
            else { throw StoreError.noSuchAccount(account) }
            let ids: [Int64]
            if let id {
                ids = try await tx.column("SELECT id FROM apiToken WHERE accountId = ? AND id = ?", [accountID, id], as: Int64.self)
            } else {
                ids = try await tx.column("SELECT id FROM apiToken WHERE accountId = ?", [accountID], as: Int64.self)
            }
            for i in ids { try await tx.execute("DELETE FROM apiToken WHERE id = ?", [i]) }
            try await Self.insertAudit(
                tx, actor: actor, action: "token_revoke", postId: nil, before: nil,
                after: Self.json(["account": account, "tokens": ids]), ip: nil)
            return ids.count
        }
    }

    /// Ends every session of an account (it must log in again). Returns how many; audited.
    @discardableResult
    public func endSessions(account: String, actor: String) async throws(StoreError) -> Int {
        try await write { tx in
            let n = try await Self.endSessions(tx, account: account)
            try await Self.insertAudit(
                tx, actor: actor, action: "logout_all", postId: nil, before: nil,
                after: Self.json(["account": account, "sessions": n]), ip: nil)
            return n
        }
    }

    static func endSessions(_ tx: SQLTransaction, account: String) async throws -> Int {
        guard let accountID = try await tx.scalar("SELECT id FROM account WHERE name = ?", [account], as: Int64.self)
        else { throw StoreError.noSuchAccount(account) }
        let n = try await tx.scalar("SELECT COUNT(*) FROM session WHERE accountId = ?", [accountID], as: Int.self) ?? 0
        try await tx.execute("DELETE FROM session WHERE accountId = ?", [accountID])
        return n
    }

    /// Disables (or enables again) an account: a disabled one cannot log in, its sessions end and its API tokens
    /// stop working (they come back when it is enabled). Audited.
    public func setAccountDisabled(_ name: String, _ disabled: Bool, actor: String) async throws(StoreError) {
        try await write { tx in
            guard let row = try await tx.row("SELECT disabled FROM account WHERE name = ?", [name])
            else { throw StoreError.noSuchAccount(name) }
            let was: Bool = try row["disabled"]
            try await tx.execute("UPDATE account SET disabled = ? WHERE name = ?", [disabled, name])
            let sessions = disabled ? try await Self.endSessions(tx, account: name) : 0
            try await Self.insertAudit(
                tx, actor: actor, action: disabled ? "user_disable" : "user_enable", postId: nil,
                before: Self.json(["account": name, "disabled": was]),
                after: Self.json(["account": name, "disabled": disabled, "sessions_ended": sessions]), ip: nil)
        }
    }

    /// Sets a new password hash; every session of the account ends. Audited (never the hash).
    public func changePassword(_ name: String, passwordHash: String, actor: String) async throws(StoreError) {
        try await write { tx in
            guard try await tx.scalar("SELECT id FROM account WHERE name = ?", [name], as: Int64.self) != nil
            else { throw StoreError.noSuchAccount(name) }
            try await tx.execute("UPDATE account SET passwordHash = ? WHERE name = ?", [passwordHash, name])
            let sessions = try await Self.endSessions(tx, account: name)
            try await Self.insertAudit(
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
            let until = try await tx.scalar(
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
                try await tx.execute(
                    "INSERT INTO loginThrottle (key, failures, windowStart) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING",
                    [key, now])
            }
            let row = try await tx.row(
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
            try await tx.execute(
                """
                INSERT INTO loginThrottle (key, failures, windowStart, lockedUntil) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, windowStart = excluded.windowStart,
                  lockedUntil = excluded.lockedUntil
                """, [key, locked == nil || backoff ? failures : 0, windowStart, locked])
            return locked
        }
    }

    public func clearLoginFailures(key: String) async throws(StoreError) {
        try await write { tx in try await tx.execute("DELETE FROM loginThrottle WHERE key = ?", [key]) }
    }
}
