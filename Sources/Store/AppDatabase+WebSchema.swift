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

    /// "v10-sso": single sign-on. A sign-in under way (`oidcLogin`: its state's hash, nonce, PKCE verifier and where
    /// to go back to; consumed once), the provider identities linked to accounts, and how each session signed in.
    static func migrateSSO(_ db: Database) throws {
        try db.create(table: "oidcLogin") { t in
            t.column("stateHash", .text).primaryKey()
            t.column("nonce", .text).notNull()
            t.column("codeVerifier", .text).notNull()
            t.column("next", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
        }
        try db.create(index: "oidcLogin_expiresAt", on: "oidcLogin", columns: ["expiresAt"])
        try db.create(table: "accountIdentity") { t in
            t.column("issuer", .text).notNull()
            t.column("subject", .text).notNull()
            t.column("accountId", .integer).notNull().references("account", onDelete: .cascade)
            t.column("createdAt", .datetime).notNull()
            t.column("lastLoginAt", .datetime)
            t.primaryKey(["issuer", "subject"])
        }
        try db.create(index: "accountIdentity_accountId", on: "accountIdentity", columns: ["accountId"])
        try db.alter(table: "session") { t in t.add(column: "method", .text).notNull().defaults(to: "password") }
    }
}
