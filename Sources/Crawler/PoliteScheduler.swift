import Foundation
import SieveCore

/// Politeness per host and overall: at most `concurrency` transfers in flight, at most `perHostConcurrency` per
/// host, at least `delay` seconds between starts on one host (raised by robots.txt Crawl-delay up to a cap, and by
/// a server's Retry-After), and a circuit breaker that leaves a host alone after repeated transient failures.
public actor PoliteScheduler {
    struct HostState {
        var inFlight = 0
        var nextStart = Date.distantPast
        var delay: Double
        var failures = 0
        var openUntil: Date?
    }

    public enum Decision: Sendable, Equatable {
        /// Go ahead (the slot is taken; call `finished` afterwards).
        case start
        /// Not before this time.
        case later(Date)
        /// The host's circuit is open until this time.
        case circuitOpen(Date)
        /// Everything is busy.
        case busy
    }

    public enum Outcome: Sendable {
        case success
        case transientFailure
        case permanentFailure
        case throttled(retryAfter: Double?)
    }

    let settings: CrawlerSettings
    private var hosts: [String: HostState] = [:]
    private var inFlight = 0

    public init(settings: CrawlerSettings) {
        self.settings = settings
    }

    /// Sets a host's delay from robots.txt Crawl-delay (capped by `maxCrawlDelay`).
    public func setCrawlDelay(_ seconds: Double?, host: String) {
        var h = hosts[host] ?? HostState(delay: settings.perHostDelay)
        h.delay = max(settings.perHostDelay, min(seconds ?? 0, settings.maxCrawlDelay))
        hosts[host] = h
    }

    public func delay(host: String) -> Double { hosts[host]?.delay ?? settings.perHostDelay }

    /// Takes a slot for `host` if politeness allows it now.
    public func tryStart(host: String, now: Date = Date()) -> Decision {
        guard inFlight < settings.concurrency else { return .busy }
        var h = hosts[host] ?? HostState(delay: settings.perHostDelay)
        if let open = h.openUntil {
            if open > now { return .circuitOpen(open) }
            h.openUntil = nil  // half-open: let one request try
            h.failures = settings.circuitBreakerFailures - 1
        }
        guard h.inFlight < settings.perHostConcurrency else { hosts[host] = h; return .busy }
        if h.nextStart > now { hosts[host] = h; return .later(h.nextStart) }
        h.inFlight += 1
        h.nextStart = now.addingTimeInterval(h.delay)
        hosts[host] = h
        inFlight += 1
        return .start
    }

    /// Gives the slot back and learns from the outcome.
    public func finished(host: String, outcome: Outcome, now: Date = Date()) {
        var h = hosts[host] ?? HostState(delay: settings.perHostDelay)
        h.inFlight = max(0, h.inFlight - 1)
        inFlight = max(0, inFlight - 1)
        switch outcome {
        case .success, .permanentFailure:
            h.failures = 0
        case .transientFailure:
            h.failures += 1
        case .throttled(let retryAfter):
            h.failures += 1
            let wait = retryAfter ?? max(h.delay * 4, 5)
            h.nextStart = max(h.nextStart, now.addingTimeInterval(min(wait, 3600)))
        }
        if h.failures >= settings.circuitBreakerFailures {
            h.openUntil = now.addingTimeInterval(settings.circuitBreakerSeconds)
        }
        hosts[host] = h
    }

    public var running: Int { inFlight }

    /// When to retry a URL after its `attempts`-th transient failure: exponential backoff with full jitter
    /// (base 2 s, cap 10 min), never sooner than the server's Retry-After.
    public nonisolated static func retryDelay(attempts: Int, retryAfter: Double?, jitter: Double = Double.random(in: 0...1))
        -> Double
    {
        let ceiling = min(600, 2 * pow(2, Double(max(0, attempts - 1))))
        let backoff = max(1, ceiling * jitter)
        return max(backoff, retryAfter ?? 0)
    }
}
