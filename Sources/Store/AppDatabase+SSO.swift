import Foundation
import GRDB
import SieveCore

// MARK: - Single sign-on (OpenID Connect)

/// A sign-in under way: what the browser must bring back from the provider.
public struct OIDCLoginRecord: Sendable, Equatable {
    public var nonce: String
    public var codeVerifier: String
    public var next: String
    public var expiresAt: Date
}

/// The account a provider identity signed in as.
public struct SSOAccount: Sendable, Equatable {
    public var account: Account
    /// The account was made by this sign-in.
    public var created: Bool
    /// The role before this sign-in, when the provider's claim changed it.
    public var previousRole: AccountRole?
}

extension AppDatabase {
    /// Records a sign-in leaving for the provider (`stateHash`: SHA-256 of the `state` sent), and drops the ones that
    /// expired unused.
    /// At most `limit` sign-ins may be under way at once (a flood of anonymous starts cannot grow the table without
    /// bound); false when that many are.
    @discardableResult
    public func beginOIDCLogin(
        stateHash: String, nonce: String, codeVerifier: String, next: String, expiresAt: Date, limit: Int = 10_000,
        now: Date = Date()
    ) async throws(StoreError) -> Bool {
        try await write { tx in
            try await tx.execute("DELETE FROM oidcLogin WHERE expiresAt < ?", [now])
            guard (try await tx.scalar("SELECT COUNT(*) FROM oidcLogin", as: Int.self) ?? 0) < limit else { return false }
            try await tx.execute(
                "INSERT INTO oidcLogin (stateHash, nonce, codeVerifier, next, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?, ?)",
                [stateHash, nonce, codeVerifier, next, now, expiresAt])
            return true
        }
    }

    /// Takes the sign-in with this state out of the store: it can be used once. Nil when there is none (never
    /// issued, already used — a replayed `state` — or expired).
    public func consumeOIDCLogin(stateHash: String, now: Date = Date()) async throws(StoreError) -> OIDCLoginRecord? {
        try await write { tx in
            guard
                let row = try await tx.row(
                    "DELETE FROM oidcLogin WHERE stateHash = ? RETURNING nonce, codeVerifier, next, expiresAt", [stateHash])
            else { return nil }
            let record = OIDCLoginRecord(
                nonce: try row["nonce"], codeVerifier: try row["codeVerifier"], next: try row["next"],
                expiresAt: try row["expiresAt"])
            return record.expiresAt > now ? record : nil
        }
    }

