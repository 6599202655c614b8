import Classifier
import Foundation
import Logging
import Pipeline
import Publisher
import ServiceLifecycle
import SieveCore
import Store

/// One stage a worker can run.
public enum WorkerStage: String, CaseIterable, Sendable {
    case crawl, classify, xref, publish
}

/// `sieve worker` as a service: the selected stages run side by side, each in its own loop (lease a batch, process
/// it, commit; sleep when there is nothing to lease), with this process's leases renewed beside them. It stops on
/// graceful shutdown (or `stop`: SIGTERM/SIGINT in the CLI) after the batches under way, gives back the leases it
/// still holds, and with `once` ends by itself when the stages have no work left.
public struct WorkerService: Service {
    public struct Settings: Sendable {
        public var stages: Set<WorkerStage>
        public var once: Bool
        public var batch: Int
        public var lease: TimeInterval
        public var idle: TimeInterval

        public init(stages: Set<WorkerStage>, once: Bool, batch: Int, lease: TimeInterval, idle: TimeInterval) {
            (self.stages, self.once, self.batch, self.lease, self.idle) = (stages, once, batch, lease, idle)
        }
    }

    /// What the worker did.
    public struct Totals: Sendable {
        public var pages = 0, posts = 0, classified = 0, checked = 0, delivered = 0
    }

    let pipeline: Pipeline
    let database: AppDatabase
    let scorer: PostClassifier?
    let publisher: OutboxPublisher?
    let settings: Settings
    let logger: Logger
    public let stop: StopSignal
    private let counts = Locked(Totals())

    /// `scorer` is needed for classify and xref, `publisher` for publish.
    public init(
        pipeline: Pipeline, database: AppDatabase, scorer: PostClassifier?, publisher: OutboxPublisher?, settings: Settings,
        logger: Logger, stop: StopSignal = StopSignal()
    ) {
        (self.pipeline, self.database, self.scorer, self.publisher) = (pipeline, database, scorer, publisher)
        (self.settings, self.logger, self.stop) = (settings, logger, stop)
    }

    /// What it has done so far.
    public var totals: Totals { counts.withLock { $0 } }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await work()
        } onGracefulShutdown: { [stop] in
            stop.trigger()
        }
    }

    func work() async throws {
        let (pipeline, database, scorer, publisher, stop, logger) = (pipeline, database, scorer, publisher, stop, logger)
        let (selected, once, idle, batch, lease) = (settings.stages, settings.once, settings.idle, settings.batch, settings.lease)
        let totals = counts
        let channels = publisher?.channels.map(\.name) ?? []
        let done = Locked(Set<WorkerStage>())
        /// `once`: nothing left for any selected stage, and every upstream stage's loop has ended (until then it
        /// may still feed this one: at start-up the crawl has not even queued its seeds).
        @Sendable func finished(_ stage: WorkerStage) async throws(StoreError) -> Bool {
            guard once else { return false }
            let upstream = WorkerStage.allCases.prefix { $0 != stage }.filter { selected.contains($0) && $0 != .publish }
            guard upstream.allSatisfy({ s in done.withLock { $0.contains(s) } }) else { return false }
            let left = try await database.pendingWork(channels: channels, upTo: 1)
            return (selected.contains(.crawl) ? left.crawl : 0) + (selected.contains(.classify) ? left.classify : 0)
                + (selected.contains(.xref) ? left.xref : 0) + (selected.contains(.publish) ? left.publish : 0) == 0
        }
        @Sendable func end(_ stage: WorkerStage) { _ = done.withLock { $0.insert(stage) } }
        // Renew this worker's leases while its stages run, so a batch longer than the lease keeps them.
        let keeper = Task { try await StatementStats.$stage.withValue("leases") { try await LeaseKeeper(database: database, lease: lease, logger: logger).run() } }
        defer { keeper.cancel() }
        // The stages run side by side (crawling waits on the network while classifying uses the CPU), each in
        // its own loop: claim a batch, process it, commit; sleep when there is nothing to claim.
        try await withThrowingTaskGroup(of: Void.self) { group in
            if selected.contains(.crawl) {
                group.addTask {
                    try await StatementStats.$stage.withValue(WorkerStage.crawl.rawValue) {
                    while !stop.isSet {
                        let summary = try await pipeline.crawl(force: false, shouldStop: { stop.isSet })
                        totals.withLock {
                            $0.pages += summary.stats.pages
                            $0.posts += summary.stats.newPosts
                        }
                        if summary.stats.pages > 0 { continue }
                        if try await finished(.crawl) { break }
                        await stop.sleep(seconds: idle)
                    }
                    end(.crawl)
                    }
                }
            }
            // Classification and cross-reference each in their own loop, so queued posts are checked while new
            // ones are still being classified.
            for stage in [WorkerStage.classify, .xref] where selected.contains(stage) {
                guard let scorer else { continue }
                let cache = CrossReferencerCache()
                group.addTask {
                    try await StatementStats.$stage.withValue(stage.rawValue) {
                    while !stop.isSet {
                        // Store calls suspend (GRDB's async API); the scoring runs on the pool's threads.
                        // Both stages here: each post is checked as it is classified (one transaction, one
                        // update of its row); the xref loop then only has posts new evidence made due again.
                        let n =
                            stage == .classify && selected.contains(.xref)
                            ? try await Pipeline.classifyAndCheck(
                                database: database, scorer: scorer, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer,
                                batch: batch, lease: lease, cache: cache, shouldStop: { stop.isSet })
                            : stage == .classify
                            ? try await Pipeline.classify(
                                database: database, scorer: scorer, batch: batch, lease: lease,
                                shouldStop: { stop.isSet })
                            : try await Pipeline.crossReference(
                                database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer,
                                batch: batch, lease: lease, cache: cache, shouldStop: { stop.isSet })
                        totals.withLock {
                            if stage == .classify { $0.classified += n } else { $0.checked += n }
                            if stage == .classify && selected.contains(.xref) { $0.checked += n }
                        }
                        if n > 0 { continue }
                        if try await finished(stage) { break }
                        await stop.sleep(seconds: idle)
                    }
                    end(stage)
                    }
                }
            }
            if let publisher {
                group.addTask {
                    try await StatementStats.$stage.withValue(WorkerStage.publish.rawValue) {
                    while !stop.isSet {
                        // SQLite: one publisher at a time (a server's, a cron `sieve publish`); take turns.
                        var lock: PublisherLock? = nil
                        if !database.sharesWork {
                            lock = try? PublisherLock(databasePath: database.path)
                            if lock == nil {
                                await stop.sleep(seconds: idle)
                                continue
                            }
                        }
                        let report = await publisher.deliverPending(
                            DeliveryOptions(maxWait: 0, batchSize: batch, reclaimOrphans: lock != nil, lease: lease))
                        withExtendedLifetime(lock) {}
                        lock = nil
                        for e in report.setupErrors { logger.error("\(e)") }
                        totals.withLock { $0.delivered += report.delivered }
                        let attempts = report.channels.values.map { $0.delivered + $0.retrying + $0.dead + $0.unsupported }
                        if attempts.reduce(0, +) > 0 { continue }
                        if try await finished(.publish) { break }
                        await stop.sleep(seconds: idle)
                    }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await database.releaseLeases()
    }
}
