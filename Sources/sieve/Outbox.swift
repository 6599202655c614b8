import ArgumentParser
import Foundation
import Publisher
import SieveCore
import Store

extension OutboxStatus: ExpressibleByArgument {}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show and handle the outbox: deliveries waiting, failed, dead-lettered or done.",
        subcommands: [List.self, Retry.self, Drop.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first, with their last error.")
        @OptionGroup var global: GlobalOptions

        @Option(name: .long, parsing: .upToNextOption, help: "Only these states (pending, delivering, delivered, failed, dead, cancelled, unsupported, dropped).")
        var status: [OutboxStatus] = []

        @Option(name: .long, help: "At most this many rows.")
        var limit: Int = 100

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        func run() async throws {
            try await runCLI {
                let config = try global.loadConfig(required: false)
                let database = try await global.openDatabase(config, mode: .existing)
                let rows = try await database.outbox(statuses: status, limit: limit)
                if json {
                    for row in rows { print(Self.json(row)) }
                    return
                }
                if rows.isEmpty { print("the outbox is empty") }
                for row in rows {
                    let p = row.publication
                    var line = "\(p.id ?? 0)\t\(p.status)\t\(p.channel)\t\(p.action) #\(p.postId)\tattempts \(p.attempts)"
                    if p.status == "failed" || p.status == "pending" { line += "\tnext \(TaipeiTime.rfc3339(p.nextAttemptAt))" }
                    if let at = p.publishedAt, p.status == "delivered" { line += "\t\(TaipeiTime.rfc3339(at))" }
                    line += "\t\(row.title.replacingOccurrences(of: "\n", with: " "))"
                    print(line)
                    if let error = p.lastError { print("\t  ↳ \(error)") }
                }
            }
        }

        static func json(_ row: OutboxListing) -> String {
            let p = row.publication
            var o: [String: Any] = [
                "id": p.id ?? 0, "post": p.postId, "channel": p.channel, "action": p.action, "status": p.status,
                "attempts": p.attempts, "created": TaipeiTime.rfc3339(p.createdAt),
                "next_attempt": TaipeiTime.rfc3339(p.nextAttemptAt), "title": row.title,
            ]
            if let e = p.lastError { o["error"] = e }
            if let d = p.publishedAt { o["delivered"] = TaipeiTime.rfc3339(d) }
            if let r = p.remoteID { o["remote_id"] = r }
            let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead, failed, unsupported or dropped delivery back in the queue with a fresh attempt budget.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The delivery's id (see `sieve outbox list`).") var id: Int64

        func run() async throws {
            try await runCLI {
                let config = try global.loadConfig(required: false)
                let database = try await global.openDatabase(config, mode: .existing)
                let p = try await database.retryDelivery(id, actor: actor.name)
                print("delivery \(id) (\(p.action) #\(p.postId) on \(p.channel)) is pending again; run `sieve publish`")
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give up on a delivery: it is never sent.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The delivery's id (see `sieve outbox list`).") var id: Int64

        func run() async throws {
            try await runCLI {
                let config = try global.loadConfig(required: false)
                let database = try await global.openDatabase(config, mode: .existing)
                let p = try await database.dropDelivery(id, actor: actor.name)
                print("dropped delivery \(id) (\(p.action) #\(p.postId) on \(p.channel))")
            }
        }
    }
}
