import Foundation
import Logging
import Metrics
import Net
import SieveCore
import Store

/// The crawl stage: due sources' URLs go into the persistent frontier (in the Store), and fetch tasks take them
/// out, politely per host, through robots.txt, with conditional GET and content hashes, the source kind's adapter,
/// near-duplicate fingerprints; each fetched page is stored in one transaction.
public struct CrawlStage: Sendable {
    public let config: SieveConfig
    public let database: any FrontierRepository
    /// Extra fetch options for every request (tests and benchmarks use `resolve` to give many names one address).
    public var fetchOptions: FetchOptions = .init()
    /// A one-shot crawl waits this long for retries scheduled after transient errors; later ones stay in the
    /// frontier for the next crawl.
    public var retryHorizon: Double = 60
    /// How long a lease on a frontier entry lasts; on a shared (PostgreSQL) database another worker takes the
    /// entry over once it expires (its worker died).
    public var lease: TimeInterval = 300
    /// Reads pictures of new posts (OCR + perceptual hash; the pipeline passes one when pictures are on).
    public var pictureReader: PictureReader?
    /// A post's near-duplicate fingerprint (the pipeline passes SimHash) from its title and text.
    let fingerprint: @Sendable (String) -> UInt64?
    let logger: Logger

    public init(
        config: SieveConfig, database: any FrontierRepository, fingerprint: @escaping @Sendable (String) -> UInt64?,
        logger: Logger = Logger(label: "sieve")
    ) {
        (self.config, self.database, self.fingerprint, self.logger) = (config, database, fingerprint, logger)
    }

