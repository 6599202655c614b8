import ArgumentParser
import Foundation
import SieveCore
import Store

struct Tips: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What people asked the tipline: the claims asked about most, and deleting tips past the retention limit.",
        subcommands: [TipsList.self, TipsPrune.self], defaultSubcommand: TipsList.self)
}

struct TipsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The claims people asked about most (distinct askers), with the answer they got.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Hours to look back.")
    var hours = 24

    @Option(name: .long, help: "At most this many claims.")
    var limit = 30

    func validate() throws {
        if hours < 1 { throw ValidationError("--hours must be ≥ 1, got \(hours)") }
        if limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
    }

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let list = try await database.tipDemand(since: Date().addingTimeInterval(-Double(hours) * 3600), limit: limit)
            if list.isEmpty { print("no tips in the last \(hours) h") }
            for d in list {
                let text = d.text.replacingOccurrences(of: "\n", with: " ").prefix(60)
                print("\(d.askedBy) asked  \(d.verdict)  latest \(TaipeiTime.short(d.latest))  \(text)")
            }
        }
    }
}

struct TipsPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete tips older than the retention limit (tipline.retention_days, default 90).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let days = config.tipline?.retentionDays ?? TiplineSettings().retentionDays
            let database = try await global.openDatabase(config, mode: .existing)
            let deleted = try await database.pruneTips(before: Date().addingTimeInterval(-Double(days) * 86_400))
            print("deleted \(deleted) tip(s) older than \(days) day(s)")
        }
    }
}
