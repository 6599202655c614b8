import Foundation
import GRDB

/// The embedded backend: one SQLite file (WAL) through GRDB.
enum SQLiteBackend {
    static func open(path: String) throws -> DatabasePool {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads go through a memory map of the file (up to 2 GiB, SQLite's compiled limit) instead of a pread
            // system call per page missing from the connection's small cache: the 200,000-post burst ran 10% faster
            // (BENCHMARKS.md). The pages a process touches count toward its RSS (file cache the kernel can reclaim).
            try db.execute(sql: "PRAGMA mmap_size = 2147418112")
            try db.execute(sql: "PRAGMA cache_size = -2048")  // 2 MiB per connection (the OS caches the file too)
            db.add(function: hamming)
        }
        config.maximumReaderCount = 4
        let pool = try DatabasePool(path: path, configuration: config)
        try AppDatabase.migrator.migrate(pool)
        return pool
    }

    /// `sieve_hamming(a, b)`: how many bits differ between two 64-bit integers (NULL when either is not one).
    static let hamming = DatabaseFunction("sieve_hamming", argumentCount: 2, pure: true) { values in
        guard case .int64(let a) = values[0].storage, case .int64(let b) = values[1].storage else { return nil }
        return (a ^ b).nonzeroBitCount
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
