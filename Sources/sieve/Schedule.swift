import ArgumentParser
import Foundation
import Logging
import Observability
import Operations
import Pipeline
import ServiceLifecycle
import SieveCore
import Store

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run the jobs on their schedules: crawls, official imports, publishing, backups.",
        discussion: """
            Without flags, runs in the foreground until SIGTERM or SIGINT: each source on its `interval` or
            `schedule` (then classify and cross-reference what came in), the outbox on `[publish] schedule`, backups
            on `[backup] schedule`. On a signal no new job starts, running ones end at their next transaction
            boundary, and the command exits 0. Each job logs a JSON line on stderr (job, duration_ms, outcome).
            While it runs it holds the run lock: `sieve run` and `sieve crawl` exit 3, `sieve restore` refuses.
            --list prints each job's last and next run; --once runs what is due now, once, and exits (0 ok,
            1 something failed, 3 locked).
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print every job with its schedule, last run and next run (Taipei time), and exit.")
    var list = false

    @Flag(name: .long, help: "Run the jobs due now once and exit.")
    var once = false

    func validate() throws {
        if list && once { throw ValidationError("--list and --once exclude each other: --list only shows, --once runs") }
    }

    func run() async throws {
        try await runCLI { try await schedule() }
    }

    func schedule() async throws {
        let config = try global.loadConfig(required: true)
        let database = try await global.openDatabase(config, mode: .create, pools: once ? .ownTask : .serviceGroup)
        try await global.refuseExerciseStore(database, command: "schedule")
        var logger = global.makeLogger(forceStructured: true)
        logger.logLevel = global.verbose ? .info : .notice
        if list {
            let scheduler = Scheduler(config: config, database: database, scorer: try loadScorer(), logger: logger)
            let jobs: [ScheduledJob]
            do { jobs = try await scheduler.jobs() } catch { throw CLIError.failure(error.description) }
            printJobs(jobs)
            return
        }
        let lock = try global.runLock(database)
        defer { withExtendedLifetime(lock) {} }
        let scheduler = Scheduler(config: config, database: database, scorer: try loadScorer(), logger: logger)
        if once {
            let outcomes = await scheduler.runDue()
            if outcomes.isEmpty { print("nothing due") }
            for o in outcomes {
                let mark = o.result == .ok ? "✓" : o.result == .skipped ? "·" : "✗"
                print("  \(mark) \(o.job) (\(o.result.rawValue), \(String(format: "%.1f", o.seconds)) s): \(o.message)")
            }
            if outcomes.contains(where: { $0.result == .failed || $0.result == .partial }) { throw ExitCode(1) }
            return
        }
        SieveMetrics.bootstrap()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                // The store's PostgreSQL pools first: a graceful shutdown stops them last.
                services: (database.connections.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0, serviceName: "store")] } ?? [])
                    + [.init(service: scheduler, serviceName: "scheduler")],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw CLIError.failure("scheduler: \(error)")
        }
    }

    func printJobs(_ jobs: [ScheduledJob]) {
        if jobs.isEmpty {
            print("no jobs: add [[source]] entries, [publish] or [backup] to the config")
            return
        }
        let width = max(4, jobs.map(\.name.count).max() ?? 0)
        let scheduleWidth = max(8, jobs.map(\.schedule.description.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        print(pad("job", width) + "  " + pad("schedule", scheduleWidth) + "  " + pad("last run", 25) + "  next run")
        let now = Date()
        for j in jobs {
            let next = j.nextRun <= now ? "due now" : TaipeiTime.rfc3339(j.nextRun)
            print(pad(j.name, width) + "  " + pad(j.schedule.description, scheduleWidth) + "  "
                + pad(j.lastRun.map(TaipeiTime.rfc3339) ?? "never", 25) + "  " + next)
        }
        if jobs.contains(where: { $0.kind == .crawl || $0.kind == .importOfficial }) {
            print("after imports and crawls: classify, then cross-reference")
        }
    }
}
