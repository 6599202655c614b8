import CSieveSQLite
import Foundation
import GRDB
import ServiceLifecycle
import SieveCore

/// The Store: one SQLite file (WAL) behind GRDB — the embedded default — or, for several machines sharing the
/// work, a PostgreSQL database (`postgres://…`). Every store method is written once against `SQLTransaction`,
/// and every state transition is one transaction on either backend.
public final class AppDatabase: Sendable {
    /// The SQLite file, or the PostgreSQL URL without its password.
    public let path: String
    /// The GRDB writer when the backend is SQLite; nil on PostgreSQL.
    public let writer: (any DatabaseWriter)?
    let postgres: PostgresBackend?
    let dialect: SQLDialect
    /// Who holds this process's claims and leases: host, process id and a random suffix.
    public let workerID: String
    /// True when this open created the SQLite file (the CLI says so).
    public let created: Bool
    /// SQLite: the shared lock on `<database>.store.lock` every process holds while the file is open, so `sieve
    /// restore` (which needs it exclusively) never replaces the file under a running server or worker.
    let storeLock: FileLock?
    /// The claims this process knows it holds, by table (frontier, post, publication): the ones its claiming
    /// transactions returned. Only these are renewed (`renewLeases`): a claim whose transaction committed but whose
    /// answer was lost (the connection died at COMMIT, as in a failover) is unknown here, so it is not renewed and
    /// expires after one lease instead of staying this live process's forever.
    let heldClaims = Locked([String: Set<Int64>]())
    /// PostgreSQL: crowded band values' near-duplicate candidates, read once (`BandHeads`).
    let bandHeads = BandHeads()
    /// PostgreSQL: vacuums the band table as a burst writes it (`BandVacuum`).
    let bandVacuum = BandVacuum()

    /// Records claims a transaction returned (see `heldClaims`).
    func hold(_ table: String, _ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        heldClaims.withLock { $0[table, default: []].formUnion(ids) }
    }

    /// Forgets settled claims, so the set stays as small as the work in flight in a process that runs no lease
    /// keeper (`sieve serve` on SQLite); renewals prune it too.
    func forget(_ table: String, _ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        heldClaims.withLock { $0[table]?.subtract(ids) }
    }
    /// Statements and transactions per stage, for `sieve worker`'s summary and the burst benchmark.
    public let statementStats = StatementStats()
    /// SQLite: the writes waiting to share the writer's next transaction (`combinedWrite`).
    let combiner = WriteCombiner()

    /// Whether opening may create a database that does not exist yet.
    public enum OpenMode: Sendable {
        /// Create the SQLite file when it is missing (its folder must exist).
        case create
        /// Refuse a missing file: commands that only read or change what is there never create an empty database
        /// from a mistyped path.
        case existing
    }

    /// `PRAGMA application_id` of a Sieve SQLite file ("SIEV"): a file with another id, or with none and tables of
    /// its own, is refused untouched.
    public static let applicationID: Int32 = 0x5349_4556

    /// The service that runs this store's PostgreSQL connection pools, for a store opened with `pools:
    /// .serviceGroup`: put it first in the service group (a graceful shutdown stops services in reverse order, so
    /// the pools close after everything that uses them). Nil for SQLite and for a store that runs its own pools.
    public var connections: (any Service)? {
        guard let postgres, postgres.runsInServiceGroup else { return nil }
        return StoreConnections(backend: postgres)
    }

    /// True on PostgreSQL: work is shared between processes through claims with leases.
    public var sharesWork: Bool { postgres != nil }

