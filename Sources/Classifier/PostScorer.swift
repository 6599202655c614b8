import Foundation
import SieveCore

/// The seam between the classify stage and whatever scores posts: lexicon rules today, naive Bayes next.
public protocol PostScorer: Sendable {
    /// A short identifier stored with each assessment ("lexicon-v0").
    var model: String { get }
    func assess(title: String?, text: String, published: Date?) -> Assessment
}

/// How urgent a queued item is, 0…~1.5: real, severe reports first, then likely rumours (which also need a fast
/// answer), then the rest. Documented in the README.
public func queuePriority(_ a: Assessment) -> Double {
    var p = a.disaster * 0.6 + a.rumour * 0.4
    if a.types.contains("trapped") || a.types.contains("casualty") { p += 0.3 * a.disaster }
    return (p * 1000).rounded() / 1000
}
