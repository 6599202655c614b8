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

// MARK: - Accounts, sessions, tokens

extension AppDatabase {
    @discardableResult
    public func createAccount(name: String, role: AccountRole, passwordHash: String) throws(StoreError) -> Account {
        try sqliteWrite { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM account WHERE name = ?", arguments: [name]) != nil {
                throw StoreError.accountExists(name)
            }
            let now = Date()
            try db.execute(
                sql: "INSERT INTO account (name, role, passwordHash, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, passwordHash, now])
            return Account(
                id: db.lastInsertedRowID, name: name, role: role, passwordHash: passwordHash, createdAt: now,
                disabled: false)
        }
    }

    public func account(named name: String) throws(StoreError) -> Account? {
        try sqliteRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account WHERE name = ?", arguments: [name]).map(Self.account)
        }
    }

    public func accounts() throws(StoreError) -> [Account] {
        try sqliteRead { db in try Row.fetchAll(db, sql: "SELECT * FROM account ORDER BY name").map(Self.account) }
    }

    static func account(_ row: Row) -> Account {
        Account(
            id: row["id"], name: row["name"], role: AccountRole(rawValue: row["role"]) ?? .eoc,
            passwordHash: row["passwordHash"], createdAt: row["createdAt"], disabled: row["disabled"])
    }

    /// Starts a session after a successful login. The session the browser came with (if any) is deleted in the
    /// same transaction: a login always gets a fresh id (no session fixation).
    public func createSession(
        account: String, idHash: String, csrfToken: String, expiresAt: Date, replacing oldHash: String?,
        ip: String?, userAgent: String?
    ) throws(StoreError) {
        try sqliteWrite { db in
            guard let accountID = try Int64.fetchOne(db, sql: "SELECT id FROM account WHERE name = ?", arguments: [account])
            else { throw StoreError.noSuchAccount(account) }
            if let oldHash { try db.execute(sql: "DELETE FROM session WHERE idHash = ?", arguments: [oldHash]) }
            let now = Date()
            try db.execute(sql: "DELETE FROM session WHERE expiresAt < ?", arguments: [now])
            try db.execute(
                sql: """
                    INSERT INTO session (idHash, accountId, csrfToken, createdAt, expiresAt, ip, userAgent)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [idHash, accountID, csrfToken, now, expiresAt, ip, userAgent])
        }
    }

    /// The live session with this id hash (not expired, account not disabled).
    public func session(idHash: String, now: Date = Date()) throws(StoreError) -> WebSession? {
        try sqliteRead { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT session.idHash, session.csrfToken, session.expiresAt, account.name, account.role
                    FROM session JOIN account ON account.id = session.accountId
                    WHERE session.idHash = ? AND session.expiresAt > ? AND account.disabled = 0
                    """, arguments: [idHash, now]
            ).map { row in
                WebSession(
                    idHash: row["idHash"], account: row["name"], role: AccountRole(rawValue: row["role"]) ?? .eoc,
                    csrfToken: row["csrfToken"], expiresAt: row["expiresAt"])
            }
        }
    }

    public func deleteSession(idHash: String) throws(StoreError) {
        try sqliteWrite { db in try db.execute(sql: "DELETE FROM session WHERE idHash = ?", arguments: [idHash]) }
    }

    /// Stores an API token's SHA-256 for `account` (the token itself is shown once and never stored).
    public func createAPIToken(account: String, tokenHash: String, label: String?) throws(StoreError) {
        try sqliteWrite { db in
            guard let accountID = try Int64.fetchOne(db, sql: "SELECT id FROM account WHERE name = ?", arguments: [account])
            else { throw StoreError.noSuchAccount(account) }
            try db.execute(
                sql: "INSERT INTO apiToken (accountId, tokenHash, label, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [accountID, tokenHash, label, Date()])
        }
    }

    /// The account an API token belongs to (nil: unknown token or disabled account).
    public func account(tokenHash: String) throws(StoreError) -> Account? {
        try sqliteRead { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT account.* FROM apiToken JOIN account ON account.id = apiToken.accountId
                    WHERE apiToken.tokenHash = ? AND account.disabled = 0
                    """, arguments: [tokenHash]
            ).map(Self.account)
        }
    }

    // MARK: Login throttling

    /// When logins for `key` ("account|ip") are refused until, if they are now.
    public func loginLockedUntil(key: String, now: Date = Date()) throws(StoreError) -> Date? {
        try sqliteRead { db in
            let until = try Date.fetchOne(db, sql: "SELECT lockedUntil FROM loginThrottle WHERE key = ?", arguments: [key])
            return until.flatMap { $0 > now ? $0 : nil }
        }
    }

    /// Counts a failed login; the `maxFailures`-th within `window` seconds locks `key` for `lockout` seconds.
    /// Returns the lock's end when this failure set one.
    @discardableResult
    public func recordLoginFailure(
        key: String, maxFailures: Int, window: TimeInterval, lockout: TimeInterval, now: Date = Date()
    ) throws(StoreError) -> Date? {
        try sqliteWrite { db in
            let row = try Row.fetchOne(db, sql: "SELECT failures, windowStart FROM loginThrottle WHERE key = ?", arguments: [key])
            var failures = 1
            var windowStart = now
            if let row, let start: Date = row["windowStart"], now.timeIntervalSince(start) < window {
                failures = (row["failures"] as Int? ?? 0) + 1
                windowStart = start
            }
            let locked: Date? = failures >= maxFailures ? now.addingTimeInterval(lockout) : nil
            try db.execute(
                sql: """
                    INSERT INTO loginThrottle (key, failures, windowStart, lockedUntil) VALUES (?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, windowStart = excluded.windowStart,
                      lockedUntil = excluded.lockedUntil
                    """, arguments: [key, locked == nil ? failures : 0, windowStart, locked])
            return locked
        }
    }

    public func clearLoginFailures(key: String) throws(StoreError) {
        try sqliteWrite { db in try db.execute(sql: "DELETE FROM loginThrottle WHERE key = ?", arguments: [key]) }
    }
}

// MARK: - Audit

extension AppDatabase {
    static func insertAudit(
        _ db: Database, actor: String, action: String, postId: Int64?, before: String?, after: String?, ip: String?,
        at: Date = Date()
    ) throws {
        try db.execute(
            sql: "INSERT INTO audit (at, actor, action, postId, before, after, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [at, actor, action, postId, before, after, ip])
    }

    /// Appends one line to the audit log.
    public func audit(
        actor: String, action: String, postId: Int64? = nil, before: String? = nil, after: String? = nil,
        ip: String? = nil
    ) throws(StoreError) {
        try sqliteWrite { db in
            try Self.insertAudit(db, actor: actor, action: action, postId: postId, before: before, after: after, ip: ip)
        }
    }

    /// Audit lines, newest first, optionally only one actor's, action's or item's; `limit` nil for all.
    public func auditEntries(
        actor: String? = nil, action: String? = nil, postId: Int64? = nil, limit: Int? = 100, offset: Int = 0
    ) throws(StoreError) -> [AuditEntry] {
        try sqliteRead { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
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
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                AuditEntry(
                    id: r["id"], at: r["at"], actor: r["actor"], action: r["action"], postId: r["postId"],
                    before: r["before"], after: r["after"], ip: r["ip"])
            }
        }
    }
}

// MARK: - Claims, decisions, merges

extension AppDatabase {
    /// Claims `postID` for `user` for `duration` seconds, unless someone else holds a live claim; returns the claim
    /// in force afterwards (the other user's, when they hold it).
    @discardableResult
    public func claim(postID: Int64, user: String, duration: TimeInterval, ip: String? = nil, now: Date = Date())
        throws(StoreError) -> Claim
    {
        try sqliteWrite { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM post WHERE id = ?", arguments: [postID]) != nil else {
                throw StoreError.noSuchPost(postID)
            }
            if let row = try Row.fetchOne(db, sql: "SELECT user, until FROM claim WHERE postId = ?", arguments: [postID]) {
                let holder: String = row["user"]
                let until: Date = row["until"]
                if holder != user && until > now { return Claim(postId: postID, user: holder, until: until) }
            }
            let until = now.addingTimeInterval(duration)
            let fresh = try Int.fetchOne(
                db, sql: "SELECT 1 FROM claim WHERE postId = ? AND user = ? AND until > ?", arguments: [postID, user, now]) == nil
            try db.execute(
                sql: """
                    INSERT INTO claim (postId, user, until) VALUES (?, ?, ?)
                    ON CONFLICT(postId) DO UPDATE SET user = excluded.user, until = excluded.until
                    """, arguments: [postID, user, until])
            if fresh {
                try Self.insertAudit(
                    db, actor: user, action: "claim", postId: postID, before: nil,
                    after: Self.json(["until": TaipeiTime.rfc3339(until)]), ip: ip, at: now)
            }
            return Claim(postId: postID, user: user, until: until)
        }
    }

    /// The live claim on `postID`, if any.
    public func claim(postID: Int64, now: Date = Date()) throws(StoreError) -> Claim? {
        try sqliteRead { db in
            try Row.fetchOne(
                db, sql: "SELECT user, until FROM claim WHERE postId = ? AND until > ?", arguments: [postID, now]
            ).map { Claim(postId: postID, user: $0["user"], until: $0["until"]) }
        }
    }

    /// Records a decision from the web app or API in one transaction: refuses when another user holds a live
    /// claim, records the review (and publications), keeps the edited public wording, releases the claim and
    /// writes the audit line.
    @discardableResult
    public func decide(postID: Int64, _ d: WebDecision, by user: String, ip: String? = nil, now: Date = Date())
        throws(StoreError) -> ReviewRecord
    {
        try sqliteWrite { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT user, until FROM claim WHERE postId = ? AND until > ?", arguments: [postID, now]),
                (row["user"] as String) != user
            {
                throw StoreError.claimedByOther(post: postID, user: row["user"], until: row["until"])
            }
            let before = try String.fetchOne(db, sql: "SELECT state FROM post WHERE id = ?", arguments: [postID])
            let review = try Self.recordReview(
                SQLTransaction(session: .sqlite(db), dialect: .sqlite), postID: postID, decision: d.decision, reviewer: user, note: d.note, channels: d.channels,
                reason: d.reason)
            // Edited wording only: the post's own text (as the form pre-fills it) is not an edit.
            let original = try String.fetchOne(db, sql: "SELECT text FROM post WHERE id = ?", arguments: [postID])
            let publicText = d.decision == .approve
                ? d.publicText.flatMap { t in
                    let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
                    return trimmed.isEmpty || trimmed == original?.trimmingCharacters(in: .whitespacesAndNewlines) ? nil : trimmed
                } : nil
            if let publicText, let id = review.id {
                try db.execute(sql: "UPDATE review SET publicText = ? WHERE id = ?", arguments: [publicText, id])
            }
            try db.execute(sql: "DELETE FROM claim WHERE postId = ?", arguments: [postID])
            let after = try String.fetchOne(db, sql: "SELECT state FROM post WHERE id = ?", arguments: [postID])
            var afterObject: [String: Any] = ["state": after ?? ""]
            if let reason = review.reason { afterObject["reason"] = reason }
            if let note = d.note { afterObject["note"] = note }
            if d.decision == .approve { afterObject["channels"] = d.channels }
            if let publicText { afterObject["publicText"] = publicText }
            try Self.insertAudit(
                db, actor: user, action: d.decision.rawValue, postId: postID, before: Self.json(["state": before ?? ""]),
                after: Self.json(afterObject), ip: ip, at: now)
            return review
        }
    }

    /// Merges `postID` into the cluster of `target` (a duplicate found by a person, not by SimHash): the post and
    /// its own near-duplicates point at the target's cluster head, the head's cluster grows, and the post leaves
    /// the queue rejected as a duplicate.
    public func merge(postID: Int64, into target: Int64, by user: String, ip: String? = nil, now: Date = Date())
        throws(StoreError)
    {
        try sqliteWrite { db in
            guard postID != target else { throw StoreError.invalidMerge("an item cannot be merged into itself") }
            guard let post = try Row.fetchOne(
                db, sql: "SELECT state, duplicateOf, clusterSize FROM post WHERE id = ?", arguments: [postID])
            else { throw StoreError.noSuchPost(postID) }
            guard let t = try Row.fetchOne(db, sql: "SELECT id, duplicateOf FROM post WHERE id = ?", arguments: [target])
            else { throw StoreError.noSuchPost(target) }
            let head: Int64 = t["duplicateOf"] ?? t["id"]
            guard head != postID else { throw StoreError.invalidMerge("post \(target) is already a duplicate of \(postID)") }
            if let row = try Row.fetchOne(
                db, sql: "SELECT user, until FROM claim WHERE postId = ? AND until > ?", arguments: [postID, now]),
                (row["user"] as String) != user
            {
                throw StoreError.claimedByOther(post: postID, user: row["user"], until: row["until"])
            }
            let state: String = post["state"]
            let size: Int = post["clusterSize"] ?? 1
            _ = try Self.recordReview(
                SQLTransaction(session: .sqlite(db), dialect: .sqlite), postID: postID, decision: .reject, reviewer: user, note: "merged into #\(head)", channels: [],
                reason: .duplicate)
            try db.execute(sql: "UPDATE post SET duplicateOf = ? WHERE duplicateOf = ?", arguments: [head, postID])
            try db.execute(sql: "UPDATE post SET duplicateOf = ?, clusterSize = 1 WHERE id = ?", arguments: [head, postID])
            try db.execute(sql: "UPDATE post SET clusterSize = clusterSize + ? WHERE id = ?", arguments: [size, head])
            try db.execute(sql: "DELETE FROM claim WHERE postId = ?", arguments: [postID])
            try Self.insertAudit(
                db, actor: user, action: "merge", postId: postID,
                before: Self.json(["state": state, "duplicateOf": (post["duplicateOf"] as Int64?).map { $0 as Any } ?? NSNull()]),
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

extension AppDatabase {
    static let queueColumns = """
        post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
        assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details,
        xref.verdict AS xrefVerdict, xref.score AS xrefScore, xref.explanation AS xrefExplanation,
        xref.matches AS xrefMatches, claim.user AS claimUser, claim.until AS claimUntil
        """

    static let queueJoins = """
        FROM post JOIN source ON source.id = post.sourceId
        LEFT JOIN assessment ON assessment.postId = post.id
        LEFT JOIN xref ON xref.postId = post.id
        LEFT JOIN claim ON claim.postId = post.id AND claim.until > :now
        """

    /// One page of the open queue (queued and escalated, cluster heads only), most urgent first.
    public func queuePage(_ f: QueueFilter, now: Date = Date()) throws(StoreError) -> QueuePage {
        try sqliteRead { db in
            var clauses = ["post.duplicateOf IS NULL"]
            var args: [String: (any DatabaseValueConvertible)?] = ["now": now]
            if let state = f.state {
                clauses.append("post.state = :state")
                args["state"] = state.rawValue
            } else {
                clauses.append("post.state IN ('queued', 'escalated')")
            }
            if let type = f.type {
                clauses.append("EXISTS (SELECT 1 FROM json_each(assessment.types) WHERE value = :type)")
                args["type"] = type
            }
            if let county = f.county {
                clauses.append(
                    """
                    EXISTS (SELECT 1 FROM json_each(assessment.places) WHERE json_extract(value, '$.county') = :county
                            OR (json_extract(value, '$.level') = 'county' AND json_extract(value, '$.name') = :county))
                    """)
                args["county"] = county
            }
            if let verdict = f.verdict {
                if verdict == "none" {
                    clauses.append("xref.verdict IS NULL")
                } else {
                    clauses.append("xref.verdict = :verdict")
                    args["verdict"] = verdict
                }
            }
            if let source = f.source {
                clauses.append("source.name = :source")
                args["source"] = source
            }
            if let from = f.from {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) >= :from")
                args["from"] = from
            }
            if let to = f.to {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) < :to")
                args["to"] = to
            }
            if let match = f.match {
                clauses.append("post.id IN (SELECT rowid FROM postSearch WHERE postSearch MATCH :match)")
                args["match"] = match
            }
            args["limit"] = f.pageSize + 1
            args["offset"] = (f.page - 1) * f.pageSize
            // Without a search, walk the priority index and stop after one page (CROSS JOIN fixes the join order;
            // open items always have an assessment). A search starts from the few FTS matches instead.
            let from = f.match == nil
                ? """
                FROM assessment CROSS JOIN post ON post.id = assessment.postId
                JOIN source ON source.id = post.sourceId
                LEFT JOIN xref ON xref.postId = post.id
                LEFT JOIN claim ON claim.postId = post.id AND claim.until > :now
                """ : Self.queueJoins
            let sql = """
                SELECT \(Self.queueColumns)
                \(from)
                WHERE \(clauses.joined(separator: " AND "))
                ORDER BY assessment.priority DESC, assessment.postId DESC
                LIMIT :limit OFFSET :offset
                """
            var rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(Self.queueRow)
            let hasNext = rows.count > f.pageSize
            if hasNext { rows.removeLast() }
            return QueuePage(rows: rows, page: f.page, pageSize: f.pageSize, hasNext: hasNext)
        }
    }

    static func queueRow(_ row: Row) throws -> QueueRow {
        let item = try queueItem(SQLRow(row))
        var xref: CrossReference? = nil
        if let verdict: String = row["xrefVerdict"] {
            xref = CrossReference(
                verdict: verdict, score: row["xrefScore"], explanation: row["xrefExplanation"], matches: row["xrefMatches"])
        }
        var claim: Claim? = nil
        if let user: String = row["claimUser"], let until: Date = row["claimUntil"] {
            claim = Claim(postId: item.id, user: user, until: until)
        }
        return QueueRow(item: item, xref: xref, claim: claim)
    }

    /// Everything about one item: the row, its cluster, reviews, publications and audit lines.
    public func itemDetail(id: Int64, now: Date = Date()) throws(StoreError) -> ItemDetail {
        let found: ItemDetail? = try sqliteRead { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.queueColumns) \(Self.queueJoins) WHERE post.id = :id",
                arguments: ["now": now, "id": id])
            else { return nil }
            let main = try Self.queueRow(row)
            let head = main.item.duplicateOf ?? main.item.id
            let cluster = try Row.fetchAll(
                db,
                sql: """
                    SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                           assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                    FROM post JOIN source ON source.id = post.sourceId
                    LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE (post.id = ? OR post.duplicateOf = ?) AND post.id != ?
                    ORDER BY post.id LIMIT 200
                    """, arguments: [head, head, id]
            ).map { try Self.queueItem(SQLRow($0)) }
            let reviews = try ReviewRecord.filter(Column("postId") == id).order(Column("id")).fetchAll(db)
            let publicText = try String.fetchOne(
                db,
                sql: "SELECT publicText FROM review WHERE postId = ? AND decision = 'approve' ORDER BY id DESC LIMIT 1",
                arguments: [id])
            let publications = try PublicationRecord.filter(Column("postId") == id).order(Column("id")).fetchAll(db)
            let audit = try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE postId = ? ORDER BY id", arguments: [id]
            ).map { r in
                AuditEntry(
                    id: r["id"], at: r["at"], actor: r["actor"], action: r["action"], postId: r["postId"],
                    before: r["before"], after: r["after"], ip: r["ip"])
            }
            return ItemDetail(
                row: main, cluster: cluster, reviews: reviews, publicText: publicText, publications: publications,
                audit: audit)
        }
        guard let found else { throw StoreError.noSuchPost(id) }
        return found
    }

    /// Source names, for the queue's filter.
    public func sourceNames() throws(StoreError) -> [String] {
        try sqliteRead { db in try String.fetchAll(db, sql: "SELECT name FROM source ORDER BY name") }
    }

    /// The number of open items and the newest post id, for the queue page's live-update check.
    public func queueSummary() throws(StoreError) -> (open: Int, queued: Int, escalated: Int, latestID: Int64) {
        try sqliteRead { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM post WHERE state = 'queued' AND duplicateOf IS NULL) AS queued,
                           (SELECT COUNT(*) FROM post WHERE state = 'escalated' AND duplicateOf IS NULL) AS escalated,
                           (SELECT COALESCE(MAX(id), 0) FROM post WHERE state IN ('queued', 'escalated')) AS latest
                    """)!
            let q: Int = row["queued"], e: Int = row["escalated"]
            return (q + e, q, e, row["latest"])
        }
    }
}

