import ArgumentParser
import Foundation
import Publisher
import Store

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver the outbox to every channel, and write the feeds.",
        discussion: """
            Sends every due delivery (approved items, EOC leads, retractions) once, with retries that fall due within
            --wait seconds, then exits: 0 when everything due was delivered, 1 when something failed or was
            dead-lettered (see `sieve outbox list`), 3 when another `sieve publish` is running.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Also write community.atom, community.json, community.geojson, community.kml and cap/ (CAP 1.2) into DIR.")
    var feeds: String?

    @Option(name: .long, help: "Keep going for retries that fall due within this many seconds.")
    var wait: Double = 10

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            // SQLite: one publisher at a time, which may free what a dead one left mid-flight. PostgreSQL: several
            // publishers share the outbox; a dead one's deliveries come back when their leases expire.
            var lock: PublisherLock? = nil
            if !database.sharesWork {
                do {
                    // A running server's publisher holds the lock only for its round: wait for it.
                    lock = try await PublisherLock.acquire(databasePath: database.path, timeout: .seconds(max(30, wait)))
                } catch {
                    throw CLIError.busy("\(error)")
                }
            }
            defer { withExtendedLifetime(lock) {} }
            let publisher = OutboxPublisher(database: database, channels: config.channels, logger: global.makeLogger())
            let report = await publisher.deliverPending(DeliveryOptions(maxWait: max(0, wait), reclaimOrphans: !database.sharesWork))
            if report.reclaimed > 0 {
                print("  ↻ \(report.reclaimed) delivery(ies) left mid-flight by an earlier run: retried")
            }
            for error in report.setupErrors { print("  ✗ \(error)") }
            for note in report.excludedChannels { print("  · \(note)") }
            for name in publisher.channels.map(\.name) {
                guard let c = report.channels[name] else { continue }
                guard !c.outcomes.isEmpty else { continue }
                var parts = ["\(c.delivered) delivered"]
                if c.retrying > 0 { parts.append("\(c.retrying) to retry") }
                if c.deferred > 0 { parts.append("\(c.deferred) deferred") }
                if c.dead > 0 { parts.append("\(c.dead) dead-lettered") }
                if c.unsupported > 0 { parts.append("\(c.unsupported) not supported by the channel") }
                if c.skipped > 0 { parts.append("\(c.skipped) not sent (retracted meanwhile, or taken over)") }
                if c.circuitOpen { parts.append("circuit open") }
                let mark = c.dead > 0 || c.retrying > 0 ? "✗" : "✓"
                print("  \(mark) \(name): \(parts.joined(separator: ", "))" + (c.lastError.map { " — \($0)" } ?? ""))
            }
            if report.delivered == 0 && report.channels.values.allSatisfy({ $0.retrying + $0.dead + $0.unsupported == 0 }) {
                print("  nothing due")
            }
            if report.waiting > 0 { print("  \(report.waiting) delivery(ies) still waiting (see `sieve outbox list`)") }
            if let feeds {
                do {
                    let files = try await Feeds.writeAll(to: feeds, database: database)
                    print("  ✓ feeds: \(files.count) file(s) in \(feeds)")
                } catch {
                    throw CLIError.failure("writing feeds into \(feeds): \(error)")
                }
            }
            if report.problems { throw ExitCode(1) }
        }
    }
}