    /// Opens (creating if needed) the database at `path` — a SQLite file or a `postgres://` URL — and runs pending
    /// migrations. `pools` says who runs PostgreSQL's connection pools (ignored for SQLite): the store itself, or
    /// the caller's service group through `connections`.
    public init(path: String, mode: OpenMode = .create, pools: PostgresPools = .ownTask) async throws(StoreError) {
        workerID = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
        if PostgresLocation.isPostgresURL(path) {
            let backend = try await PostgresBackend(url: path, pools: pools)
            self.path = backend.display
            self.postgres = backend
            self.writer = nil
            self.dialect = .postgres
            self.created = false
            self.storeLock = nil
            return
        }
        self.path = path
        self.postgres = nil
        self.dialect = .sqlite
        let exists = SQLiteBackend.fileHasContent(path)
        if !exists {
            guard mode == .create else {
                throw StoreError.open(
                    path: path,
                    underlying: "no such database (check --database or `database` in the config; `sieve migrate` creates an empty one, `sieve run` fills it)")
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw StoreError.open(path: path, underlying: "the folder \(folder) does not exist (create it first, or check the path)")
            }
        }
        do {
            self.storeLock = try FileLock(path: path + ".store.lock", mode: .shared)
        } catch is FileLock.Busy {
            throw StoreError.open(path: path, underlying: "`sieve restore` is replacing this database right now; try again when it is done")
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
        if exists { try SQLiteBackend.checkOwnership(path: path) }
        do {
            self.writer = try SQLiteBackend.open(path: path)
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
        self.created = !exists
    }

    /// The GRDB configuration a writer passed to `init(writer:)` must be made with (Sieve's pragmas and SQL
    /// functions on every connection), e.g. `AppDatabase(writer: DatabaseQueue(configuration:
    /// AppDatabase.sqliteConfiguration()))` for an in-memory database in a test.
    public static func sqliteConfiguration(_ base: Configuration = Configuration()) -> Configuration {
        SQLiteBackend.configuration(base)
    }

    /// A store on a SQLite writer made by the caller (an in-memory `DatabaseQueue`, a `DatabasePool` on a file),
    /// as GRDB's own demo does; pending migrations run. No file lock is taken: the caller owns the writer.
    public init(writer: any DatabaseWriter) throws(StoreError) {
        workerID = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
        path = writer.path
        postgres = nil
        dialect = .sqlite
        storeLock = nil
        do {
            created = try writer.read { db in try !db.tableExists("post") }
            try Self.migrator.migrate(writer)
        } catch {
            throw StoreError.open(path: writer.path, underlying: "\(error)")
        }
        self.writer = writer
    }

    /// Migrations, registered in order. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-skeleton") { db in
            try db.create(table: "source") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("url", .text).notNull()
                t.column("interval", .integer).notNull()
                t.column("lastFetchedAt", .datetime)
                t.column("lastStatus", .text)  // "ok" | "failed"
                t.column("lastError", .text)
            }
            try db.create(table: "document") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("url", .text).notNull()
                t.column("finalURL", .text)
                t.column("status", .integer)  // HTTP status; nil for file: or when no response
                t.column("contentType", .text)
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("bodyHash", .text)
                t.column("bytes", .integer)
                t.column("fetchedAt", .datetime).notNull()
                t.column("durationMs", .integer)
                t.column("error", .text)
                t.column("postCount", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "post") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("externalID", .text).notNull()
                t.column("url", .text)
                t.column("title", .text)
                t.column("author", .text)
                t.column("publishedAt", .datetime)
                t.column("fetchedAt", .datetime).notNull()
                t.column("text", .text).notNull()
                t.column("language", .text)
                t.column("state", .text).notNull().defaults(to: PostState.fetched.rawValue).indexed()
                t.uniqueKey(["sourceId", "externalID"])
            }
            try db.create(table: "assessment") { t in
                t.primaryKey("postId", .integer).references("post", onDelete: .cascade)
                t.column("disaster", .double).notNull()
                t.column("rumour", .double).notNull()
                t.column("types", .jsonText).notNull()
                t.column("places", .jsonText).notNull()
                t.column("reasons", .jsonText).notNull()
                t.column("model", .text).notNull()
                t.column("priority", .double).notNull().indexed()
                t.column("assessedAt", .datetime).notNull()
            }
            try db.create(table: "review") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("post", onDelete: .cascade).notNull()
                t.column("decision", .text).notNull()
                t.column("reviewer", .text).notNull()
                t.column("note", .text)
                t.column("decidedAt", .datetime).notNull()
            }
            try db.create(table: "publication") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("post", onDelete: .cascade).notNull()
                t.column("channel", .text).notNull()
                t.column("status", .text).notNull().indexed()  // pending | published | failed | dead
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("publishedAt", .datetime)
                t.uniqueKey(["postId", "channel"])
            }
        }
        m.registerMigration("v2-frontier-dedupe") { db in
            // The persistent crawl frontier: every URL a crawl will fetch, with its validators and retry state.
            try db.create(table: "frontier") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("source", onDelete: .cascade).notNull()
                t.column("url", .text).notNull()
                t.column("host", .text).notNull()
                t.column("role", .text).notNull()  // seed | page | item
                t.column("depth", .integer).notNull().defaults(to: 0)
                t.column("state", .text).notNull()  // pending | inflight | done | failed
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("notBefore", .datetime).notNull()
                t.column("lastError", .text)
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("bodyHash", .text)
                t.column("discoveredAt", .datetime).notNull()
                t.column("fetchedAt", .datetime)
                t.uniqueKey(["sourceId", "url"])
            }
            try db.create(index: "frontier_pending", on: "frontier", columns: ["state", "notBefore"])
            try db.alter(table: "post") { t in
                t.add(column: "simhash", .integer)
                t.add(column: "duplicateOf", .integer).references("post", onDelete: .setNull)
                t.add(column: "clusterSize", .integer).notNull().defaults(to: 1)
                t.add(column: "replies", .jsonText)
                t.add(column: "extra", .jsonText)
            }
            try db.create(index: "post_duplicateOf", on: "post", columns: ["duplicateOf"])
            // Why an item was rejected: not_disaster | rumour | duplicate | spam (feeds retraining).
            try db.alter(table: "review") { t in t.add(column: "reason", .text) }
            // Time expressions and people mentioned, as JSON {"times": […], "people": […]}.
            try db.alter(table: "assessment") { t in t.add(column: "details", .jsonText) }
            // SimHash index: 4 bands of 16 bits. Two hashes within Hamming distance 3 share at least one band
            // exactly (pigeonhole), so candidates come from 4 indexed lookups, not a scan.
            try db.create(table: "simhashBand") { t in
                t.column("band", .integer).notNull()
                t.column("key", .integer).notNull()
                t.column("postId", .integer).notNull().references("post", onDelete: .cascade)
                t.column("simhash", .integer).notNull()
                t.primaryKey(["band", "key", "postId"])
            }
            // robots.txt per host, cached across runs.
            try db.create(table: "robots") { t in
                t.primaryKey("host", .text)
                t.column("status", .integer)
                t.column("body", .blob)
                t.column("fetchedAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("error", .text)
            }
        }
        m.registerMigration("v3-incidents") { db in
            try Self.migrateIncidents(db)
        }
        m.registerMigration("v4-outbox") { db in try Self.migrateOutbox(db) }
        registerWebMigration(&m)  // "v5-web": AppDatabase+WebSchema.swift
        m.registerMigration("v6-leases") { db in try Self.migrateLeases(db) }
        m.registerMigration("v7-due-claims") { db in try Self.migrateDueAndClaims(db) }
        m.registerMigration("v8-simhash-clustered") { db in try Self.migrateClusteredBands(db) }
        m.registerMigration("v9-hardening") { db in try Self.migrateHardening(db) }
        m.registerMigration("v10-sso") { db in try Self.migrateSSO(db) }
        m.registerMigration("v11-rumour-images") { db in try Self.migrateRumourImages(db) }
        m.registerMigration("v12-tips") { db in try Self.migrateTips(db) }
        m.registerMigration("v13-exercise") { db in try Self.migrateExercise(db) }
        m.registerMigration("v14-tip-follow-ups") { db in try Self.migrateTipFollowUps(db) }
        return m
    }
}