// MARK: - Full-text index

extension AppDatabase {
    /// Posts not yet in the search index (ids above the highest indexed one), oldest first.
    public func postsToIndex(limit: Int = 500) throws(StoreError) -> [(id: Int64, text: String)] {
        try sqliteRead { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, COALESCE(title || char(10), '') || text || COALESCE(char(10) || author, '') AS body
                    FROM post WHERE id > (SELECT COALESCE(MAX(rowid), 0) FROM postSearch) ORDER BY id LIMIT ?
                    """, arguments: [limit]
            ).map { (id: $0["id"], text: $0["body"]) }
        }
    }

    /// Adds posts' space-joined tokens to the search index, in one transaction.
    public func indexPosts(_ entries: [(id: Int64, tokens: String)]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        try sqliteWrite { db in
            let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO postSearch (rowid, tokens) VALUES (?, ?)")
            for e in entries { try statement.execute(arguments: [e.id, e.tokens]) }
        }
    }
}

// MARK: - Dashboard

extension AppDatabase {
    public func tableExists(_ name: String) throws(StoreError) -> Bool {
        try sqliteRead { db in try db.tableExists(name) }
    }

    /// Posts per hour (Taipei) in the `hours` hours up to the newest post (or `now`, if earlier), by primary type
    /// and by county; queue size and age; decisions per reviewer; the published-vs-official indicator.
    public func dashboardStats(hours: Int = 24, topSeries: Int = 6, now: Date = Date()) throws(StoreError) -> DashboardStats {
        try sqliteRead { db in
            let newest = try Date.fetchOne(db, sql: "SELECT MAX(COALESCE(publishedAt, fetchedAt)) FROM post") ?? now
            let end = min(newest, now)
            let endHour = Date(timeIntervalSince1970: (end.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            let start = endHour.addingTimeInterval(-Double(hours - 1) * 3600)
            let hourList = (0..<hours).map { start.addingTimeInterval(Double($0) * 3600) }

            func series(_ keySQL: String) throws -> HourlySeries {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT CAST(strftime('%s', COALESCE(post.publishedAt, post.fetchedAt)) AS INTEGER) / 3600 AS h,
                               \(keySQL) AS k, COUNT(*) AS n
                        FROM post LEFT JOIN assessment ON assessment.postId = post.id
                        WHERE COALESCE(post.publishedAt, post.fetchedAt) >= ? AND COALESCE(post.publishedAt, post.fetchedAt) < ?
                          AND post.state != 'fetched'
                        GROUP BY h, k
                        """, arguments: [start, endHour.addingTimeInterval(3600)])
                var totals: [String: Int] = [:]
                var cells: [String: [Int]] = [:]
                let firstHour = Int(start.timeIntervalSince1970 / 3600)
                for r in rows {
                    let key: String = r["k"] ?? "—"
                    let h: Int = r["h"], n: Int = r["n"]
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
            let byType = try series("json_extract(assessment.types, '$[0]')")
            let byCounty = try series(
                """
                (SELECT COALESCE(json_extract(p.value, '$.county'),
                                 CASE WHEN json_extract(p.value, '$.level') = 'county' THEN json_extract(p.value, '$.name') END)
                 FROM json_each(assessment.places) AS p LIMIT 1)
                """)
            let q = try Row.fetchOne(
                db,
                sql: """
                    SELECT SUM(state = 'queued') AS queued, SUM(state = 'escalated') AS escalated,
                           MIN(CASE WHEN state = 'queued' THEN fetchedAt END) AS oldest,
                           AVG(CASE WHEN state = 'queued' THEN ? - CAST(strftime('%s', fetchedAt) AS REAL) END) AS age
                    FROM post WHERE state IN ('queued', 'escalated') AND duplicateOf IS NULL
                    """, arguments: [now.timeIntervalSince1970])!
            var decisions: [String: [String: Int]] = [:]
            for r in try Row.fetchAll(
                db, sql: "SELECT reviewer, decision, COUNT(*) AS n FROM review GROUP BY reviewer, decision")
            {
                decisions[r["reviewer"], default: [:]][r["decision"]] = r["n"]
            }
            let published = try Int.fetchOne(
                db, sql: "SELECT COUNT(DISTINCT postId) FROM publication WHERE action = 'publish' AND status IN ('pending', 'delivering', 'delivered')") ?? 0
            let official: Int? = try db.tableExists("incident")
                ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incident") : nil
            return DashboardStats(
                byType: byType, byCounty: byCounty, queued: q["queued"] ?? 0, escalated: q["escalated"] ?? 0,
                oldestQueued: q["oldest"], averageQueuedAge: q["age"],
                decisions: decisions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                communityPublished: published, officialAnnouncements: official)
        }
    }
}
