import ArgumentParser
import Classifier
import Foundation
import Operations
import Pipeline
import Publisher
import SieveCore
import Store

/// One stage a worker can run.
enum WorkerStage: String, CaseIterable {
    case crawl, classify, xref, publish
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lease and process work of the given stages until stopped (several machines on one PostgreSQL).",
        discussion: """
            Loops: crawl due sources' frontier URLs, classify new posts, cross-reference queued ones, deliver the
            outbox — each batch claimed in the database (on PostgreSQL with FOR UPDATE SKIP LOCKED and a lease), so
            any number of workers on any number of machines share the work without doing anything twice. A worker
            that dies leaves its claims to expire (--lease); the others take the work over. SIGTERM or SIGINT:
            finish the current batch, give back unfinished claims, exit 0. --once: stop when the stages have no
            work left (including work other workers hold). On SQLite a worker holds the run lock (exit 3 if busy).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Comma-separated stages: crawl, classify, xref, publish.")
    var stages: String = "crawl,classify,xref,publish"

    @Flag(name: .long, help: "Stop when there is no work left instead of waiting for more.")
    var once = false

    @Option(name: .long, help: "Posts classified / cross-referenced / deliveries claimed per batch.")
    var batch: Int = 200

    @Option(name: .long, help: "Seconds a claim lasts before another worker may take the work over.")
    var lease: Double = 300

    @Option(name: .long, help: "Seconds to wait between rounds that found nothing to do.")
    var idle: Double = 2

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second (got \(lease))") }
        guard idle >= 0 else { throw ValidationError("--idle must not be negative (got \(idle))") }
        _ = try parseStages()
    }

    func parseStages() throws -> Set<WorkerStage> {
        var out = Set<WorkerStage>()
        for name in stages.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let stage = WorkerStage(rawValue: name) else {
                throw ValidationError(
                    "--stages: unknown stage \"\(name)\" (known: \(WorkerStage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            out.insert(stage)
        }
        guard !out.isEmpty else { throw ValidationError("--stages: name at least one stage") }
        return out
    }

    func run() async throws {
        try await runCLI {
            let selected = try parseStages()
            let config = try global.loadConfig(required: selected.contains(.crawl))
            let database = try global.openDatabase(config, mode: .create)
            let lock = try global.runLock(database)
            defer { withExtendedLifetime(lock) {} }
            let stop = StopSignal.onTerminationSignals()
            let logger = global.makeLogger()
            let scorer = selected.contains(.classify) || selected.contains(.xref) ? try loadScorer() : nil
            var configured = Pipeline(config: config, database: database, logger: logger)
            configured.lease = lease
            let pipeline = configured
            let publisher = selected.contains(.publish)
                ? OutboxPublisher(database: database, channels: config.channels, logger: logger) : nil
            let totals = Totals()
            print("worker \(database.workerID): \(WorkerStage.allCases.filter(selected.contains).map(\.rawValue).joined(separator: ",")) on \(database.path)")
            let channels = publisher?.channels.map(\.name) ?? []
            let (once, idle, batch, lease) = (once, idle, batch, lease)
            let done = StagesDone()
            /// --once: nothing left for any selected stage, and every upstream stage's loop has ended (until then it
            /// may still feed this one: at start-up the crawl has not even queued its seeds).
            @Sendable func finished(_ stage: WorkerStage) async throws(StoreError) -> Bool {
                guard once else { return false }
                let upstream = WorkerStage.allCases.prefix { $0 != stage }.filter { selected.contains($0) && $0 != .publish }
                guard upstream.allSatisfy(done.contains) else { return false }
                let left = try await database.pendingWork(channels: channels)
                return (selected.contains(.crawl) ? left.crawl : 0) + (selected.contains(.classify) ? left.classify : 0)
                    + (selected.contains(.xref) ? left.xref : 0) + (selected.contains(.publish) ? left.publish : 0) == 0
            }
            @Sendable func end(_ stage: WorkerStage) { done.insert(stage) }
            // Renew this worker's leases while its stages run, so a batch longer than --lease keeps its claims.
            let keeper = Task { try await LeaseKeeper(database: database, lease: lease, logger: logger).run() }
            defer { keeper.cancel() }
            // The stages run side by side (crawling waits on the network while classifying uses the CPU), each in
            // its own loop: claim a batch, process it, commit; sleep when there is nothing to claim.
            try await withThrowingTaskGroup(of: Void.self) { group in
                if selected.contains(.crawl) {
                    group.addTask {
                        while !stop.isSet {
                            let summary = try await pipeline.crawl(force: false, shouldStop: { stop.isSet })
                            totals.add(pages: summary.stats.pages)
                            if summary.stats.pages > 0 { continue }
                            if try await finished(.crawl) { break }
                            await stop.sleep(seconds: idle)
                        }
                        end(.crawl)
                    }
                }
                // Classification and cross-reference each in their own loop, so queued posts are checked while new
                // ones are still being classified.
                for stage in [WorkerStage.classify, .xref] where selected.contains(stage) {
                    guard let scorer else { continue }
                    let cache = CrossReferencerCache()
                    group.addTask {
                        while !stop.isSet {
                            // Store calls suspend (GRDB's async API); the scoring runs on the pool's threads.
                            let n =
                                stage == .classify
                                ? try await Pipeline.classify(
                                    database: database, scorer: scorer, batch: batch, lease: lease,
                                    shouldStop: { stop.isSet })
                                : try await Pipeline.crossReference(
                                    database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer,
                                    batch: batch, lease: lease, cache: cache, shouldStop: { stop.isSet })
                            totals.add(classified: stage == .classify ? n : 0, checked: stage == .xref ? n : 0)
                            if n > 0 { continue }
                            if try await finished(stage) { break }
                            await stop.sleep(seconds: idle)
                        }
                        end(stage)
                    }
                }
                if let publisher {
                    group.addTask {
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
                            totals.add(delivered: report.delivered)
                            let attempts = report.channels.values.map { $0.delivered + $0.retrying + $0.dead + $0.unsupported }
                            if attempts.reduce(0, +) > 0 { continue }
                            if try await finished(.publish) { break }
                            await stop.sleep(seconds: idle)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await database.releaseLeases()
            let t = totals.snapshot
            print("worker \(database.workerID) \(stop.isSet ? "stopped" : "done"): \(t.pages) page(s) fetched, \(t.classified) post(s) classified, \(t.checked) cross-referenced, \(t.delivered) delivery(ies) made")
        }
    }
}

/// The stage loops that have ended.
final class StagesDone: @unchecked Sendable {
    private let lock = NSLock()
    private var stages = Set<WorkerStage>()
    func insert(_ s: WorkerStage) {
        lock.lock()
        stages.insert(s)
        lock.unlock()
    }
    func contains(_ s: WorkerStage) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return stages.contains(s)
    }
}

/// What a worker did, counted from its stage loops.
final class Totals: @unchecked Sendable {
    private let lock = NSLock()
    private var value = (pages: 0, classified: 0, checked: 0, delivered: 0)

    func add(pages: Int = 0, classified: Int = 0, checked: Int = 0, delivered: Int = 0) {
        lock.lock()
        value.pages += pages
        value.classified += classified
        value.checked += checked
        value.delivered += delivered
        lock.unlock()
    }

    var snapshot: (pages: Int, classified: Int, checked: Int, delivered: Int) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