    /// Puts due sources' URLs in the persistent frontier, then fetch until it is empty (or only holds
    /// retries beyond `retryHorizon`). Politeness per host, robots.txt, conditional GET, content hashes,
    /// adapters per source kind, near-duplicate clustering; each fetched page is stored in one transaction.
    /// `shouldStop` (checked between fetches) ends the crawl early for a graceful shutdown: nothing new starts,
    /// fetches under way finish and are stored, and claimed URLs not yet fetched go back to the frontier.
    public func crawl(
        only names: Set<String>? = nil, force: Bool = true, progress: (@Sendable (CrawlStats) -> Void)? = nil,
        shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws(StoreError) -> CrawlSummary {
        let selected = config.sources.filter { !$0.kind.isOfficial && (names?.contains($0.name) ?? true) }
        let ids = try await database.syncSources(config.sources)
        try await database.recoverInflight(now: Date())
        try await database.enqueueSeeds(selected, ids: ids, hostOf: CanonicalURL.hostKey, force: force, now: Date())
        let selectedIDs = Set(selected.compactMap { ids[$0.name] })
        var sourcesByID: [Int64: SourceConfig] = [:]
        for s in config.sources { if let id = ids[s.name] { sourcesByID[id] = s } }

        let engine = CrawlEngine(
            config: config, database: database, sources: sourcesByID, fetchOptions: fetchOptions, logger: logger,
            cycleStart: Date(), fingerprint: fingerprint, pictureReader: pictureReader)
        let stats = Locked(CrawlStats())
        stats.withLock { $0.sources = selected.count }
        let results = Locked([Int64: SourceResult]())
        results.withLock { r in
            for s in selected { if let id = ids[s.name] { r[id] = SourceResult(name: s.name, newPosts: 0, extracted: 0) } }
        }
        let deadline = Date().addingTimeInterval(retryHorizon)
        let running = Locked(0)
        var lastProgress = Date.distantPast

        // A discarding group: finished fetch tasks are released at once (a plain task group would keep every one
        // until the crawl ends).
        await withDiscardingTaskGroup { group in
            // Claimed entries wait here for their host's turn; they are marked in flight in the Store, so a crash
            // puts them back (recoverInflight) and nothing is lost.
            var buffer: [FrontierEntry] = []
            var lastClaim = Date.distantPast
            var exhausted = false
            let limit = config.crawler.concurrency
            while true {
                let now = Date()
                if shouldStop?() == true {
                    if running.withLock({ $0 }) == 0 {
                        // Claimed but never started: back to pending (only this worker's claims).
                        try? await database.releaseFrontier(buffer.map(\.id))
                        break
                    }
                    try? await Task.sleep(nanoseconds: 2_000_000)
                    continue
                }
                if buffer.count < 4 * limit && (!exhausted || now.timeIntervalSince(lastClaim) > 0.25) {
                    let claimed = (try? await database.leaseFrontierBatch(limit: 8 * limit, now: now, sources: selectedIDs, lease: lease)) ?? []
                    buffer.append(contentsOf: claimed)
                    exhausted = claimed.isEmpty
                    lastClaim = now
                }
                var started = 0
                var blocked = Set<String>()
                var index = 0
                while index < buffer.count && running.withLock({ $0 }) < limit {
                    let entry = buffer[index]
                    if blocked.contains(entry.host) {
                        index += 1
                        continue
                    }
                    if !entry.host.isEmpty {
                        guard await engine.scheduler.tryStart(host: entry.host, now: now) == .start else {
                            blocked.insert(entry.host)
                            index += 1
                            continue
                        }
                    }
                    buffer.remove(at: index)
                    running.withLock { $0 += 1 }
                    started += 1
                    group.addTask {
                        await engine.process(entry, stats: stats, results: results)
                        running.withLock { $0 -= 1 }
                    }
                }
                if let progress, Date().timeIntervalSince(lastProgress) > 0.2 {
                    lastProgress = Date()
                    let inflight = running.withLock { $0 }
                    progress(stats.withLock { $0.inFlight = inflight; return $0 })
                }
                if started == 0 {
                    if buffer.isEmpty && running.withLock({ $0 }) == 0 && exhausted {
                        let counts = (try? await database.frontierCounts(now: Date())) ?? (ready: 0, later: 0, inflight: 0, done: 0, failed: 0)
                        if counts.ready == 0 && (counts.later == 0 || Date() > deadline) { break }
                        if counts.ready == 0, let next = try? await database.nextRetryTime(), next > deadline { break }
                        if counts.ready > 0 { exhausted = false }
                    }
                    try? await Task.sleep(nanoseconds: 2_000_000)
                }
            }
        }

        // What is still waiting for a retry counts as failed for this crawl (it stays in the frontier).
        let leftover = (try? await database.pendingErrors(sources: selectedIDs)) ?? [:]
        results.withLock { r in
            for (sourceID, error) in leftover where r[sourceID]?.error == nil { r[sourceID]?.error = error + " (will retry)" }
        }
        let final = stats.withLock { $0 }
        progress?(final)
        let order = Dictionary(uniqueKeysWithValues: selected.enumerated().map { ($1.name, $0) })
        let list = results.withLock { Array($0.values) }.sorted { order[$0.name] ?? 0 < order[$1.name] ?? 0 }
        return CrawlSummary(results: list, stats: final)
    }
}

/// Fetches and stores one frontier entry at a time; shared by the crawl's tasks.
struct CrawlEngine: Sendable {
    let config: SieveConfig
    let database: any FrontierRepository
    let sources: [Int64: SourceConfig]
    let fetchOptions: FetchOptions
    let logger: Logger
    let cycleStart: Date
    let client: HTTPClient
    let scheduler: PoliteScheduler
    let robots: RobotsGate
    let fingerprint: @Sendable (String) -> UInt64?
    let pictureReader: PictureReader?

    init(
        config: SieveConfig, database: any FrontierRepository, sources: [Int64: SourceConfig], fetchOptions: FetchOptions,
        logger: Logger, cycleStart: Date, fingerprint: @escaping @Sendable (String) -> UInt64?, pictureReader: PictureReader? = nil
    ) {
        self.fingerprint = fingerprint
        self.pictureReader = pictureReader
        self.config = config
        self.database = database
        self.sources = sources
        self.fetchOptions = fetchOptions
        self.logger = logger
        self.cycleStart = cycleStart
        self.client = HTTPClient(settings: config.crawler)
        self.scheduler = PoliteScheduler(settings: config.crawler)
        self.robots = RobotsGate(client: client, database: database)
    }

