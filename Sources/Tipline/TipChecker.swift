import Classifier
import Foundation
import Imaging
import Incidents
import SieveCore
import Store

/// What a forwarded message turned out to be.
public enum TipVerdict: String, Sendable, Codable, CaseIterable {
    /// It repeats a claim fact-checkers or moderators found false (by its text, or by its picture).
    case rumour
    /// Official data says otherwise (no closure notice for that day, no such quake, no evacuation order).
    case contradicted
    /// An official record, a fact-check or a report the moderators verified says the same.
    case corroborated
    /// It was published as verified once and later withdrawn.
    case retracted
    /// Nothing known: it goes to the moderators, and whoever asked hears back when they decide.
    case unverified
}

/// One thing a tip matched, best first.
public struct TipMatch: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case knownRumour = "known_rumour"
        /// The same picture as one a known rumour travels as (perceptual hash).
        case rumourImage = "rumour_image"
        case approvedItem = "approved_item"
        case retractedItem = "retracted_item"
        /// An official record (`IncidentKind` in `incidentKind`).
        case incident
    }

    /// "rumour:12", "item:345", or an incident's id as its source gives it.
    public var id: String
    public var kind: Kind
    public var incidentKind: IncidentKind?
    public var score: Double
    /// Why it matched, rendered per language.
    public var why: XrefNote
    /// A link to read more (a fact-check, the public page's item, the official record's URL).
    public var url: String?
}

public struct TipAnswer: Sendable, Equatable {
    public var verdict: TipVerdict
    public var matches: [TipMatch]
    /// The text read from the picture, when there was one.
    public var ocrText: String?
    /// The picture's hashes (64 and 256 bits), when there was one.
    public var imageHashes: [ImageHash] = []
    /// The moderators' or fact-checkers' note on the matched rumour (free text, as written).
    public var note: String?
    /// The full cross-reference with official records (explanations in the moderators' detail).
    public var xref: XrefResult?
}

/// Everything a tip is checked against, built once from the Store and then used read-only by every tip: known
/// rumours (text and pictures), what moderators approved or retracted, and official incidents.
public struct TipChecker: Sendable {
    public struct Settings: Sendable {
        /// When two pictures are the same (`RumourPictures.Settings`).
        public var pictures = RumourPictures.Settings()
        /// Text similarity (cosine of the rumour memory's features) for an approved or retracted item.
        public var itemSimilarity = 0.6
        public var maxMatches = 5
        public init() {}
    }

    public struct Item: Sendable {
        public var postID: Int64
        public var text: String
        public var retracted: Bool
        public var url: String?
        public init(postID: Int64, text: String, retracted: Bool, url: String?) {
            self.postID = postID
            self.text = text
            self.retracted = retracted
            self.url = url
        }
    }

    let scorer: PostClassifier
    let referencer: CrossReferencer
    let rumours: [Int64: KnownRumour]
    /// The known rumours' pictures.
    let pictures: RumourPictures
    let items: RumourMemory
    let itemInfo: [Int64: Item]
    /// Distances and thresholds (defaults chosen by measurement, BENCHMARKS.md "Pictures").
    public var settings = Settings()

