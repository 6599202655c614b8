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
            if let data {
                let d = Self.dropSingletons(try model.load(data), file: data)
                report = Trainer.crossValidate(
                    task: model.task, data: d, folds: folds, settings: settings, seed: seed, tokenizer: tokenizer)
            } else {
                report = Trainer.evaluate(
                    task: model.task, train: try model.load(train!), test: try model.load(test!), settings: settings,
                    tokenizer: tokenizer)
            }
            print(json ? report.json : report.text)
        }
    }
}
