import Foundation
import Metrics

/// The classify and cross-reference stages' metrics (the crawl's are CrawlMetrics in Crawler), through swift-metrics: a no-op until a backend is bootstrapped (`sieve schedule` and
/// `sieve serve` bootstrap Prometheus; see Observability/SieveMetrics.swift for the names and their meaning).
enum PipelineMetrics {
    /// Made per use, not stored: a handler made before the backend is bootstrapped would stay a no-op.
    static func classified(nanoseconds: UInt64) {
        Metrics.Timer(label: "sieve_classification_duration_seconds").recordNanoseconds(Int64(nanoseconds))
    }

    static func crossReferenced(_ verdict: String) {
        Counter(label: "sieve_xref_total", dimensions: [("verdict", verdict)]).increment()
    }
}
