import Foundation
import Metrics

/// The pipeline's metrics, through swift-metrics: a no-op until a backend is bootstrapped (`sieve schedule` and
/// `sieve serve` bootstrap Prometheus; see Observability/SieveMetrics.swift for the names and their meaning).
enum PipelineMetrics {
    static func fetch(host: String) {
        Counter(label: "sieve_fetches_total", dimensions: [("host", host.isEmpty ? "file" : host)]).increment()
    }

    static func fetchError(host: String) {
        Counter(label: "sieve_fetch_errors_total", dimensions: [("host", host.isEmpty ? "file" : host)]).increment()
    }

    static func postsStored(_ n: Int) {
        if n > 0 { Counter(label: "sieve_posts_stored_total").increment(by: n) }
    }

    /// Made per use, not stored: a handler made before the backend is bootstrapped would stay a no-op.
    static func classified(nanoseconds: UInt64) {
        Metrics.Timer(label: "sieve_classification_duration_seconds").recordNanoseconds(Int64(nanoseconds))
    }

    static func crossReferenced(_ verdict: String) {
        Counter(label: "sieve_xref_total", dimensions: [("verdict", verdict)]).increment()
    }
}
