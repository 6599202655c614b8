import Net
import Foundation
import Logging
import Metrics
import SieveCore
import Store

/// What one `deliverPending` run did.
public struct DeliveryReport: Sendable, Equatable {
    /// Where one delivery ended up in this run (its last attempt's outcome).
    public enum Outcome: Sendable, Equatable {
        case delivered, retrying, dead, unsupported, deferred, skipped
    }

    public struct Channel: Sendable, Equatable {
        public var name: String
        /// Each delivery handled in this run, by its last outcome: a delivery tried three times counts once.
        public var outcomes: [Int64: Outcome] = [:]
        public var lastError: String?
        public var circuitOpen = false

        func count(_ o: Outcome) -> Int { outcomes.values.filter { $0 == o }.count }
        public var delivered: Int { count(.delivered) }
        /// Deliveries whose last attempt failed and that will be retried.
        public var retrying: Int { count(.retrying) }
        public var dead: Int { count(.dead) }
        public var unsupported: Int { count(.unsupported) }
        /// Deliveries put back untried (circuit open, rate-limit pause).
        public var deferred: Int { count(.deferred) }
        /// Deliveries not sent because, by their turn, another publisher held them or their item was retracted.
        public var skipped: Int { count(.skipped) }
    }
    public var channels: [String: Channel] = [:]
    /// Deliveries left mid-flight by a publisher that died, now retried.
    public var reclaimed = 0
    /// Still pending or waiting for a retry when the run ended.
    public var waiting = 0
    /// Channel setup problems (missing token, bad template): their deliveries stay queued.
    public var setupErrors: [String] = []
    /// Channels left out on purpose, with the reason (an exercise store reaches only exercise channels).
    public var excludedChannels: [String] = []

    public var delivered: Int { channels.values.map(\.delivered).reduce(0, +) }
    public var dead: Int { channels.values.map(\.dead).reduce(0, +) }
    public var problems: Bool { dead > 0 || !setupErrors.isEmpty || channels.values.contains { $0.retrying > 0 } }
}

/// How long `deliverPending` keeps going.
public struct DeliveryOptions: Sendable {
    /// Wait for retries that fall due within this many seconds (0: stop when nothing is due now).
    public var maxWait: TimeInterval
    /// Deliveries claimed per round.
    public var batchSize: Int
    /// Free rows left `delivering` by a dead publisher right away (only when this is the sole publisher).
    public var reclaimOrphans: Bool
    /// Exponential backoff: first retry after about `baseDelay` seconds, doubling, capped at `maxDelay`.
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// How long a claimed delivery stays this publisher's (nil: the slowest channel's timeout plus a minute).
    /// On a shared database another worker retries it once the lease expires.
    public var lease: TimeInterval?
    /// How long to keep trying to record a delivery's outcome while the database cannot be reached (a PostgreSQL
    /// failover takes seconds): a delivery sent but not recorded as sent would be sent again after its lease.
    public var recordRetry: TimeInterval

    public init(
        maxWait: TimeInterval = 0, batchSize: Int = 50, reclaimOrphans: Bool = false, baseDelay: TimeInterval = 2,
        maxDelay: TimeInterval = 900, lease: TimeInterval? = nil, recordRetry: TimeInterval = 60
    ) {
        self.lease = lease
        self.recordRetry = recordRetry
        self.maxWait = maxWait
        self.batchSize = batchSize
        self.reclaimOrphans = reclaimOrphans
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }
}

/// The outbox's delivery loop: claims due deliveries, sends them at-least-once (with the row's idempotency key
/// where the channel honours one), honours rate limits and 429 hints, backs off exponentially with jitter,
/// trips a per-channel circuit breaker, and dead-letters after `max_attempts`. File channels (Atom, JSON Feed,
/// GeoJSON, KML, CAP) are rewritten from the database instead. One instance can run for the life of a server
/// (`deliverPending` again and again); its rate-limit and breaker state carries over between calls.
public final class OutboxPublisher: Sendable {
    public let database: any OutboxRepository
    private let configured: Locked<[ChannelConfig]>
    /// The channels delivered to (each round takes them once, at its start).
    public var channels: [ChannelConfig] { configured.withLock { $0 } }
    let client: HTTPClient
    let logger: Logger
    let environment: [String: String]
    let gates: Gates

