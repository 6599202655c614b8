import Foundation
import SieveCore

/// Lexicon rules: disaster vocabulary by type, rumour cue phrases, closure claims and the gazetteer.
/// Scores are 1 − e^(−Σweights/4), so one strong word gives ≈ 0.5 and several give ≈ 0.9+. Typhoon words are
/// context (everyone mentions the typhoon on a typhoon night) and count for 0.3 of their weight towards the
/// disaster score. A cue preceded by a negation (請勿轉傳) does not count.
public struct LexiconScorer: PostScorer {
    public let lexicon: Lexicon
    public let tokenizer: Tokenizer
    /// Everything the lexicon says about a word, found with one lookup per token (see `WordKey`).
    let entries: [WordKey: WordEntry]
    public var model: String { "lexicon-v0" }

    public init(lexicon: Lexicon) {
        self.lexicon = lexicon
        self.tokenizer = Tokenizer(lexicon: lexicon)
        self.entries = Self.index(lexicon)
    }

    /// What the lexicon's files say about one word.
    struct WordEntry: Sendable {
        var disaster: [(type: String, weight: Double)]?
        var rumourCue: Double?
        var closure: String?
        var places: [PlaceEntry]?
        var negation = false
    }

    /// The lexicon's four maps and the negations as one, keyed by each word's NFC form: a token (from NFKC text,
    /// so NFC) equals a word as Swift compares strings exactly when their NFC bytes are the same.
    static func index(_ lexicon: Lexicon) -> [WordKey: WordEntry] {
        var out: [WordKey: WordEntry] = [:]
        func update(_ word: String, _ change: (inout WordEntry) -> Void) {
            change(&out[WordKey(word.precomposedStringWithCanonicalMapping), default: WordEntry()])
        }
        for (w, hits) in lexicon.disaster { update(w) { $0.disaster = hits } }
        for (w, cue) in lexicon.rumourCues { update(w) { $0.rumourCue = cue } }
        for (w, kind) in lexicon.closures { update(w) { $0.closure = kind } }
        for (w, places) in lexicon.places { update(w) { $0.places = places } }
        for w in negations { update(w) { $0.negation = true } }
        return out
    }

    static let typeNames: [String: String] = [
        "typhoon": "颱風", "flood": "淹水", "landslide": "坍方/土石流", "earthquake": "地震", "power_outage": "停電",
        "water_outage": "停水", "road_blocked": "道路中斷", "fire": "火災", "building_damage": "建物損壞",
        "tree_down": "路樹倒塌", "trapped": "受困", "casualty": "傷亡", "evacuation": "撤離", "rescue": "救援",
    ]

    public func assess(title: String?, text: String, published: Date?) -> Assessment {
        assessReading(title: title, text: text).assessment
    }

