import Foundation
import SieveCore

/// The shipped models (`Models/disaster.nbm`, `rumour.nbm`, `type.nbm`); any may be missing.
public struct ModelSet: Sendable {
    public var disaster: NaiveBayesModel?
    public var rumour: NaiveBayesModel?
    public var type: NaiveBayesModel?
    public var directory: String?

    public init(disaster: NaiveBayesModel? = nil, rumour: NaiveBayesModel? = nil, type: NaiveBayesModel? = nil) {
        self.disaster = disaster
        self.rumour = rumour
        self.type = type
    }

    public var isEmpty: Bool { disaster == nil && rumour == nil && type == nil }

    /// Loads whichever of the three files exist in `directory`; a present but unreadable file is an error.
    public static func load(directory: String) throws(NaiveBayesModel.FileError) -> ModelSet {
        var set = ModelSet()
        set.directory = directory
        func one(_ name: String) throws(NaiveBayesModel.FileError) -> NaiveBayesModel? {
            let path = (directory as NSString).appendingPathComponent(name + ".nbm")
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            return try NaiveBayesModel.load(path: path)
        }
        set.disaster = try one("disaster")
        set.rumour = try one("rumour")
        set.type = try one("type")
        return set
    }

    /// `$SIEVE_MODELS`, an installation's share folder, or the source tree's `Models/` (`Resources`).
    public static func locateDirectory() -> String? { Resources.locate(.models)?.path }
}

/// The models (naive Bayes for disaster, logistic regression for rumour and type; one format) combined with the
/// lexicon rules, plus places, times and people.
/// With a calibrated model (format 4, `Calibration`): disaster = σ(w·NB log-odds + v·rules + b), rumour likewise,
/// the weights fitted on out-of-fold scores, so the numbers are probabilities; inside the model's abstain band the
/// label is 不確定, and a rumour probability from the model's flag threshold up to the band's top is 待查證 (check
/// it); a strong rumour-rules score is a floor under the calibrated rumour probability (`rumourShown`). Uncalibrated
/// (older) models: disaster = 0.7·NB + 0.3·rules, rumour = 0.4·rules + 0.6·NB·claim.
/// The type model's answer leads the types when the post looks like a report; a type model trained on EMIC main
/// types also sets `emicType`.
public struct PostClassifier: PostScorer {
    public let rules: LexiconScorer
    public let models: ModelSet
    let featurizers: [String: Featurizer]
    /// "emic、president_gov_tw、cofacts_reply_link_title 等 50,089 筆" per model: where its evidence comes from.
    let sources: [String: ReasonNote]

    public var model: String {
        models.isEmpty ? rules.model : "nb-v\(NaiveBayesModel.formatVersion)+" + rules.model
    }

    public var tokenizer: Tokenizer { rules.tokenizer }

    public init(lexicon: Lexicon, models: ModelSet) {
        self.rules = LexiconScorer(lexicon: lexicon)
        self.models = models
        var f: [String: Featurizer] = [:]
        var src: [String: ReasonNote] = [:]
        for (name, m) in [("disaster", models.disaster), ("rumour", models.rumour), ("type", models.type)] {
            guard let m else { continue }
            f[name] = Featurizer(config: m.header.features, tokenizer: rules.tokenizer)
            src[name] = Self.shortSources(m.header.provenance, examples: m.header.examples)
        }
        featurizers = f
        sources = src
    }

    static let typeNames = LexiconScorer.typeNames.merging(["sign_fallen": "招牌掉落", "bridge_damage": "橋梁受損"]) { a, _ in a }

    /// EMIC main types (the type model trained on `.data/train/type.tsv`) → Sieve's types, where one matches.
    static let emicToSieve: [String: String] = [
        "路樹災情": "tree_down", "積淹水災情": "flood", "建物毀損": "building_damage", "廣告招牌災情": "sign_fallen",
        "道路、隧道災情": "road_blocked", "土石災情": "landslide", "橋梁災情": "bridge_damage", "火災": "fire",
    ]

