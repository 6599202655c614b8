import ArgumentParser
import Foundation
import Publisher
import Store

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correct the public wording of an item already approved (and published).",
        discussion: """
            The edit is recorded with who and why. Where the item went out, a correction is queued: Mastodon edits the
            status, Telegram edits the message, Facebook edits the Page post, Discord edits the webhook message, the
            CAP feed gets an Update referencing the earlier messages, the webhook gets an "updated" event, feeds carry
            the new wording; LINE and Slack cannot edit and record "not supported by channel". Run `sieve publish`.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The item's id.")
    var id: Int64

    @Option(name: .long, help: "The new public wording.")
    var text: String

    @Option(name: .long, help: "Why (sent with the CAP Update and the webhook event).")
    var note: String?

    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let rows = try await database.edit(postID: id, reviewer: actor.name, text: text, note: note)
            print("edited \(id)")
            for r in rows { print("  \(r.channel): correction queued") }
            if rows.isEmpty { print("  (not delivered anywhere yet: the new wording goes out with the first delivery)") }
            else { print("run `sieve publish` to carry it out") }
        }
    }
}
