import Classifier
import Foundation
import Imaging
import Incidents
import Logging
import Net
import SieveCore
import Store

/// What importing the due official sources did.
public struct OfficialImportResult: Sendable {
    public var name: String
    public var summary: IncidentImportSummary?
    public var skipped: [String] = []
    public var error: String?
}

extension Pipeline {
    /// Imports every due official source (kind cap, cwa, emic, closures) into the incident table. A source that
    /// fails is recorded (and retried next run); the others go on.
    public func importOfficial(
        force: Bool, only names: Set<String>? = nil, lexicon: Lexicon, now: Date = Date()
    ) async throws(StoreError) -> [OfficialImportResult] {
        let official = config.sources.filter { $0.kind.isOfficial && (names?.contains($0.name) ?? true) }
        guard !official.isEmpty else { return [] }
        let ids = try await database.syncSources(config.sources)
        let records = Dictionary(uniqueKeysWithValues: try await database.sources().map { ($0.name, $0) })
        var importer = IncidentImporter(gazetteer: Gazetteer(lexicon: lexicon), client: HTTPClient(settings: config.crawler))
        if exercise { importer.capStatuses.insert("Exercise") }
        var results: [OfficialImportResult] = []
        for source in official {
            var importer = importer
            importer.fetchOptions.allowPrivate = source.allowPrivate
            importer.fetchOptions.cookie = source.cookies
            importer.fetchOptions.proxy = source.proxy
            guard let sourceID = ids[source.name] else { continue }
            if !force, !source.isDue(lastRun: records[source.name]?.lastFetchedAt, now: now) { continue }
            let format: IncidentFormat? = switch source.kind {
            case .cap: .cap
            case .cwa: .cwa
            case .emic: .emic
            default: .closures
            }
            let started = Date()
            var result = OfficialImportResult(name: source.name)
            var document = DocumentRecord(sourceId: sourceID, url: source.url, fetchedAt: now)
            do throws(IncidentImportError) {
                let location = source.url.hasPrefix("file://") ? (URL(string: source.url)?.path ?? source.url) : source.url
                let parsed = try await importer.read(location, format: format, reference: now)
                let summary = try await saveIncidentsOrThrow(parsed.incidents)
                var s = summary
                s.warnings = parsed.warnings + summary.warnings
                result.summary = s
                result.skipped = parsed.skipped
                document.durationMs = Int(Date().timeIntervalSince(started) * 1000)
                _ = try? await database.recordFetch(document, posts: [])
                for w in s.warnings.prefix(20) { logger.warning("\(w)", metadata: ["source": "\(source.name)"]) }
            } catch {
                result.error = error.description
                document.error = error.description
                try? await database.recordFailure(document)
                logger.error("\(error.description)", metadata: ["source": "\(source.name)"])
            }
            results.append(result)
        }
        return results
    }

    private func saveIncidentsOrThrow(_ incidents: [Incident]) async throws(IncidentImportError) -> IncidentImportSummary {
        do {
            return try await database.saveIncidents(incidents)
        } catch {
            throw IncidentImportError(source: database.path, message: error.description)
        }
    }

    /// Cross-reference: every queued post whose check is missing or older than the newest incident or known
    /// rumour is checked again; verdict, matches, explanation and the new queue priority are stored per batch.
    /// `shouldStop` is checked between batches (a graceful shutdown ends after the batch being written).
    public static func crossReference(
        database: any CrossReferenceRepository, lexicon: Lexicon, tokenizer: Tokenizer?, now: Date = Date(), batch: Int = 500,
        lease: TimeInterval = 300, cache: CrossReferencerCache? = nil, shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws(StoreError) -> Int {
        let (version, xref, pictures) = try await checker(database: database, lexicon: lexicon, tokenizer: tokenizer, now: now, cache: cache)
        // As in `classify`: batch N is saved while the next batches are checked.
        return try await batches(
            lease: { after throws(StoreError) in
                try await database.leasePostsToCrossReference(limit: batch, lease: lease, now: Date(), after: after)
            },
            id: \.id,
            work: { p in
                var r = xref.check(text: p.text, published: p.published ?? p.fetchedAt, assessment: p.assessment, location: p.location)
                pictures.apply(to: &r, pictureHashes: p.pictureHashes)
                return (postID: p.id, result: r, priority: xrefPriority(p.assessment, r, clusterSize: p.clusterSize, published: p.published ?? p.fetchedAt, now: now))
            },
            save: { results throws(StoreError) in
                try await database.saveCrossReferences(results, evidence: version, now: max(now, Date()))
                for r in results { PipelineMetrics.crossReferenced(r.result.verdict.rawValue) }
            },
            shouldStop: shouldStop)
    }
}

extension Pipeline {
    /// What a cross-reference checks against, as of `version`: rejected posts turned into known rumours first, then
    /// the incidents and known rumours (text and pictures) indexed, or the cached index while the version stands.
    static func checker(
        database: any CrossReferenceRepository, lexicon: Lexicon, tokenizer: Tokenizer?, now: Date, cache: CrossReferencerCache?
    ) async throws(StoreError) -> (version: Date?, xref: CrossReferencer, pictures: KnownPictures) {
        try await database.syncRejectedRumours(now: now)
        let version = try await database.evidenceVersion()
        if let (xref, pictures) = cache?.crossReferencer(for: version) { return (version, xref, pictures) }
        let incidents = try await database.incidents(kinds: nil, activeAt: nil, from: nil, to: nil, limit: nil)
        let known = try await database.knownRumours()
        let memory = RumourMemory(rumours: known, tokenizer: tokenizer)
        let xref = CrossReferencer(incidents: incidents, rumours: memory, lexicon: lexicon)
        let pictures = KnownPictures(index: RumourPictures(try await database.knownRumourImages()), rumours: known)
        cache?.store((xref, pictures), for: version)
        return (version, xref, pictures)
    }