extension AppDatabase {
    /// One read-write transaction on the backend. SQLite: GRDB's async write — the caller's task suspends while
    /// the writer queue runs the body, so no Swift-concurrency thread waits on the database. PostgreSQL: each
    /// statement awaited on a pooled connection.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLTransaction) async throws -> T) async throws(StoreError) -> T {
        try await transaction(readOnly: false, body)
    }

    /// One consistent read (SQLite: on one of the pool's readers, concurrently with the writer and other reads).
    @discardableResult
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLTransaction) async throws -> T) async throws(StoreError) -> T {
        try await transaction(readOnly: true, body)
    }

    /// Runs `body` in one transaction and counts its statements towards the current stage (`StatementStats`).
    private func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (SQLTransaction) async throws -> T
    ) async throws(StoreError) -> T {
        let dialect = dialect
        let counted: @Sendable (SQLTransaction.Session) async throws -> Counted<T> = { session in
            let counter = StatementCounter()
            let value = try await body(SQLTransaction(session: session, dialect: dialect, counter: counter))
            return Counted(value: value, statements: counter.count)
        }
        // SQLite: the body runs inside GRDB's closure, on its queue (InlineExecutor).
        let onSQLite: @Sendable (Database) throws -> Counted<T> = { db in
            let handle = DatabaseHandle(db: db)
            return try InlineExecutor.run { try await counted(.sqlite(handle.db)) }
        }
        do {
            let result: Counted<T>
            if let postgres {
                result = try await postgres.transaction(readOnly: readOnly) { s in try await counted(.postgres(s)) }
            } else if readOnly {
                result = try await writer!.read(onSQLite)
            } else {
                result = try await writer!.write(onSQLite)
            }
            statementStats.add(stage: StatementStats.stage, statements: result.statements, roundTripsPerTransaction: postgres == nil ? 0 : 2)
            return result.value
        } catch {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        return StoreError.database(PostgresBackend.message(error))
    }

    /// v6: claims with leases on the frontier and on posts (classification, cross-reference), so several workers
    /// can share a PostgreSQL database; SQLite keeps the columns for the same code path.
    static func migrateLeases(_ db: Database) throws {
        try db.alter(table: "frontier") { t in
            t.add(column: "claimedBy", .text)
            t.add(column: "leaseUntil", .datetime)
        }
        try db.alter(table: "post") { t in
            t.add(column: "claimedBy", .text)
            t.add(column: "leaseUntil", .datetime)
        }
    }
}

