import Foundation
import Store
import Testing
import TestSupport

/// `sieve doctor` reads the PostgreSQL server's autovacuum settings and warns when a burst would outrun vacuum.
@Suite("PostgreSQL server settings")
struct PostgresSettingsTests {
    @Test func adviceFollowsTheSettings() {
        #expect(PostgresServerSettings(autovacuum: true, autovacuumNaptime: 10).advice.ok)
        #expect(PostgresServerSettings(autovacuum: true, autovacuumNaptime: 5).advice.text == "autovacuum every 5 s")
        let slow = PostgresServerSettings(autovacuum: true, autovacuumNaptime: 60).advice
        #expect(!slow.ok && slow.text.hasPrefix("autovacuum_naptime is 60 s") && slow.text.contains("ALTER SYSTEM SET autovacuum_naptime = '10s'"))
        let off = PostgresServerSettings(autovacuum: false, autovacuumNaptime: 10).advice
        #expect(!off.ok && off.text.hasPrefix("autovacuum is off"))
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailable)")) func readsTheServersSettings() async throws {
        let url = try #require(TestPostgres.serverURL)
        let settings = try await AppDatabase.postgresServerSettings(url: url)
        // What psql says the server runs with.
        let shown = try await TestPostgres.psql(url, "SELECT setting FROM pg_settings WHERE name = 'autovacuum_naptime'")
        #expect(settings.autovacuumNaptime == Int(shown.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(settings.autovacuum == (try await TestPostgres.psql(url, "SHOW autovacuum")).hasPrefix("on"))
    }

    /// Migration pg13: the wide text columns are compressed with lz4 where the server has it, and ANALYZE skips them.
    @Test(.enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailable)")) func wideColumnsAreCheapToStoreAndAnalyze() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("wideColumns"))
        _ = try await AppDatabase(path: url)
        let columns = try await TestPostgres.psql(
            url,
            """
            SELECT c.relname || '.' || a.attname || ' ' || a.attstattarget || ' ' || a.attcompression::text FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relname IN ('assessment', 'xref', 'post') AND a.attname IN ('details', 'reasons', 'explanation', 'text', 'state')
            ORDER BY 1
            """)
        let lz4 = try await TestPostgres.psql(
            url, "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").hasPrefix("t")
        let c = lz4 ? "l" : ""
        #expect(columns.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == [
            "assessment.details 0 \(c)", "assessment.reasons 0 \(c)", "post.state -1", "post.text 0 \(c)", "xref.explanation 0 \(c)",
        ].map { $0.trimmingCharacters(in: .whitespaces) })
    }

    @Test func anUnreachableServerIsAnError() async {
        await #expect(throws: StoreError.self) {
            _ = try await AppDatabase.postgresServerSettings(url: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
        }
    }
}
