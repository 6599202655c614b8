import SieveCore
import Foundation
import GRDB

/// A value bound to a `?` placeholder or read from a result column, the same on both backends.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
    /// SQLite stores GRDB's UTC text format ("yyyy-MM-dd HH:mm:ss.SSS"); PostgreSQL a `timestamptz`.
    case date(Date)
    case bool(Bool)
    /// PostgreSQL only: a column of a `RowBatch`, bound as one array parameter.
    case array(PostgresArray)
}

/// The values of one column of a `RowBatch`, bound on PostgreSQL as one array parameter in binary format (NULL
/// elements included) and read back with `unnest`. Each value is sent as the column's type: a value that cannot be
/// one (text in a bigint column) fails the statement, naming the column, as the server would.
struct PostgresArray: Sendable, Equatable {
    /// The element types a `RowBatch` column may have (its SQL spelling as the raw value).
    enum Element: String, Sendable {
        case bigint
        case double = "double precision"
        case text
        case timestamptz
        case boolean
        case bytea
    }

    let column: String
    let element: Element
    let values: [SQLValue]
}

/// Something that can be bound to a placeholder.
protocol SQLBindable: Sendable { var sqlValue: SQLValue { get } }

extension SQLValue: SQLBindable { var sqlValue: SQLValue { self } }
extension Int: SQLBindable { var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .double(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .blob(self) } }
extension Date: SQLBindable { var sqlValue: SQLValue { .date(self) } }
extension Bool: SQLBindable { var sqlValue: SQLValue { .bool(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// Something a result column can be read as. `nil` means the stored value cannot be this type.
protocol SQLColumnDecodable { static func decode(_ value: SQLValue) -> Self? }

extension Int64: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        case .bool(let b): return b ? 1 : 0
        case .text(let s): return Int64(s)
        default: return nil
        }
    }
}

extension Int: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map { Int($0) } }
}

extension Double: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .text(let s): return Double(s)
        default: return nil
        }
    }
}

extension String: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> String? {
        switch value {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .blob(let d): return String(data: d, encoding: .utf8)
        default: return nil
        }
    }
}

extension Bool: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Bool? {
        switch value {
        case .bool(let b): return b
        case .int(let i): return i != 0
        default: return nil
        }
    }
}

extension Data: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let d): return d
        case .text(let s): return Data(s.utf8)
        default: return nil
        }
    }
}

extension Date: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Date? {
        switch value {
        case .date(let d): return d
        // SQLite: GRDB's text format (and the other formats GRDB reads), or a Unix timestamp.
        case .text(let s): return Date.fromDatabaseValue(s.databaseValue)
        case .int(let i): return Date(timeIntervalSince1970: Double(i))
        case .double(let d): return Date(timeIntervalSince1970: d)
        default: return nil
        }
    }
}

extension Optional: SQLColumnDecodable where Wrapped: SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// The column names of a result, shared by its rows (looked up case-insensitively: PostgreSQL folds unquoted
/// identifiers to lower case).
final class SQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n.lowercased()] == nil { index[n.lowercased()] = i }
        self.index = index
    }
}

/// One result row. Reading a column as the wrong type throws (naming the column); a missing column reads as NULL.
struct SQLRow: Sendable {
    let columns: SQLColumns
    let values: [SQLValue]

    func value(_ name: String) -> SQLValue {
        guard let i = columns.index[name.lowercased()] else { return .null }
        return values[i]
    }

    subscript<T: SQLColumnDecodable>(_ name: String) -> T {
        get throws {
            let v = value(name)
            guard let decoded = T.decode(v) else { throw StoreError.database("column \(name): cannot read \(v) as \(T.self)") }
            return decoded
        }
    }

