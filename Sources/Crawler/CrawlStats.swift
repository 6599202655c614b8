import Foundation

/// Live counters of a crawl, for progress display and the closing summary.
public struct CrawlStats: Sendable, Equatable {
    public var sources = 0
    public var pages = 0
    public var unchanged = 0
    public var bytes = 0
    public var errors = 0
    public var retries = 0
    public var newPosts = 0
    public var nearDuplicates = 0
    public var inFlight = 0
    public var queued = 0
}

/// How one source fared in a crawl.
public struct SourceResult: Sendable {
    public var name: String
    public var newPosts: Int
    public var extracted: Int
    public var pages: Int = 0
    /// The first error that was final for this crawl (given up, or still waiting for a retry at the end).
    public var error: String?
}

public struct CrawlSummary: Sendable {
    public var results: [SourceResult]
    public var stats: CrawlStats = CrawlStats()
    public var failed: [SourceResult] { results.filter { $0.error != nil } }
    public var newPosts: Int { results.reduce(0) { $0 + $1.newPosts } }
}
