import ArgumentParser
import Classifier
import Foundation
import Operations
import Pipeline
import Publisher
import ServiceLifecycle
import SieveCore
import Store

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

    @Option(
        name: .long,
        help: "Seconds a claim lasts before another worker may take the work over (a delivery being sent: its channel's timeout plus this, at most a minute).")
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
            let database = try await global.openDatabase(config, mode: .create, pools: .serviceGroup)
            try await global.refuseExerciseStore(database, command: "worker")
            let lock = try global.runLock(database)
            defer { withExtendedLifetime(lock) {} }
            let stop = StopSignal()
            let logger = global.makeLogger()
            let scorer = selected.contains(.classify) || selected.contains(.xref) ? try loadScorer() : nil
            var configured = Pipeline(config: config, database: database, logger: logger)
            configured.lease = lease
            let pipeline = configured
            let publisher = selected.contains(.publish)
                ? OutboxPublisher(database: database, channels: config.channels, logger: logger) : nil
            print("worker \(database.workerID): \(WorkerStage.allCases.filter(selected.contains).map(\.rawValue).joined(separator: ",")) on \(database.path)")
            let worker = WorkerService(
                pipeline: pipeline, database: database, scorer: scorer, publisher: publisher,
                settings: WorkerService.Settings(stages: selected, once: once, batch: batch, lease: lease, idle: idle),
                logger: logger, stop: stop)
            // One service group: the store's PostgreSQL pools first, the worker after them. SIGTERM/SIGINT shut it
            // down gracefully: the worker finishes its batches and gives back its leases, then the pools close.
            // The worker ending by itself (`--once`) ends the group the same way.
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: (database.connections.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0, serviceName: "store")] } ?? [])
                        + [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "worker")],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            let t = worker.totals
            print("worker \(database.workerID) statements per post: \(Self.statementsPerPost(database.statementStats.snapshot, t))")
            print("worker \(database.workerID) \(stop.isSet ? "stopped" : "done"): \(t.pages) page(s) fetched, \(t.classified) post(s) classified, \(t.checked) cross-referenced, \(t.delivered) delivery(ies) made")
        }
    }

    /// "crawl 0.31 (0.35 round trips), classify …": each stage's statements divided by the posts it handled.
    static func statementsPerPost(_ tallies: [String: StatementStats.Tally], _ t: WorkerService.Totals) -> String {
        let handled: [(String, Int)] = [("crawl", t.posts), ("classify", t.classified), ("xref", t.checked), ("publish", t.delivered)]
        let parts = handled.compactMap { stage, n -> String? in
            guard let tally = tallies[stage], n > 0 else { return nil }
            let per = Double(tally.statements) / Double(n), trips = Double(tally.roundTrips) / Double(n)
            return "\(stage) \(String(format: "%.2f", per)) (\(String(format: "%.2f", trips)) round trips, \(tally.transactions) transactions)"
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