    /// Used when the config names no channel, so `sieve publish` still produces a feed.
    public static let defaultChannel = ChannelConfig(
        name: "community-feed", kind: .atom, path: "public/community.atom", title: "Sieve 已查證災情")

    public init(
        database: any OutboxRepository, channels: [ChannelConfig], client: HTTPClient = HTTPClient(),
        logger: Logger = Logger(label: "sieve.publisher", factory: { _ in SwiftLogNoOpLogHandler() }),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.database = database
        self.configured = Locked(channels.isEmpty ? [Self.defaultChannel] : channels)
        self.client = client
        self.logger = logger
        self.environment = environment
        self.gates = Gates()
    }

    /// Replaces the channels from the next round on (a reloaded config); rate-limit and breaker state is kept
    /// for channels that keep their name.
    public func replaceChannels(_ channels: [ChannelConfig]) {
        configured.withLock { $0 = channels.isEmpty ? [Self.defaultChannel] : channels }
    }

    /// Delivers everything due, then returns (see `DeliveryOptions.maxWait`).
    public func deliverPending(_ options: DeliveryOptions = .init()) async -> DeliveryReport {
        var report = DeliveryReport()
        // An exercise store (a drill) reaches only channels marked `exercise = true`; a production store never
        // reaches those. Asked every round, so no cached answer can outlive a store swap. Not knowing is a no.
        let drill: ExerciseInfo?
        do {
            drill = try await database.exercise()
        } catch {
            report.setupErrors.append("cannot tell whether \(database.path) is an exercise store, so nothing is delivered: \(error)")
            return report
        }
        let channels = self.channels.filter { $0.exercise == (drill != nil) }
        for c in self.channels where c.exercise != (drill != nil) {
            report.excludedChannels.append(
                drill != nil
                    ? "\(c.display): not an exercise channel; the drill \"\(drill!.scenario)\" publishes only to channels with exercise = true"
                    : "\(c.display): an exercise channel (exercise = true), used only by drills")
        }
        for c in channels { report.channels[c.name] = .init(name: c.name) }
        if options.reclaimOrphans {
            do { report.reclaimed = try await database.reclaimOrphans() } catch { report.setupErrors.append("\(error)") }
        }
        // Set up every API channel once: token, template. A broken channel is reported; its rows wait.
        var apis: [String: ChannelAPI] = [:]
        var usable: [ChannelConfig] = []
        for c in channels {
            if c.kind.isFile {
                usable.append(c)
                continue
            }
            do {
                let token = try ChannelSecrets.token(for: c, environment: environment)
                var resolved = c
                resolved.url = try ChannelSecrets.url(for: c, environment: environment)
                apis[c.name] = try ChannelAPI(channel: resolved, token: token)
                usable.append(c)
            } catch let error as ChannelSetupError {
                report.setupErrors.append(error.description)
            } catch {
                report.setupErrors.append("\(c.display): \(error)")
            }
        }
        let names = usable.map(\.name)
        let deadline = Date().addingTimeInterval(options.maxWait)
        while true {
            let now = Date()
            let open = await gates.openCircuits(at: now)
            let entries: [OutboxEntry]
            do {
                entries = try await database.leaseDueDeliveries(
                    now: now, limit: options.batchSize, channels: names, excludedChannels: open,
                    lease: options.lease ?? Self.batchLease(usable, batchSize: options.batchSize))
            } catch {
                report.setupErrors.append("claiming deliveries: \(error)")
                break
            }
            if entries.isEmpty {
                // Anything due later, within the wait budget?
                var next: Date? = nil
                for name in names {
                    guard let due = (try? await database.nextDue(channels: [name])) ?? nil else { continue }
                    let ready = max(due, await gates.blockedUntil(name, at: due) ?? due)
                    next = min(next ?? ready, ready)
                }
                guard let due = next, due <= deadline else { break }
                let pause = max(0.05, due.timeIntervalSinceNow)
                // Whenever it wakes (a busy machine may oversleep), it tries once more before giving up.
                try? await Task.sleep(for: .seconds(min(pause, max(0.05, deadline.timeIntervalSinceNow))))
                continue
            }
            let byChannel = Dictionary(grouping: entries, by: { $0.publication.channel })
            let results = await withTaskGroup(of: DeliveryReport.Channel.self) { group in
                for (name, batch) in byChannel {
                    guard let channel = usable.first(where: { $0.name == name }) else { continue }
                    let api = apis[name]
                    group.addTask { [self] in
                        if channel.kind.isFile { return await self.deliverFile(channel, batch, options: options) }
                        return await self.deliver(channel, api: api!, batch, options: options)
                    }
                }
                var out: [DeliveryReport.Channel] = []
                for await r in group { out.append(r) }
                return out
            }
            for r in results {
                var c = report.channels[r.name] ?? .init(name: r.name)
                c.outcomes.merge(r.outcomes) { $1 }
                c.lastError = r.lastError ?? c.lastError
                c.circuitOpen = r.circuitOpen
                report.channels[r.name] = c
            }
        }
        report.waiting = (try? await database.outbox(statuses: [.pending, .failed, .delivering], limit: 100_000).count) ?? 0
        return report
    }

