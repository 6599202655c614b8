import Foundation
import SieveCore

/// Lexicon rules: disaster vocabulary by type, rumour cue phrases, closure claims and the gazetteer.
/// Scores are 1 − e^(−Σweights/4), so one strong word gives ≈ 0.5 and several give ≈ 0.9+. Typhoon words are
/// context (everyone mentions the typhoon on a typhoon night) and count for 0.3 of their weight towards the
/// disaster score. A cue preceded by a negation (請勿轉傳) does not count.
public struct LexiconScorer: PostScorer {
    public let lexicon: Lexicon
    public let tokenizer: Tokenizer
    public var model: String { "lexicon-v0" }

    public init(lexicon: Lexicon) {
        self.lexicon = lexicon
        self.tokenizer = Tokenizer(lexicon: lexicon)
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
        var closureClaims: [String] = []
        var normalNotices: [String] = []
        var places: [PlaceMention] = []
        var seen = Set<String>()
        // The counties the post names, looked up once (an ambiguous township is resolved against them).
        var counties: Set<String>? = nil

        for (index, token) in tokens.enumerated() where token.kind == .lexicon || token.text.count > 1 {
            let w = token.text
            let negated = tokens[max(0, index - 2)..<index].contains { Self.negations.contains($0.text) }
            if let hits = lexicon.disaster[w] {
                for hit in hits {
                    typeWeight[hit.type, default: 0] += hit.weight
                    if !(typeEvidence[hit.type]?.contains(w) ?? false) { typeEvidence[hit.type, default: []].append(w) }
                }
            }
            if let cue = lexicon.rumourCues[w], !negated, seen.insert("r:" + w).inserted {
                rumourWeight += cue
                rumourEvidence.append(w)
            }
            if let kind = lexicon.closures[w] {
                if kind == "closure" { closureClaims.append(w) } else { normalNotices.append(w) }
            }
            if let entries = lexicon.places[w], seen.insert("p:" + w).inserted {
                if entries.count > 1 && counties == nil { counties = Self.counties(in: tokens, lexicon: lexicon) }
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
            let weight = Self.oneDecimal(rumourEvidence.reduce(0) { $0 + (lexicon.rumourCues[$1] ?? 0) })
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

    /// The counties named by the post's tokens.
    static func counties(in tokens: [Token], lexicon: Lexicon) -> Set<String> {
        Set(tokens.compactMap { t in lexicon.places[t.text]?.first(where: { $0.level == "county" })?.canonical })
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

/// Street addresses as people write them: 「康寧街137號」, 「中正路三段12巷5號」, 「台21線85K」.
public enum AddressMatcher {
    static let pattern = try! NSRegularExpression(
        pattern: "[\\p{Han}&&[^區市縣鄉鎮里村在於的到從往近]]{1,4}(?:路|街|大道)(?:[一二三四五六七八九十0-9]+段)?(?:[0-9一二三四五六七八九十]+巷)?(?:[0-9]+弄)?[0-9]+(?:之[0-9]+)?號|[\\p{Han}&&[^區市縣鄉鎮里村在於的到從往近]]{1,4}(?:路|街|大道)[一二三四五六七八九十0-9]+段|(?:台|臺|省道|縣道)[0-9]{1,3}(?:甲|乙)?線(?:[0-9.]+(?:K|k|公里))?")

    static let roadUnits: Set<UInt16> = Set("路街道".utf16)
    static let terminalUnits: Set<UInt16> = Set("號段".utf16)
    static let lineUnit: UInt16 = 0x7DDA  // 線

    public static func addresses(in text: String) -> [PlaceMention] {
        // Every match holds 路, 街, 道 or 線, at most 6 characters after its start and 30 before its end (路 三段 巷
        // 弄 號 之): the pattern runs only around those characters.
        let windows = windows(text)
        guard !windows.isEmpty else { return [] }
        let ns = text as NSString
        return windows.flatMap { pattern.matches(in: text, range: $0) }.compactMap { m in
            let s = ns.substring(with: m.range)
            guard s.count >= 3 else { return nil }
            return PlaceMention(surface: s, name: s, level: "address")
        }
    }

    /// The stretches the pattern can match in: around every 線 (the route alternative holds one), and around a 路,
    /// 街 or 道 only when 號 or 段 follows within 32 units — the street alternatives end with one of them, at most 30
    /// units after their road word. (「道路中斷」 alone no longer sends the post through the pattern.)
    static func windows(_ text: String) -> [NSRange] {
        let units = Array(text.utf16)
        var nextTerminal = Int.max
        var markers: [Int] = []
        for i in stride(from: units.count - 1, through: 0, by: -1) {
            let u = units[i]
            if terminalUnits.contains(u) { nextTerminal = i }
            if u == lineUnit || (roadUnits.contains(u) && nextTerminal - i <= 32) { markers.append(i) }
        }
        var out: [NSRange] = []
        var current: (start: Int, end: Int)? = nil
        for i in markers.reversed() {
            let start = max(0, i - 8), end = min(units.count, i + 1 + 32)
            if let c = current, start <= c.end {
                current = (c.start, max(c.end, end))
            } else {
                if let c = current { out.append(NSRange(location: c.start, length: c.end - c.start)) }
                current = (start, end)
            }
        }
        if let c = current { out.append(NSRange(location: c.start, length: c.end - c.start)) }
        return out
    }
}
