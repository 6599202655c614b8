import Foundation
import GRDB
import SieveCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which migrations a database file has, against those this binary knows.
public struct MigrationStatus: Sendable, Equatable {
    /// Known migrations already applied, in registration order.
    public var applied: [String]
    /// Known migrations not yet applied, in registration order.
    public var pending: [String]
    /// Applied migrations this binary does not know: the file was written by a newer Sieve.
    public var unknown: [String]

    public var isCurrent: Bool { pending.isEmpty && unknown.isEmpty }
}

/// What a file claims to be, checked before it replaces the live database.
public struct DatabaseInspection: Sendable {
    public var path: String
    public var migrations: MigrationStatus
    public var posts: Int
    public var integrity: String
}

/// How a backup went.
public struct BackupResult: Sendable {
    public var path: String
    public var bytes: Int
    public var seconds: Double
    public var posts: Int

    public init(path: String, bytes: Int, seconds: Double, posts: Int) {
        self.path = path
        self.bytes = bytes
        self.seconds = seconds
        self.posts = posts
    }
}

extension AppDatabase {
    /// Every migration this binary knows, in order.
    public static var migrationNames: [String] { migrator.migrations }

    /// The migration status of the open database.
    public func migrationStatus() async throws(StoreError) -> MigrationStatus {
        guard postgres != nil else { return try await sqliteRead { db in try Self.status(db) } }
        // PostgreSQL: its own DDL migrations, recorded in sieve_migrations.
        return try await read { tx in
            let applied = Set(try await tx.column("SELECT name FROM sieve_migrations", as: String.self))
            let known = PostgresSchema.migrations.map(\.name)
            return MigrationStatus(
                applied: known.filter { applied.contains($0) }, pending: known.filter { !applied.contains($0) },
                unknown: applied.subtracting(known).sorted())
        }
    }

    static func status(_ db: Database) throws -> MigrationStatus {
        let applied = try Self.migrator.appliedIdentifiers(db)
        let known = Self.migrator.migrations
        return MigrationStatus(
            applied: known.filter { applied.contains($0) }, pending: known.filter { !applied.contains($0) },
            unknown: applied.subtracting(known).sorted())
    }

