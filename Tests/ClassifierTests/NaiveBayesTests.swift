import Classifier
import Foundation
import Testing
import TestSupport

@Suite("Naive Bayes")
struct NaiveBayesTests {
    static let data = LabelledData(
        texts: [
            "土石流 坍方 道路中斷", "淹水 及膝 受困", "路樹倒塌 擋路", "停電 復電 台電", "坍方 落石 封路",
            "珍奶 好喝", "追劇 颱風夜", "棒球 延賽", "泡麵 宵夜", "逛街 百貨",
        ],
        labels: ["disaster", "disaster", "disaster", "disaster", "disaster", "other", "other", "other", "other", "other"])

    @Test(arguments: NaiveBayesModel.Kind.allCases)
    func learnsAndPredicts(kind: NaiveBayesModel.Kind) {
        let cfg = FeatureConfig(minN: 1, maxN: 2)
        let m = NaiveBayesModel.train(
            task: "disaster", texts: Self.data.texts, labels: Self.data.labels, kind: kind, alpha: 0.5, features: cfg,
            featurizer: Featurizer(config: cfg))
        let f = Featurizer(config: cfg)
        #expect(m.predict(f.features("山區坍方，道路中斷")).label == "disaster")
        #expect(m.predict(f.features("宵夜吃泡麵配珍奶")).label == "other")
        let p = m.predict(f.features("坍方"))
        #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-9)
        // Text with no known feature goes to the most frequent class, not the alphabetically first.
        #expect(m.predict(f.features("？？？")).label == m.classes[m.header.fallback])
        #expect(m.predict(f.features("")).probabilities.allSatisfy { $0 > 0 })
    }

    @Test func multinomialMatchesTheFormula() {
        // Two classes, one feature each plus a shared one; binary counts; α = 1.
        let cfg = FeatureConfig(minN: 1, maxN: 1, normalize: false)
        let m = NaiveBayesModel.train(
            task: "t", texts: ["ab", "ac"], labels: ["x", "y"], kind: .multinomial, alpha: 1, features: cfg,
            featurizer: Featurizer(config: cfg))
        // V = 3 (a, b, c); class x counts a:1 b:1 → P(b|x) = 2/5, P(c|x) = 1/5.
        let f = Featurizer(config: cfg)
        let s = m.scores(f.features("b")).scores
        let x = m.classes.firstIndex(of: "x")!
        #expect(abs(s[x] - (log(0.5) + log(2.0 / 5.0))) < 1e-6)
    }

    @Test func modelFilesRoundTripAndRefuseOtherVersions() throws {
        let dir = TempDir()
        let cfg = FeatureConfig(minN: 1, maxN: 3)
        let m = NaiveBayesModel.train(
            task: "disaster", texts: Self.data.texts, labels: Self.data.labels, kind: .complement, alpha: 0.3,
            features: cfg, featurizer: Featurizer(config: cfg))
        let path = dir.path("m.nbm")
        try m.write(to: path)
        let back = try NaiveBayesModel.load(path: path)
        #expect(back.classes == m.classes)
        #expect(back.vocabularySize == m.vocabularySize)
        let f = Featurizer(config: cfg)
        for t in ["坍方", "珍奶", "颱風夜停電"] {
            #expect(back.predict(f.features(t)).scores == m.predict(f.features(t)).scores)
        }
        // Truncated.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 7).write(to: URL(fileURLWithPath: dir.path("short.nbm")))
        #expect(throws: NaiveBayesModel.FileError.self) { try NaiveBayesModel.load(path: dir.path("short.nbm")) }
        // Another format version.
        let text = String(decoding: data, as: UTF8.self)
        let other = text.replacingOccurrences(of: "\"format\":\(NaiveBayesModel.formatVersion)", with: "\"format\":9")
        try Data(other.utf8).write(to: URL(fileURLWithPath: dir.path("v9.nbm")))
        do {
            _ = try NaiveBayesModel.load(path: dir.path("v9.nbm"))
            Issue.record("expected a version error")
        } catch {
            #expect(error.description.contains("model format 9"))
        }
        // Not a model at all.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir.path("x.nbm")))
        #expect(throws: NaiveBayesModel.FileError.self) { try NaiveBayesModel.load(path: dir.path("x.nbm")) }
    }

    @Test func evaluationReport() {
        let r = EvaluationReport(gold: ["a", "a", "b", "b"], predicted: ["a", "b", "b", "b"])
        #expect(r.accuracy == 0.75)
        #expect(r.confusion == [[1, 1], [0, 2]])
        #expect(r.perClass["a"]?.recall == 0.5)
        #expect(abs((r.perClass["b"]?.precision ?? 0) - 2.0 / 3.0) < 1e-12)
        let json = try? JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any]
        for key in ["accuracy", "macro_f1", "per_class", "confusion"] { #expect(json?[key] != nil) }
    }

    @Test func csvWithQuotesTitleLineAndExclusions() throws {
        let dir = TempDir()
        let path = dir.write("d.csv", "EMIC 災情匯出 2026\nid,text,label\n1,\"路樹倒塌，擋住\"\"中正路\"\"\",路樹\n2,\"多行\n文字\",淹水\n3,測試,其他\n4,,\n")
        let d = try LabelledData.load(path: path, excluding: ["其他"])
        #expect(d.texts == ["路樹倒塌，擋住\"中正路\"", "多行\n文字"])
        #expect(d.labels == ["路樹", "淹水"])
        do {
            _ = try LabelledData.load(path: path, textColumn: "CASE_DESCRIPTION")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("d.csv:2: no column \"CASE_DESCRIPTION\""))
        }
        let tsv = dir.write("d.tsv", "label\tid\ttext\nrumor\t1\t網傳停班\nnonrumor\t2\t今天天氣好\n")
        #expect(try LabelledData.load(path: tsv).labels == ["rumor", "nonrumor"])
    }

    @Test(.enabled(if: TestPaths.has("rumour/weibo_rumdect_dev.tsv"), "../shared/data/rumour/weibo_rumdect_dev.tsv is absent")) func rumourCrossValidationOnWeibo() throws {
        let path = try #require(TestPaths.sharedData("rumour/weibo_rumdect_dev.tsv"))
        let data = try LabelledData.load(path: path.path)
        let r = Trainer.crossValidate(task: .rumour, data: data, folds: 5, settings: TrainingTask.rumour.naiveBayes)
        print("weibo rumour 5-fold: accuracy \(r.accuracy), macro-F1 \(r.macroF1)")
        #expect(r.examples == 2303)
        // 0.9001 on raw text; 0.8997 since digits fold into one placeholder (issue 15) — one text of 2,303.
        #expect(r.accuracy >= 0.895)
    }
}
