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
        // Batch N is saved while batch N+1 is classified (the save waits for the one writer; the classifying
        // uses the cores meanwhile); the next lease starts above the last id of the batch being saved.
        var total = 0
        var after: Int64 = 0
        let saving = Overlapped()
        do {
            while shouldStop?() != true {
                let posts = try await database.leasePostsToAssess(limit: batch, lease: lease, now: Date(), after: after)
                if posts.isEmpty { break }
                after = posts.map(\.id).max() ?? after
                let assessed = posts.parallelMap { post in
                    let started = DispatchTime.now().uptimeNanoseconds
                    let a = scorer.assess(title: post.title, text: post.text, published: post.published)
                    PipelineMetrics.classified(nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
                    return (postID: post.id, assessment: a, priority: queuePriority(a))
                }
                try await saving.next { () async throws(StoreError) in try await database.saveAssessments(assessed) }
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

/// One store write at a time running beside the loop that made it: `next` waits for the previous write (and
/// throws its error) before starting the new one, `finish` waits for the last, `abandon` waits without throwing
/// (the loop is failing with an error of its own). A write is never left running after the loop returns.
final class Overlapped: Sendable {
    private let current = Locked<Task<Result<Void, StoreError>, Never>?>(nil)

    func next(_ write: @escaping @Sendable () async throws(StoreError) -> Void) async throws(StoreError) {
        try await finish()
        current.withLock {
            $0 = Task {
                do throws(StoreError) {
                    try await write()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    func finish() async throws(StoreError) {
        guard let task = current.withLock({ t -> Task<Result<Void, StoreError>, Never>? in defer { t = nil }; return t }) else { return }
        try await task.value.get()
    }

    func abandon() async {
        _ = try? await finish()
    }
}
