@testable import Classifier
import Foundation
import SieveCore
import Testing
import TestSupport

/// Issue 15: the logistic-regression models (rumour, type), their fit, the rumour flag band (待查證) and the floor
/// the lexicon's hearsay score puts under the rumour probability.
@Suite("Logistic regression")
struct LogisticTests {
    static let cfg = FeatureConfig(minN: 1, maxN: 2, binary: true)

    /// The analytic gradient of the weighted softmax loss agrees with central differences, weights and biases alike.
    @Test func gradientMatchesFiniteDifferences() {
        let texts = ["坍方封路", "淹水受困", "宵夜泡麵", "坍方落石", "逛街泡麵"]
        let y = [0, 1, 2, 0, 2]
        let rows = NaiveBayesModel.sparseRows(texts: texts, featurizer: Featurizer(config: Self.cfg), minCount: 1)
        let k = 3, vocab = rows.index.count
        var theta = (0..<(vocab * k + k)).map { i in sin(Double(i) * 1.7) * 0.3 }
        let weights = [1.0, 2.5, 0.7]
        var grad = [Double](repeating: 0, count: theta.count)
        _ = NaiveBayesModel.softmaxLoss(theta, grad: &grad, rows: rows, y: y, weights: weights, k: k, vocab: vocab, lambda: 0.8)
        var scratch = grad
        let h = 1e-6
        for i in stride(from: 0, to: theta.count, by: max(1, theta.count / 40)) + [theta.count - 1] {
            let keep = theta[i]
            theta[i] = keep + h
            let up = NaiveBayesModel.softmaxLoss(theta, grad: &scratch, rows: rows, y: y, weights: weights, k: k, vocab: vocab, lambda: 0.8)
            theta[i] = keep - h
            let down = NaiveBayesModel.softmaxLoss(theta, grad: &scratch, rows: rows, y: y, weights: weights, k: k, vocab: vocab, lambda: 0.8)
            theta[i] = keep
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - grad[i]) < 1e-5 * max(1, abs(numeric)), "θ[\(i)]: analytic \(grad[i]), numeric \(numeric)")
        }
    }

    /// L-BFGS finds the minimum of an ill-conditioned quadratic (curvatures 1 to 10,000).
    @Test func lbfgsFindsTheMinimumOfAQuadratic() {
        let centre = (0..<30).map { Double($0) - 12.5 }
        let curvature = (0..<30).map { pow(10, Double($0 % 5)) }
        let x = LBFGS.minimize([Double](repeating: 0, count: 30), maxIterations: 500, gradientTolerance: 1e-12, valueTolerance: 0) { x, g in
            var f = 0.0
            for i in 0..<x.count {
                let d = x[i] - centre[i]
                f += 0.5 * curvature[i] * d * d
                g[i] = curvature[i] * d
            }
            return f
        }
        for i in 0..<30 { #expect(abs(x[i] - centre[i]) < 1e-3, "x[\(i)] = \(x[i]), want \(centre[i])") }
    }

    /// A logistic model learns, scores like any model (probabilities sum to 1, unknown text goes to the common class),
    /// and survives the file round trip with its kind and settings.
    @Test func learnsAndRoundTripsThroughTheFile() throws {
        let data = NaiveBayesTests.data
        let settings = NaiveBayesModel.LogisticSettings(c: 3, classWeightPower: 0.5)
        let m = NaiveBayesModel.train(
            task: "disaster", texts: data.texts, labels: data.labels, kind: .logistic, alpha: 0.3, features: Self.cfg,
            featurizer: Featurizer(config: Self.cfg), logistic: settings)
        let f = Featurizer(config: Self.cfg)
        #expect(m.header.kind == .logistic && m.header.logistic == settings)
        #expect(m.predict(f.features("山區坍方，道路中斷")).label == "disaster")
        #expect(m.predict(f.features("宵夜吃泡麵配珍奶")).label == "other")
        let dir = TempDir()
        try m.write(to: dir.path("lr.nbm"))
        let back = try NaiveBayesModel.load(path: dir.path("lr.nbm"))
        #expect(back.header.kind == .logistic && back.header.logistic == settings && back.header.format == 5)
        for t in ["坍方", "珍奶", "颱風夜停電", ""] {
            #expect(back.predict(f.features(t)).scores == m.predict(f.features(t)).scores)
        }
        // A header with unusable settings is refused with the reason.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("lr.nbm")))
        let at = try #require(bytes.range(of: Data("\"c\":3".utf8)))
        bytes.replaceSubrange(at, with: Data("\"c\":0".utf8))
        try bytes.write(to: URL(fileURLWithPath: dir.path("bad.nbm")))
        do {
            _ = try NaiveBayesModel.load(path: dir.path("bad.nbm"))
            Issue.record("expected a settings error")
        } catch {
            #expect(error.description.contains("bad.nbm: unusable logistic-regression settings in the header: regularisation C 0.0"))
        }
    }

    /// Stronger regularisation (smaller C) gives smaller weights and less confident probabilities.
    @Test func smallerCMeansLessConfidence() {
        let data = NaiveBayesTests.data
        let f = Featurizer(config: Self.cfg)
        func p(_ c: Double) -> Double {
            let m = NaiveBayesModel.train(
                task: "disaster", texts: data.texts, labels: data.labels, kind: .logistic, alpha: 0.3, features: Self.cfg,
                featurizer: f, logistic: .init(c: c))
            return m.probability(of: "disaster", f.features("坍方落石封路"))
        }
        let weak = p(0.05), strong = p(20)
        #expect(weak > 0.5 && strong > weak && strong > 0.9, "C 0.05: \(weak), C 20: \(strong)")
    }

    /// Class weights give a small class more say: its probability on its own words rises with the power.
    @Test func classWeightsLiftASmallClass() {
        var texts: [String] = [], labels: [String] = []
        let filler = ["今天", "天氣", "週末", "逛街", "珍奶", "宵夜", "追劇", "棒球", "百貨", "上班"]
        for i in 0..<60 {
            texts.append(filler[i % 10] + filler[(i * 3 + 1) % 10] + (i % 12 == 0 ? "捷運" : ""))
            labels.append("other")
        }
        for i in 0..<4 {
            texts.append("捷運停駛" + filler[i])
            labels.append("rail")
        }
        let f = Featurizer(config: Self.cfg)
        func p(_ power: Double) -> Double {
            let m = NaiveBayesModel.train(
                task: "type", texts: texts, labels: labels, kind: .logistic, alpha: 0.3, features: Self.cfg, featurizer: f,
                logistic: .init(c: 0.5, classWeightPower: power))
            return m.probability(of: "rail", f.features("捷運停駛"))
        }
        let plain = p(0), balanced = p(1)
        #expect(balanced > plain + 0.1, "plain \(plain), balanced \(balanced)")
    }

    @Test func badSettingsAreNamed() {
        #expect(NaiveBayesModel.LogisticSettings(c: 0).problem?.contains("regularisation C 0.0") == true)
        #expect(NaiveBayesModel.LogisticSettings(c: 1, classWeightPower: 2).problem?.contains("class weight power") == true)
        #expect(NaiveBayesModel.LogisticSettings().problem == nil)
        // A model file from before the class-weight power still reads (power 0).
        let old = try? JSONDecoder().decode(NaiveBayesModel.LogisticSettings.self, from: Data(#"{"c":2,"maxIterations":50}"#.utf8))
        #expect(old == NaiveBayesModel.LogisticSettings(c: 2, maxIterations: 50, classWeightPower: 0))
    }

    // MARK: the flag band

    /// The flag threshold lets through exactly the allowed share of negatives, ties aside.
    @Test func flagThresholdHoldsTheFalseAlarmShare() throws {
        let negatives = (1...20).map { Double($0) / 25 }  // 0.04 … 0.8
        let positives = [0.3, 0.5, 0.9]
        let p = negatives + positives
        let y = negatives.map { _ in false } + positives.map { _ in true }
        let t = try #require(Calibration.flagThreshold(probabilities: p, y: y, share: 0.1))
        #expect(negatives.filter { $0 >= t }.count == 2, "t = \(t)")
        #expect(t > 0.72 && t <= 0.76)
        let t0 = try #require(Calibration.flagThreshold(probabilities: p, y: y, share: 0.01))
        #expect(negatives.filter { $0 >= t0 }.isEmpty)
        #expect(Calibration.flagThreshold(probabilities: positives, y: [true, true, true], share: 0.1) == nil)
        #expect(Calibration.flagThreshold(probabilities: p, y: y, share: 0) == nil)
    }

    @Test func theFlagBandSitsBelowTheTopOfTheUnsureBand() {
        var c = Calibration(positive: "rumour", weightNB: 1, weightRules: 0, bias: 0)
        #expect(!c.isFlagged(0.5), "no flag threshold: no band")
        c.flag = 0.3
        #expect(!c.isFlagged(0.29) && c.isFlagged(0.3) && c.isFlagged(0.64) && !c.isFlagged(0.65))
        c.flag = 1.2
        #expect(c.problem?.contains("flag threshold 1.2") == true)
    }

    /// Only a strong hearsay score (≥ 0.5) is a floor: 「網傳」 alone (0.39) also heads fact-checkers' titles.
    @Test func onlyAStrongHearsayScoreIsAFloor() {
        #expect(PostClassifier.rumourShown(0.1, rules: 0.393) == 0.1)
        #expect(PostClassifier.rumourShown(0.1, rules: 0.6) == 0.6)
        #expect(PostClassifier.rumourShown(0.8, rules: 0.6) == 0.8)
    }

    /// A post in the flag band is labelled 待查證 and its reason says so, with the words behind it.
    @Test func aPostInTheFlagBandIsMarkedForChecking() throws {
        let lexicon = try Lexicon.load(directory: TestPaths.lexicons)
        let texts = ["疫苗含有晶片快分享", "喝熱水可以殺死病毒", "官方宣布明天放假", "市府說明垃圾清運時間", "氣象署發布天氣預報", "公車路線調整公告"]
        let labels = ["rumour", "rumour", "rumour", "credible", "credible", "credible"]
        var m = NaiveBayesModel.train(
            task: "rumour", texts: texts, labels: labels, kind: .logistic, alpha: 0.3, features: Self.cfg,
            featurizer: Featurizer(config: Self.cfg), logistic: .init(c: 5))
        // p = σ(0.3·z − 0.9): the evidence words push a post from well under the band into it.
        m.header.calibration = Calibration(positive: "rumour", weightNB: 0.3, weightRules: 0, bias: -0.9)
        m.header.calibration?.flag = 0.3
        let classifier = PostClassifier(lexicon: lexicon, models: ModelSet(rumour: m))
        let flagged = classifier.assess(title: nil, text: "疫苗含有晶片", published: nil)
        #expect(flagged.rumour >= 0.3 && flagged.rumour < 0.65 && flagged.rumourLabel == "待查證", "\(flagged.rumour) \(flagged.reasons)")
        let reason = try #require(flagged.reasons.first { $0.contains("可能是謠言，待查證") }, "\(flagged.reasons)")
        #expect(reason.contains("「疫苗」") || reason.contains("「晶片」"), "\(reason)")
        let plain = classifier.assess(title: nil, text: "公車路線調整", published: nil)
        #expect(plain.rumour < 0.3 && plain.rumourLabel == "非謠言", "\(plain.rumour) \(plain.reasons)")
    }
}