    /// The migration status of the file at `path` without opening it for writing (and without creating it:
    /// a missing file has every migration pending).
    public static func migrationStatus(path: String) async throws(StoreError) -> MigrationStatus {
        // PostgreSQL: read sieve_migrations without applying anything (a process that opens the database applies
        // the pending ones, under an advisory lock).
        if PostgresLocation.isPostgresURL(path) {
            let backend = try await PostgresBackend(url: path, migrate: false)
            do {
                let applied: Set<String> = try await backend.transaction(readOnly: true) { s in
                    let exists = try await s.run("SELECT to_regclass('sieve_migrations') IS NOT NULL", []).rows.first
                    guard let exists, try exists[0] as Bool else { return [] }
                    return Set(try await s.run("SELECT name FROM sieve_migrations", []).rows.map { (r: SQLRow) throws -> String in try r[0] })
                }
                let known = PostgresSchema.migrations.map(\.name)
                return MigrationStatus(
                    applied: known.filter { applied.contains($0) }, pending: known.filter { !applied.contains($0) },
                    unknown: applied.subtracting(known).sorted())
            } catch {
                throw storeError(error)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            return MigrationStatus(applied: [], pending: migrator.migrations, unknown: [])
        }
        do {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: config)
            return try await queue.read { db in try status(db) }
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
    }

    /// Checks that `path` is a readable, intact Sieve database this binary can open: an SQLite file, with Sieve's
    /// first migration and tables, no migration from a newer Sieve, and `PRAGMA integrity_check` = ok.
    public static func inspect(path: String) throws(StoreError) -> DatabaseInspection {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.open(path: path, underlying: "no such file or not readable")
        }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.open(path: path, underlying: "not an SQLite database (its first bytes are not \"SQLite format 3\")")
        }
        do {
            var config = Configuration()
            config.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            return try queue.read { db in
                let status = try Self.status(db)
                guard status.applied.first == "v1-skeleton", try db.tableExists("post"), try db.tableExists("source") else {
                    throw StoreError.open(path: path, underlying: "an SQLite database, but not a Sieve database (no Sieve migrations or tables)")
                }
                guard status.unknown.isEmpty else {
                    throw StoreError.open(
                        path: path,
                        underlying: "written by a newer Sieve: it has migration(s) \(status.unknown.joined(separator: ", ")) this binary does not know (upgrade sieve first)")
                }
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
                let posts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM post") ?? 0
                return DatabaseInspection(path: path, migrations: status, posts: posts, integrity: integrity)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
    }

    /// Copies the live database to `destination` with SQLite's online backup API: one read transaction, so the
    /// copy is the consistent state at one instant while writers go on. The copy is written to a temporary file
    /// beside `destination`, checked with `PRAGMA integrity_check`, switched to a single-file (rollback journal)
    /// database, synced, and only then renamed into place; a failed backup leaves no partial file.
    @discardableResult
    public func backup(to destination: String) async throws(StoreError) -> BackupResult {
        let started = Date()
        let dest = URL(fileURLWithPath: destination).standardizedFileURL
        let temp = dest.deletingLastPathComponent().appendingPathComponent(".\(dest.lastPathComponent).tmp-\(getpid())")
        let fm = FileManager.default
        func cleanUp() {
            for suffix in ["", "-journal", "-wal", "-shm"] { try? fm.removeItem(atPath: temp.path + suffix) }
        }
        do {
            try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            cleanUp()
            let posts: Int
            do {
                let queue = try DatabaseQueue(path: temp.path)
                guard let writer else {
                    throw StoreError.database("sieve backup copies SQLite files; for PostgreSQL use pg_dump (README, \"Several machines\")")
                }
                // A consistent snapshot (one of the pool's readers), copied page by page into the new file.
                try await writer.read { db in try queue.writeWithoutTransaction { dest in try db.backup(to: dest) } }
                posts = try await queue.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA journal_mode = DELETE")
                    let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                    guard check == ["ok"] else {
                        throw StoreError.database("integrity_check of the backup failed: \(check.prefix(5).joined(separator: "; "))")
                    }
                    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM post") ?? 0
                }
                try queue.close()
            }
            try Self.fsync(path: temp.path)
            if rename(temp.path, dest.path) != 0 {
                throw StoreError.database("cannot rename \(temp.path) to \(dest.path): \(String(cString: strerror(errno)))")
            }
            try? Self.fsync(path: dest.deletingLastPathComponent().path)
            let bytes = (try? fm.attributesOfItem(atPath: dest.path)[.size] as? Int) ?? 0
            return BackupResult(path: dest.path, bytes: bytes, seconds: Date().timeIntervalSince(started), posts: posts)
        } catch let error as StoreError {
            cleanUp()
            throw error
        } catch {
            cleanUp()
            throw StoreError.database("backup of \(path) to \(destination) failed: \(error)")
        }
    }

