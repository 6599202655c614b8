import Foundation
import Logging
import ServiceLifecycle
import SieveCore
import Store

/// The outbox publisher as a service of `sieve serve`: every `interval` it delivers what is due (approvals, EOC
/// leads, retractions) and goes back to sleep. On graceful shutdown it finishes the round in progress (each
/// delivery's state is one transaction) and stops; anything left is picked up by the next publisher. On SQLite
/// each round holds the publisher lock (and so may retry what a dead publisher left mid-flight); while another
/// publisher — a cron `sieve publish`, a worker — has the lock, the round is skipped, and they take turns.
public struct PublisherService: Service {
    let publisher: OutboxPublisher
    let interval: Duration
    let logger: Logger

    /// Where the channels come from when the config can change while this runs (nil: fixed).
    let live: LiveConfig?

    public init(database: any OutboxRepository, channels: [ChannelConfig], interval: Duration, logger: Logger) {
        self.publisher = OutboxPublisher(database: database, channels: channels, logger: logger)
        self.interval = interval
        self.logger = logger
        self.live = nil
    }

    /// A publisher that follows a reloadable config: each round delivers to the channels in force at its start.
    public init(database: any OutboxRepository, live: LiveConfig, interval: Duration, logger: Logger) {
        self.publisher = OutboxPublisher(database: database, channels: live.current.channels, logger: logger)
        self.interval = interval
        self.logger = logger
        self.live = live
    }

    public func run() async throws {
        let database = publisher.database
        var waitingLogged = false
        var generation = live?.generation ?? 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let live, live.generation != generation {
                generation = live.generation
                publisher.replaceChannels(live.current.channels)
            }
            // A reloaded config with [publish] hands publishing to the scheduler's publish job.
            if let live, live.current.publish != nil {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                continue
            }
            var lock: PublisherLock? = nil
            if !database.sharesWork {
                do {
                    lock = try PublisherLock(databasePath: database.path)
                    if waitingLogged { logger.notice("publisher lock taken; delivering the outbox") }
                    waitingLogged = false
                } catch {
                    if !waitingLogged { logger.notice("another publisher holds the outbox (\(error)); skipping rounds until it is done") }
                    waitingLogged = true
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                    continue
                }
            }
            let report = await publisher.deliverPending(DeliveryOptions(maxWait: 0, reclaimOrphans: lock != nil))
            withExtendedLifetime(lock) {}
            lock = nil
            if report.delivered > 0 || report.problems || report.reclaimed > 0 {
                logger.notice(
                    "publisher round", metadata: [
                        "delivered": "\(report.delivered)", "dead": "\(report.dead)", "reclaimed": "\(report.reclaimed)",
                        "errors": "\(report.setupErrors.joined(separator: "; "))",
                    ])
            }
            // Sleeping is the only part a shutdown interrupts.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