    /// The rumour probability a post is shown with. A strong lexicon hearsay score (≥ 0.5: a closure claim with
    /// hearsay and no official wording, 「請大家轉傳」 …) is a floor: chain-message wording is rare in the titles the
    /// model was calibrated on, so the model's low prior must not argue the classic 「網傳明天停班停課」 down to 非謠言.
    /// A weaker one (「網傳」 alone, 0.39) is not: fact-checkers' titles 「【錯誤】網傳…」 carry it too, and as a floor
    /// it flagged them (held-out Cofacts credible titles flagged 11.5% with any floor, BENCHMARKS.md).
    public static func rumourShown(_ p: Double, rules: Double) -> Double { rules >= 0.5 ? max(p, rules) : p }

    public func assess(title: String?, text: String, published: Date?) -> Assessment {
        let reading = rules.assessReading(title: title, text: text)
        var a = reading.assessment
        let full = [title, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        var notes: [ReasonNote] = []
        var words: [String]? = nil
        func textWords() -> [String] {
            if let words { return words }
            var seen = Set<String>()
            // The rules' tokens: the same tokenizer on the same normalised text.
            let w = reading.tokens.map(\.text).filter { Self.readable($0) && seen.insert($0).inserted }
            words = w
            return w
        }

        if let m = models.disaster, let f = featurizers["disaster"] {
            let v = f.features(full)
            if let cal = m.header.calibration {
                let z = m.logOdds(v, positive: cal.positive).z
                let p = cal.probability(logOdds: z, rules: a.disaster)
                a.disaster = round3(p)
                a.disasterLabel = cal.isUnsure(p) ? "不確定" : (p >= 0.5 ? "災情通報" : "非災情")
                let ev = wordEvidence(m, f, textWords(), positive: cal.positive, toward: p >= 0.5)
                let verdict = a.disasterLabel == "不確定" ? "不確定是否為災情通報" : (p >= 0.5 ? "像災情通報" : "不像災情通報")
                notes.append(modelNote(verdict, Self.percent(p), ev, "disaster"))
            } else {
                let p = m.predict(v, evidence: 12)
                let pd = m.classes.firstIndex(of: "disaster").map { p.probabilities[$0] } ?? 0
                a.disaster = round3(0.7 * pd + 0.3 * a.disaster)
                let words = evidenceWords(p, f, full)
                if !words.isEmpty {
                    let label = p.label == "disaster" ? "災情通報" : "非災情"
                    notes.append(ReasonNote("模型：{words}使其判為{label}（{percent}）", ["words": words, "label": label, "percent": Self.percent(pd)], names: ["label": "app:" + label]))
                }
            }
        }
        if let m = models.rumour, let f = featurizers["rumour"] {
            let v = f.features(full)
            if let cal = m.header.calibration {
                let z = m.logOdds(v, positive: cal.positive).z
                let p = Self.rumourShown(cal.probability(logOdds: z, rules: a.rumour), rules: a.rumour)
                a.rumour = round3(p)
                // 待查證 (check it): flagged below the unsure band's top, from the model's flag threshold on.
                a.rumourLabel = cal.isFlagged(p) ? "待查證" : cal.isUnsure(p) ? "不確定" : (p >= 0.5 ? "像謠言" : "非謠言")
                // The words are only shown when the post might be a rumour: only then are they looked for.
                if p >= min(cal.flag ?? 1, cal.abstain.first ?? 0.5) {
                    let ev = wordEvidence(m, f, textWords(), positive: cal.positive, toward: true)
                    let verdict = switch a.rumourLabel {
                    case "像謠言": "像謠言／轉傳訊息"
                    case "待查證": "可能是謠言，待查證"
                    default: "不確定是否為謠言"
                    }
                    notes.append(modelNote(verdict, Self.percent(p), ev, "rumour"))
                }
            } else {
                let p = m.predict(v, evidence: 12)
                let pr = m.classes.firstIndex(of: "rumour").map { p.probabilities[$0] } ?? 0
                let claim = a.rumour > 0 ? 1 : max(0.3, a.disaster)
                a.rumour = round3(0.6 * pr * claim + 0.4 * a.rumour)
                if a.rumour >= 0.5 {
                    let words = evidenceWords(p, f, full)
                    if !words.isEmpty { notes.append(ReasonNote("模型：{words}像謠言／轉傳訊息（{percent}）", ["words": words, "percent": Self.percent(pr)])) }
                }
            }
        }
        if let m = models.type, let f = featurizers["type"], a.disaster >= 0.5 {
            // An EMIC-type model explains itself with the post's words (wordEvidence), not the top features.
            let emicModel = m.classes.contains("路樹災情")
            let p = m.predict(f.features(full), evidence: emicModel ? 0 : 12)
            let isEMIC = Self.emicToSieve[p.label] != nil || p.label.hasSuffix("災情") || emicModel
            if isEMIC {
                a.emicType = p.label
                if let t = Self.emicToSieve[p.label] {
                    a.types.removeAll { $0 == t }
                    a.types.insert(t, at: 0)
                }
                let runnerUp = p.scores.indices.filter { m.classes[$0] != p.label }.max { p.scores[$0] < p.scores[$1] }
                let ev = runnerUp.map { wordEvidence(m, f, textWords(), positive: p.label, against: m.classes[$0]) } ?? ""
                notes.append(ReasonNote(
                    "模型判斷類型：{type}" + (ev.isEmpty ? "" : "（{words}）") + "{source}", ["type": p.label, "words": ev],
                    names: Self.emicToSieve[p.label].map { ["type": "type.\($0)"] }, parts: ["source": sourceNote("type")]))
            } else {
                if !a.types.contains(p.label) { a.types.insert(p.label, at: 0) }
                let words = evidenceWords(p, f, full)
                notes.append(ReasonNote(
                    "模型判斷類型：{type}" + (words.isEmpty ? "" : "（{words}）"), ["type": Self.typeNames[p.label] ?? p.label, "words": words],
                    names: ["type": "type.\(p.label)"]))
            }
        }

        a.times = TimeExtractor.extract(full, reference: published ?? Date())
        a.people = PeopleExtractor.extract(reading.normalized)
        for p in a.people {
            let type = p.kind == "trapped" ? "trapped" : (p.kind == "evacuated" ? "evacuation" : "casualty")
            if !a.types.contains(type) { a.types.append(type) }
        }
        if !a.people.isEmpty {
            let people = a.people.prefix(3).map { p in
                let label = ["trapped": "受困", "injured": "受傷", "dead": "死亡", "missing": "失聯", "evacuated": "撤離"][p.kind] ?? p.kind
                return ReasonNote(p.count == nil ? "{label}" : "{label} {n} 人", ["label": label, "n": p.count.map(String.init) ?? ""], names: ["label": "app:" + label])
            }
            let keys = people.indices.map { "p\($0)" }
            notes.append(ReasonNote(
                "人員：" + keys.map { "{\($0)}" }.joined(separator: "、"), [:], parts: Dictionary(uniqueKeysWithValues: zip(keys, people))))
        }
        for village in VillageExtractor.extract(full) where !a.places.contains(where: { $0.name == village }) {
            let county = a.places.first { $0.level == "township" }?.county ?? a.places.first { $0.level == "county" }?.name
            a.places.append(PlaceMention(surface: village, name: village, level: "village", county: county))
        }
        if let t = a.times.first { notes.append(ReasonNote("時間：「{surface}」→ {start}", ["surface": t.surface, "start": t.start])) }
        a.reasons = notes.map { $0.render() } + a.reasons
        a.reasonNotes = a.reasonNotes.count == a.reasons.count - notes.count ? notes + a.reasonNotes : []
        a.model = model
        return a
    }

    /// Up to three of the text's own words (the tokenizer's, two letters or more, no stop words) that move the
    /// model most towards the side the score is on: each word is scored alone, with the features it makes.
    func wordEvidence(
        _ m: NaiveBayesModel, _ f: Featurizer, _ words: [String], positive: String, toward: Bool = true,
        against: String? = nil
    ) -> String {
        var scored: [(String, Double)] = []
        guard let (i, j) = m.contrast(positive: positive, against: against) else { return "" }
        for w in words {
            let c = m.contribution(f.features(w), positive: i, against: j)
            let signed = toward ? c : -c
            if signed > 0.5 { scored.append((w, signed)) }
        }
        scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        var kept: [String] = []
        for (w, _) in scored where !kept.contains(where: { $0.containsExactly(w) || w.containsExactly($0) }) {
            kept.append(w)
            if kept.count == 3 { break }
        }
        return kept.map { "「\($0)」" }.joined(separator: "、")
    }

    /// A word worth showing: two letters or more, all letters (CJK counts), not a stop word.
    static func readable(_ w: String) -> Bool {
        w.count >= 2 && w.unicodeScalars.allSatisfy(isLetter) && !stopWords.contains(w)
    }

    /// Alphabetic, with the common CJK ideographs (all alphabetic) answered without the property table.
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(s.value) || s.properties.isAlphabetic
    }

