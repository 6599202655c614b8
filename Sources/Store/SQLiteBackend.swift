import CSieveSQLite
import Foundation
import GRDB
import SieveCore

/// The embedded backend: one SQLite file (WAL) through GRDB.
enum SQLiteBackend {
    /// Whether `path` is a file with something in it (an empty file counts as missing: SQLite treats it as new).
    static func fileHasContent(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil).map { $0 > 0 } ?? false
    }

    /// Refuses, without writing a byte, a file that is not a SQLite database, or one that belongs to another program:
    /// another `application_id`, or none and tables but no Sieve migrations. (Opening the pool would switch the
    /// file to WAL and the migrations would add Sieve's tables to it.)
    static func checkOwnership(path: String) throws(StoreError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.open(path: path, underlying: "not readable")
        }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.open(path: path, underlying: "not an SQLite database (its first bytes are not \"SQLite format 3\"); refusing to touch it")
        }
        let verdict: String?
        do {
            var config = Configuration()
            config.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            verdict = try queue.read { db -> String? in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                if id == AppDatabase.applicationID { return nil }
                if id != 0 {
                    return "an SQLite database of another application (application_id 0x\(String(UInt32(bitPattern: id), radix: 16))), not Sieve's; refusing to touch it"
                }
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                if tables.isEmpty { return nil }
                // A Sieve database from before application_id was set (v9): its own migrations say so.
                if tables.contains("grdb_migrations"),
                    try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid LIMIT 1") == "v1-skeleton"
                {
                    return nil
                }
                return "an SQLite database, but not Sieve's (tables: \(tables.prefix(6).joined(separator: ", "))\(tables.count > 6 ? ", …" : "")); refusing to touch it — check --database or `database` in the config"
            }
        } catch {
            throw StoreError.open(path: path, underlying: "\(error)")
        }
        if let verdict { throw StoreError.open(path: path, underlying: verdict) }
    }

    static func open(path: String) throws -> DatabasePool {
        var config = configuration()
        config.maximumReaderCount = 4
        let pool = try DatabasePool(path: path, configuration: config)
        try AppDatabase.migrator.migrate(pool)
        return pool
    }

    /// What every connection needs: foreign keys, the pragmas, `sieve_hamming`.
    static func configuration(_ base: Configuration = Configuration()) -> Configuration {
        var config = base
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads go through a memory map of the file (up to 2 GiB, SQLite's compiled limit) instead of a pread
            // system call per page missing from the connection's small cache: the 200,000-post burst ran 10% faster
            // (BENCHMARKS.md). The pages a process touches count toward its RSS (file cache the kernel can reclaim).
            try db.execute(sql: "PRAGMA mmap_size = 2147418112")
            try db.execute(sql: "PRAGMA cache_size = -2048")  // 2 MiB per connection (the OS caches the file too)
            // Statement journals (a multi-row statement inside a transaction keeps the pages it changes, to undo
            // that statement alone) and savepoints stay in memory instead of spilling past 64 KiB to files in
            // /var/tmp: the crawl of a 20,000-post burst wrote 115,000 of its 153,000 write calls there.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // sieve_hamming in C (the near-duplicate lookup calls it on hundreds of candidates per post).
            let code = sieve_sqlite_register_hamming(db.sqliteConnection)
            guard code == 0 else {
                throw StoreError.database("cannot register sieve_hamming on \(db.description) (SQLite error \(code))")
            }
        }
        return config
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .int(let i): return i.databaseValue
        case .double(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let d): return d.databaseValue
        case .date(let d): return d.databaseValue
        case .bool(let b): return (b ? 1 : 0 as Int64).databaseValue
        case .array(let a): preconditionFailure("column \(a.column): a PostgreSQL array parameter bound on SQLite")
        }
    }

    static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
        StatementArguments(values.map { databaseValue($0.sqlValue) })
    }

    static func sqlValue(_ v: DatabaseValue) -> SQLValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .blob(let d): return .blob(d)
        }
    }

    /// Column lookups per query text, built once (the hot path runs the same few queries again and again).
    private static let columnCache = Locked([String: SQLColumns]())

    static func columns(_ sql: String, _ statement: Statement) -> SQLColumns {
        if let c = columnCache.withLock({ $0[sql] }), c.names == statement.columnNames { return c }
        let c = SQLColumns(statement.columnNames)
        columnCache.withLock { if $0.count < 1024 { $0[sql] = c } }
        return c
    }

    static func rows(_ db: Database, _ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = Self.columns(sql, statement)
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        var out: [SQLRow] = []
        while let row = try cursor.next() {
            out.append(SQLRow(columns: columns, values: row.databaseValues.map(sqlValue)))
        }
        return out
    }
}

extension SQLRow {
    /// A GRDB row read through the backend-neutral accessors (for store code still on GRDB).
    init(_ row: Row) {
        self.init(columns: SQLColumns(Array(row.columnNames)), values: row.databaseValues.map(SQLiteBackend.sqlValue))
    }
}
