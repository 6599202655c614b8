import ArgumentParser
import Classifier
import Foundation

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a task's classifier: train on one file and test on another, or K-fold cross-validation.",
        discussion: """
            Prints accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix; --json prints the
            same as one JSON object (accuracy, macro_f1, per_class, confusion). Folds are stratified and seeded.
            For the two-class tasks (disaster, rumour) it also measures the calibrated probability (Platt stacking
            of NB log-odds and the rules, fitted on out-of-fold scores; with --data each fold's calibration is
            fitted on the other folds): expected calibration error, Brier score and a 10-bin reliability table
            (JSON: "calibration": {ece, brier, reliability}).
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Training file (with --test).")
    var train: String?

    @Option(name: .long, help: "Test file (with --train).")
    var test: String?

    @Option(name: .long, help: "One file for cross-validation (with --folds).")
    var data: String?

    @Option(name: .long, help: "Number of folds for --data.")
    var folds = 5

    @Option(name: .long, help: "Seed for the folds.")
    var seed: UInt64 = 42

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        let split = train != nil || test != nil
        if split && data != nil { throw ValidationError("use either --train/--test or --data/--folds, not both") }
        if split && (train == nil || test == nil) { throw ValidationError("--train and --test go together") }
        if !split && data == nil { throw ValidationError("give --train FILE --test FILE, or --data FILE --folds K") }
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
    }

    /// A class with one example cannot be both trained and tested (often a mis-quoted row); say so and drop it.
    static func dropSingletons(_ d: LabelledData, file: String) -> LabelledData {
        let counts = Dictionary(d.labels.map { ($0, 1) }, uniquingKeysWith: +)
        let rare = counts.filter { $0.value < 2 }.map(\.key).sorted()
        guard !rare.isEmpty else { return d }
        FileHandle.standardError.write(Data(
            "note: \(file): dropped \(rare.count) class(es) with a single example: \(rare.joined(separator: ", "))\n".utf8))
        let keep = d.labels.indices.filter { counts[d.labels[$0]]! >= 2 }
        return LabelledData(texts: keep.map { d.texts[$0] }, labels: keep.map { d.labels[$0] })
    }

    func run() async throws {
        try await runCLI {
            let settings = try model.settings()
            let tokenizer = try model.tokenizer()
            let report: EvaluationReport
            var reliability: ReliabilityReport?
            let positive = model.task.positiveClass
            if let data {
                let d = Self.dropSingletons(try model.load(data), file: data)
                if let positive, Set(d.labels).count == 2, d.labels.contains(positive) {
                    // One pass gives the labels and the out-of-fold log-odds; the calibration of each fold is fitted
                    // on the other folds (cross-fitting), so the reliability table is of unseen examples.
                    let z = Trainer.outOfFoldLogOdds(
                        task: model.task, data: d, positive: positive, folds: folds, settings: settings, seed: seed,
                        tokenizer: tokenizer)
                    let negative = Set(d.labels).first { $0 != positive }!
                    report = EvaluationReport(gold: d.labels, predicted: z.map { $0 > 0 ? positive : negative })
                    let y = d.labels.map { $0 == positive }
                    let r = try model.ruleScores(d.texts)
                    reliability = ReliabilityReport(
                        probabilities: Calibration.crossFitted(z: z, r: r, y: y, folds: folds, seed: seed), outcomes: y)
                } else {
                    report = Trainer.crossValidate(
                        task: model.task, data: d, folds: folds, settings: settings, seed: seed, tokenizer: tokenizer)
                }
            } else {
                let trainSet = try model.load(train!), testSet = try model.load(test!)
                let m = Trainer.train(task: model.task, data: trainSet, settings: settings, tokenizer: tokenizer)
                let featurizer = Featurizer(config: m.header.features, tokenizer: tokenizer)
                report = EvaluationReport(
                    gold: testSet.labels, predicted: testSet.texts.map { m.predict(featurizer.features($0)).label })
                if let positive, m.classes.count == 2, m.classes.contains(positive) {
                    // Calibration fitted on the training side's out-of-fold scores, applied to the test side.
                    let z = Trainer.outOfFoldLogOdds(
                        task: model.task, data: trainSet, positive: positive, folds: 5, settings: settings, seed: seed,
                        tokenizer: tokenizer)
                    let c = Calibration.fit(
                        z: z, r: try model.ruleScores(trainSet.texts), y: trainSet.labels.map { $0 == positive }, positive: positive)
                    let rTest = try model.ruleScores(testSet.texts)
                    let p = testSet.texts.indices.map {
                        c.probability(logOdds: m.logOdds(featurizer.features(testSet.texts[$0]), positive: positive).z, rules: rTest[$0])
                    }
                    reliability = ReliabilityReport(probabilities: p, outcomes: testSet.labels.map { $0 == positive })
                }
            }
            if json {
                guard let reliability,
                    var obj = (try? JSONSerialization.jsonObject(with: Data(report.json.utf8))) as? [String: Any]
                else {
                    print(report.json)
                    return
                }
                obj["calibration"] = reliability.jsonObject
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(report.text)
                if let reliability { print(reliability.text, terminator: "") }
            }
        }
    }
}