extension AppDatabase {
    /// v7: a flag on the posts whose cross-reference is due (missing, or older than the evidence), with a partial
    /// index, so claiming the next batch to check reads only those instead of walking the whole queue; and who
    /// holds a delivery being made (so a worker renews only its own leases and settles only its own deliveries).
    static func migrateDueAndClaims(_ db: Database) throws {
        try db.alter(table: "post") { t in t.add(column: "xrefDue", .integer).notNull().defaults(to: 0) }
        try db.alter(table: "publication") { t in t.add(column: "claimedBy", .text) }
        try db.execute(sql: "CREATE INDEX post_xrefDue ON post(id) WHERE xrefDue = 1")
        try db.execute(sql: xrefDueBackfill)
    }

    /// Marks the queued posts whose cross-reference is missing or older than the newest incident or known rumour
    /// (what the claim query used to compute on every call); both backends' migrations run it once.
    static let xrefDueBackfill = """
        UPDATE post SET xrefDue = 1
        WHERE state IN ('queued', 'escalated') AND EXISTS (SELECT 1 FROM assessment WHERE assessment.postId = post.id)
          AND (NOT EXISTS (SELECT 1 FROM xref WHERE xref.postId = post.id)
               OR (SELECT checkedAt FROM xref WHERE xref.postId = post.id)
                  < (SELECT MAX(v) FROM (SELECT MAX(updatedAt) AS v FROM incident
                                         UNION ALL SELECT MAX(createdAt) AS v FROM knownRumour) AS evidence))
        """
}

extension AppDatabase {
    /// v8: the SimHash band rows stored in their primary key's order (WITHOUT ROWID), so a near-duplicate lookup
    /// reads each candidate's hash from the index it searches instead of seeking the table row by row; those seeks
    /// were the largest part of the crawl's CPU in the 200,000-post burst, where every insert compares hundreds of
    /// candidates.
    static func migrateClusteredBands(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE simhashBand_clustered (
                  band INTEGER NOT NULL, key INTEGER NOT NULL,
                  postId INTEGER NOT NULL REFERENCES post(id) ON DELETE CASCADE, simhash INTEGER NOT NULL,
                  PRIMARY KEY (band, key, postId)) WITHOUT ROWID;
                INSERT INTO simhashBand_clustered (band, key, postId, simhash) SELECT band, key, postId, simhash FROM simhashBand;
                DROP TABLE simhashBand;
                ALTER TABLE simhashBand_clustered RENAME TO simhashBand;
                """)
    }
}

extension AppDatabase {
    /// A GRDB transaction, for the store code written against SQLite only (the SQLite maintenance commands).
    /// On PostgreSQL it throws, naming what is not available there.
    @discardableResult
    func sqliteWrite<T: Sendable>(
        _ what: String = #function, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        guard let writer else { throw StoreError.database("\(what) is not available on PostgreSQL yet (SQLite only)") }
        do {
            return try await writer.write(body)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// A GRDB read, like `sqliteWrite`.
    @discardableResult
    func sqliteRead<T: Sendable>(
        _ what: String = #function, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        guard let writer else { throw StoreError.database("\(what) is not available on PostgreSQL yet (SQLite only)") }
        do {
            return try await writer.read(body)
        } catch {
            throw Self.storeError(error)
        }
    }
}

extension AppDatabase {
    /// The SQLite library this process runs with ("3.40.1").
    public static var sqliteLibraryVersion: String { String(cString: sieve_sqlite_version()) }
}

/// A PostgreSQL store's connection pools as a `Service` (`AppDatabase.connections`).
struct StoreConnections: Service {
    let backend: PostgresBackend

    func run() async throws {
        try await backend.runPools()
    }
}