    /// The account for a provider identity (`issuer`, `subject`), made on its first sign-in and given the role the
    /// provider's claim maps to on every sign-in (the provider is the source of truth for roles; a change is
    /// audited). A new account is named `preferredName` when that is free, else `preferredName#xxxx` (from the
    /// subject), and has no password: only single sign-on reaches it (an admin may still set one).
    public func ssoAccount(
        issuer: String, subject: String, preferredName: String, role: AccountRole, ip: String?, now: Date = Date()
    ) async throws(StoreError) -> SSOAccount {
        try await write { tx in
            if let row = try await tx.row(
                """
                SELECT account.* FROM accountIdentity JOIN account ON account.id = accountIdentity.accountId
                WHERE accountIdentity.issuer = ? AND accountIdentity.subject = ?
                """ + (tx.dialect.sharesWork ? " FOR UPDATE OF account" : ""), [issuer, subject])
            {
                var account = try Self.account(row)
                try await tx.execute(
                    "UPDATE accountIdentity SET lastLoginAt = ? WHERE issuer = ? AND subject = ?", [now, issuer, subject])
                guard account.role != role else { return SSOAccount(account: account, created: false, previousRole: nil) }
                let before = account.role
                try await tx.execute("UPDATE account SET role = ? WHERE id = ?", [role.rawValue, account.id])
                try await Self.insertAudit(
                    tx, actor: "sso", action: "role_change", postId: nil,
                    before: Self.json(["account": account.name, "role": before.rawValue]),
                    after: Self.json(["account": account.name, "role": role.rawValue, "issuer": issuer, "sub": subject]), ip: ip)
                account.role = role
                return SSOAccount(account: account, created: false, previousRole: before)
            }
            // A free name, compared without case ("Admin" is taken when "admin" is); taken or reserved names get a
            // random suffix (not one derived from the subject, which someone could claim first).
            let base = Self.accountName(preferredName)
            var name = base
            func taken(_ n: String) async throws -> Bool {
                if Self.reservedNames.contains(n.lowercased()) || n.lowercased().hasPrefix("cli:") { return true }
                return try await tx.scalar("SELECT id FROM account WHERE lower(name) = ?", [n.lowercased()], as: Int64.self) != nil
            }
            var attempts = 0
            while try await taken(name) {
                attempts += 1
                guard attempts <= 5 else { throw StoreError.accountExists(base) }
                name = base + "#" + String(UInt32.random(in: 0x10_0000...0xFF_FFFF), radix: 16)
            }
            guard
                let id = try await tx.scalar(
                    """
                    INSERT INTO account (name, role, passwordHash, createdAt) VALUES (?, ?, '', ?)
                    ON CONFLICT (name) DO NOTHING RETURNING id
                    """, [name, role.rawValue, now], as: Int64.self)
            else { throw StoreError.accountExists(name) }
            try await tx.execute(
                "INSERT INTO accountIdentity (issuer, subject, accountId, createdAt, lastLoginAt) VALUES (?, ?, ?, ?, ?)",
                [issuer, subject, id, now, now])
            try await Self.insertAudit(
                tx, actor: "sso", action: "account_create", postId: nil, before: nil,
                after: Self.json(["account": name, "role": role.rawValue, "issuer": issuer, "sub": subject]), ip: ip)
            return SSOAccount(
                account: Account(id: id, name: name, role: role, passwordHash: "", createdAt: now, disabled: false),
                created: true, previousRole: nil)
        }
    }

    /// Actor labels the audit log uses for the system: never an account's name.
    static let reservedNames: Set<String> = ["sso", "(sso)", "(blank)", "system", "scheduler", "publisher"]

    /// The provider no longer gives this identity any Sieve role: its account (if linked) is disabled — its sessions
    /// end and its API tokens stop working at once — and `role_revoked` is audited. Giving the role back at the
    /// provider is not enough to get in again: an admin enables the account (`sieve user enable`), deliberately.
    /// Returns the account's name, nil when the identity was never linked.
    @discardableResult
    public func revokeSSOAccount(issuer: String, subject: String, claim: String, ip: String?, now: Date = Date())
        async throws(StoreError) -> String?
    {
        try await write { tx in
            guard
                let row = try await tx.row(
                    """
                    SELECT account.id, account.name, account.role, account.disabled FROM accountIdentity
                    JOIN account ON account.id = accountIdentity.accountId WHERE accountIdentity.issuer = ? AND accountIdentity.subject = ?
                    """, [issuer, subject])
            else { return nil }
            let id: Int64 = try row["id"], name: String = try row["name"], role: String = try row["role"]
            let wasDisabled: Bool = try row["disabled"]
            try await tx.execute("UPDATE account SET disabled = ? WHERE id = ?", [true, id])
            try await tx.execute("DELETE FROM session WHERE accountId = ?", [id])
            if !wasDisabled {
                try await Self.insertAudit(
                    tx, actor: "sso", action: "role_revoked", postId: nil, before: Self.json(["account": name, "role": role]),
                    after: Self.json(["account": name, "disabled": true, "issuer": issuer, "sub": subject, "claim": claim]), ip: ip,
                    at: now)
            }
            return name
        }
    }

    /// A name for the app and the audit log: printable, at most 64 characters.
    static func accountName(_ preferred: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(preferred.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) && $0 != " " }))
        let name = String(cleaned.prefix(64))
        return name.isEmpty ? "sso-user" : name
    }
}
