import Crawler
import Foundation
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

/// Integrity holes in the outbox found by trying: a withdrawn item sent again, a secret URL shown to every
/// moderator, a delivery sent by two publishers.
@Suite("Publisher hardening")
struct PublisherHardeningTests {
    /// Approve; the webhook answers 500 until the delivery is dead-lettered; retract; retry (CLI or web). Before the
    /// fix the row stayed `dead`, retry made it `pending`, and the next publish delivered the withdrawn item.
    @Test func aRetractedItemIsNeverSentAgain() async throws {
        let f = try await Fixture()
        let eoc = try FakePlatform(kind: .webhook)
        var hook = eoc.channel(name: "eoc")
        hook.maxAttempts = 2
        let slack = try FakePlatform(kind: .slack)
        var slackChannel = slack.channel()
        slackChannel.maxAttempts = 1
        eoc.script(.serverError(500), .serverError(500))
        slack.script(.serverError(500))
        let ids = try await f.addItems(1)
        try await f.approve(ids, channels: ["eoc", "slack"])
        _ = await f.publisher([(eoc, hook), (slack, slackChannel)]).deliverPending(quick)
        #expect(try await f.rows().map(\.status).sorted() == ["dead", "dead"])

        let withdrawn = try await f.db.retract(postID: ids[0], reviewer: "cli:ops", note: "誤報")
        // Every undelivered row on every channel is cancelled; nothing reached anyone, so no retraction is sent.
        #expect(try await f.rows().filter { $0.action == "publish" }.allSatisfy { $0.status == "cancelled" })
        #expect(withdrawn.allSatisfy { $0.status == "cancelled" })
        for row in try await f.rows() where row.action == "publish" {
            await #expect(throws: StoreError.retracted(post: ids[0], delivery: row.id!)) {
                try await f.db.retryDelivery(row.id!, actor: "cli:ops")
            }
        }
        // Even a row forced back to pending behind the store's back is never claimed.
        try await f.db.writer!.write { db in try db.execute(sql: "UPDATE publication SET status = 'pending' WHERE action = 'publish'") }
        let report = await f.publisher([(eoc, hook), (slack, slackChannel)]).deliverPending(quick)
        #expect(report.delivered == 0)
        #expect(eoc.webhookEvents.isEmpty)
        #expect(slack.posts.isEmpty)
        // The retraction and the refused retries are in the audit log.
        #expect(try await f.db.auditEntries(action: "retract").first?.actor == "cli:ops")
    }

    /// A delivery claimed by one publisher whose lease ran out and that another publisher took over is not sent by
    /// the first one when its turn comes (it checks right before sending).
    @Test func aDeliveryTakenOverIsNotSentTwice() async throws {
        let f = try await Fixture()
        try await f.approve(try f.addItems(1), channels: ["community-feed"])
        let first = try await f.db.leaseDueDeliveries(now: Date(), channels: ["community-feed"], lease: 1)
        #expect(first.count == 1)
        let other = try await AppDatabase(path: f.dir.path("sieve.sqlite"))
        let later = Date().addingTimeInterval(5)
        let second = try await other.leaseDueDeliveries(now: later, channels: ["community-feed"], lease: 60)
        #expect(second.count == 1)
        let id = try #require(first.first?.publication.id)
        #expect(try await f.db.confirmDelivery(id, leaseUntil: later.addingTimeInterval(60)) == false)
        #expect(try await other.confirmDelivery(id, leaseUntil: later.addingTimeInterval(60)) == true)
    }

    /// 50 deliveries at Telegram's 20 a minute take 150 s: the lease covers them (it used to be timeout + 60 s).
    @Test func aBatchLeaseCoversTheWholeBatchAtTheChannelsRate() {
        var telegram = ChannelConfig(name: "t", kind: .telegram, chatID: "@x")
        telegram.timeout = 15
        let lease = OutboxPublisher.batchLease([telegram, ChannelConfig(name: "a", kind: .atom, path: "a.atom")], batchSize: 50)
        #expect(lease >= 150 + 15)
    }

    /// `<!channel>` pings a whole Slack workspace and `<url|text>` hides a link's target; a Discord `[text](url)` is
    /// a masked link. A post's words reach those channels as words.
    @Test func slackAndDiscordMarkupInAPostIsInert() throws {
        let hostile = "請大家注意 <!channel> <https://evil.example|官方公告> [點此領補助](https://evil.example) **緊急**"
        let item = PublishableItem(
            publicationID: 1, postID: 1, source: "s", title: nil, text: hostile, url: "https://news.example/a_(b)|c",
            published: nil, approvedAt: Date(), note: nil, types: [], places: [])
        let slack = try MessageTemplate(channel: ChannelConfig(name: "s", kind: .slack, url: "https://hooks.slack.com/x"))
            .render(item, action: .publish)
        #expect(!slack.contains("<!channel>"), "\(slack)")
        #expect(slack.contains("&lt;!channel&gt;"), "\(slack)")
        #expect(!slack.contains("<https://evil.example|"), "\(slack)")
        #expect(slack.contains("https://news.example/a_%28b%29%7Cc"), "\(slack)")
        let discord = try MessageTemplate(channel: ChannelConfig(name: "d", kind: .discord, url: "https://discord.com/api/webhooks/1/x"))
            .render(item, action: .publish)
        #expect(!discord.contains("[點此領補助](https://evil.example)"), "\(discord)")
        #expect(discord.contains("\\[點此領補助\\]\\(https://evil.example\\)"), "\(discord)")
        #expect(discord.contains("\\*\\*緊急\\*\\*"), "\(discord)")
        // Channels without markup get the text as written.
        let line = try MessageTemplate(channel: ChannelConfig(name: "l", kind: .line)).render(item, action: .publish)
        #expect(line.contains(hostile))
    }

    /// The Slack webhook URL is read from the environment (url_env), and no error about it — the delivery's
    /// lastError, the report, the logs — shows its secret path, even when the server echoes it back.
    @Test func aSecretWebhookURLNeverSurfaces() async throws {
        let f = try await Fixture()
        let slack = try FakePlatform(kind: .slack)
        slack.script(.serverError(500))
        var channel = slack.channel()
        channel.url = nil
        channel.urlEnv = "SIEVE_SLACK_URL"
        channel.maxAttempts = 3
        try await f.approve(try f.addItems(1), channels: ["slack"])
        let publisher = OutboxPublisher(database: f.db, channels: [channel], environment: ["SIEVE_SLACK_URL": slack.channelURL])
        let report = await publisher.deliverPending(DeliveryOptions(maxWait: 0, baseDelay: 30))
        #expect(report.channels["slack"]?.retrying == 1)
        let row = try #require(try await f.rows("slack").first)
        #expect(row.lastError?.contains("XXXX") == false, "\(row.lastError ?? "")")
        #expect(report.channels["slack"]?.lastError?.contains("XXXX") == false)
        // A transport error quoting the whole URL is redacted too.
        let api = try ChannelAPI(channel: { var c = channel; c.url = slack.channelURL; return c }(), token: nil)
        let message = api.redact("slack slack: \(slack.channelURL): Connection refused (path /services/T000/B000/XXXX)")
        #expect(!message.contains("XXXX"), "\(message)")
        #expect(message.contains(slack.server.baseURL + "/[REDACTED]"), "\(message)")
        // With the variable missing, the setup error names the variable, not a value.
        let missing = await OutboxPublisher(database: f.db, channels: [channel], environment: [:]).deliverPending(DeliveryOptions(maxWait: 0))
        #expect(missing.setupErrors.first?.contains("SIEVE_SLACK_URL") == true)
    }

    /// One delivery that fails twice and then dies is summarised once, as dead (it read "0 delivered, 1 to retry,
    /// 1 dead-lettered").
    @Test func aDeliveryIsCountedOnceByItsLastOutcome() async throws {
        let f = try await Fixture()
        let eoc = try FakePlatform(kind: .webhook)
        var hook = eoc.channel(name: "eoc")
        hook.maxAttempts = 2
        eoc.script(.serverError(500), .serverError(500))
        try await f.approve(try f.addItems(1), channels: ["eoc"])
        let report = await f.publisher([(eoc, hook)]).deliverPending(quick)
        let c = try #require(report.channels["eoc"])
        #expect(c.dead == 1 && c.retrying == 0 && c.delivered == 0, "\(c)")
    }
}
