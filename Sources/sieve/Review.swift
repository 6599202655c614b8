import ArgumentParser
import Foundation
import SieveCore
import Publisher
import Store

extension ReviewDecision: ExpressibleByArgument {}
extension RejectReason: ExpressibleByArgument {}

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a moderator's decision on a queued item.",
        discussion: "Approving schedules the item on every configured channel (or those named with --channel).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The item's id (see `sieve queue`).")
    var id: Int64

    @Argument(help: "approve, reject or escalate.")
    var decision: ReviewDecision

    @Option(name: .long, help: "Why (kept in the review history).")
    var note: String?

    @Option(name: .long, help: "For reject: not_disaster, rumour, duplicate or spam (used to retrain the models).")
    var reason: RejectReason?

    @Option(name: .long, help: "Who decided (default: $USER).")
    var reviewer: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    @Option(name: .long, parsing: .upToNextOption, help: "Publish only on these channels (default: all).")
    var channel: [String] = []

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            let known = (config.channels.isEmpty ? [ChannelPublisher.defaultChannel.name] : config.channels.map(\.name))
            for c in channel where !known.contains(c) {
                throw CLIError.config(StoreError.unknownChannel(c, known: known).description)
            }
            let channels = channel.isEmpty ? known : channel
            try database.review(
                postID: id, decision: decision, reviewer: reviewer, note: note,
                channels: decision == .approve ? channels : [], reason: reason)
            switch decision {
            case .approve: print("approved \(id) for \(channels.joined(separator: ", ")); run `sieve publish` to deliver")
            case .reject: print("rejected \(id)")
            case .escalate: print("escalated \(id) to the EOC")
            }
        }
    }
}