    func options(for source: SourceConfig, entry: FrontierEntry) -> FetchOptions {
        var o = fetchOptions
        // A source's cookie goes only to its own host (a sitemap or listing may link anywhere; redirects to other
        // hosts are followed without it, see HTTPClient.fetch).
        let sourceHost = URLComponents(string: source.url)?.host?.lowercased()
        let entryHost = URLComponents(string: entry.url)?.host?.lowercased()
        o.cookie = sourceHost != nil && sourceHost == entryHost ? (source.cookies ?? o.cookie) : nil
        o.proxy = source.proxy ?? config.crawler.proxy ?? o.proxy
        o.allowPrivate = source.allowPrivate || o.allowPrivate
        // Conditional GET only for pages fetched again; items are fetched once.
        if entry.role != .item {
            o.etag = entry.etag
            o.lastModified = entry.lastModified
        }
        return o
    }

    func process(_ entry: FrontierEntry, stats: Locked<CrawlStats>, results: Locked<[Int64: SourceResult]>) async {
        let outcome = await fetchAndStore(entry, stats: stats, results: results)
        if !entry.host.isEmpty { await scheduler.finished(host: entry.host, outcome: outcome) }
    }

    /// One entry, start to finish; returns what politeness should learn from it.
    func fetchAndStore(_ entry: FrontierEntry, stats: Locked<CrawlStats>, results: Locked<[Int64: SourceResult]>) async
        -> PoliteScheduler.Outcome
    {
        let started = Date()
        guard let source = sources[entry.sourceID] else { return .permanentFailure }
        let opts = options(for: source, entry: entry)
        var outcome = PoliteScheduler.Outcome.success
        CrawlMetrics.fetch(host: entry.host)
        func fail(_ message: String, status: Int?, retryAt: Date?) async {
            CrawlMetrics.fetchError(host: entry.host)
            let doc = DocumentRecord(
                sourceId: entry.sourceID, url: entry.url, status: status, fetchedAt: started,
                durationMs: Int(Date().timeIntervalSince(started) * 1000), error: message)
            do {
                try await database.failFetch(entry: entry, document: doc, retryAt: retryAt, now: Date())
            } catch {
                logger.error("could not record failure", metadata: ["url": "\(entry.url)", "error": "\(error)"])
            }
            stats.withLock { $0.errors += 1; if retryAt != nil { $0.retries += 1 } }
            if retryAt == nil { results.withLock { r in if r[entry.sourceID]?.error == nil { r[entry.sourceID]?.error = message } } }
            logger.warning("fetch failed", metadata: ["source": "\(source.name)", "url": "\(entry.url)", "error": "\(message)"])
        }

        // robots.txt
        if !entry.host.isEmpty && source.respectRobots {
            let (rules, unreachable) = await robots.rules(hostKey: entry.host, options: opts)
            await scheduler.setCrawlDelay(rules.crawlDelay(userAgent: config.crawler.userAgent), host: entry.host)
            if let unreachable {
                // Not a verdict on this URL: it stays in the frontier and is tried again once robots.txt may be.
                outcome = .transientFailure
                await fail("\(entry.url): \(unreachable.reason)", status: nil, retryAt: unreachable.until)
                return outcome
            }
            if !rules.isAllowed(entry.url, userAgent: config.crawler.userAgent) {
                outcome = .permanentFailure
                await fail("\(entry.url): disallowed by robots.txt", status: nil, retryAt: nil)
                return outcome
            }
        }

        let response: FetchResponse
        do {
            response = try await client.fetch(entry.url, options: opts)
        } catch {
            var retryAfter: Double? = nil
            var status: Int? = nil
            switch error {
            case .throttled(_, let s, let after):
                retryAfter = after
                status = s
                outcome = .throttled(retryAfter: after)
            case .httpStatus(_, let s):
                status = s
                outcome = error.isTransient ? .transientFailure : .permanentFailure
            default:
                outcome = error.isTransient ? .transientFailure : .permanentFailure
            }
            var retryAt: Date? = nil
            if error.isTransient && entry.attempts + 1 < config.crawler.maxAttempts {
                retryAt = Date().addingTimeInterval(
                    PoliteScheduler.retryDelay(attempts: entry.attempts + 1, retryAfter: retryAfter))
            }
            await fail(error.description, status: status, retryAt: retryAt)
            return outcome
        }

        let bodyHash = fnv1a64Hex(response.body)
        var doc = DocumentRecord(
            sourceId: entry.sourceID, url: entry.url, finalURL: response.finalURL, status: response.status,
            contentType: response.contentType, etag: response.headers["etag"] ?? entry.etag,
            lastModified: response.headers["last-modified"] ?? entry.lastModified, bodyHash: bodyHash,
            bytes: response.body.count, fetchedAt: started, durationMs: Int(Date().timeIntervalSince(started) * 1000))
        stats.withLock { $0.pages += 1; $0.bytes += response.body.count }
        results.withLock { $0[entry.sourceID]?.pages += 1 }

        if response.notModified || (entry.role != .item && entry.bodyHash == bodyHash) {
            if response.notModified { doc.bodyHash = entry.bodyHash }
            do {
                try await database.completeUnchanged(entry: entry, document: doc, now: Date())
            } catch {
                logger.error("store failed", metadata: ["url": "\(entry.url)", "error": "\(error)"])
            }
            stats.withLock { $0.unchanged += 1 }
            return outcome
        }

        let adapter = AdapterFactory.adapter(for: source, role: entry.role == .item ? .item : .listing)
        let decoded = Charset.decode(response.body, headerCharset: response.declaredCharset)
        let result: AdapterResult
        do {
            result = try adapter.extract(decoded.utf8, url: response.finalURL, headers: response.headers)
        } catch {
            outcome = .success  // the server answered; the content is the problem
            await fail(error.description, status: response.status, retryAt: nil)
            return outcome
        }
        let pictures = await readPictures(result.posts, source: source, sourceID: entry.sourceID)
        var posts: [PostToStore] = []
        posts.reserveCapacity(pictures.posts.count)
        for var p in pictures.posts {
            if let note = decoded.note { p.extra["charset"] = note }
            posts.append(PostToStore(post: p, simhash: fingerprint((p.title.map { $0 + "\n" } ?? "") + p.text)))
        }
        let links = result.follow.compactMap { link -> DiscoveredLink? in
            let url = CanonicalURL.canonicalize(link.url)
            let host = CanonicalURL.hostKey(url)
            guard !host.isEmpty else { return nil }
            return DiscoveredLink(url: url, host: host, role: link.role == .page ? .page : .item)
        }
        do {
            let stored = try await database.completeFetch(
                entry: entry, document: doc, posts: posts, links: links, maxPageDepth: source.maxPages,
                maxItems: source.maxItems, cycleStart: cycleStart, now: Date())
            CrawlMetrics.postsStored(stored.newPosts)
            stats.withLock {
                $0.newPosts += stored.newPosts
                $0.nearDuplicates += stored.nearDuplicates
                $0.queued += stored.newLinks
            }
            results.withLock {
                $0[entry.sourceID]?.newPosts += stored.newPosts
                $0[entry.sourceID]?.extracted += posts.count
            }
            logger.info(
                "fetched",
                metadata: [
                    "source": "\(source.name)", "url": "\(entry.url)", "posts": "\(posts.count)", "new": "\(stored.newPosts)",
                    "pictures": "\(pictures.read) read, \(pictures.failed) failed",
                ])
        } catch {
            logger.error("store failed", metadata: ["url": "\(entry.url)", "error": "\(error)"])
            results.withLock { r in if r[entry.sourceID]?.error == nil { r[entry.sourceID]?.error = "\(entry.url): \(error)" } }
        }
        return outcome
    }
}

func fnv1a64Hex(_ data: Data) -> String {
    "fnv1a64:" + String(FNV1a.hash(bytes: data), radix: 16)
}

/// The crawl's metrics, through swift-metrics (see Observability/SieveMetrics.swift for the names).
enum CrawlMetrics {
    static func fetch(host: String) {
        Counter(label: "sieve_fetches_total", dimensions: [("host", host.isEmpty ? "file" : host)]).increment()
    }

    static func fetchError(host: String) {
        Counter(label: "sieve_fetch_errors_total", dimensions: [("host", host.isEmpty ? "file" : host)]).increment()
    }

    static func postsStored(_ n: Int) {
        if n > 0 { Counter(label: "sieve_posts_stored_total").increment(by: n) }
    }
}
