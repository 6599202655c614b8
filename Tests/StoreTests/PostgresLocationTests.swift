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
        let db = try await AppDatabase(path: withDeadHost)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])
        #expect(ids["s"] != nil)
        #expect(db.path.contains("127.0.0.1:1,127.0.0.1:"))
        // Every host dead: the error names each one.
        do {
            _ = try await AppDatabase(path: "postgres://postgres@127.0.0.1:1,127.0.0.1:2/x?connect_timeout=1")
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
        _ = try await AppDatabase(path: url)  // the migrations first: under a loaded test run one can take over 1 s
        let db = try await AppDatabase(path: url + "?query_timeout=1&pool=1")
        // Without the timeout the statement would answer after 60 s; with it, it fails with the timeout's error.
        do {
            _ = try await db.read { tx in try await tx.scalar("SELECT pg_sleep(60)::text", as: String.self) }
            Issue.record("a 60 s statement finished under a 1 s query_timeout")
        } catch {
            #expect(error.description.contains("query_timeout"), "\(error.description)")
        }
        #expect(try await db.read { tx in try await tx.scalar("SELECT 41 + 1", as: Int.self) } == 42)
        #expect(try PostgresLocation(url: "postgres://u@h/d?query_timeout=30").queryTimeout == 30)
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://u@h/d?query_timeout=0") }
    }

    /// The host in use goes away (its connections reset, new ones closed as they come): transactions fail within
    /// about `connect_timeout` with the host's error instead of waiting out the pool's minute of retries, and the
    /// store works again once the host is back. The host is a TCP forwarder to the test server
    /// (Tests/postgres/proxy.py), taken down and brought back with signals, so its port stays reserved throughout
    /// (a freed port can be taken by another test's server in a parallel run).
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aHostThatGoesAwayFailsFastAndComesBack() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("aHostThatGoesAwayFailsFastAndComesBack"))
        let target = try #require(URLComponents(string: url)?.port)
        let port = try freeLoopbackPort()
        let dir = TempDir()
        let host = try ChildProcess.start(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", TestPaths.packageRoot.appendingPathComponent("Tests/postgres/proxy.py").path, "\(port)", "\(target)"],
            cwd: dir.url, stderrPath: dir.path("proxy.log"))
        defer { host.process.terminate() }  // also when the test fails midway
        #expect(await waitUntil(timeout: 20) { Self.accepts(port) }, "the forwarder did not listen on \(port)")
        let db = try await AppDatabase(path: url.replacingOccurrences(of: ":\(target)/", with: ":\(port)/") + "?connect_timeout=2")
        _ = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])

        kill(host.process.processIdentifier, SIGUSR1)
        try await Task.sleep(for: .milliseconds(200))  // the forwarder handles the signal between two accepts
        let lost = Date()
        for _ in 0..<2 {  // the first may fail on the reset connection, the next looks for the host again
            do {
                _ = try await db.sources()
                Issue.record("a transaction succeeded with the database host gone")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        do {
            _ = try await db.sources()
            Issue.record("a transaction succeeded with the database host gone")
        } catch {
            #expect(error.description.contains("127.0.0.1:\(port)"), "\(error.description)")
        }
        // Three failed transactions within the pool's first minute of retries (each waits about connect_timeout).
        #expect(Date().timeIntervalSince(lost) < 50, "failing took \(Date().timeIntervalSince(lost)) s")

        kill(host.process.processIdentifier, SIGUSR2)
        var names: [String]? = nil
        for _ in 0..<30 where names == nil {
            names = try? await db.sources().map(\.name)
            if names == nil { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(names == ["s"], "the store did not recover when the host came back")

        // A host that accepts connections and never answers (a hung server): the pool cannot connect, the lease's
        // check of the host gets no answer within connect_timeout either, and the transaction fails saying so.
        kill(host.process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(200))
        let hung = Date()
        var lastError = ""
        for _ in 0..<3 {
            do {
                _ = try await db.sources()
            } catch {
                lastError = error.description
                if error.description.contains("connect_timeout") || error.description.contains("127.0.0.1:\(port)") { break }
            }
        }
        // Either the probe got no answer within connect_timeout, or (a forwarder starved on a loaded machine) the TCP
        // connect itself timed out: both fail within the bound and say where.
        #expect(lastError.contains("connect_timeout") || lastError.contains("127.0.0.1:\(port)"), "\(lastError)")
        #expect(Date().timeIntervalSince(hung) < 50, "failing took \(Date().timeIntervalSince(hung)) s")
        kill(host.process.processIdentifier, SIGUSR2)
        names = nil
        for _ in 0..<30 where names == nil {
            names = try? await db.sources().map(\.name)
            if names == nil { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(names == ["s"], "the store did not recover after the hung host came back")
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
