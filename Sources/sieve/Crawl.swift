import ArgumentParser
import Foundation
import Pipeline
import SieveCore

struct Crawl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch sources and store their posts (no classification).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Only these sources (by name).")
    var source: [String] = []

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: true)
            let unknown = source.filter { name in !config.sources.contains { $0.name == name } }
            if !unknown.isEmpty {
                throw CLIError.config("unknown source(s): \(unknown.joined(separator: ", ")) (configured: \(config.sources.map(\.name).joined(separator: ", ")))")
            }
            let database = try global.openDatabase(config)
            let pipeline = Pipeline(config: config, database: database, logger: global.makeLogger())
            let summary = try await pipeline.crawl(only: source.isEmpty ? nil : Set(source))
            printCrawlSummary(summary)
            if !summary.failed.isEmpty { throw ExitCode(1) }
        }
    }
}