    /// Rewrites a file channel and marks the batch delivered (one write covers every row).
    func deliverFile(_ channel: ChannelConfig, _ batch: [OutboxEntry], options: DeliveryOptions) async -> DeliveryReport.Channel {
        var r = DeliveryReport.Channel(name: channel.name)
        do {
            let path = try await Feeds.writeChannel(channel, database: database)
            for entry in batch {
                try await database.markDelivered(entry.publication.id!, remoteID: nil)
                r.outcomes[entry.publication.id!] = .delivered
                Self.count(channel.name, "delivered")
            }
            logger.info("file channel written", metadata: ["channel": "\(channel.name)", "path": "\(path)", "rows": "\(batch.count)"])
        } catch {
            let message = "\(channel.display): \(error)"
            r.lastError = message
            for entry in batch {
                let retry = retryDate(entry, hint: nil, options: options, channel: channel)
                try? await database.markAttemptFailed(entry.publication.id!, error: message, retryAt: retry)
                r.outcomes[entry.publication.id!] = retry == nil ? .dead : .retrying
                Self.count(channel.name, retry == nil ? "dead" : "failed")
            }
        }
        return r
    }

    /// `sieve_publish_total{channel, outcome}`: delivered, unsupported, dead (refused or out of attempts), failed
    /// (will retry). A no-op until a metrics backend is bootstrapped.
    static func count(_ channel: String, _ outcome: String) {
        Counter(label: "sieve_publish_total", dimensions: [("channel", channel), ("outcome", outcome)]).increment()
    }

    /// How long a claimed batch stays this publisher's: long enough to send all of it at the slowest channel's rate
    /// limit (50 at Telegram's 20 a minute take 150 s), plus one request's timeout and a minute. Each delivery's
    /// lease is extended again right before it is sent (`confirmDelivery`).
    package static func batchLease(_ channels: [ChannelConfig], batchSize: Int) -> TimeInterval {
        channels.map { c in
            let interval = c.kind.isFile ? 0 : 60.0 / (c.ratePerMinute ?? defaultRatePerMinute(c.kind))
            return Double(batchSize) * interval + c.timeout + 60
        }.max() ?? 90
    }