    /// Replaces the database file at `target` by a copy of `source` (checked with ``inspect(path:)`` first). The
    /// old file is checkpointed (its WAL folded in) and kept as `target.bak`. The caller must make sure nothing
    /// has `target` open (`sieve restore` holds the run and publish locks).
    public static func restore(from source: String, to target: String) throws(StoreError) -> DatabaseInspection {
        let inspection = try inspect(path: source)
        guard inspection.integrity == "ok" else {
            throw StoreError.open(path: source, underlying: "integrity_check failed: \(inspection.integrity.prefix(300))")
        }
        let fm = FileManager.default
        let targetURL = URL(fileURLWithPath: target).standardizedFileURL
        let temp = targetURL.deletingLastPathComponent().appendingPathComponent(".\(targetURL.lastPathComponent).restore-\(getpid())")
        func removeTemp() { for suffix in ["", "-journal", "-wal", "-shm"] { try? fm.removeItem(atPath: temp.path + suffix) } }
        do {
            try fm.createDirectory(at: targetURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            removeTemp()
            // Copy through the backup API: a consistent copy even if the source has a WAL beside it.
            do {
                var readOnly = Configuration()
                readOnly.readonly = true
                let from = try DatabaseQueue(path: source, configuration: readOnly)
                let to = try DatabaseQueue(path: temp.path)
                try from.backup(to: to)
                try to.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA journal_mode = DELETE")
                    let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                    guard check == ["ok"] else { throw StoreError.database("integrity_check of the copy failed: \(check.prefix(5))") }
                }
                try to.close()
                try from.close()
            }
            try fsync(path: temp.path)
            if fm.fileExists(atPath: targetURL.path) {
                // Fold the old WAL into the file so `.bak` is complete on its own.
                do {
                    let old = try DatabaseQueue(path: targetURL.path)
                    try old.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
                    try old.close()
                }
                let bak = targetURL.path + ".bak"
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: bak + suffix) }
                if rename(targetURL.path, bak) != 0 {
                    throw StoreError.database("cannot move \(targetURL.path) to \(bak): \(String(cString: strerror(errno)))")
                }
                for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: targetURL.path + suffix) }
            }
            if rename(temp.path, targetURL.path) != 0 {
                throw StoreError.database("cannot rename \(temp.path) to \(targetURL.path): \(String(cString: strerror(errno)))")
            }
            try? fsync(path: targetURL.deletingLastPathComponent().path)
            return inspection
        } catch let error as StoreError {
            removeTemp()
            throw error
        } catch {
            removeTemp()
            throw StoreError.database("restore of \(source) to \(target) failed: \(error)")
        }
    }

    static func fsync(path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.database("cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw StoreError.database("fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Sizes and ages of the work waiting in each queue, for metrics: the review queue (queued or escalated
    /// posts), the crawl frontier (pending URLs) and the outbox (deliveries not yet done).
    public func queueGauges(now: Date = Date()) async throws(StoreError) -> [(queue: String, depth: Int, oldestAge: Double)] {
        try await read { tx in
            func gauge(_ name: String, _ sql: String) async throws -> (queue: String, depth: Int, oldestAge: Double) {
                let row = try await tx.row(sql)
                let depth: Int = try row?[0] ?? 0
                let oldest: Date? = try row?[1]
                return (name, depth, oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            }
            return [
                try await gauge("review", "SELECT COUNT(*), MIN(fetchedAt) FROM post WHERE state IN ('queued', 'escalated')"),
                try await gauge("frontier", "SELECT COUNT(*), MIN(discoveredAt) FROM frontier WHERE state IN ('pending', 'inflight')"),
                try await gauge("outbox", "SELECT COUNT(*), MIN(createdAt) FROM publication WHERE status IN ('pending', 'failed', 'delivering')"),
            ]
        }
    }
}

/// PostgreSQL server settings a burst is sensitive to, as the server reports them (`pg_settings`), with what
/// `sieve doctor` advises about them.
public struct PostgresServerSettings: Sendable, Equatable {
    public var autovacuum: Bool
    /// Seconds between autovacuum runs on each database.
    public var autovacuumNaptime: Int

    public init(autovacuum: Bool, autovacuumNaptime: Int) {
        self.autovacuum = autovacuum
        self.autovacuumNaptime = autovacuumNaptime
    }

    /// The longest pause between autovacuum runs that keeps a burst's new rows vacuumed while it lasts.
    public static let burstNaptime = 10

    /// Whether the settings suit a burst, and why not: a burst's new near-duplicate bands and posts wait for
    /// vacuum to be marked all-visible, and until then every near-duplicate lookup reads the table row by row
    /// (bench/burst.sh, 200,000 posts, two workers: 1,711–1,792 posts/s with the default 1 min, 2,167–2,171 with
    /// 5–10 s, the server's CPU per post 626–668 → 438 µs).
    public var advice: (ok: Bool, text: String) {
        if !autovacuum {
            return (false, "autovacuum is off: a burst's rows are never marked all-visible and dead rows pile up (ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();)")
        }
        if autovacuumNaptime > Self.burstNaptime {
            return (false, "autovacuum_naptime is \(autovacuumNaptime) s: during a burst new rows wait that long for vacuum and the near-duplicate lookup reads them row by row; \(Self.burstNaptime) s ran the 200,000-post burst about 20% faster (ALTER SYSTEM SET autovacuum_naptime = '\(Self.burstNaptime)s'; SELECT pg_reload_conf();)")
        }
        return (true, "autovacuum every \(autovacuumNaptime) s")
    }
}

extension AppDatabase {
    /// The server settings of the PostgreSQL database at `url` that Sieve's workload is sensitive to.
    public static func postgresServerSettings(url: String) async throws(StoreError) -> PostgresServerSettings {
        let backend = try await PostgresBackend(url: url, migrate: false)
        do {
            return try await backend.transaction(readOnly: true) { s in
                let rows = try await s.run(
                    "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime')", []
                ).rows
                var values: [String: String] = [:]
                for r in rows { values[try r[0] as String] = try r[1] as String }
                guard let on = values["autovacuum"], let naptime = values["autovacuum_naptime"].flatMap({ Int($0) }) else {
                    throw StoreError.open(path: PostgresLocation.redact(url), underlying: "pg_settings lacks autovacuum or autovacuum_naptime")
                }
                return PostgresServerSettings(autovacuum: on == "on", autovacuumNaptime: naptime)
            }
        } catch {
            throw storeError(error)
        }
    }
}
