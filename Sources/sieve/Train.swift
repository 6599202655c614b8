import ArgumentParser
import Classifier
import Foundation

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a task's model from labelled TSV/CSV (or from moderators' decisions).",
        discussion: """
            Disaster trains naive Bayes, rumour and type logistic regression (--model-kind picks another kind).
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
            var m = Trainer.train(task: model.task, data: examples, settings: settings, tokenizer: tokenizer)
            m.header.provenance = provenance(data!, rows: examples.count)
            let (cv, calibrationLine) = try calibrate(&m, examples: examples, settings: settings, tokenizer: tokenizer)
            m.header.metrics["cv5_accuracy"] = cv.accuracy
            m.header.metrics["cv5_macro_f1"] = cv.macroF1
            try write(m)
            print(
                "trained \(model.task.rawValue) ("
                    + (settings.kind == .logistic ? "logistic regression, C \(settings.logistic.c)" : "\(settings.kind.rawValue) NB, α \(settings.alpha)")
                    + (settings.weighting.map { " with entropy feature weights (power \($0.power))" } ?? "")
                    + ", char \(settings.features.minN)–\(settings.features.maxN)-grams"
                    + (settings.features.wordBoundaries ? " inside words" : "")
                    + (settings.features.tokens ? " + words" : "")
                    + (settings.features.cues.isEmpty ? "" : " + \(Set(settings.features.cues.values).count) cue groups")
                    + (settings.balance.map { " + class balance (γ \($0.smoothingPower), prior × \($0.priorWeight))" } ?? "")
                    + ") on \(examples.count) examples, "
                    + "\(m.classes.count) classes, \(m.vocabularySize) features → \(out)")
            print(String(format: "5-fold cross-validation: accuracy %.4f, macro-F1 %.4f", cv.accuracy, cv.macroF1))
            if let calibrationLine { print(calibrationLine) }
        }
    }

    /// Two-class tasks: one 5-fold pass gives both the cross-validation figures and the out-of-fold scores the
    /// calibration is fitted on (stacked with the lexicon rules' score); it goes into `m`'s header. The type task:
    /// plain cross-validation.
    func calibrate(
        _ m: inout NaiveBayesModel, examples: LabelledData, settings: TrainingTask.Settings, tokenizer: Tokenizer?
    ) throws -> (EvaluationReport, String?) {
        guard let positive = model.task.positiveClass, m.classes.contains(positive), m.classes.count == 2 else {
            return (Trainer.crossValidate(task: model.task, data: examples, folds: 5, settings: settings, tokenizer: tokenizer), nil)
        }
        let z = Trainer.outOfFoldLogOdds(
            task: model.task, data: examples, positive: positive, folds: 5, settings: settings, tokenizer: tokenizer)
        let negative = m.classes.first { $0 != positive }!
        let cv = EvaluationReport(gold: examples.labels, predicted: z.map { $0 > 0 ? positive : negative })
        let rules = try model.ruleScores(examples.texts)
        let y = examples.labels.map { $0 == positive }
        var calibration = Calibration.fit(z: z, r: rules, y: y, positive: positive)
        let crossFitted = Calibration.crossFitted(z: z, r: rules, y: y)
        let held = ReliabilityReport(probabilities: crossFitted, outcomes: y)
        calibration.ece = held.ece
        let scores = settings.kind == .logistic ? "logistic-regression" : "NB"
        calibration.method = "Platt stacking (\(scores) log-odds, lexicon rules) on 5-fold out-of-fold scores of \(examples.count) examples"
        if let share = settings.flagFalseAlarm, model.task == .rumour {
            // The flag band (待查證) is the rumour label's; it is set on the probability a post is shown with, where a
            // strong rumour-rules score is a floor.
            let shown = zip(crossFitted, rules).map { PostClassifier.rumourShown($0, rules: $1) }
            calibration.flag = Calibration.flagThreshold(probabilities: shown, y: y, share: share)
        }
        m.header.calibration = calibration
        m.header.metrics["cv5_ece"] = held.ece
        m.header.metrics["cv5_brier"] = held.brier
        let line = String(
            format: "calibration: p = σ(%.4f·z %+.3f·rules %+.3f); cross-fitted ECE %.4f, Brier %.4f; unsure (不確定) in [%.2f, %.2f)",
            calibration.weightNB, calibration.weightRules, calibration.bias, held.ece, held.brier,
            calibration.abstain[0], calibration.abstain[1])
            + (calibration.flag.map { String(format: "; flagged (待查證) from %.3f", $0) } ?? "")
        return (cv, line)
    }

    /// Rows per source when the file has a `source` column ("emic 12801 · president_gov_tw 11022 · …"), else the
    /// file name and row count.
    func provenance(_ path: String, rows: Int) -> String {
        let name = (path as NSString).lastPathComponent
        guard let sources = try? LabelledData.load(path: path, textColumn: "source", labelColumn: model.labelCol) else {
            return "\(name): \(rows) rows"
        }
        var counts: [String: Int] = [:]
        for s in sources.texts { counts[s, default: 0] += 1 }
        return "\(name): " + counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: " · ")
    }

    func write(_ m: NaiveBayesModel) throws {
        do {
            try m.write(to: out)
        } catch {
            throw CLIError.failure(error.description)
        }
    }
}
