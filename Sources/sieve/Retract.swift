import ArgumentParser
import Foundation
import Publisher
import Store

struct Retract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw a published (or escalated) item from every channel.",
        discussion: """
            Deliveries not yet made are cancelled. Where the item went out, a retraction is queued: Mastodon deletes
            the status, Telegram deletes the message, the CAP feed gets a Cancel, the webhook gets a "retracted"
            event, feeds drop the item; channels that cannot delete (LINE, Slack …) record "not supported by
            channel". Run `sieve publish` to carry it out; `sieve outbox list` shows the outcome per channel.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The item's id.")
    var id: Int64

    @Option(name: .long, help: "Why (sent with the CAP Cancel and the webhook event).")
    var note: String?

    @OptionGroup var actor: ActorOptions

    @Flag(name: .long, help: "Retract even when another moderator has the item open in the web app (audited).")
    var force = false

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let rows = try await database.retract(postID: id, reviewer: actor.name, note: note, force: force)
            print("retracted \(id)")
            for r in rows {
                let what = r.status == "cancelled" ? "never delivered there; nothing to withdraw" : "withdrawal queued"
                print("  \(r.channel): \(what)")
            }
            if rows.contains(where: { $0.status == "pending" }) { print("run `sieve publish` to carry it out") }
        }
    }
}
