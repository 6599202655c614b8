import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Store

/// Prometheus metrics for Sieve. The stages record through swift-metrics (a no-op until a backend is
/// bootstrapped); ``bootstrap()`` makes this registry the process's backend (once; later calls return the same
/// registry), and ``render(database:now:)`` gives the text exposition a `/metrics` endpoint returns.
///
/// | name | type | labels | what |
/// |---|---|---|---|
/// | `sieve_fetches_total` | counter | host | frontier entries fetched (or tried) |
/// | `sieve_fetch_errors_total` | counter | host | fetches that failed (HTTP, network, robots, extraction) |
/// | `sieve_posts_stored_total` | counter | | new posts stored |
/// | `sieve_classification_duration_seconds` | histogram | | time to assess one post |
/// | `sieve_xref_total` | counter | verdict | posts cross-referenced, by verdict |
/// | `sieve_publish_total` | counter | channel, outcome | deliveries: delivered, failed (will retry), dead, unsupported |
/// | `sieve_queue_depth` | gauge | queue | review (queued/escalated posts), frontier (pending URLs), outbox (undelivered) |
/// | `sieve_queue_oldest_age_seconds` | gauge | queue | age of the oldest item in that queue |
/// | `sieve_job_runs_total` | counter | job, outcome | scheduler job runs: ok, partial, failed, skipped |
/// | `sieve_job_duration_seconds` | histogram | job | scheduler job durations |
/// | `sieve_job_last_success_timestamp_seconds` | gauge | job | Unix time of the job's last ok run |
/// | `sieve_database_up` | gauge | | 1 when the last scrape could read the database |
public enum SieveMetrics {
    /// Help lines for the exposition (swift-metrics has no help text; they are added when rendering).
    public static let help: [String: String] = [
        "sieve_fetches_total": "Frontier entries fetched or tried, by host.",
        "sieve_fetch_errors_total": "Fetches that failed (HTTP, network, robots.txt, extraction), by host.",
        "sieve_posts_stored_total": "New posts stored.",
        "sieve_classification_duration_seconds": "Time to assess one post.",
        "sieve_xref_total": "Posts cross-referenced, by verdict.",
        "sieve_publish_total": "Outbox deliveries by channel and outcome (delivered, failed, dead, unsupported).",
        "sieve_queue_depth": "Items waiting: review (queued or escalated posts), frontier (URLs to fetch), outbox (undelivered).",
        "sieve_queue_oldest_age_seconds": "Age of the oldest item waiting in the queue.",
        "sieve_job_runs_total": "Scheduler job runs by job and outcome.",
        "sieve_job_duration_seconds": "Scheduler job durations.",
        "sieve_job_last_success_timestamp_seconds": "Unix time of the job's last successful run.",
        "sieve_database_up": "1 when the last scrape could read the database.",
    ]

    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["sieve_classification_duration_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]
        factory.durationHistogramBuckets["sieve_job_duration_seconds"] = [
            .milliseconds(10), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15),
            .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(900),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Makes Prometheus the swift-metrics backend of this process (first call only) and returns its registry.
    /// Call this instead of `MetricsSystem.bootstrap`, which may only run once per process.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry { shared }

    /// The Prometheus text exposition (format 0.0.4). With a database, the queue gauges are read from it first.
    public static func render(database: (any HealthRepository)?, now: Date = Date()) async -> String {
        let registry = bootstrap()
        if let database {
            do {
                for g in try await database.queueGauges(now: now) {
                    Gauge(label: "sieve_queue_depth", dimensions: [("queue", g.queue)]).record(g.depth)
                    Gauge(label: "sieve_queue_oldest_age_seconds", dimensions: [("queue", g.queue)]).record(g.oldestAge)
                }
                Gauge(label: "sieve_database_up").record(1)
            } catch {
                Gauge(label: "sieve_database_up").record(0)
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var out = ""
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if let text = help[String(name)] { out += "# HELP \(name) \(text)\n" }
            }
            out += line
            out += "\n"
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// The content type of ``render(database:now:)``'s text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