    /// Classify and cross-reference in one pass, for a worker that runs both stages: each batch of unassessed posts
    /// is assessed, checked and saved in one transaction (`saveAssessedAndChecked`), so a post enters the queue
    /// checked, with one update of its row instead of three and no second lease. What is stored is what `classify`
    /// then `crossReference` store. Posts that fall due again later (new evidence) are still `crossReference`'s.
    public static func classifyAndCheck(
        database: any AssessAndCheckRepository, scorer: any PostScorer, lexicon: Lexicon, tokenizer: Tokenizer?,
        batch: Int = 500, lease: TimeInterval = 300, cache: CrossReferencerCache? = nil, shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws(StoreError) -> Int {
        let now = Date()
        let (version, xref, pictures) = try await checker(database: database, lexicon: lexicon, tokenizer: tokenizer, now: now, cache: cache)
        return try await batches(
            lease: { after throws(StoreError) in try await database.leasePostsToAssess(limit: batch, lease: lease, now: Date(), after: after) },
            id: \.id,
            work: { post in
                let a = assess(post, scorer)
                let p = post.forCrossReference(a)
                var r = xref.check(text: p.text, published: p.published ?? p.fetchedAt, assessment: a, location: p.location)
                pictures.apply(to: &r, pictureHashes: p.pictureHashes)
                let priority = xrefPriority(a, r, clusterSize: p.clusterSize, published: p.published ?? p.fetchedAt, now: now)
                return (postID: post.id, assessment: a, result: r, priority: priority)
            },
            save: { done throws(StoreError) in
                try await database.saveAssessedAndChecked(done, evidence: version, now: max(now, Date()))
                for d in done { PipelineMetrics.crossReferenced(d.result.verdict.rawValue) }
            },
            shouldStop: shouldStop)
    }
}

/// The incidents and known rumours indexed for cross-referencing, kept between rounds of a worker's loop while the
/// evidence version (the newest incident or known rumour) stays the same, instead of reloaded every round.
public final class CrossReferencerCache: @unchecked Sendable {  // `entry` only under `lock`
    private let lock = NSLock()
    private var entry: (version: Date?, xref: (CrossReferencer, KnownPictures))?

    public init() {}

    func crossReferencer(for version: Date?) -> (CrossReferencer, KnownPictures)? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry, entry.version == version else { return nil }
        return entry.xref
    }

    func store(_ xref: (CrossReferencer, KnownPictures), for version: Date?) {
        lock.lock()
        entry = (version, xref)
        lock.unlock()
    }
}

/// The known rumours' pictures, for crawled posts' pictures: a post showing one is that rumour again, as a text
/// near-duplicate would be (the cross-reference's known-rumour match and line; a debunked one contradicts the post
/// unless official records support it).
struct KnownPictures: Sendable {
    let index: RumourPictures
    let rumours: [Int64: KnownRumour]

    init(index: RumourPictures, rumours: [KnownRumour]) {
        self.index = index
        self.rumours = Dictionary(rumours.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func apply(to result: inout XrefResult, pictureHashes: [[String]]) {
        guard !index.isEmpty, !pictureHashes.isEmpty else { return }
        var best: (RumourPictures.Match, KnownRumour)?
        for hashes in pictureHashes {
            guard let m = index.matches(hashes.compactMap(ImageHash.init), text: nil).first, let r = rumours[m.rumourID] else { continue }
            if best == nil || m.bits < best!.0.bits { best = (m, r) }
        }
        guard let (m, r) = best else { return }
        // A text match to the same rumour already says it; a picture match to another one is added.
        if result.knownRumour?.rumourID == r.id { return }
        let line = XrefNote(
            "xref.rumour.picture",
            ["id": "\(r.id)", "bits": "\(m.bits)", "verdict": r.verdict, "url": r.url.map { ", \($0)" } ?? "", "claim": String(r.claim.prefix(60))])
        if result.knownRumour == nil {
            result.knownRumour = KnownRumourMatch(rumourID: r.id, similarity: m.similarity, verdict: r.verdict, claim: r.claim, url: r.url)
        }
        if KnownRumour.isDebunked(r.verdict), result.verdict != .corroborated {
            result.verdict = .contradicted
            result.explanation.insert(line, at: 0)
        } else {
            result.explanation.append(line)
        }
    }
}

/// Queue priority once the cross-reference is known (README, "Queue priority"): the classifier's urgency, raised
/// for corroborated reports and for posts that need a fast public answer (contradicted claims, known rumours,
/// wide spread), lowered as the post ages.
public func xrefPriority(_ a: Assessment, _ x: XrefResult, clusterSize: Int, published: Date, now: Date) -> Double {
    var p = queuePriority(a)
    switch x.verdict {
    case .corroborated: p += 0.25 * max(a.disaster, 0.4)
    case .contradicted: p += 0.2
    case .unconfirmed: break
    }
    if x.knownRumour != nil { p += 0.1 }
    if clusterSize > 1 { p += min(0.2, 0.05 * log2(Double(clusterSize))) }
    let ageHours = max(0, now.timeIntervalSince(published) / 3600)
    p *= 0.6 + 0.4 * exp(-ageHours / 12)
    return (p * 1000).rounded() / 1000
}