    /// Sends one channel's batch in order, one request at a time, within its rate limit.
    func deliver(_ channel: ChannelConfig, api: ChannelAPI, _ batch: [OutboxEntry], options: DeliveryOptions) async
        -> DeliveryReport.Channel
    {
        var r = DeliveryReport.Channel(name: channel.name)
        let interval = 60.0 / (channel.ratePerMinute ?? Self.defaultRatePerMinute(channel.kind))
        for (index, entry) in batch.enumerated() {
            let id = entry.publication.id!
            // Circuit open or paused by a 429: give the rest back untried.
            if let until = await gates.blockedUntil(channel.name, at: Date()) {
                for rest in batch[index...] {
                    try? await database.release(rest.publication.id!, until: until, reason: nil)
                    r.outcomes[rest.publication.id!] = .deferred
                }
                r.circuitOpen = await gates.isOpen(channel.name, at: Date())
                break
            }
            let wait = await gates.reserve(channel.name, interval: interval, now: Date())
            if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
            // Still ours, and still wanted? (A lease that ran out was given to another publisher; the item may have
            // been retracted while this batch waited for its turn.)
            let meta: Logger.Metadata = [
                "channel": "\(channel.name)", "delivery": "\(id)", "post": "\(entry.publication.postId)",
                "action": "\(entry.publication.action)",
            ]
            let confirmed: Bool
            do {
                // The request's timeout plus a margin for recording the outcome (a minute; shorter when the
                // worker's claims are shorter, `--lease`: a publisher killed mid-send then frees its delivery sooner,
                // at the price of a possible second send — absorbed by the idempotency key — should recording take
                // longer than that margin).
                confirmed = try await database.confirmDelivery(
                    id, leaseUntil: Date().addingTimeInterval(channel.timeout + min(60, options.lease ?? 60)))
            } catch {
                // The database could not be asked (a failover under way): give the delivery back untried, once it
                // can be reached, rather than leave it claimed by this live publisher (whose lease keeper would
                // renew the claim and keep it from everyone).
                try? await recording(options, meta) { () async throws(StoreError) in try await database.release(id, until: Date(), reason: nil) }
                r.outcomes[id] = .deferred
                logger.warning("cannot confirm the delivery; given back untried", metadata: meta.merging(["error": "\(error)"]) { $1 })
                continue
            }
            guard confirmed else {
                r.outcomes[id] = .skipped
                logger.notice("delivery no longer this publisher's (taken over or retracted); not sent", metadata: ["channel": "\(channel.name)", "delivery": "\(id)"])
                continue
            }
            let outcome: DeliveryOutcome
            switch api.request(for: entry) {
            case .decided(let decided): outcome = decided
            case .send(let request):
                do {
                    let response = try await client.send(request)
                    outcome = api.interpret(response, for: entry)
                } catch {
                    outcome = .retry(error: api.redact("\(channel.kind.rawValue) \(channel.name): \(error.description)"), after: nil, throttled: false)
                }
            }
            do {
                switch outcome {
                case .delivered(let remoteID):
                    try await recording(options, meta) { () async throws(StoreError) in try await database.markDelivered(id, remoteID: remoteID) }
                    await gates.success(channel.name)
                    r.outcomes[id] = .delivered
                    Self.count(channel.name, "delivered")
                    logger.info("delivered", metadata: meta)
                case .unsupported(let reason):
                    try await recording(options, meta) { () async throws(StoreError) in try await database.markUnsupported(id, reason: reason) }
                    r.outcomes[id] = .unsupported
                    Self.count(channel.name, "unsupported")
                    logger.info("not supported by channel", metadata: meta.merging(["reason": "\(reason)"]) { $1 })
                case .rejected(let error):
                    try await recording(options, meta) { () async throws(StoreError) in try await database.markAttemptFailed(id, error: error, retryAt: nil) }
                    r.outcomes[id] = .dead
                    Self.count(channel.name, "dead")
                    r.lastError = error
                    logger.error("rejected by channel; dead-lettered", metadata: meta.merging(["error": "\(error)"]) { $1 })
                case .retry(let error, let hint, let throttled):
                    let retryAt = retryDate(entry, hint: hint, options: options, channel: channel)
                    try await recording(options, meta) { () async throws(StoreError) in try await database.markAttemptFailed(id, error: error, retryAt: retryAt) }
                    r.lastError = error
                    r.outcomes[id] = retryAt == nil ? .dead : .retrying
                    Self.count(channel.name, retryAt == nil ? "dead" : "failed")
                    if throttled {
                        // The whole channel waits out the hint (or the backoff).
                        await gates.pause(channel.name, until: retryAt ?? Date().addingTimeInterval(hint ?? options.baseDelay))
                    } else {
                        await gates.failure(
                            channel.name, threshold: channel.circuitBreakerFailures, cooldown: channel.circuitBreakerSeconds,
                            now: Date())
                    }
                    logger.warning(
                        retryAt == nil ? "failed; attempts exhausted, dead-lettered" : "failed; will retry",
                        metadata: meta.merging(["error": "\(error)"]) { $1 })
                }
            } catch {
                // Not recorded within `recordRetry`: the claim is given back (if the database takes even that), so
                // the delivery is retried with its idempotency key instead of staying claimed by this publisher.
                r.lastError = "\(error)"
                logger.error("recording the outcome failed", metadata: meta.merging(["error": "\(error)"]) { $1 })
                try? await database.release(id, until: Date(), reason: "outcome not recorded (\(error)); retried with the same idempotency key")
            }
        }
        return r
    }

