import Foundation
import Logging
import Publisher
import ServiceLifecycle
import SieveCore
import Store

/// The outbox publisher as a service of `sieve serve`: every `interval` it delivers what is due (approvals, EOC
/// leads, retractions) and goes back to sleep. On graceful shutdown it finishes the round in progress (each
/// delivery's state is one transaction) and stops; anything left is picked up by the next publisher. On SQLite it
/// is the sole publisher: it holds the publisher lock for as long as it runs (a cron `sieve publish` then exits 3
/// instead of taking over its deliveries in flight), and waits for the lock while another publisher has it.
public struct PublisherService: Service {
    let publisher: OutboxPublisher
    let interval: Duration
    let logger: Logger

    public init(database: AppDatabase, channels: [ChannelConfig], interval: Duration, logger: Logger) {
        self.publisher = OutboxPublisher(database: database, channels: channels, logger: logger)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let database = publisher.database
        var lock: PublisherLock? = nil
        var waitingLogged = false
        defer { withExtendedLifetime(lock) {} }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if !database.sharesWork && lock == nil {
                do {
                    lock = try PublisherLock(databasePath: database.path)
                    // The sole publisher now: what a dead one left mid-flight is retried.
                    _ = try? database.reclaimOrphans()
                    if waitingLogged { logger.notice("publisher lock taken; delivering the outbox") }
                } catch {
                    if !waitingLogged { logger.notice("another publisher holds the outbox (\(error)); waiting for it") }
                    waitingLogged = true
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                    continue
                }
            }
            let report = await publisher.deliverPending(DeliveryOptions(maxWait: 0))
            if report.delivered > 0 || report.problems {
                logger.notice(
                    "publisher round", metadata: [
                        "delivered": "\(report.delivered)", "dead": "\(report.dead)",
                        "errors": "\(report.setupErrors.joined(separator: "; "))",
                    ])
            }
            // Sleeping is the only part a shutdown interrupts.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
