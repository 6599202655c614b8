import Classifier
import Crawler
import Foundation
import Imaging
import Logging
import Metrics
import Net
import SieveCore
import Store

/// The stages wired together. Each stage reads its input from the Store and writes its output there, so a
/// run killed at any point resumes without loss or duplicates.
public struct Pipeline: Sendable {
    public let config: SieveConfig
    public let database: AppDatabase
    /// Extra fetch options for every request (tests and benchmarks use `resolve` to give many names one address).
    public var fetchOptions: FetchOptions = .init()
    /// A one-shot crawl waits this long for retries scheduled after transient errors; later ones stay in the
    /// frontier for the next crawl.
    public var retryHorizon: Double = 60
    /// How long a claim on a frontier entry lasts; on a shared (PostgreSQL) database another worker takes the
    /// entry over once it expires (its worker died).
    public var lease: TimeInterval = 300
    /// A drill replaying into an exercise store: CAP alerts with status Exercise are read as incidents too.
    public var exercise = false
    /// Reads the pictures of new posts (`[crawler] pictures_per_page`; 0 turns it off): Tesseract OCR (one
    /// engine per core, shared by the process) and perceptual hashes; without Tesseract, hashes only.
    public var pictureReader: PictureReader? = Pipeline.pictureReader
    let logger: Logger

    public init(config: SieveConfig, database: AppDatabase, logger: Logger = Logger(label: "sieve")) {
        self.config = config
        self.database = database
        self.logger = logger
    }

    /// Crawl (the crawl stage, `CrawlStage` in Crawler): put due sources' URLs in the persistent frontier, then
    /// fetch until it is empty (or only holds retries beyond `retryHorizon`); posts are fingerprinted with SimHash
    /// for near-duplicate clustering.
    public func crawl(
        only names: Set<String>? = nil, force: Bool = true, progress: (@Sendable (CrawlStats) -> Void)? = nil,
        shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws(StoreError) -> CrawlSummary {
        var stage = CrawlStage(config: config, database: database, fingerprint: SimHash.hash, logger: logger)
        stage.fetchOptions = fetchOptions
        stage.pictureReader = config.crawler.picturesPerPage > 0 ? pictureReader : nil
        stage.retryHorizon = retryHorizon
        stage.lease = lease
        return try await stage.crawl(only: names, force: force, progress: progress, shouldStop: shouldStop)
    }

    /// The process's OCR engines (loaded on first use; the tipline of `sieve serve` reads with the same ones).
    public static let ocr = OCR()

    /// A picture read with OCR and hashed; when Tesseract (or its language data) is missing, hashed only.
    public static let pictureReader: PictureReader = { data in
        let reading: PictureReading
        do {
            reading = try await PictureReading.read(data, ocr: ocr)
        } catch ImageError.ocrUnavailable {
            reading = try await PictureReading.read(data, ocr: nil)
        }
        return PictureRead(text: reading.ocr?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", hashes: reading.hashes.map(\.description))
    }

    /// Classify: assess every stored, unassessed post and queue it. Each batch is claimed (on a shared database,
    /// other workers skip it) and committed in one transaction. `shouldStop` is checked between batches (a graceful
    /// shutdown ends after the batch being written).
    public static func classify(
        database: any AssessmentRepository, scorer: any PostScorer, batch: Int = 500, lease: TimeInterval = 300,
        shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws(StoreError) -> Int {
        // Batch N is saved while the next batches are classified (up to three saves waiting for the one writer;
        // the classifying uses the cores meanwhile); the next lease starts above the last id of the batches being
        // saved.
        try await batches(
            lease: { after throws(StoreError) in try await database.leasePostsToAssess(limit: batch, lease: lease, now: Date(), after: after) },
            id: \.id,
            work: { post in
                let a = assess(post, scorer)
                return (postID: post.id, assessment: a, priority: queuePriority(a))
            },
            save: { assessed throws(StoreError) in try await database.saveAssessments(assessed) },
            shouldStop: shouldStop)
    }

    /// One post's assessment, timed for the metrics.
    static func assess(_ post: PostToAssess, _ scorer: any PostScorer) -> Assessment {
        let started = DispatchTime.now().uptimeNanoseconds
        let a = scorer.assess(title: post.title, text: post.text, published: post.published)
        PipelineMetrics.classified(nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        return a
    }

    /// A stage's loop: lease a batch of posts above the last id leased so far, work on them on all cores, and save
    /// the results while the next batches are leased and worked on (`Overlapped`), until a lease comes back empty
    /// or `shouldStop`. Returns how many posts were leased.
    static func batches<Post: Sendable, Done: Sendable>(
        lease: (Int64) async throws(StoreError) -> [Post], id: (Post) -> Int64, work: @Sendable (Post) -> Done,
        save: @escaping @Sendable ([Done]) async throws(StoreError) -> Void, shouldStop: (@Sendable () -> Bool)?
    ) async throws(StoreError) -> Int {
        var total = 0
        var after: Int64 = 0
        let saving = Overlapped()
        do {
            while shouldStop?() != true {
                let posts = try await lease(after)
                if posts.isEmpty { break }
                after = posts.map(id).max() ?? after
                let done = posts.parallelMap(work)
                try await saving.next { () async throws(StoreError) in try await save(done) }
                total += posts.count
            }
        } catch {
            await saving.abandon()
            throw error
        }
        try await saving.finish()
        return total
    }
}

/// Store writes running beside the loop that made them, at most `depth` at a time: `next` starts a write, first
/// waiting for the oldest one (and throwing its error) when `depth` are already running; `finish` waits for all of
/// them in the order they were started (throwing the first error); `abandon` waits without throwing (the loop is
/// failing with an error of its own). A write is never left running after the loop returns.
///
/// Why more than one: on SQLite every stage's writes wait their turn on the one writer, behind a burst of the
/// crawl's page stores; a loop that waited for its previous save before going on left the cores idle meanwhile
/// (issue 16: the classify loop spent 27.6 s of an 83 s burst waiting so).
final class Overlapped: Sendable {
    private let running = Locked<[Task<Result<Void, StoreError>, Never>]>([])
    let depth: Int

    init(depth: Int = 3) {
        precondition(depth >= 1, "Overlapped needs a depth of at least 1")
        self.depth = depth
    }

    func next(_ write: @escaping @Sendable () async throws(StoreError) -> Void) async throws(StoreError) {
        while let oldest = running.withLock({ $0.count >= depth ? $0.removeFirst() : nil }) {
            try await oldest.value.get()
        }
        let task = Task { () -> Result<Void, StoreError> in
            do throws(StoreError) {
                try await write()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        running.withLock { $0.append(task) }
    }

    func finish() async throws(StoreError) {
        var first: StoreError? = nil
        while let oldest = running.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            if case .failure(let e) = await oldest.value, first == nil { first = e }
        }
        if let first { throw first }
    }

    func abandon() async {
        _ = try? await finish()
    }
}