    /// Runs `write` (recording a delivery's outcome), trying again with growing pauses (0.25 s doubling to 4 s) while
    /// it fails, for up to `options.recordRetry` seconds: what was sent is recorded once the database is back.
    /// Only on a shared database (PostgreSQL, whose server can fail over); SQLite's errors do not pass with time.
    func recording(
        _ options: DeliveryOptions, _ meta: Logger.Metadata, _ write: () async throws(StoreError) -> Void
    ) async throws(StoreError) {
        let deadline = Date().addingTimeInterval(database.sharesWork ? options.recordRetry : 0)
        var pause = 0.25
        while true {
            do {
                return try await write()
            } catch {
                guard Date().addingTimeInterval(pause) < deadline, !Task.isCancelled else { throw error }
                logger.warning("cannot record the outcome yet; trying again", metadata: meta.merging(["error": "\(error)", "retry_in_s": "\(pause)"]) { $1 })
                try? await Task.sleep(for: .seconds(pause))
                pause = min(pause * 2, 4)
            }
        }
    }

    /// When to try again, or nil when the attempts are used up. Exponential backoff with jitter (half to full
    /// delay), never sooner than the channel's own hint.
    func retryDate(_ entry: OutboxEntry, hint: Double?, options: DeliveryOptions, channel: ChannelConfig) -> Date? {
        let attempts = entry.publication.attempts + 1
        guard attempts < channel.maxAttempts else { return nil }
        let exp = min(options.maxDelay, options.baseDelay * pow(2, Double(attempts - 1)))
        let jittered = exp * Double.random(in: 0.5...1.0)
        return Date().addingTimeInterval(max(jittered, min(hint ?? 0, 3600)))
    }

    static func defaultRatePerMinute(_ kind: ChannelKind) -> Double {
        switch kind {
        case .mastodon: return 30  // 300 statuses per 3 h per account is the real cap; stay gentle in bursts
        case .telegram: return 20  // 20 messages per minute to one group/channel
        case .line: return 60
        case .facebook: return 30
        case .discord: return 30  // 5 requests per 2 s per webhook, with headroom
        case .slack: return 60  // 1 per second per incoming webhook
        case .webhook: return 120
        default: return 6000
        }
    }
}

/// Per-channel rate limit, 429 pause and circuit breaker state. Every method takes the time as an argument (the
/// publisher passes `Date()`), so tests drive it with their own clock.
package actor Gates {
    struct State {
        var nextSlot = Date.distantPast
        var pausedUntil = Date.distantPast
        var failures = 0
        var openUntil = Date.distantPast
    }
    var states: [String: State] = [:]

    /// Seconds to wait before the next request on `channel` may start (and books that slot).
    package init() {}

    package func reserve(_ channel: String, interval: TimeInterval, now: Date) -> TimeInterval {
        var s = states[channel, default: State()]
        let start = max(now, s.nextSlot)
        s.nextSlot = start.addingTimeInterval(interval)
        states[channel] = s
        return start.timeIntervalSince(now)
    }

    func pause(_ channel: String, until: Date) {
        states[channel, default: State()].pausedUntil = max(states[channel]?.pausedUntil ?? .distantPast, until)
    }

    func success(_ channel: String) {
        states[channel, default: State()].failures = 0
        states[channel]?.openUntil = .distantPast
    }

    /// Counts a failure; `threshold` in a row opens the circuit for `cooldown` seconds. After the cooldown one
    /// trial delivery goes through (half-open): its failure reopens the circuit at once.
    func failure(_ channel: String, threshold: Int, cooldown: TimeInterval, now: Date) {
        var s = states[channel, default: State()]
        s.failures += 1
        if s.failures >= threshold { s.openUntil = now.addingTimeInterval(cooldown) }
        states[channel] = s
    }

    func isOpen(_ channel: String, at now: Date) -> Bool { (states[channel]?.openUntil ?? .distantPast) > now }

    func blockedUntil(_ channel: String, at now: Date) -> Date? {
        guard let s = states[channel] else { return nil }
        let until = max(s.openUntil, s.pausedUntil)
        return until > now ? until : nil
    }

    func openCircuits(at now: Date) -> Set<String> {
        Set(states.filter { max($0.value.openUntil, $0.value.pausedUntil) > now }.map(\.key))
    }

}
