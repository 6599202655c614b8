import ArgumentParser
import Crawler
import Foundation
import Pipeline
import SieveCore

struct Crawl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch sources and store their posts (no classification).",
        discussion: """
            Puts every source's URL in the persistent frontier and fetches until it is empty: robots.txt, per-host
            delays and concurrency, conditional GET, retries with backoff. On a terminal a live progress line is shown;
            otherwise each fetch is logged as a JSON line on stderr (with --verbose).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Only these sources (by name).")
    var source: [String] = []

    @Flag(name: .long, help: "Only sources whose interval has elapsed since their last fetch.")
    var due = false

    func run() async throws {
        try await runCLI { try await crawl() }
    }

    func crawl() async throws {
        let config = try global.loadConfig(required: true)
        let unknown = source.filter { name in !config.sources.contains { $0.name == name } }
        if !unknown.isEmpty {
            let known = config.sources.map(\.name).joined(separator: ", ")
            throw CLIError.config("unknown source(s): \(unknown.joined(separator: ", ")) (configured: \(known))")
        }
        let database = try await global.openDatabase(config, mode: .create)
        try await global.refuseExerciseStore(database, command: "crawl")
        let lock = try global.runLock(database)
        defer { withExtendedLifetime(lock) {} }
        let pipeline = Pipeline(config: config, database: database, logger: global.makeLogger())
        let tty = isatty(STDERR_FILENO) != 0
        let show: @Sendable (CrawlStats) -> Void = { stats in ProgressLine.show(stats) }
        let progress = tty ? show : nil
        let only: Set<String>? = source.isEmpty ? nil : Set(source)
        let summary: CrawlSummary
        do {
            summary = try await pipeline.crawl(only: only, force: !due, progress: progress)
        } catch {
            throw CLIError.failure(error.description)
        }
        if tty { ProgressLine.finish() }
        printCrawlSummary(summary)
        if !summary.failed.isEmpty { throw ExitCode(1) }
    }
}

/// The live line on a terminal: sources, pages, bytes, errors.
enum ProgressLine {
    static func show(_ s: CrawlStats) {
        let line =
            "\r\u{1B}[2K\(s.sources) source(s) · \(s.pages) page(s) (\(s.unchanged) unchanged) · \(bytes(s.bytes)) · "
            + "\(s.errors) error(s) · \(s.newPosts) new post(s) · \(s.inFlight) in flight"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func finish() { FileHandle.standardError.write(Data("\n".utf8)) }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return String(format: "%.1f MiB", Double(n) / 1_048_576)
    }
}
