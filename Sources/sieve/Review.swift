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
        discussion: """
            Approving schedules the item on every channel taking approved items, escalating sends it as a lead to every
            channel taking escalated ones (the EOC webhook, CAP); --channel narrows either to the named channels.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The item's id (see `sieve queue`).")
    var id: Int64

    @Argument(help: "approve, reject or escalate.")
    var decision: ReviewDecision

    @Option(name: .long, help: "Why (kept in the review history).")
    var note: String?

    @Option(name: .long, help: "For reject: not_disaster, rumour, duplicate or spam (used to retrain the models).")
    var reason: RejectReason?

    @OptionGroup var actor: ActorOptions

    @Flag(name: .long, help: "Decide even when another moderator has the item open in the web app (audited).")
    var force = false

    @Option(name: .long, parsing: .upToNextOption, help: "Publish only on these channels (default: all).")
    var channel: [String] = []

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let configured = config.channels.isEmpty ? [OutboxPublisher.defaultChannel] : config.channels
            let known = configured.map(\.name)
            for c in channel where !known.contains(c) {
                throw CLIError.config(StoreError.unknownChannel(c, known: known).description)
            }
            // Approvals go to the channels taking approved items, escalations to those taking EOC leads.
            let event: ChannelEvent = decision == .escalate ? .escalated : .approved
            let subscribed = configured.filter { $0.events.contains(event) }.map(\.name)
            let channels = channel.isEmpty ? subscribed : channel
            try await database.review(
                postID: id, decision: decision, reviewer: actor.name, note: note,
                channels: decision == .reject ? [] : channels, reason: reason, force: force)
            switch decision {
            case .approve: print("approved \(id) for \(channels.joined(separator: ", ")); run `sieve publish` to deliver")
            case .reject: print("rejected \(id)")
            case .escalate:
                print(
                    channels.isEmpty
                        ? "escalated \(id) (no channel takes escalated items; add events = [\"escalated\"] to the EOC's)"
                        : "escalated \(id) to the EOC via \(channels.joined(separator: ", ")); run `sieve publish` to deliver")
            }
        }
    }
}
