import Foundation

/// The throwaway PostgreSQL server `make test` starts (scripts/with-postgres.sh exports its URL in
/// SIEVE_TEST_POSTGRES). Tests of the PostgreSQL backend skip, with a printed reason, when there is none.
public enum TestPostgres {
    public static var serverURL: String? {
        guard let url = ProcessInfo.processInfo.environment["SIEVE_TEST_POSTGRES"], !url.isEmpty else { return nil }
        return url
    }

    /// Whether there is a server to test with (tests that need one are disabled, and reported as skipped, without).
    public static var isAvailable: Bool { serverURL != nil }

    /// Why a PostgreSQL test is skipped, for its `.enabled(if:)` trait.
    public static let unavailable = "SIEVE_TEST_POSTGRES is not set (`make test` starts a PostgreSQL 15 when it is installed or when run as root)"

    /// Prints why PostgreSQL tests are skipped.
    public static func skipReason(_ test: String) -> String {
        "SKIP: \(test) on PostgreSQL: SIEVE_TEST_POSTGRES is not set (`make test` starts a PostgreSQL 15 when it is installed or when run as root)"
    }

    /// A new empty database on the test server, as a URL; nil (after printing why) when there is no server.
    /// Throws when the server is there but refuses (that is a failure, not a skip).
    public static func freshDatabase(_ test: String) async throws -> String? {
        guard let server = serverURL, var c = URLComponents(string: server) else {
            print(skipReason(test))
            return nil
        }
        let name = "sieve_t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let psql = ProcessInfo.processInfo.environment["SIEVE_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql"
        let result = try await runProcess(URL(fileURLWithPath: psql), ["-X", "-q", "-v", "ON_ERROR_STOP=1", server, "-c", "CREATE DATABASE \(name)"], timeout: 60)
        guard result.status == 0 else {
            throw TestPostgresError(message: "\(psql) \(server): CREATE DATABASE \(name) failed (\(result.status)): \(result.stderr)")
        }
        c.path = "/" + name
        return c.string
    }

    /// Runs SQL through psql on `url` and returns its unaligned, tuples-only output.
    public static func psql(_ url: String, _ sql: String) async throws -> String {
        let psql = ProcessInfo.processInfo.environment["SIEVE_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql"
        let result = try await runProcess(URL(fileURLWithPath: psql), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql], timeout: 60)
        guard result.status == 0 else { throw TestPostgresError(message: "psql \(url): \(sql): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
