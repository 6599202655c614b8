import Foundation
import Store

/// What health checks and metrics read from the Store: its migrations (`/readyz`) and the queues' depth and age
/// (`/metrics`). Owned by Observability; `AppDatabase` conforms on both backends.
public protocol HealthRepository: Sendable {
    /// The SQLite file or the PostgreSQL URL without its password.
    var path: String { get }
    func migrationStatus() async throws(StoreError) -> MigrationStatus
    func queueGauges(now: Date) async throws(StoreError) -> [(queue: String, depth: Int, oldestAge: Double)]
}

extension AppDatabase: HealthRepository {}

/// Health checks for a load balancer, as plain functions a web server mounts at `/healthz` and `/readyz`.
public enum Health {
    /// An HTTP answer: status code and a small JSON body.
    public struct Check: Sendable, Equatable {
        public var status: Int
        public var body: String
        public var ok: Bool { status == 200 }

        public init(status: Int, body: String) {
            self.status = status
            self.body = body
        }
        public static let contentType = "application/json; charset=utf-8"
    }

    /// `/healthz`: the process is alive and answering.
    public static func liveness() -> Check { Check(status: 200, body: #"{"status":"ok"}"#) }

    /// `/readyz` for a server that holds the database open: it can be read and has every migration this binary
    /// knows (and none it does not). 503 with the reason otherwise.
    public static func readiness(database: any HealthRepository) async -> Check {
        do {
            return verdict(try await database.migrationStatus())
        } catch {
            return notReady("database \(database.path) cannot be read: \(error)")
        }
    }

    /// `/readyz` from a path: opens the file read-only (creating nothing) and checks its migrations.
    public static func readiness(databasePath: String) async -> Check {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            return notReady("database \(databasePath) does not exist")
        }
        do {
            return verdict(try await AppDatabase.migrationStatus(path: databasePath))
        } catch {
            return notReady("\(error)")
        }
    }

    static func verdict(_ status: MigrationStatus) -> Check {
        if !status.unknown.isEmpty {
            return notReady("database has migrations from a newer sieve: \(status.unknown.joined(separator: ", "))")
        }
        if !status.pending.isEmpty {
            return notReady("migrations pending: \(status.pending.joined(separator: ", ")) (run `sieve migrate`)")
        }
        return Check(status: 200, body: #"{"status":"ready","migrations":\#(status.applied.count)}"#)
    }

    static func notReady(_ reason: String) -> Check {
        let data = (try? JSONSerialization.data(withJSONObject: ["status": "unavailable", "reason": reason], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Check(status: 503, body: String(decoding: data, as: UTF8.self))
    }
}
