import ArgumentParser
import Classifier
import Foundation

extension TrainingTask: ExpressibleByArgument {}
extension NaiveBayesModel.Kind: ExpressibleByArgument {}

/// Data and model options shared by `train` and `eval`.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "disaster, rumour or type.")
    var task: TrainingTask

    @Option(name: .long, help: "Column holding the text.")
    var textCol = "text"

    @Option(name: .long, help: "Column holding the label.")
    var labelCol = "label"

    @Option(name: .long, help: "Drop examples with this label (repeatable).")
    var excludeLabel: [String] = []

    @Option(name: .long, help: "multinomial, complement or logistic (default: the task's best measured setting).")
    var modelKind: NaiveBayesModel.Kind?

    @Option(name: .long, help: "Logistic regression: inverse L2 strength C (larger: weaker).")
    var regularization: Double?

    @Option(name: .long, help: "Logistic regression: class weights (N / (K·N_c))^POWER, 0 (none) to 1 (balanced).")
    var classWeightPower: Double?

    @Option(name: .long, help: "How many times a type cue group counts (type task; 0: no cue features).")
    var cueWeight: Double?

    @Option(name: .long, help: "Lidstone smoothing α.")
    var alpha: Double?

    @Option(name: .long, help: "Character n-gram orders, e.g. 1-3.")
    var ngrams: String?

    @Flag(name: .long, help: "Add the tokenizer's words as features.")
    var tokens = false

    @Flag(name: .long, inversion: .prefixedNo, help: "Binary features (default) or term frequency (--no-binary).")
    var binary = true

    func settings() throws -> TrainingTask.Settings {
        var cues: [String: String] = [:]
        if task.usesCues {
            do {
                cues = try Lexicon.standardTypeCues()
            } catch {
                throw CLIError.config(error.description)
            }
        }
        // Another kind than the default: that kind's best measured recipe (NB's feature weights and class
        // corrections for multinomial, none for logistic).
        var s = task.settings(kind: modelKind ?? task.defaults.kind, cues: cues)
        if let regularization {
            guard regularization.isFinite, regularization > 0 else { throw ValidationError("--regularization must be a number > 0") }
            s.logistic.c = regularization
        }
        if let classWeightPower {
            guard classWeightPower >= 0, classWeightPower <= 1 else { throw ValidationError("--class-weight-power must be between 0 and 1") }
            s.logistic.classWeightPower = classWeightPower
        }
        if let cueWeight {
            guard cueWeight.isFinite, cueWeight >= 0 else { throw ValidationError("--cue-weight must be a number ≥ 0") }
            s.features.cueWeight = cueWeight
            if cueWeight == 0 { s.features.cues = [:] }
        }
        if let alpha {
            guard alpha > 0 else { throw ValidationError("--alpha must be > 0") }
            s.alpha = alpha
        }
        if let ngrams {
            let parts = ngrams.split(separator: "-").compactMap { Int($0) }
            guard (parts.count == 1 || parts.count == 2), let lo = parts.first, let hi = parts.last, lo >= 1, hi >= lo, hi <= 8
            else { throw ValidationError("--ngrams takes N or MIN-MAX (1 ≤ MIN ≤ MAX ≤ 8), e.g. 1-3") }
            s.features.minN = lo
            s.features.maxN = hi
        }
        s.features.tokens = tokens
        s.features.binary = binary
        return s
    }

    func load(_ path: String) throws -> LabelledData {
        let d = try read(path)
        guard Set(d.labels).count >= 2 else {
            throw CLIError.config("\(path): needs at least two labels, found \(Set(d.labels).sorted().joined(separator: ", "))")
        }
        return d
    }

    func read(_ path: String) throws -> LabelledData {
        do {
            return try LabelledData.load(path: path, textColumn: textCol, labelColumn: labelCol, excluding: Set(excludeLabel))
        } catch {
            throw CLIError.config(error.description)
        }
    }

    func tokenizer() throws -> Tokenizer? {
        tokens ? try loadScorer(useModels: false).tokenizer : nil
    }

    /// The lexicon rules' score for the task (disaster or rumour): the calibration's second input.
    func ruleScores(_ texts: [String]) throws -> [Double] {
        let rules = try loadScorer(useModels: false).rules
        return texts.map { t in
            let a = rules.assess(title: nil, text: t, published: nil)
            return task == .rumour ? a.rumour : a.disaster
        }
    }
}
