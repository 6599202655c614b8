import Classifier
import Crawler
import Foundation
import Logging
import SieveCore
import Store

/// How one source fared in a crawl.
public struct SourceResult: Sendable {
    public var name: String
    public var newPosts: Int
    public var extracted: Int
    public var error: String?
}

public struct CrawlSummary: Sendable {
    public var results: [SourceResult]
    public var failed: [SourceResult] { results.filter { $0.error != nil } }
    public var newPosts: Int { results.reduce(0) { $0 + $1.newPosts } }
}

/// The stages wired together. Each stage reads its input from the Store and writes its output there, so a
/// run killed at any point resumes without loss or duplicates.
public struct Pipeline: Sendable {
    public let config: SieveConfig
    public let database: AppDatabase
    public var fetchOptions: FetchOptions = .init()
    public var concurrency = 8
    let logger: Logger

    public init(config: SieveConfig, database: AppDatabase, logger: Logger = Logger(label: "sieve")) {
        self.config = config
        self.database = database
        self.logger = logger
    }

    /// Crawl: fetch every source, extract posts, store each source's posts in one transaction.
    /// A failing source is recorded with its reason and the others still run.
    public func crawl(only names: Set<String>? = nil) async throws(StoreError) -> CrawlSummary {
        let sources = config.sources.filter { names?.contains($0.name) ?? true }
        let ids = try database.syncSources(config.sources)
        let crawler = SourceCrawler(client: HTTPClient(settings: config.crawler), options: fetchOptions)
        let database = self.database
        let logger = self.logger
        var results: [SourceResult] = []
        await withTaskGroup(of: SourceResult.self) { group in
            var iterator = sources.makeIterator()
            func addNext() {
                guard let source = iterator.next() else { return }
                let sourceID = ids[source.name]!
                group.addTask {
                    await Self.crawlOne(source, sourceID: sourceID, crawler: crawler, database: database, logger: logger)
                }
            }
            for _ in 0..<max(1, concurrency) { addNext() }
            for await result in group {
                results.append(result)
                addNext()
            }
        }
        let order = Dictionary(uniqueKeysWithValues: sources.enumerated().map { ($1.name, $0) })
        return CrawlSummary(results: results.sorted { order[$0.name]! < order[$1.name]! })
    }

    static func crawlOne(
        _ source: SourceConfig, sourceID: Int64, crawler: SourceCrawler, database: AppDatabase, logger: Logger
    ) async -> SourceResult {
        let started = Date()
        do {
            let harvest = try await crawler.harvest(source)
            let r = harvest.response
            let doc = DocumentRecord(
                sourceId: sourceID, url: source.url, finalURL: r.finalURL, status: r.status,
                contentType: r.contentType, etag: r.headers["etag"], lastModified: r.headers["last-modified"],
                bodyHash: harvest.bodyHash, bytes: r.body.count, fetchedAt: started,
                durationMs: Int(Date().timeIntervalSince(started) * 1000))
            let inserted = try database.recordFetch(doc, posts: harvest.posts)
            logger.info("fetched", metadata: ["source": "\(source.name)", "posts": "\(harvest.posts.count)", "new": "\(inserted)"])
            return SourceResult(name: source.name, newPosts: inserted, extracted: harvest.posts.count)
        } catch let error as SourceError {
            let doc = DocumentRecord(
                sourceId: sourceID, url: source.url, status: error.httpStatus, fetchedAt: started,
                durationMs: Int(Date().timeIntervalSince(started) * 1000), error: error.description)
            do {
                try database.recordFailure(doc)
            } catch {
                logger.error("could not record failure", metadata: ["source": "\(source.name)", "error": "\(error)"])
            }
            logger.warning("source failed", metadata: ["source": "\(source.name)", "error": "\(error)"])
            return SourceResult(name: source.name, newPosts: 0, extracted: 0, error: error.description)
        } catch {
            logger.error("source failed", metadata: ["source": "\(source.name)", "error": "\(error)"])
            return SourceResult(name: source.name, newPosts: 0, extracted: 0, error: "\(error)")
        }
    }

    /// Classify: assess every stored, unassessed post and queue it. Batches commit one transaction each.
    public static func classify(database: AppDatabase, scorer: any PostScorer, batch: Int = 500) throws(StoreError) -> Int {
        var total = 0
        while true {
            let posts = try database.postsToAssess(limit: batch)
            if posts.isEmpty { break }
            let assessed = posts.map { post in
                let a = scorer.assess(title: post.title, text: post.text, published: post.published)
                return (postID: post.id, assessment: a, priority: queuePriority(a))
            }
            try database.saveAssessments(assessed)
            total += posts.count
        }
        return total
    }
}
