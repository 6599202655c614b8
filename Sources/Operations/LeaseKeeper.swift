import Foundation
import Logging
import ServiceLifecycle
import Store

/// Renews this process's leases (frontier entries in flight, posts being classified or cross-referenced,
/// deliveries being made) every third of a lease, so a batch that takes longer than one lease — a slow host, a
/// channel that answers slowly — is not handed to another worker while it is still being done. A process that dies
/// stops renewing, and its claims expire one lease later as before. Only needed where work is shared (PostgreSQL).
public struct LeaseKeeper: Service {
    let database: any MaintenanceRepository
    let lease: TimeInterval
    let logger: Logger
    /// The time leases are renewed from (tests inject their own clock).
    let now: @Sendable () -> Date

    public init(database: any MaintenanceRepository, lease: TimeInterval, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.lease = lease
        self.logger = logger
        self.now = now
    }

    /// How often the leases are renewed.
    public var interval: TimeInterval { max(0.5, lease / 3) }

    /// Renews until cancelled or, in a service group, until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                } catch {
                    return
                }
                await renewOnce()
            }
        }
    }

    /// One renewal: this process's leases run until `lease` seconds from now.
    public func renewOnce() async {
        let outcome: Result<Int, StoreError>
        do throws(StoreError) {
            outcome = .success(try await database.renewLeases(lease: lease, now: now()))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let n): if n > 0 { logger.debug("renewed \(n) lease(s) for \(lease) s") }
        case .failure(let e): logger.warning("could not renew leases on \(database.path): \(e)")
        }
    }
}
