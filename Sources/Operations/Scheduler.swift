import Classifier
import Foundation
import Logging
import Metrics
import Net
import Pipeline
import Publisher
import ServiceLifecycle
import SieveCore
import Store

/// One scheduled job as `sieve schedule --list` shows it.
public struct ScheduledJob: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An official source (cap, cwa, emic, closures) imported into incidents.
        case importOfficial = "import"
        /// A crawled source.
        case crawl
        /// The outbox delivered (`[publish]`).
        case publish
        /// An online backup (`[backup]`).
        case backup
    }

    /// "crawl:township-news", "import:cwa-quakes", "publish", "backup".
    public var name: String
    public var kind: Kind
    public var schedule: Schedule
    public var lastRun: Date?
    public var nextRun: Date

    /// Jobs of one lane run one after another; lanes run side by side.
    var lane: Lane {
        switch kind {
        case .importOfficial, .crawl: return .pipeline
        case .publish: return .publish
        case .backup: return .backup
        }
    }
}

enum Lane: String, Sendable, CaseIterable {
    case pipeline, publish, backup
}

/// How one run of a job ended.
public struct JobOutcome: Sendable {
    public enum Result: String, Sendable {
        /// Everything worked.
        case ok
        /// Some parts failed (a source, a delivery); the rest was done.
        case partial
        /// The job could not run or failed as a whole.
        case failed
        /// Not run (another process holds its lock).
        case skipped
    }

    public var job: String
    public var result: Result
    public var seconds: Double
    public var message: String
}

/// Runs Sieve's jobs on their schedules: official imports and crawls of due sources (each source on its own
/// `interval` or `schedule`), then classification and cross-reference of what came in; the outbox on
/// `[publish] schedule`; backups on `[backup] schedule`. The three lanes (pipeline, publish, backup) run side by
/// side; jobs within a lane one after another.
///
/// A `Service`: in a `ServiceGroup`, a graceful shutdown (SIGTERM/SIGINT) stops new jobs from starting and lets
/// the running ones end at their next transaction boundary (a crawl stops claiming URLs and lets fetches under
/// way finish and be stored; classification and cross-reference stop between batches); then `run()` returns.
///
/// When a job is due: a source by its last fetch time in the database; publishing since this process last ran
/// it (at once on start); a backup since the newest file in the backup folder. A job that never ran is due at
/// once; times missed while nothing ran are caught up by one run.
public final class Scheduler: Service, Sendable {
    /// The configuration in force: each pass plans and runs with the one current at its start (a SIGHUP to
    /// `sieve serve` can replace it).
    public let live: LiveConfig
    public var config: SieveConfig { live.current }
    public let database: AppDatabase
    let scorer: PostClassifier
    /// The cross-reference index, kept between runs while the evidence is unchanged.
    let xrefCache = CrossReferencerCache()
    let logger: Logger
    /// Extra fetch options for every request (tests use `resolve`, like `Pipeline.fetchOptions`).
    let fetchOptions: FetchOptions
    /// How long a scheduled crawl waits for retries after transient errors (later ones stay in the frontier).
    let retryHorizon: Double
    let attempts = Locked([String: Date]())
    public let stop = StopSignal()

    public convenience init(
        config: SieveConfig, database: AppDatabase, scorer: PostClassifier, logger: Logger,
        fetchOptions: FetchOptions = .init(), retryHorizon: Double = 30
    ) {
        self.init(live: LiveConfig(config), database: database, scorer: scorer, logger: logger, fetchOptions: fetchOptions, retryHorizon: retryHorizon)
    }

    public init(
        live: LiveConfig, database: AppDatabase, scorer: PostClassifier, logger: Logger,
        fetchOptions: FetchOptions = .init(), retryHorizon: Double = 30
    ) {
        self.live = live
        self.database = database
        self.scorer = scorer
        self.logger = logger
        self.fetchOptions = fetchOptions
        self.retryHorizon = retryHorizon
    }

    // MARK: - Planning

    /// Every job with its last and next run, sources in config order, then publish and backup.
    public func jobs(now: Date = Date()) async throws(StoreError) -> [ScheduledJob] {
        let config = self.config  // one snapshot for the whole plan
        let records = Dictionary(try await database.sources().map { ($0.name, $0.lastFetchedAt) }, uniquingKeysWith: { a, _ in a })
        let tried = attempts.withLock { $0 }
        func latest(_ a: Date?, _ b: Date?) -> Date? {
            switch (a, b) {
            case (nil, nil): return nil
            case (let x?, nil), (nil, let x?): return x
            case (let x?, let y?): return max(x, y)
            }
        }
        var jobs: [ScheduledJob] = []
        func add(_ name: String, _ kind: ScheduledJob.Kind, _ schedule: Schedule, _ last: Date?) {
            jobs.append(ScheduledJob(name: name, kind: kind, schedule: schedule, lastRun: last, nextRun: schedule.nextRun(lastRun: last, now: now)))
        }
        for s in config.sources {
            let name = (s.kind.isOfficial ? "import:" : "crawl:") + s.name
            add(name, s.kind.isOfficial ? .importOfficial : .crawl, s.effectiveSchedule, latest(records[s.name] ?? nil, tried[name]))
        }
        if let publish = config.publish { add("publish", .publish, publish.schedule, tried["publish"]) }
        if let backup = config.backup {
            add("backup", .backup, backup.schedule, latest(Backups.latest(dir: backup.dir, stem: Backups.stem(of: database.path)), tried["backup"]))
        }
        return jobs
    }