    /// The assessment with what it was made from: the normalised title and text, and their tokens (the post
    /// classifier reuses both instead of normalising and tokenizing the post again).
    func assessReading(title: String?, text: String) -> (assessment: Assessment, normalized: String, tokens: [Token]) {
        let full = Normalizer.normalize([title, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"))
        let tokens = tokenizer.tokenize(full)

        var typeWeight: [String: Double] = [:]
        var typeEvidence: [String: [String]] = [:]
        var rumourWeight = 0.0
        var rumourEvidence: [String] = []
        var rumourTotal = 0.0
        var closureClaims: [String] = []
        var normalNotices: [String] = []
        var places: [PlaceMention] = []
        var seen = Set<String>()
        // The counties the post names, looked up once (an ambiguous township is resolved against them).
        var counties: Set<String>? = nil

        // One lookup per token; a token one or two places after a negation (請勿轉傳) is negated.
        let found = tokens.map { entries[WordKey($0.text)] }
        for (index, token) in tokens.enumerated() where token.kind == .lexicon || token.text.count > 1 {
            guard let entry = found[index] else { continue }
            let w = token.text
            let negated = found[max(0, index - 2)..<index].contains { $0?.negation == true }
            if let hits = entry.disaster {
                for hit in hits {
                    typeWeight[hit.type, default: 0] += hit.weight
                    if !(typeEvidence[hit.type]?.contains(w) ?? false) { typeEvidence[hit.type, default: []].append(w) }
                }
            }
            if let cue = entry.rumourCue, !negated, seen.insert("r:" + w).inserted {
                rumourWeight += cue
                rumourEvidence.append(w)
                rumourTotal += cue
            }
            if let kind = entry.closure {
                if kind == "closure" { closureClaims.append(w) } else { normalNotices.append(w) }
            }
            if let entries = entry.places, seen.insert("p:" + w).inserted {
                if entries.count > 1 && counties == nil { counties = countiesNamed(found) }
                places.append(contentsOf: resolvePlace(surface: w, entries: entries, counties: counties ?? []))
            }
        }
        places.append(contentsOf: AddressMatcher.addresses(in: full))

        var notes: [ReasonNote] = []
        let rankedTypes = typeWeight.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        for (type, weight) in rankedTypes.prefix(3) {
            let words = typeEvidence[type, default: []].prefix(3).map { "「\($0)」" }.joined(separator: "、")
            notes.append(ReasonNote("提到{words}：{type}（+{weight}）", ["words": words, "type": Self.typeNames[type] ?? type, "weight": Self.oneDecimal(weight)],
                                    names: ["type": "type.\(type)"]))
        }

        // A closure claim with hearsay cues and no official wording is the classic rumour.
        if !closureClaims.isEmpty && !rumourEvidence.isEmpty {
            rumourWeight += 1.5
            notes.append(ReasonNote("停班停課說法「{claim}」搭配傳聞用語，未引用官方公告（+1.5 謠言）", ["claim": closureClaims[0]]))
        }
        if !rumourEvidence.isEmpty {
            let cues = rumourEvidence.prefix(4).map { "「\($0)」" }.joined(separator: "、")
            let weight = Self.oneDecimal(rumourTotal)
            notes.append(ReasonNote("傳聞／轉傳用語{cues}（+{weight} 謠言）", ["cues": cues, "weight": weight]))
        }
        if !normalNotices.isEmpty { notes.append(ReasonNote("含照常上班上課用語「{notice}」", ["notice": normalNotices[0]])) }
        if !places.isEmpty {
            notes.append(ReasonNote("地點：{places}", ["places": places.prefix(3).map(\.display).joined(separator: "、")]))
        }
        if typeWeight.isEmpty && rumourEvidence.isEmpty { notes.append(ReasonNote("未見災情或傳聞關鍵詞")) }

        let disasterSum = typeWeight.reduce(0) { $0 + ($1.key == "typhoon" ? 0.3 : 1) * $1.value }
        var assessment = Assessment(
            disaster: squash(disasterSum), rumour: squash(rumourWeight),
            types: rankedTypes.filter { $0.value >= 1.0 }.map(\.key), places: places, reasons: notes.map { $0.render() }, model: model)
        assessment.reasonNotes = notes
        return (assessment, full, tokens)
    }

    /// The counties named by the post's tokens (their entries, as looked up).
    func countiesNamed(_ found: [WordEntry?]) -> Set<String> {
        Set(found.compactMap { $0?.places?.first(where: { $0.level == "county" })?.canonical })
    }

    /// Picks the entry for an ambiguous township name using a county mentioned in the same post.
    func resolvePlace(surface: String, entries: [PlaceEntry], counties: Set<String>) -> [PlaceMention] {
        var chosen = entries
        if entries.count > 1 {
            let matching = entries.filter { $0.parent.map(counties.contains) ?? false }
            if !matching.isEmpty { chosen = matching } else { chosen = [entries[0]] }
        }
        return chosen.map { e in
            PlaceMention(surface: surface, name: e.canonical, level: e.level, county: e.level == "county" ? e.canonical : e.parent)
        }
    }

    func squash(_ x: Double) -> Double { ((1 - exp(-x / 4)) * 1000).rounded() / 1000 }

    static let negations: Set<String> = ["請勿", "勿", "不要", "別", "切勿", "不用", "無須", "不必", "請不要"]
    /// "6.0": one decimal, rounded as String(format: "%.1f") would (String(format:) is slow on this per-post path).
    static func oneDecimal(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        let tenths = Int((abs(x) * 10).rounded(.toNearestOrEven))
        return (x < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }
}

/// A word compared and hashed by its UTF-8 bytes. Swift compares and hashes `String` by canonical equivalence,
/// which for Chinese text means checking normalisation on every lookup (a few per cent of classifying a post);
/// here both sides are NFC already, so their bytes decide.
struct WordKey: Hashable, Sendable {
    var text: String

    init(_ text: String) {
        var t = text
        t.makeContiguousUTF8()
        self.text = t
    }

    static func == (a: WordKey, b: WordKey) -> Bool {
        var x = a.text, y = b.text
        return x.withUTF8 { p in y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) } }
    }

    func hash(into hasher: inout Hasher) {
        var t = text
        t.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
