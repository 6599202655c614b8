import Foundation
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

let apiKinds: [ChannelKind] = [.mastodon, .telegram, .line, .facebook, .discord, .slack, .webhook]
/// Channels whose API de-duplicates on our key.
let idempotentKinds: Set<ChannelKind> = [.mastodon, .line, .webhook]

@Suite("Channel delivery against each platform's API shape")
struct ChannelDeliveryTests {
    @Test(arguments: apiKinds)
    func successIsRecordedWithTheRemoteID(kind: ChannelKind) async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: kind)
        let ids = try await f.addItems(2)
        try await f.approve(ids, channels: [kind.rawValue])
        let report = await f.publisher([(fake, fake.channel())]).deliverPending(quick)
        #expect(report.delivered == 2, "\(report)")
        #expect(fake.posts.count == 2)
        let rows = try await f.rows()
        #expect(rows.allSatisfy { $0.status == "delivered" && $0.attempts == 1 && $0.lastError == nil })
        let post = try #require(fake.posts.first)
        #expect(post.text.contains("台21線坍方"))
        #expect(post.text.contains("那瑪夏"))
        #expect(post.text.contains("已向區公所確認"))
        if kind != .facebook { #expect(post.text.contains("https://news.example.tw/a?id=1&x=2")) }
        if [.mastodon, .telegram, .line, .facebook, .discord, .webhook].contains(kind) {
            #expect(rows.allSatisfy { $0.remoteID != nil }, "remote ids: \(rows.map(\.remoteID))")
        }
    }

    /// A message the platform refuses (its own validation error shape) is dead-lettered at once with the
    /// platform's reason, and not retried.
    @Test(arguments: apiKinds.filter { $0 != .webhook })
    func validationErrorIsDeadLettered(kind: ChannelKind) async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: kind)
        let template = f.dir.write("empty.mustache", "{{text}}")
        var channel = fake.channel()
        channel.template = template
        let ids = try await f.addItems(1, text: "   ", url: nil)
        try await f.approve(ids, channels: [kind.rawValue], note: nil)
        let report = await f.publisher([(fake, channel)]).deliverPending(quick)
        #expect(report.dead == 1)
        #expect(fake.attempts == 1)
        let row = try #require(try await f.rows().first)
        #expect(row.status == "dead")
        let expected: [ChannelKind: String] = [
            .mastodon: "HTTP 422 Validation failed: Text can't be blank", .telegram: "Bad Request: message text is empty",
            .line: "HTTP 400 The request body has 1 error(s)", .facebook: "(#100) Missing message or attachment",
            .discord: "HTTP 400 Cannot send an empty message", .slack: "HTTP 400 no_text",
        ]
        #expect(row.lastError?.contains(expected[kind]!) == true, "\(row.lastError ?? "nil")")
        #expect(row.lastError?.contains(kind.rawValue) == true)
    }

    @Test func webhookWithTheWrongSecretIsRefused() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .webhook)
        var channel = fake.channel()
        channel.tokenEnv = "EOC_SECRET"
        try await f.approve(try f.addItems(1), channels: ["webhook"])
        let publisher = OutboxPublisher(database: f.db, channels: [channel], environment: ["EOC_SECRET": "not-the-secret"])
        let report = await publisher.deliverPending(quick)
        #expect(report.dead == 1)
        #expect(try await f.rows().first?.lastError?.contains("HTTP 401 bad signature") == true)
        #expect(fake.posts.isEmpty)
    }

    /// 429 with the platform's own hint (Retry-After, Telegram parameters.retry_after, Discord retry_after,
    /// Mastodon X-RateLimit-Reset, Graph API code 32): the retry waits at least that long, then succeeds.
    @Test(arguments: apiKinds)
    func throttledDeliveryWaitsForTheHint(kind: ChannelKind) async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: kind)
        fake.script(.throttle(1.2))
        try await f.approve(try f.addItems(1), channels: [kind.rawValue])
        let report = await f.publisher([(fake, fake.channel())]).deliverPending(quick)
        #expect(report.delivered == 1, "\(report)")
        let times = fake.requestTimes
        #expect(times.count == 2)
        if times.count == 2 {
            // Telegram rounds its hint up to whole seconds; Mastodon's reset time has one-second resolution.
            #expect(times[1].timeIntervalSince(times[0]) >= 0.9, "retried after \(times[1].timeIntervalSince(times[0])) s")
        }
        let row = try #require(try await f.rows().first)
        #expect(row.status == "delivered" && row.attempts == 2)
        #expect(fake.posts.count == 1)
    }

    @Test(arguments: apiKinds)
    func serverErrorIsRetriedWithBackoff(kind: ChannelKind) async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: kind)
        fake.script(.serverError(502), .serverError(500))
        try await f.approve(try f.addItems(1), channels: [kind.rawValue])
        let report = await f.publisher([(fake, fake.channel())]).deliverPending(quick)
        #expect(report.delivered == 1, "\(report)")
        #expect(fake.attempts == 3)
        #expect(try await f.rows().first?.attempts == 3)
        let times = fake.requestTimes
        if times.count == 3 {
            // Backoff with jitter: 0.05 s × 2^(n-1) × [0.5, 1] → the second gap is at least 0.05 s.
            #expect(times[2].timeIntervalSince(times[1]) >= 0.045)
        }
    }

    @Test func attemptsExhaustedGoToTheDeadLetterState() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .mastodon)
        fake.script(.serverError(503), .serverError(503), .serverError(503), .serverError(503))
        var channel = fake.channel()
        channel.maxAttempts = 3
        channel.circuitBreakerFailures = 100
        try await f.approve(try f.addItems(1), channels: ["mastodon"])
        let report = await f.publisher([(fake, channel)]).deliverPending(quick)
        #expect(report.dead == 1)
        #expect(fake.attempts == 3)
        let row = try #require(try await f.rows().first)
        #expect(row.status == "dead" && row.attempts == 3)
        #expect(row.lastError?.contains("HTTP 503") == true)
        // `sieve outbox retry` gives it a fresh budget; the next run delivers it.
        _ = try await f.db.retryDelivery(row.id!, actor: "test")
        let again = await f.publisher([(fake, channel)]).deliverPending(quick)
        #expect(again.delivered == 1)
        #expect(fake.posts.count == 1)
    }

    /// A timeout is retried; where the platform de-duplicates on our key, a post whose answer was lost is not
    /// posted twice; where it does not, the duplicate is real (and counted).
    @Test(arguments: apiKinds)
    func lostAnswerAndIdempotency(kind: ChannelKind) async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: kind)
        // The first answer is lost (the platform stalls far past the timeout); the retry's answer must arrive within
        // the timeout even on a loaded machine, so the timeout is 2 s rather than a fraction of one.
        fake.script(.acceptThenStall(8))
        var channel = fake.channel()
        channel.timeout = 2
        try await f.approve(try f.addItems(1), channels: [kind.rawValue])
        let report = await f.publisher([(fake, channel)]).deliverPending(quick)
        #expect(report.delivered == 1, "\(report)")
        #expect(fake.attempts == 2)
        let row = try #require(try await f.rows().first)
        #expect(row.attempts == 2 && row.status == "delivered")
        if idempotentKinds.contains(kind) {
            #expect(fake.posts.count == 1, "\(kind) de-duplicates on the key: exactly one post")
        } else {
            #expect(fake.posts.count == 2, "\(kind) has no idempotency key: the lost answer costs a duplicate")
        }
    }

    /// A Slack webhook's URL is its credential: the error names the host, never the path that holds the secret.
    @Test func timeoutIsReportedWithTheHostButNotTheSecretPath() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .slack)
        fake.script(.hang(1.5))
        var channel = fake.channel()
        channel.timeout = 0.4
        try await f.approve(try f.addItems(1), channels: ["slack"])
        let attempted = Date()
        let report = await f.publisher([(fake, channel)]).deliverPending(DeliveryOptions(maxWait: 0, baseDelay: 30))
        #expect(report.delivered == 0)
        let row = try #require(try await f.rows().first)
        #expect(row.status == "failed")
        #expect(row.lastError?.contains("timed out") == true, "\(row.lastError ?? "")")
        #expect(row.lastError?.contains("/services/T000/B000/XXXX") == false, "\(row.lastError ?? "")")
        #expect(row.lastError?.contains("XXXX") == false, "\(row.lastError ?? "")")
        #expect(row.lastError?.contains("127.0.0.1") == true, "\(row.lastError ?? "")")
        #expect(row.lastError?.contains("[REDACTED]") == true, "\(row)")
        // The retry waits at least 10 s after the attempt (measured from its start: on a loaded machine the
        // attempt itself can take seconds).
        #expect(row.nextAttemptAt > attempted.addingTimeInterval(10))
    }

    @Test func circuitBreakerStopsHammeringABrokenChannel() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .discord)
        fake.script(.serverError(503), .serverError(503), .serverError(503), .serverError(503), .serverError(503))
        var channel = fake.channel()
        channel.circuitBreakerFailures = 2
        channel.circuitBreakerSeconds = 60
        try await f.approve(try f.addItems(5), channels: ["discord"])
        let report = await f.publisher([(fake, channel)]).deliverPending(DeliveryOptions(maxWait: 0, baseDelay: 0.01))
        #expect(fake.attempts == 2, "the circuit opened after 2 failures")
        #expect(report.channels["discord"]?.circuitOpen == true)
        #expect(report.channels["discord"]?.deferred == 3)
        let rows = try await f.rows()
        #expect(rows.filter { $0.status == "pending" }.count == 3)
        #expect(rows.filter { $0.status == "pending" }.allSatisfy { $0.nextAttemptAt > Date().addingTimeInterval(50) })
    }

    /// One channel's open circuit does not hold back another channel's retry.
    @Test func anOpenCircuitDoesNotDelayOtherChannels() async throws {
        let f = try await Fixture()
        let broken = try FakePlatform(kind: .discord)
        broken.script(.serverError(503))
        var brokenChannel = broken.channel()
        brokenChannel.circuitBreakerFailures = 1
        let flaky = try FakePlatform(kind: .mastodon)
        flaky.script(.serverError(500))
        let ids = try await f.addItems(1)
        try await f.approve(ids, channels: ["discord", "mastodon"])
        let report = await f.publisher([(broken, brokenChannel), (flaky, flaky.channel())]).deliverPending(quick)
        #expect(report.channels["mastodon"]?.delivered == 1, "\(report)")
        #expect(report.channels["discord"]?.delivered == 0)
        #expect(try await f.rows("discord").first?.status == "failed")
    }

    @Test func rateLimitSpacesRequests() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .telegram)
        var channel = fake.channel()
        channel.ratePerMinute = 300  // one every 0.2 s
        try await f.approve(try f.addItems(4), channels: ["telegram"])
        let report = await f.publisher([(fake, channel)]).deliverPending(quick)
        #expect(report.delivered == 4)
        let t = fake.requestTimes
        // Arrival times at the fake are when the requests arrived, not when they were sent: a first request that
        // arrives 50 ms late on a loaded machine shortens the span (0.549 s was seen). The schedule itself is
        // checked exactly below, on an injected clock; here the four requests must be clearly spread out (an
        // unlimited run takes a few milliseconds).
        #expect(t.count == 4)
        if let first = t.first, let last = t.last {
            #expect(last.timeIntervalSince(first) >= 0.4, "span \(last.timeIntervalSince(first))")
        }
    }

    @Test func theLimiterBooksOneSlotPerIntervalOnAnInjectedClock() async {
        let gates = Gates()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        // Four requests asked for at the same instant start 0, 0.2, 0.4 and 0.6 s later.
        var waits: [TimeInterval] = []
        for _ in 0..<4 { waits.append(await gates.reserve("telegram", interval: 0.2, now: t0)) }
        #expect(waits.map { ($0 * 1000).rounded() } == [0, 200, 400, 600])
        // A caller that comes back after the booked slots have passed waits nothing, and books from then on.
        #expect(await gates.reserve("telegram", interval: 0.2, now: t0.addingTimeInterval(5)) == 0)
        #expect(abs(await gates.reserve("telegram", interval: 0.2, now: t0.addingTimeInterval(5.05)) - 0.15) < 1e-5)
        // Channels are limited independently.
        #expect(await gates.reserve("mastodon", interval: 0.2, now: t0) == 0)
    }

    @Test func missingTokenIsASetupErrorAndNothingIsLost() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .mastodon)
        var channel = fake.channel()
        channel.tokenEnv = "NOT_SET_ANYWHERE"
        channel.location = "sieve.toml:12"
        try await f.approve(try f.addItems(1), channels: ["mastodon"])
        let report = await OutboxPublisher(database: f.db, channels: [channel], environment: [:]).deliverPending(quick)
        #expect(report.setupErrors == ["sieve.toml:12: channel \"mastodon\": environment variable NOT_SET_ANYWHERE (token_env) is not set or empty"])
        #expect(try await f.rows().first?.status == "pending")
        #expect(fake.attempts == 0)
    }

    @Test func tokensNeverReachTheDatabaseOrErrors() async throws {
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .telegram)  // the token is part of Telegram's URL
        // Every attempt fails (a loaded machine may oversleep the back-off and try again within the round).
        fake.script(.hang(1), .hang(1), .hang(1), .hang(1))
        var channel = fake.channel()
        channel.timeout = 0.3
        try await f.approve(try f.addItems(1), channels: ["telegram"])
        _ = await f.publisher([(fake, channel)]).deliverPending(DeliveryOptions(maxWait: 0))
        let row = try #require(try await f.rows().first)
        #expect(row.lastError?.contains("[REDACTED]") == true, "\(row)")
        #expect(row.lastError?.contains(fake.token) == false)
        for file in [f.db.path, f.db.path + "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
            #expect(bytes.range(of: Data(fake.token.utf8)) == nil, "token found in \(file)")
        }
    }
}