    /// Function words and fillers that carry no evidence a moderator can use.
    static let stopWords: Set<String> = [
        "我們", "你們", "他們", "她們", "大家", "自己", "這個", "那個", "這些", "那些", "一個", "一些", "什麼", "怎麼",
        "這樣", "那樣", "因為", "所以", "但是", "可是", "不過", "如果", "而且", "並且", "以及", "或是", "還是", "就是",
        "也是", "都是", "只是", "已經", "可以", "沒有", "不是", "還有", "現在", "目前", "其中", "之後", "之前", "以上",
        "以下", "其他", "表示", "指出", "認為", "進行", "相關", "有關", "今天", "明天", "昨天", "今日", "所有", "非常",
        "真的", "一直", "然後", "應該", "可能", "需要", "這裡", "那裡", "哪裡", "的話", "時候", "一下", "之間", "透過",
        "the", "and", "for", "with", "this", "that", "are", "was", "http", "https", "www", "com",
    ]

    /// " · 依據：emic、president_gov_tw 等 50,089 筆" for the model `name`, or nothing when it has no provenance.
    func sourceNote(_ name: String) -> ReasonNote { sources[name] ?? ReasonNote("") }

    /// "模型：像災情通報（97%），依據「…」［訓練資料：…］" as a note.
    func modelNote(_ verdict: String, _ percent: String, _ evidence: String, _ model: String) -> ReasonNote {
        ReasonNote(
            "模型：{verdict}（{percent}）" + (evidence.isEmpty ? "" : "，依據{words}") + "{source}",
            ["verdict": verdict, "percent": percent, "words": evidence], names: ["verdict": "app:" + verdict],
            parts: ["source": sourceNote(model)])
    }

