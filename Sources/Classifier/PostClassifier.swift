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

    /// `$SIEVE_MODELS`, else the nearest `Models/` holding a model above the working directory or the executable.
    public static func locateDirectory() -> String? {
        locateProjectFolder("Models", containing: "disaster.nbm", environment: "SIEVE_MODELS")?.path
    }
}

/// Naive Bayes (disaster, rumour, type) combined with the lexicon rules, plus places, times and people.
/// Disaster = 0.7·NB + 0.3·rules. Rumour = 0.4·rules + 0.6·NB·claim, where claim is 1 when the rules saw a rumour
/// cue and otherwise the disaster score (at least 0.3): chatter is not a rumour, however unlike an official notice it
/// reads. The type model's answer leads the types when the post looks like a report.
public struct PostClassifier: PostScorer {
    public let rules: LexiconScorer
    public let models: ModelSet
    let featurizers: [String: Featurizer]

    public var model: String {
        models.isEmpty ? rules.model : "nb-v\(NaiveBayesModel.formatVersion)+" + rules.model
    }

    public var tokenizer: Tokenizer { rules.tokenizer }

    public init(lexicon: Lexicon, models: ModelSet) {
        self.rules = LexiconScorer(lexicon: lexicon)
        self.models = models
        var f: [String: Featurizer] = [:]
        for (name, m) in [("disaster", models.disaster), ("rumour", models.rumour), ("type", models.type)] {
            if let m { f[name] = Featurizer(config: m.header.features, tokenizer: rules.tokenizer) }
        }
        featurizers = f
    }

    static let typeNames = LexiconScorer.typeNames.merging(["sign_fallen": "招牌掉落", "bridge_damage": "橋梁受損"]) { a, _ in a }

    public func assess(title: String?, text: String, published: Date?) -> Assessment {
        var a = rules.assess(title: title, text: text, published: published)
        let full = [title, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        var reasons: [String] = []

        if let m = models.disaster, let f = featurizers["disaster"] {
            let v = f.features(full)
            let p = m.predict(v, evidence: 12)
            let pd = m.classes.firstIndex(of: "disaster").map { p.probabilities[$0] } ?? 0
            a.disaster = round3(0.7 * pd + 0.3 * a.disaster)
            let words = evidenceWords(p, f, full)
            if !words.isEmpty {
                reasons.append("模型：\(words)使其判為\(p.label == "disaster" ? "災情通報" : "非災情")（\(percent(pd))）")
            }
        }
        if let m = models.rumour, let f = featurizers["rumour"] {
            let v = f.features(full)
            let p = m.predict(v, evidence: 12)
            let pr = m.classes.firstIndex(of: "rumour").map { p.probabilities[$0] } ?? 0
            let claim = a.rumour > 0 ? 1 : max(0.3, a.disaster)
            a.rumour = round3(0.6 * pr * claim + 0.4 * a.rumour)
            // The words are only shown for a likely rumour: only then are they looked for.
            if a.rumour >= 0.5 {
                let words = evidenceWords(p, f, full)
                if !words.isEmpty { reasons.append("模型：\(words)像謠言／轉傳訊息（\(percent(pr))）") }
            }
        }
        if let m = models.type, let f = featurizers["type"], a.disaster >= 0.5 {
            let p = m.predict(f.features(full), evidence: 12)
            if !a.types.contains(p.label) { a.types.insert(p.label, at: 0) }
            let words = evidenceWords(p, f, full)
            reasons.append("模型判斷類型：\(Self.typeNames[p.label] ?? p.label)" + (words.isEmpty ? "" : "（\(words)）"))
        }

        a.times = TimeExtractor.extract(full, reference: published ?? Date())
        a.people = PeopleExtractor.extract(Normalizer.normalize(full))
        for p in a.people {
            let type = p.kind == "trapped" ? "trapped" : (p.kind == "evacuated" ? "evacuation" : "casualty")
            if !a.types.contains(type) { a.types.append(type) }
        }
        if !a.people.isEmpty {
            reasons.append("人員：" + a.people.prefix(3).map { p in
                let label = ["trapped": "受困", "injured": "受傷", "dead": "死亡", "missing": "失聯", "evacuated": "撤離"][p.kind] ?? p.kind
                return label + (p.count.map { " \($0) 人" } ?? "")
            }.joined(separator: "、"))
        }
        for village in VillageExtractor.extract(full) where !a.places.contains(where: { $0.name == village }) {
            let county = a.places.first { $0.level == "township" }?.county ?? a.places.first { $0.level == "county" }?.name
            a.places.append(PlaceMention(surface: village, name: village, level: "village", county: county))
        }
        if let t = a.times.first { reasons.append("時間：「\(t.surface)」→ \(t.start)") }
        a.reasons = reasons + a.reasons
        a.model = model
        return a
    }

    /// The strongest features a moderator can read: words of two or more letters, not punctuation or digits.
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

    func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }
    func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
