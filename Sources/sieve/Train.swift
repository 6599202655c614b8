import ArgumentParser
import Classifier
import Foundation

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a naive-Bayes model from labelled TSV/CSV (or from moderators' decisions).",
        discussion: """
            FILE has a header line; --text-col/--label-col pick the columns. The model file records the task,
            settings, classes and a 5-fold cross-validation of itself. With --from-reviews, every review decision in
            the database becomes a labelled example (added to --data when given); the new model is compared with the
            current one on a held-out slice and only replaces it when it is not worse.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Labelled examples (TSV or CSV with a header).")
    var data: String?

    @Option(name: .long, help: "Where to write the model file (with --from-reviews: the model to replace).")
    var out: String

    @Flag(name: .long, help: "Learn from the moderators' review decisions in the database.")
    var fromReviews = false

    @Option(name: .long, help: "Database for --from-reviews (default: from the config).")
    var database: String?

    @Option(name: .long, help: "Config file for --from-reviews.")
    var config: String = "sieve.toml"

    func validate() throws {
        if data == nil && !fromReviews { throw ValidationError("give --data FILE, or --from-reviews") }
    }

    func run() async throws {
        try await runCLI {
            let settings = try model.settings()
            let tokenizer = try model.tokenizer()
            if fromReviews {
                try await retrainFromReviews(settings: settings, tokenizer: tokenizer)
                return
            }
            let examples = try model.load(data!)
            let cv = Trainer.crossValidate(task: model.task, data: examples, folds: 5, settings: settings, tokenizer: tokenizer)
            var m = Trainer.train(task: model.task, data: examples, settings: settings, tokenizer: tokenizer)
            m.header.metrics = ["cv5_accuracy": cv.accuracy, "cv5_macro_f1": cv.macroF1]
            try write(m)
            print(
                "trained \(model.task.rawValue) (\(settings.kind.rawValue) NB"
                    + (settings.weighting.map { " with entropy feature weights (power \($0.power))" } ?? "")
                    + ", α \(settings.alpha), char \(settings.features.minN)–\(settings.features.maxN)-grams"
                    + (settings.features.wordBoundaries ? " inside words" : "")
                    + (settings.features.tokens ? " + words" : "")
                    + (settings.features.cues.isEmpty ? "" : " + \(Set(settings.features.cues.values).count) cue groups")
                    + (settings.balance.map { " + class balance (γ \($0.smoothingPower), prior × \($0.priorWeight))" } ?? "")
                    + ") on \(examples.count) examples, "
                    + "\(m.classes.count) classes, \(m.vocabularySize) features → \(out)")
            print(String(format: "5-fold cross-validation: accuracy %.4f, macro-F1 %.4f", cv.accuracy, cv.macroF1))
        }
    }

    func write(_ m: NaiveBayesModel) throws {
        do {
            try m.write(to: out)
        } catch {
            throw CLIError.failure(error.description)
        }
    }
}