    /// "［訓練資料：emic、president_gov_tw 等 50,089 筆］" for a model's provenance, as a note (nil: none recorded).
    static func shortSources(_ provenance: String?, examples: Int) -> ReasonNote? {
        guard let provenance, let colon = provenance.firstIndex(of: ":") else { return nil }
        let names = provenance[provenance.index(after: colon)...].split(separator: "·")
            .compactMap { $0.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) }
        guard !names.isEmpty else { return nil }
        let shown = names.prefix(3).joined(separator: "、")
        let n = NumberFormatter.localizedString(from: NSNumber(value: examples), number: .decimal)
        return ReasonNote(names.count > 3 ? "［訓練資料：{names} 等 {n} 筆］" : "［訓練資料：{names} {n} 筆］", ["names": shown, "n": n])
    }

    /// The strongest features a moderator can read: words of two or more letters, not punctuation or digits.
    /// (Uncalibrated, older models.)
    func evidenceWords(_ p: NaiveBayesModel.Prediction, _ f: Featurizer, _ text: String) -> String {
        var seen = Set<String>()
        let names = f.names(of: Set(p.evidence.map(\.hash)), in: text)
        return p.evidence.compactMap { names[$0.hash] }
            .filter { w in
                w.count >= 2 && w.unicodeScalars.allSatisfy { $0.properties.isAlphabetic } && seen.insert(w).inserted
                    && !seen.contains { $0 != w && $0.containsExactly(w) }
            }
            .prefix(3).map { "「\($0)」" }.joined(separator: "、")
    }

    /// "97%" (rounded as String(format: "%.0f%%") would, without its cost on this per-post path).
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)%" }
        return "\(Int((x * 100).rounded(.toNearestOrEven)))%"
    }
    func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
