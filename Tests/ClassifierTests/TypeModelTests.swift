import Classifier
import Foundation
import Testing
import TestSupport

/// The disaster-type recipe: entropy-weighted multinomial NB, n-grams inside words, lexicon cue groups, small-class
/// corrections (per-class smoothing, prior weight).
@Suite("Type model")
struct TypeModelTests {
    @Test func featureWeightsSilenceFeaturesSpreadOverEveryClass() {
        // 「的」 is in every document of both classes: its weight is 0, so it cannot move a prediction, while
        // 「火」/「水」 (one class each) keep a share u of theirs.
        let cfg = FeatureConfig(minN: 1, maxN: 1, normalize: false)
        let texts = ["火的", "火的", "水的", "水的"]
        let labels = ["fire", "fire", "flood", "flood"]
        let plain = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .multinomial, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg))
        let weighted = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .multinomial, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg), weighting: .init(power: 2, smoothing: 2))
        let f = Featurizer(config: cfg)
        let shared = weighted.scores(f.features("的")).scores
        #expect(abs(shared[0] - shared[1]) < 1e-9)  // equal priors and a zero-weight feature: a tie
        #expect(abs(shared[0] - log(0.5)) < 1e-3)
        let plainFire = plain.scores(f.features("火")).scores
        let weightedFire = weighted.scores(f.features("火")).scores
        #expect(weightedFire[0] > weightedFire[1])
        // u = (1 − H/log 2)² with class rates 2/2 + 2/4 and 0/2 + 2/4 (smoothing 2 over 4 documents).
        let p = [1.5 / 2, 0.5 / 2]
        let h = -(p[0] * log(p[0]) + p[1] * log(p[1])) / log(2.0)
        let u = (1 - h) * (1 - h)
        let pm = plainFire[0] - plainFire[1], wm = weightedFire[0] - weightedFire[1]
        #expect(pm > 0)
        #expect(abs(wm - u * pm) < 1e-4)
        #expect(weighted.header.weighting == .init(power: 2, smoothing: 2))
    }

    @Test func wordBoundaryNGramsDoNotSpanSpaces() {
        let cfg = FeatureConfig(minN: 1, maxN: 3, normalize: false, wordBoundaries: true)
        let inside = Featurizer(config: cfg)
        let across = Featurizer(config: FeatureConfig(minN: 1, maxN: 3, normalize: false))
        // 「ab cd」: inside words there are a b c d, ␣a ab b␣ ␣c cd d␣, ␣ab ab␣ ␣cd cd␣ = 14; no 「b c」, 「bc」.
        #expect(inside.features("ab cd").hashes.count == 14)
        #expect(inside.features("ab   cd").hashes == inside.features("ab cd").hashes)
        let spanning = Set(across.features("b c").hashes).subtracting(across.features("bc").hashes)
        #expect(!spanning.isEmpty)
        // The trigram 「b c」 exists in plain n-grams (across) but never as a word-boundary n-gram.
        let crossing = Set(across.features("ab cd").hashes)
        let names = across.names(of: crossing, in: "ab cd")
        let bc = crossing.filter { names[$0] == "b c" }
        #expect(bc.count == 1)
        #expect(Set(inside.features("ab cd").hashes).isDisjoint(with: bc))
        // A text's first and last characters are features of their own (「␣a」, 「d␣」), shown without the mark.
        let first = Set(inside.features("ab").hashes).subtracting(inside.features("b").hashes)
        let shown = inside.names(of: first, in: "ab")
        #expect(Set(shown.values).isSuperset(of: ["a", "ab"]))
        #expect(inside.features("").hashes.isEmpty)
    }

    @Test func cueGroupsPoolSynonymsInBothScripts() {
        let cfg = FeatureConfig(
            minN: 1, maxN: 1, wordBoundaries: true, cues: ["起火": "fire", "火警": "fire", "車禍": "vehicle"],
            cueWeight: 3)
        let f = Featurizer(config: cfg)
        func cueFeatures(_ text: String) -> [UInt64: Float] {
            let v = f.features(text)
            return Dictionary(uniqueKeysWithValues: zip(v.hashes, v.counts).filter { $0.1 == 3 })
        }
        let a = cueFeatures("民宅起火")
        let b = cueFeatures("工廠火警，起火點在二樓")  // two fire cues: one group feature, counted once
        let c = cueFeatures("民宅起火")
        #expect(a.count == 1 && b.count == 1)
        #expect(Set(a.keys) == Set(b.keys))
        #expect(a == c)
        #expect(Set(cueFeatures("路口車禍").keys) != Set(a.keys))
        #expect(cueFeatures("路樹倒塌").isEmpty)
        // Simplified 「车祸」 is the same cue as 「車禍」; full-width text is normalised first.
        #expect(Set(cueFeatures("路口发生车祸").keys) == Set(cueFeatures("路口車禍").keys))
        // A moderator sees the cue word that fired, not the group's hash.
        #expect(f.names(of: Set(a.keys), in: "民宅起火").values.first == "起火")
        // No cue weight: no cue features at all.
        let off = Featurizer(config: FeatureConfig(minN: 1, maxN: 1, cues: ["起火": "fire"], cueWeight: 0))
        #expect(off.features("民宅起火").counts.allSatisfy { $0 == 1 })
    }

    @Test func classBalanceScalesPriorAndSmoothsBigClassesMore() {
        // Class a: 3 documents, 6 feature occurrences; class b: 1 document, 2 occurrences; V = 4 (x y z w).
        let cfg = FeatureConfig(minN: 1, maxN: 1, normalize: false)
        let texts = ["xy", "xz", "xy", "zw"]
        let labels = ["a", "a", "a", "b"]
        let balance = NaiveBayesModel.ClassBalance(smoothingPower: 0.5, priorWeight: 0.6)
        let m = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .multinomial, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg), balance: balance)
        let plain = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .multinomial, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg))
        let f = Featurizer(config: cfg)
        // Nothing known: the scores are the priors, scaled by β.
        #expect(m.scores(f.features("")).scores == [0.6 * log(0.75), 0.6 * log(0.25)])
        #expect(plain.scores(f.features("")).scores == [log(0.75), log(0.25)])
        // α_c = 0.3·(N_c / mean N)^0.5 with N = (6, 2), mean 4.
        let aA = 0.3 * (6.0 / 4).squareRoot(), aB = 0.3 * (2.0 / 4).squareRoot()
        let x = m.scores(f.features("x")).scores
        #expect(abs(x[0] - (0.6 * log(0.75) + log((3 + aA) / (6 + 4 * aA)))) < 1e-5)
        #expect(abs(x[1] - (0.6 * log(0.25) + log(aB / (2 + 4 * aB)))) < 1e-5)
        #expect(m.header.balance == balance && plain.header.balance == nil)
        // Complement NB has no prior in its score: the balance changes nothing there.
        let c1 = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .complement, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg), balance: balance)
        let c0 = NaiveBayesModel.train(
            task: "t", texts: texts, labels: labels, kind: .complement, alpha: 0.3, features: cfg,
            featurizer: Featurizer(config: cfg))
        #expect(c1.scores(f.features("xw")).scores == c0.scores(f.features("xw")).scores)
        #expect(NaiveBayesModel.ClassBalance(smoothingPower: 3).problem != nil)
        #expect(NaiveBayesModel.ClassBalance(priorWeight: .nan).problem != nil)
        #expect(NaiveBayesModel.ClassBalance(smoothingPower: 0.1, priorWeight: 0.6).problem == nil)
    }

    @Test func holdoutByKeyIsStableAndMatchesTheBenchScript() throws {
        // FNV-1a 64 mod 5, as bench/type_split.py: of 「a」…「j」, 「f」 and 「h」 hash to 0 mod 5.
        let keys = "abcdefghij".map(String.init)
        let data = LabelledData(texts: keys.map { "text " + $0 }, labels: keys.map { $0 < "f" ? "x" : "y" })
        let (train, test) = Trainer.holdout(data, keys: keys)
        #expect(test.texts == ["text f", "text h"])
        #expect(train.count == 8 && train.labels.count == 8)
        // Row order does not matter: each row's side depends on its own key only.
        let reversed = LabelledData(texts: data.texts.reversed(), labels: data.labels.reversed())
        #expect(Set(Trainer.holdout(reversed, keys: keys.reversed()).test.texts) == Set(test.texts))
        // About a fifth of many keys.
        let many = (0..<5000).map { "0120250607\($0)" }
        let big = LabelledData(texts: many, labels: many.map { _ in "x" })
        let share = Double(Trainer.holdout(big, keys: many).test.count) / 5000
        #expect(share > 0.18 && share < 0.22)
        // The id column comes with the rows; a missing one is named.
        let dir = TempDir()
        _ = dir.write("d.csv", "id,text,label\nk1,淹水,flood\nk2,停電,\nk3,起火,fire\n")
        let loaded = try LabelledData.load(path: dir.path("d.csv"), idColumn: "id")
        #expect(loaded.ids == ["k1", "k3"] && loaded.texts == ["淹水", "起火"])
        do {
            _ = try LabelledData.load(path: dir.path("d.csv"), idColumn: "CASE_ID")
            Issue.record("expected a missing-column error")
        } catch {
            #expect(error.description.contains("d.csv:1: no column \"CASE_ID\""))
        }
    }

    @Test func typeCuesLexiconLoadsAndRejectsConflicts() throws {
        let cues = try Lexicon.standardTypeCues()
        #expect(cues["火警"] == "fire")
        #expect(Set(cues.values).count >= 10)
        let dir = TempDir()
        _ = dir.write("type_cues.tsv", "# comment\n起火\tfire\n起火\tflood\n")
        do {
            _ = try Lexicon.loadTypeCues(directory: URL(fileURLWithPath: dir.path("")))
            Issue.record("expected a conflict error")
        } catch {
            #expect(error.description.contains("type_cues.tsv:"))
            #expect(error.description.contains("both fire and flood"))
        }
        #expect(TrainingTask.type.usesCues && !TrainingTask.rumour.usesCues)
        #expect(TrainingTask.type.defaults(cues: cues).features.cues == cues)
        #expect(TrainingTask.rumour.defaults(cues: cues).features.cues.isEmpty)
    }

    /// Copies a model file with its JSON header edited (to make files as older versions wrote them).
    static func rewriteHeader(_ path: String, to out: String, _ edit: (inout [String: Any]) -> Void) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        var header = try #require(try JSONSerialization.jsonObject(with: bytes[12..<(12 + length)]) as? [String: Any])
        edit(&header)
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var file = Data("SIEVENB\n".utf8)
        let n = UInt32(json.count)
        file.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
        file.append(json)
        file.append(bytes[(12 + length)...])
        try file.write(to: URL(fileURLWithPath: out))
    }

    @Test func formatThreeRoundTripsAndOlderFilesStillLoad() throws {
        let dir = TempDir()
        let data = NaiveBayesTests.data
        // Format 3 with every new setting: the header carries the cue words, so a loaded model featurises alike.
        let s = TrainingTask.type.naiveBayes(cues: ["坍方": "landslide", "淹水": "flood"])
        #expect(s.balance != nil)
        let m2 = Trainer.train(task: .type, data: data, settings: s)
        try m2.write(to: dir.path("v2.nbm"))
        let back = try NaiveBayesModel.load(path: dir.path("v2.nbm"))
        #expect(back.header.features == s.features)
        #expect(back.header.weighting == s.weighting)
        #expect(back.header.balance == s.balance)
        #expect(back.header.format == NaiveBayesModel.formatVersion)
        for t in ["山區坍方", "淹水及膝", "宵夜"] {
            #expect(
                Trainer.predict(back, texts: [t]) == Trainer.predict(m2, texts: [t])
                    && back.predict(Featurizer(config: back.header.features).features(t)).scores
                        == m2.predict(Featurizer(config: s.features).features(t)).scores)
        }
        // A format-1 file (as shipped before): no wordBoundaries/cues/cueWeight/weighting keys in its header.
        let plainCfg = FeatureConfig(minN: 1, maxN: 3)
        let m1 = NaiveBayesModel.train(
            task: "disaster", texts: data.texts, labels: data.labels, kind: .complement, alpha: 0.3,
            features: plainCfg, featurizer: Featurizer(config: plainCfg))
        try m1.write(to: dir.path("tmp.nbm"))
        try Self.rewriteHeader(dir.path("tmp.nbm"), to: dir.path("v1.nbm")) { header in
            var features = header["features"] as? [String: Any] ?? [:]
            for key in ["wordBoundaries", "cues", "cueWeight"] { features.removeValue(forKey: key) }
            header["features"] = features
            header["format"] = 1
            header.removeValue(forKey: "weighting")
        }
        let v1 = try NaiveBayesModel.load(path: dir.path("v1.nbm"))
        #expect(v1.header.format == 1)
        #expect(v1.header.features == plainCfg)
        #expect(v1.header.weighting == nil)
        let f = Featurizer(config: plainCfg)
        #expect(v1.predict(f.features("颱風夜停電")).scores == m1.predict(f.features("颱風夜停電")).scores)
        // A format-2 file (as shipped before): no balance key; it loads and predicts as written.
        try Self.rewriteHeader(dir.path("v2.nbm"), to: dir.path("format2.nbm")) { header in
            header["format"] = 2
            header.removeValue(forKey: "balance")
        }
        let v2 = try NaiveBayesModel.load(path: dir.path("format2.nbm"))
        #expect(v2.header.format == 2 && v2.header.balance == nil)
        let fv = Featurizer(config: s.features)
        #expect(v2.predict(fv.features("山區坍方")).scores == m2.predict(fv.features("山區坍方")).scores)
        // A newer format is refused with what to do.
        try Self.rewriteHeader(dir.path("v2.nbm"), to: dir.path("format6.nbm")) { header in header["format"] = 6 }
        do {
            _ = try NaiveBayesModel.load(path: dir.path("format6.nbm"))
            Issue.record("expected a format error")
        } catch {
            #expect(error.description.contains("format6.nbm: model format 6, this sieve reads formats 1–5"))
        }
        // Bad class-balance settings are refused too.
        var badBalance = try Data(contentsOf: URL(fileURLWithPath: dir.path("v2.nbm")))
        let at3 = try #require(badBalance.range(of: Data("\"priorWeight\":0.6".utf8)))
        badBalance.replaceSubrange(at3, with: Data("\"priorWeight\":9.0".utf8))
        try badBalance.write(to: URL(fileURLWithPath: dir.path("badbalance.nbm")))
        do {
            _ = try NaiveBayesModel.load(path: dir.path("badbalance.nbm"))
            Issue.record("expected a class-balance error")
        } catch {
            #expect(error.description.contains("badbalance.nbm: unusable class-balance settings"))
        }
        // Bad feature settings in a header are refused with the reason, not trusted.
        var bad = try Data(contentsOf: URL(fileURLWithPath: dir.path("v2.nbm")))
        let at = try #require(bad.range(of: Data("\"maxN\":3".utf8)))
        bad.replaceSubrange(at, with: Data("\"maxN\":0".utf8))
        try bad.write(to: URL(fileURLWithPath: dir.path("bad.nbm")))
        do {
            _ = try NaiveBayesModel.load(path: dir.path("bad.nbm"))
            Issue.record("expected a settings error")
        } catch {
            #expect(error.description.contains("bad.nbm: unusable feature settings"))
        }
    }

    /// Loads EMIC as `sieve eval` does (without 其他災情, one-example classes dropped), with CASE_ID as the key.
    static func emic() throws -> LabelledData? {
        guard let path = TestPaths.sharedData("emic/emic_cases_dev.csv") else { return nil }
        let data = try LabelledData.load(
            path: path.path, textColumn: "CASE_DESCRIPTION", labelColumn: "DISASTER_MAIN_TYPE", excluding: ["其他災情"],
            idColumn: "CASE_ID")
        let counts = Dictionary(data.labels.map { ($0, 1) }, uniquingKeysWith: +)
        let keep = data.labels.indices.filter { counts[data.labels[$0]]! >= 2 }
        return LabelledData(
            texts: keep.map { data.texts[$0] }, labels: keep.map { data.labels[$0] }, ids: keep.map { data.ids[$0] })
    }

    /// The issue's EMIC target (accuracy ≥ 0.85 and macro-F1 ≥ 0.70) on the protocol BENCHMARKS.md defends: the
    /// recipe and the cue words were chosen by cross-validation inside the 80% development slice; this trains on that
    /// slice and tests on the 20% held out by CASE_ID hash (3,632 descriptions), which was not used for any choice.
    /// Measured 0.8689 / 0.7057. A few seconds in a debug build.
    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func emicTypeHeldOutMeetsTheTargets() throws {
        let data = try #require(try Self.emic())
        let (dev, heldOut) = Trainer.holdout(data, keys: data.ids)
        #expect(dev.count == 14308 && heldOut.count == 3632)
        let settings = TrainingTask.type.naiveBayes(cues: try Lexicon.standardTypeCues())
        let r = Trainer.evaluate(task: .type, train: dev, test: heldOut, settings: settings)
        print("EMIC type, held-out 20%: accuracy \(r.accuracy), macro-F1 \(r.macroF1)")
        #expect(r.accuracy >= 0.85)
        #expect(r.macroF1 >= 0.70)
    }

    /// `sieve eval --task type --folds 5 --seed 1` on all 17,940 descriptions. These folds include the data the
    /// recipe was tuned on, and macro-F1 is not ≥ 0.70 on every seed (seeds 1–5 and 42: 0.696–0.707, seed 1 the
    /// lowest, BENCHMARKS.md), so this guards accuracy at the target and macro-F1 at 0.69 (a regression guard, not
    /// the target). About 20 s in a debug build.
    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func emicTypeFiveFold() throws {
        let data = try #require(try Self.emic())
        let settings = TrainingTask.type.naiveBayes(cues: try Lexicon.standardTypeCues())
        let r = Trainer.crossValidate(task: .type, data: data, folds: 5, settings: settings, seed: 1)
        print("EMIC type 5-fold, seed 1: accuracy \(r.accuracy), macro-F1 \(r.macroF1)")
        #expect(r.examples == 17940)
        #expect(r.accuracy >= 0.85)
        #expect(r.macroF1 >= 0.69)
    }
}
