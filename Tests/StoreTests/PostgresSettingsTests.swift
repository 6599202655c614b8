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

    @Test func anUnreachableServerIsAnError() async {
        await #expect(throws: StoreError.self) {
            _ = try await AppDatabase.postgresServerSettings(url: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
        }
    }
}