    public init(scorer: PostClassifier, referencer: CrossReferencer, rumours: [KnownRumour], images: [KnownRumourImage], items: [Item]) {
        self.scorer = scorer
        self.referencer = referencer
        self.rumours = Dictionary(rumours.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.pictures = RumourPictures(images)
        // The rumour memory's index is a general near-duplicate text index: approved and retracted items go in one.
        self.items = RumourMemory(
            rumours: items.map { KnownRumour(id: $0.postID, claim: $0.text, verdict: $0.retracted ? "RETRACTED" : "APPROVED", url: $0.url, origin: "item", spreadCount: 0) },
            tokenizer: scorer.tokenizer)
        self.itemInfo = Dictionary(items.map { ($0.postID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Checks a forwarded message: its text, a picture's perceptual hash and OCR text, or both.
    public func check(text: String?, imageHashes: [ImageHash] = [], ocrText: String? = nil, now: Date = Date()) -> TipAnswer {
        var matches: [TipMatch] = []
        var note: String?
        // 1. The picture itself.
        var matcher = pictures
        matcher.settings = settings.pictures
        for m in matcher.matches(imageHashes, text: ocrText) {
            guard let r = rumours[m.rumourID] else { continue }
            matches.append(TipMatch(
                id: "rumour:\(m.rumourID)", kind: .rumourImage, score: m.similarity,
                why: XrefNote("tip.why.image", ["id": "\(m.rumourID)", "bits": "\(m.bits)", "verdict": r.verdict]), url: r.url))
        }
        let body = [text, ocrText].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .joined(separator: "\n")
        var xref: XrefResult?
        if !body.isEmpty {
            // 2. Known rumours by text.
            for k in referencer.rumours.matches(body, limit: settings.maxMatches) where !matches.contains(where: { $0.id == "rumour:\(k.rumourID)" }) {
                matches.append(TipMatch(
                    id: "rumour:\(k.rumourID)", kind: .knownRumour, score: k.similarity,
                    why: XrefNote("tip.why.rumour", ["id": "\(k.rumourID)", "score": String(format: "%.2f", k.similarity), "claim": String(k.claim.prefix(60))]),
                    url: k.url))
            }
            // 3. What moderators approved or withdrew.
            for m in items.matches(body, limit: settings.maxMatches) where m.similarity >= settings.itemSimilarity {
                guard let item = itemInfo[m.rumourID] else { continue }
                matches.append(TipMatch(
                    id: "item:\(item.postID)", kind: item.retracted ? .retractedItem : .approvedItem, score: m.similarity,
                    why: XrefNote(item.retracted ? "tip.why.retracted" : "tip.why.approved", ["text": String(item.text.prefix(60))]),
                    url: item.url))
            }
            // 4. Official records.
            let assessment = scorer.assess(title: nil, text: body, published: now)
            let result = referencer.check(text: body, published: now, assessment: assessment)
            xref = result
            for m in result.matches.prefix(3) where m.score >= referencer.settings.corroborate || result.verdict == .contradicted {
                matches.append(TipMatch(
                    id: m.externalID, kind: .incident, incidentKind: m.kind, score: m.score,
                    why: XrefNote("tip.why.record", ["kind": "@kind.\(m.kind.rawValue)", "summary": String(m.summary.prefix(80))]), url: nil))
            }
        }
        // The verdict, strongest evidence first.
        let verdict: TipVerdict
        func rumour(_ m: TipMatch) -> KnownRumour? {
            guard m.kind == .rumourImage || m.kind == .knownRumour, let id = Int64(m.id.dropFirst("rumour:".count)) else { return nil }
            return rumours[id]
        }
        if let m = matches.first(where: { rumour($0).map { KnownRumour.isDebunked($0.verdict) } ?? false }) {
            verdict = .rumour
            note = rumour(m)?.note
        } else if matches.contains(where: { $0.kind == .retractedItem }) {
            verdict = .retracted
        } else if xref?.verdict == .contradicted {
            verdict = .contradicted
        } else if matches.contains(where: { $0.kind == .approvedItem }) || xref?.verdict == .corroborated
            || matches.contains(where: { rumour($0) != nil })
        {
            verdict = .corroborated
            note = matches.compactMap { rumour($0)?.note }.first
        } else {
            verdict = .unverified
        }
        matches.sort { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
        return TipAnswer(
            verdict: verdict, matches: Array(matches.prefix(settings.maxMatches)), ocrText: ocrText, imageHashes: imageHashes, note: note, xref: xref)
    }
}

extension TipAnswer {
    /// The answer as a person reads it, in `language`: the verdict, the note, why (the best match), where to read
    /// more (`moreURL`, e.g. the public page, when no match has its own link).
    public func lines(_ language: Language, moreURL: String? = nil) -> [String] {
        var out = [Messages.text("tip.verdict.\(verdict.rawValue)", language)]
        if let note, !note.isEmpty { out.append(Messages.text("tip.note", language, ["note": note])) }
        if verdict != .unverified, let best = matches.first { out.append(best.why.render(language)) }
        if let url = matches.first(where: { $0.url != nil })?.url ?? moreURL { out.append(Messages.text("tip.more", language, ["url": url])) }
        return out
    }
}

extension TipChecker {
    /// Reads everything a tip is checked against from the Store (moderators' rejections become known rumours
    /// first, as before every cross-reference round).
    public static func load(database: AppDatabase, scorer: PostClassifier) async throws(StoreError) -> TipChecker {
        try await database.syncRejectedRumours()
        let rumours = try await database.knownRumours()
        let memory = RumourMemory(rumours: rumours, tokenizer: scorer.tokenizer)
        let referencer = CrossReferencer(incidents: try await database.incidents(), rumours: memory, lexicon: scorer.rules.lexicon)
        let items = try await database.publicItems(limit: 5000).map { entry in
            Item(
                postID: entry.item.postID, text: [entry.item.title, entry.item.text].compactMap { $0 }.joined(separator: "\n"),
                retracted: entry.retraction != nil, url: entry.item.url)
        }
        return TipChecker(scorer: scorer, referencer: referencer, rumours: rumours, images: try await database.knownRumourImages(), items: items)
    }
}

/// A `TipChecker` kept for a while and rebuilt when older than `maxAge` (a tipline answers many people with what
/// the Store held a minute ago instead of reading everything for each message). One rebuild at a time.
public actor TipCheckerCache {
    let database: AppDatabase
    let scorer: PostClassifier
    let maxAge: TimeInterval
    private var current: (checker: TipChecker, loadedAt: Date)?
    private var loading: Task<TipChecker, any Error>?

    public init(database: AppDatabase, scorer: PostClassifier, maxAge: TimeInterval = 60) {
        self.database = database
        self.scorer = scorer
        self.maxAge = maxAge
    }

    public func checker(now: Date = Date()) async throws -> TipChecker {
        if let current, now.timeIntervalSince(current.loadedAt) < maxAge { return current.checker }
        if let loading { return try await loading.value }
        let (database, scorer) = (database, scorer)
        let task = Task { () async throws -> TipChecker in try await TipChecker.load(database: database, scorer: scorer) }
        loading = task
        defer { loading = nil }
        let checker = try await task.value
        current = (checker, now)
        return checker
    }
}