    // MARK: - Running

    /// Runs every job due at `now` once, lane after lane (`sieve schedule --once`).
    public func runDue(now: Date = Date()) async -> [JobOutcome] {
        var outcomes: [JobOutcome] = []
        for lane in Lane.allCases { outcomes += await runPass(lane, now: now) }
        return outcomes
    }

    /// The service: runs until a graceful shutdown (or cancellation), then returns once running jobs have ended.
    public func run() async throws {
        let count = (try? await jobs().count) ?? 0
        logger.notice("scheduler started", metadata: ["jobs": "\(count)"])
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for lane in Lane.allCases { group.addTask { await self.loop(lane) } }
            }
            // Lanes run until told to stop (a lane with no jobs looks again every minute: a reloaded config may
            // add some); a service that returned early would end its whole group, the web app with it.
            await stop.wait()
        } onCancelOrGracefulShutdown: { [stop, logger] in
            if !stop.isSet { logger.notice("shutdown requested: no new jobs; waiting for running ones") }
            stop.trigger()
        }
        logger.notice("scheduler stopped")
    }

    func loop(_ lane: Lane) async {
        while !stop.isSet {
            let now = Date()
            var next = now.addingTimeInterval(60)
            do {
                let mine = try await jobs(now: now).filter { $0.lane == lane }
                if mine.isEmpty {
                    // Nothing in this lane now; a reloaded config may add some.
                    await stop.sleep(until: now.addingTimeInterval(60))
                    continue
                }
                next = mine.map(\.nextRun).min() ?? .distantFuture
            } catch {
                logger.error("scheduler cannot read the database; trying again in 60 s", metadata: ["lane": "\(lane)", "error": "\(error)"])
            }
            if next > now {
                // Wake at least every 5 minutes to look again (clock changes, catching up).
                await stop.sleep(until: min(next, now.addingTimeInterval(300)))
                continue
            }
            _ = await runPass(lane, now: now)
        }
    }

    func runPass(_ lane: Lane, now: Date) async -> [JobOutcome] {
        let due: [ScheduledJob]
        do {
            due = try await jobs(now: now).filter { $0.lane == lane && $0.nextRun <= now }
        } catch {
            return [JobOutcome(job: lane.rawValue, result: .failed, seconds: 0, message: "\(error)")]
        }
        guard !due.isEmpty, !stop.isSet else { return [] }
        attempts.withLock { for j in due { $0[j.name] = now } }
        switch lane {
        case .pipeline: return await runPipeline(due)
        case .publish: return [await runPublish()]
        case .backup: return [await runBackup()]
        }
    }

    func runPipeline(_ due: [ScheduledJob]) async -> [JobOutcome] {
        var configured = Pipeline(config: config, database: database, logger: logger)
        configured.fetchOptions = fetchOptions
        configured.retryHorizon = retryHorizon
        let pipeline = configured
        let stop = self.stop
        let shouldStop: @Sendable () -> Bool = { stop.isSet }
        var outcomes: [JobOutcome] = []
        let imports = Set(due.filter { $0.kind == .importOfficial }.map { String($0.name.dropFirst("import:".count)) })
        let crawls = Set(due.filter { $0.kind == .crawl }.map { String($0.name.dropFirst("crawl:".count)) })
        let lexicon = scorer.rules.lexicon
        if !imports.isEmpty {
            outcomes.append(
                await job("import", ["sources": "\(imports.sorted().joined(separator: ","))"]) { () async throws(StoreError) in
                    let results = try await pipeline.importOfficial(force: true, only: imports, lexicon: lexicon)
                    let failed = results.filter { $0.error != nil }
                    let added = results.compactMap(\.summary).reduce(0) { $0 + $1.inserted + $1.updated }
                    let message = "\(results.count) source(s), \(added) incident(s) new or updated"
                        + (failed.isEmpty ? "" : "; failed: " + failed.map { "\($0.name): \($0.error ?? "")" }.joined(separator: "; "))
                    return (failed.isEmpty ? .ok : .partial, message)
                })
        }
        if !crawls.isEmpty && !stop.isSet {
            outcomes.append(
                await job("crawl", ["sources": "\(crawls.sorted().joined(separator: ","))"]) { () async throws(StoreError) in
                    let summary = try await pipeline.crawl(only: crawls, force: true, shouldStop: shouldStop)
                    let failed = summary.failed
                    let message = "\(summary.results.count) source(s), \(summary.newPosts) new post(s), \(summary.stats.pages) page(s)"
                        + (failed.isEmpty ? "" : "; failed: " + failed.map { "\($0.name): \($0.error ?? "")" }.joined(separator: "; "))
                        + (stop.isSet ? "; stopped early for shutdown" : "")
                    return (failed.isEmpty ? .ok : .partial, message)
                })
        }
        let database = self.database
        let scorer = self.scorer
        let xrefCache = self.xrefCache
        if !stop.isSet {
            outcomes.append(
                await job("classify", [:]) { () async throws(StoreError) in
                    let n = try await Pipeline.classify(database: database, scorer: scorer, shouldStop: shouldStop)
                    return (.ok, "\(n) post(s) assessed")
                })
        }
        if !stop.isSet {
            outcomes.append(
                await job("xref", [:]) { () async throws(StoreError) in
                    let n = try await Pipeline.crossReference(
                        database: database, lexicon: lexicon, tokenizer: scorer.tokenizer, cache: xrefCache,
                        shouldStop: shouldStop)
                    return (.ok, "\(n) post(s) cross-referenced")
                })
        }
        return outcomes
    }

    func runPublish() async -> JobOutcome {
        let database = self.database
        let config = self.config  // one snapshot for the whole job
        let channels = config.channels
        let feeds = config.publish?.feeds
        let logger = self.logger
        return await job("publish", [:]) { () async throws(StoreError) in
            // SQLite: the sole publisher (lock file), which frees what a dead one left mid-flight. PostgreSQL: several
            // publishers share the outbox through claims; a dead one's deliveries come back when their leases expire.
            var lock: PublisherLock? = nil
            if !database.sharesWork {
                do {
                    lock = try PublisherLock(databasePath: database.path)
                } catch {
                    return (.skipped, "\(error)")
                }
            }
            defer { withExtendedLifetime(lock) {} }
            let publisher = OutboxPublisher(database: database, channels: channels, logger: logger)
            let report = await publisher.deliverPending(DeliveryOptions(maxWait: 0, reclaimOrphans: !database.sharesWork))
            var message = "\(report.delivered) delivered, \(report.dead) dead-lettered, \(report.waiting) waiting"
            if !report.setupErrors.isEmpty { message += "; " + report.setupErrors.joined(separator: "; ") }
            var result: JobOutcome.Result = report.problems ? .partial : .ok
            if let feeds {
                do {
                    let files = try await Feeds.writeAll(to: feeds, database: database)
                    message += "; \(files.count) feed file(s) in \(feeds)"
                } catch {
                    message += "; writing feeds into \(feeds) failed: \(error)"
                    result = .partial
                }
            }
            return (result, message)
        }
    }

    func runBackup() async -> JobOutcome {
        let config = self.config  // one snapshot for the whole job
        guard let settings = config.backup else { return JobOutcome(job: "backup", result: .skipped, seconds: 0, message: "no [backup]") }
        let database = self.database
        return await job("backup", ["dir": "\(settings.dir)"]) { () async throws(StoreError) in
            let outcome = try await Backups.run(database: database, dir: settings.dir, keep: settings.keep, url: config.database)
            let b = outcome.backup
            return (.ok, "\(b.path): \(b.bytes) bytes, \(b.posts) post(s), \(String(format: "%.2f", b.seconds)) s; removed \(outcome.removed.count) old backup(s)")
        }
    }

    /// Runs one job: a structured log line when it starts and one when it ends (job, duration_ms, outcome,
    /// message), and the job metrics.
    func job(
        _ name: String, _ metadata: Logger.Metadata,
        _ body: () async throws(StoreError) -> (JobOutcome.Result, String)
    ) async -> JobOutcome {
        let started = Date()
        logger.info("job started", metadata: metadata.merging(["job": "\(name)"]) { $1 })
        var result: JobOutcome.Result
        var message: String
        do {
            (result, message) = try await body()
        } catch {
            (result, message) = (.failed, error.description)
        }
        let seconds = Date().timeIntervalSince(started)
        var meta = metadata
        meta["job"] = "\(name)"
        meta["outcome"] = "\(result.rawValue)"
        meta["duration_ms"] = "\(Int(seconds * 1000))"
        meta["message"] = "\(message)"
        switch result {
        case .ok, .skipped: logger.notice("job finished", metadata: meta)
        case .partial: logger.warning("job finished", metadata: meta)
        case .failed: logger.error("job finished", metadata: meta)
        }
        Counter(label: "sieve_job_runs_total", dimensions: [("job", name), ("outcome", result.rawValue)]).increment()
        Metrics.Timer(label: "sieve_job_duration_seconds", dimensions: [("job", name)]).recordSeconds(seconds)
        if result == .ok {
            Gauge(label: "sieve_job_last_success_timestamp_seconds", dimensions: [("job", name)]).record(Date().timeIntervalSince1970)
        }
        return JobOutcome(job: name, result: result, seconds: seconds, message: message)
    }
}
