import Foundation
@testable import Store
import Testing
import TestSupport

/// A `RowBatch` is read back as the table it was built as: on PostgreSQL one binary array per column through
/// `unnest`, on SQLite a `VALUES` table. NULLs in every column, text that JSON or SQL would have to escape, the
/// extremes of each number type and dates to the microsecond.
@Suite("Store: a batch of rows as one table")
struct RowBatchTests {
    let dir = TempDir()

    static let texts: [String?] = [
        "plain", "", "引號\"與反斜線\\與單引號'", "換行\n與\t定位\r", "颱風 🌀 supplementary 𠀋", "\u{1}\u{1F}\u{7F} control",
        String(repeating: "長", count: 5_000), "e\u{301} decomposed", nil, "NULL", "?", "$1",
    ]
    static let integers: [Int64?] = [0, 1, -1, .max, .min, nil, 65_535, 1 << 40]
    static let doubles: [Double?] = [0.1, -1.5e10, 1e-300, .greatestFiniteMagnitude, nil, 3, 0.30000000000000004]
    static let dates: [Date?] = [
        Date(timeIntervalSince1970: 1_789_394_400.123456), nil, Date(timeIntervalSince1970: 946_684_799.999999),
        Date(timeIntervalSince1970: 1_600_000_000),
    ]
    static let flags: [Bool?] = [true, false, nil]

    /// Row `i` of the test batch.
    static func row(_ i: Int) -> (Int64, Int64?, String?, Double?, Date?, Bool?) {
        (Int64(i), integers[i % integers.count], texts[i % texts.count], doubles[i % doubles.count], dates[i % dates.count],
         flags[i % flags.count])
    }

    static func batch(_ n: Int) -> RowBatch {
        var batch = RowBatch([
            ("i", "bigint"), ("n", "bigint"), ("t", "text"), ("d", "double precision"), ("at", "timestamptz"), ("b", "boolean"),
        ])
        for i in 0..<n {
            let r = row(i)
            batch.append([r.0, r.1, r.2, r.3, r.4, r.5])
        }
        return batch
    }

    @Test(arguments: Backend.available)
    func rowsComeBackAsTheyWent(_ backend: Backend) async throws {
        let db = try #require(try await backend.open(in: dir, #function))
        // SQLite caps the parameters of one statement: its batches are cut (as the hot paths cut them).
        let n = backend == .postgres ? 3_000 : RowBatch.sqliteRowsPerStatement(columns: 6)
        let batch = Self.batch(n)
        let rows = try await db.read { tx in
            try await tx.rows("SELECT r.i, r.n, r.t, r.d, r.at, r.b FROM \(batch.source(tx.dialect))", batch.arguments(tx.dialect))
        }
        #expect(rows.count == n)
        // SQLite keeps dates to the millisecond (GRDB's text format), PostgreSQL to the microsecond (rounded).
        let tolerance = backend == .postgres ? 0.000_000_6 : 0.001
        for (k, row) in rows.enumerated() {
            let expected = Self.row(k)
            #expect(try row["i"] as Int64 == expected.0, "row order")
            #expect(try row["n"] as Int64? == expected.1)
            #expect(try row["t"] as String? == expected.2, "row \(k)")
            #expect(try row["d"] as Double? == expected.3)
            #expect(try row["b"] as Bool? == expected.5)
            let at: Date? = try row["at"]
            if let e = expected.4, let at {
                #expect(abs(at.timeIntervalSince1970 - e.timeIntervalSince1970) < tolerance, "row \(k): \(at) for \(e)")
            } else {
                #expect(at == nil && expected.4 == nil)
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func anEmptyBatchIsAnEmptyTable() async throws {
        let db = try #require(try await Backend.postgres.open(in: dir, #function))
        let batch = Self.batch(0)
        let n = try await db.read { tx in try await tx.scalar("SELECT count(*) FROM \(batch.source())", batch.postgresArrays, as: Int64.self) }
        #expect(n == 0)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aValueOfTheWrongTypeNamesItsColumnAndRow() async throws {
        let db = try #require(try await Backend.postgres.open(in: dir, #function))
        var batch = RowBatch([("id", "bigint"), ("priority", "double precision")])
        batch.append([1, 0.5])
        batch.append(["seven", 0.25])
        let (source, arguments) = (batch.source(), batch.postgresArrays)
        do {
            _ = try await db.read { tx in try await tx.rows("SELECT * FROM \(source)", arguments) }
            Issue.record("text went into a bigint column")
        } catch {
            #expect(error.description.contains("row 1 of column id"), "\(error.description)")
            #expect(error.description.contains("as bigint"), "\(error.description)")
        }
        // A whole number is still a bigint when it arrives as a double, as JSON's numbers did.
        var whole = RowBatch([("id", "bigint")])
        whole.append([7.0])
        let (wholeSource, wholeArguments) = (whole.source(), whole.postgresArrays)
        let seven = try await db.read { tx in try await tx.scalar("SELECT id FROM \(wholeSource)", wholeArguments, as: Int64.self) }
        #expect(seven == 7)
    }
}