    subscript<T: SQLColumnDecodable>(_ index: Int) -> T {
        get throws {
            let v = index < values.count ? values[index] : .null
            guard let decoded = T.decode(v) else {
                throw StoreError.database("column \(index) (\(columns.names[safe: index] ?? "?")): cannot read \(v) as \(T.self)")
            }
            return decoded
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

/// What differs between the two SQL dialects. Everything else is written once in the portable subset
/// (`?` placeholders, `INSERT … ON CONFLICT … DO …`, `RETURNING`).
struct SQLDialect: Sendable {
    /// PostgreSQL: several processes on several machines share the work, so claims carry leases and rows are
    /// locked with `FOR UPDATE SKIP LOCKED`. SQLite: one process owns the database (the run lock), so whatever is
    /// in flight is its own.
    let sharesWork: Bool

    static let sqlite = SQLDialect(sharesWork: false)
    static let postgres = SQLDialect(sharesWork: true)

    /// Appended to a claiming SELECT: lock the rows of `table` (an alias in the query), skipping rows another
    /// transaction holds.
    func skipLocked(_ table: String) -> String { sharesWork ? " FOR UPDATE OF \(table) SKIP LOCKED" : "" }

    /// After a table name in FROM: make SQLite use `index`. Without statistics (no ANALYZE) its planner prefers
    /// an equality on `post.state` over the partial index of posts due for a cross-reference, and then reads and
    /// sorts the whole queue for every batch (the 200,000-post burst spent most of its cross-reference time there).
    /// PostgreSQL's planner has statistics and no such clause.
    func indexedBy(_ index: String) -> String { sharesWork ? "" : " INDEXED BY \(index)" }

    /// The number of differing bits between two 64-bit integers (SimHash distance). SQLite has no popcount: each
    /// connection gets `sieve_hamming` (SQLiteBackend); PostgreSQL 14+ counts the bits of the XOR.
    func hammingDistance(_ a: String, _ b: String) -> String {
        sharesWork ? "bit_count(((\(a)) # (\(b)))::bit(64))" : "sieve_hamming(\(a), \(b))"
    }

    /// A condition (with one `?` for now) that keeps rows nobody else holds a live lease on.
    func unleased(_ table: String) -> String {
        sharesWork ? " AND (\(table).leaseUntil IS NULL OR \(table).leaseUntil < ?)" : ""
    }

    /// The arguments `unleased` needs.
    func unleasedArguments(_ now: Date) -> [any SQLBindable] { sharesWork ? [now] : [] }

    /// A parenthesised list of the integers in a JSON array bound to one `?` (`[1,2,3]`), for `id IN …`: one
    /// parameter whatever the number of ids.
    var integersFromJSON: String {
        sharesWork ? "(SELECT (jsonb_array_elements_text(?::jsonb))::bigint)" : "(SELECT value FROM json_each(?))"
    }

    /// The integer `key` of the first element of a JSON array column.
    func jsonFirstInteger(_ column: String, key: String) -> String {
        sharesWork
            ? "CAST((\(column)::jsonb -> 0 ->> '\(key)') AS BIGINT)"
            : "json_extract(\(column), '$[0].\(key)')"
    }
}

/// The executor every store method is written against: one transaction (or read snapshot) on one backend. Its
/// methods are `async`: on PostgreSQL each statement is awaited (the task suspends, no thread waits); on SQLite they
/// run at once on GRDB's connection, the body driven by `InlineExecutor` inside GRDB's own transaction.
struct SQLTransaction {
    enum Session {
        case sqlite(Database)
        case postgres(PostgresSession)
    }

    let session: Session
    let dialect: SQLDialect
    /// Counts the statements run (StatementStats).
    var counter: StatementCounter? = nil

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> Int {
        counter?.count += 1
        switch session {
        case .sqlite(let db):
            let statement = try db.cachedStatement(sql: sql)
            try statement.execute(arguments: SQLiteBackend.arguments(arguments))
            return db.changesCount
        case .postgres(let pg):
            return try await pg.run(sql, arguments.map(\.sqlValue)).affected
        }
    }

    /// Runs a query and returns all its rows.
    func rows(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> [SQLRow] {
        counter?.count += 1
        switch session {
        case .sqlite(let db):
            return try SQLiteBackend.rows(db, sql, arguments)
        case .postgres(let pg):
            return try await pg.run(sql, arguments.map(\.sqlValue)).rows
        }
    }

    func row(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> SQLRow? {
        try await rows(sql, arguments).first
    }

    /// The first column of the first row (nil when there is no row or the value is NULL).
    func scalar<T: SQLColumnDecodable>(_ sql: String, _ arguments: [any SQLBindable] = [], as: T.Type = T.self) async throws -> T? {
        guard let r = try await row(sql, arguments) else { return nil }
        let v: T? = try r[0]
        return v
    }

    /// The first column of every row.
    func column<T: SQLColumnDecodable>(_ sql: String, _ arguments: [any SQLBindable] = [], as: T.Type = T.self) async throws -> [T] {
        try await rows(sql, arguments).map { try $0[0] }
    }

    /// `?, ?, ?` for an IN list.
    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}

/// `?` placeholders as PostgreSQL's `$1, $2, …` (outside quoted strings and identifiers).
func postgresPlaceholders(_ sql: String) -> String {
    var out = ""
    out.reserveCapacity(sql.utf8.count + 16)
    var n = 0
    var quote: Character? = nil
    for c in sql {
        if let q = quote {
            if c == q { quote = nil }
            out.append(c)
        } else if c == "'" || c == "\"" {
            quote = c
            out.append(c)
        } else if c == "?" {
            n += 1
            out += "$\(n)"
        } else {
            out.append(c)
        }
    }
    return out
}

/// A batch of rows as one table a statement reads as `r`. On PostgreSQL: one array parameter per column (binary
/// format, NULL elements included) read back with `unnest(?::bigint[], ?::text[], …) AS r(column, …)` (`source`):
/// a batch of any size is one statement and one round trip, and neither side writes or parses text for it.
/// On SQLite (`source(_:)`/`arguments(_:)` with its dialect) the same rows are a `VALUES` table with one
/// parameter per value, so a statement written against `r` runs on both backends (at most
/// `sqliteRowsPerStatement`-sized batches there: SQLite caps the parameters of one statement).
struct RowBatch {
    let columns: [(name: String, type: PostgresArray.Element)]
    private(set) var count = 0
    /// The values in row order: SQLite's parameters as they are; PostgreSQL's arrays are cut from them per
    /// `arguments` call (hoist it when one set feeds several statements).
    private var values: [any SQLBindable] = []

    /// Rows one SQLite statement takes through `source(.sqlite)` (SQLite allows 32,766 parameters from 3.32 on).
    static func sqliteRowsPerStatement(columns: Int) -> Int { max(1, 30_000 / max(1, columns)) }

    /// `columns`: (name, SQL type) pairs; the type is one of `PostgresArray.Element`'s spellings.
    init(_ columns: [(String, String)]) {
        self.columns = columns.map { name, type in
            guard let element = PostgresArray.Element(rawValue: type) else {
                preconditionFailure("RowBatch: column \(name) has type \(type), which RowBatch cannot bind")
            }
            return (name: name.lowercased(), type: element)
        }
    }

    /// Appends one row, one value per column in order.
    mutating func append(_ values: [any SQLBindable]) {
        precondition(values.count == columns.count, "RowBatch: \(values.count) values for \(columns.count) columns")
        self.values += values
        count += 1
    }

    /// The parameters to bind for `source(dialect)`: PostgreSQL's one array per column, or SQLite's values in row
    /// order.
    func arguments(_ dialect: SQLDialect) -> [any SQLBindable] {
        dialect.sharesWork ? postgresArrays : values
    }

    /// One array per column, in column order.
    var postgresArrays: [any SQLBindable] {
        let width = columns.count
        return columns.enumerated().map { c, column in
            var cells: [SQLValue] = []
            cells.reserveCapacity(count)
            for row in 0..<count { cells.append(values[row * width + c].sqlValue) }
            return SQLValue.array(PostgresArray(column: column.name, element: column.type, values: cells))
        }
    }

    /// The FROM item for `dialect`: PostgreSQL's `unnest`, or on SQLite
    /// `(SELECT column1 AS "a", … FROM (VALUES (?, …), …)) AS alias`.
    func source(_ dialect: SQLDialect, _ alias: String = "r") -> String {
        guard !dialect.sharesWork else { return source(alias) }
        let names = columns.enumerated().map { "column\($0.offset + 1) AS \"\($0.element.name)\"" }.joined(separator: ", ")
        let row = "(" + SQLTransaction.placeholders(columns.count) + ")"
        return "(SELECT \(names) FROM (VALUES " + Array(repeating: row, count: max(count, 1)).joined(separator: ", ") + ")) AS \(alias)"
    }

    /// PostgreSQL's FROM item: `unnest(?::bigint[], ?::text[], …) AS alias("column", …)` (names quoted, in lower
    /// case, as PostgreSQL folds the unquoted names that refer to them). Bind `postgresArrays`.
    func source(_ alias: String = "r") -> String {
        "unnest(" + columns.map { "?::\($0.type.rawValue)[]" }.joined(separator: ", ") + ") AS \(alias)("
            + columns.map { "\"\($0.name)\"" }.joined(separator: ", ") + ")"
    }

    /// A `timestamptz` literal in UTC with microseconds (what PostgreSQL stores).
    static func timestamp(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
    }
}
