import Foundation
import SieveCore
@testable import Store
import Testing
import TestSupport

@Suite("PostgreSQL URLs: hosts, failover options, redaction")
struct PostgresLocationTests {
    @Test func aListOfHostsIsReadAsLibpqWritesIt() throws {
        let l = try PostgresLocation(url: "postgres://sieve:s3cret@db1:5433,db2,[::1]:6000/sieve?target_session_attrs=read-write&connect_timeout=3&pool=8")
        #expect(l.endpoints == [.init(host: "db1", port: 5433), .init(host: "db2", port: 5432), .init(host: "::1", port: 6000)])
        #expect(l.user == "sieve" && l.password == "s3cret" && l.database == "sieve")
        #expect(l.requirePrimary && l.connectTimeout == 3 && l.poolSize == 8)
        let one = try PostgresLocation(url: "postgres://u@h:5499/d")
        #expect(one.endpoints == [.init(host: "h", port: 5499)] && !one.requirePrimary && one.connectTimeout == 10)
    }

    @Test func mistakesAreNamed() {
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://u@h1:5432,h2:http/d") }
        do {
            _ = try PostgresLocation(url: "postgres://u:pw@h1,h2/d?target_session_attrs=standby")
            Issue.record("accepted target_session_attrs=standby")
        } catch {
            #expect(error.description.contains("target_session_attrs=standby: expected any, read-write or primary"))
            #expect(!error.description.contains("pw@"), "\(error.description)")
        }
    }

    @Test func theRedactedFormNeverShowsThePassword() {
        #expect(PostgresLocation.redact("postgres://sieve:s3cret@db1:5432,db2:5432/sieve?target_session_attrs=read-write")
            == "postgres://sieve:***@db1:5432,db2:5432/sieve?target_session_attrs=read-write")
        #expect(PostgresLocation.redact("postgresql://a:b@h/d") == "postgresql://a:***@h/d")
        #expect(PostgresLocation.redact("postgres://a@h/d") == "postgres://a@h/d")
        #expect(PostgresLocation.redact("postgres://a:p@ss@h/d") == "postgres://a:***@h/d")
    }

    /// A dead host first in the list: connections go to the next one, and the store works.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aDeadFirstHostIsSkipped() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("aDeadFirstHostIsSkipped"))
        // postgres://postgres@127.0.0.1:PORT/db → postgres://postgres@127.0.0.1:1,127.0.0.1:PORT/db?…
        let withDeadHost = url.replacingOccurrences(of: "@127.0.0.1:", with: "@127.0.0.1:1,127.0.0.1:")
            + "?target_session_attrs=read-write&connect_timeout=2"
        let db = try AppDatabase(path: withDeadHost)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])
        #expect(ids["s"] != nil)
        #expect(db.path.contains("127.0.0.1:1,127.0.0.1:"))
        // Every host dead: the error names each one.
        do {
            _ = try AppDatabase(path: "postgres://postgres@127.0.0.1:1,127.0.0.1:2/x?connect_timeout=1")
            Issue.record("opened a database with no server")
        } catch {
            #expect(error.description.contains("127.0.0.1:1:") && error.description.contains("127.0.0.1:2:"), "\(error.description)")
        }
    }

    /// A statement that gets no answer within `query_timeout` fails, its connection is closed, and the next
    /// statement runs on a new one.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aStatementWithoutAnAnswerTimesOut() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("aStatementWithoutAnAnswerTimesOut"))
        let db = try AppDatabase(path: url + "?query_timeout=1&pool=1")
        // Without the timeout the statement would answer after 60 s; with it, it fails with the timeout's error.
        do {
            _ = try await db.read { tx in try tx.scalar("SELECT pg_sleep(60)::text", as: String.self) }
            Issue.record("a 60 s statement finished under a 1 s query_timeout")
        } catch {
            #expect(error.description.contains("query_timeout"), "\(error.description)")
        }
        #expect(try await db.read { tx in try tx.scalar("SELECT 41 + 1", as: Int.self) } == 42)
        #expect(try PostgresLocation(url: "postgres://u@h/d?query_timeout=30").queryTimeout == 30)
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://u@h/d?query_timeout=0") }
    }
}
