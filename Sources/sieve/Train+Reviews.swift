import ArgumentParser
import Classifier
import Foundation
import SieveCore
import Store

extension Train {
    /// Every review becomes a labelled example; the new model replaces `--out` only if it is not worse on a held-out
    /// slice of the review examples.
    func retrainFromReviews(settings: TrainingTask.Settings, tokenizer: Tokenizer?) async throws {
        var cfg: SieveConfig
        do { cfg = try SieveConfig.load(path: config, required: false) } catch { throw CLIError.config(error.description) }
        if let database { cfg.database = database }
        let db: AppDatabase
        do { db = try await AppDatabase(path: cfg.database, mode: .existing) } catch { throw CLIError.failure(error.description) }
        let reviewed: [LabelledReview]
        do { reviewed = try await db.labelledReviews() } catch { throw CLIError.failure(error.description) }
        var fromReviews = LabelledData()
        for r in reviewed {
            guard let label = ReviewLabels.label(task: model.task, decision: r.decision, reason: r.reason, types: r.types)
            else { continue }
            fromReviews.texts.append(r.text)
            fromReviews.labels.append(label)
        }
        guard fromReviews.count >= 4, Set(fromReviews.labels).count >= 2 else {
            throw CLIError.failure(
                "only \(fromReviews.count) review(s) carry a \(model.task.rawValue) label; nothing to learn yet")
        }
        let base = try data.map { try model.load($0) } ?? LabelledData()
        let (heldTrain, heldOut) = Trainer.split(fromReviews, testFraction: 0.2)
        var training = base
        training.texts += heldTrain.texts
        training.labels += heldTrain.labels
        let candidate = Trainer.train(task: model.task, data: training, settings: settings, tokenizer: tokenizer)
        let newReport = EvaluationReport(
            gold: heldOut.labels, predicted: Trainer.predict(candidate, texts: heldOut.texts, tokenizer: tokenizer))
        var oldReport: EvaluationReport? = nil
        if FileManager.default.fileExists(atPath: out) {
            switch Result(catching: { () throws(NaiveBayesModel.FileError) in try NaiveBayesModel.load(path: out) }) {
            case .success(let current):
                let oldTokenizer = current.header.features.tokens ? try loadScorer(useModels: false).tokenizer : nil
                oldReport = EvaluationReport(
                    gold: heldOut.labels, predicted: Trainer.predict(current, texts: heldOut.texts, tokenizer: oldTokenizer))
            case .failure(let e):
                print("current model unreadable (\(e.description)); it will be replaced")
            }
        }
        print("\(fromReviews.count) review example(s) (\(heldOut.count) held out), \(base.count) from --data")
        if let old = oldReport {
            print(String(format: "held-out accuracy %.4f → %.4f, macro-F1 %.4f → %.4f", old.accuracy, newReport.accuracy, old.macroF1, newReport.macroF1))
            if newReport.macroF1 + 1e-9 < old.macroF1 {
                print("kept the current model: the retrained one is worse on the held-out reviews")
                throw ExitCode(1)
            }
        } else {
            print(String(format: "held-out accuracy %.4f, macro-F1 %.4f (no current model to compare)", newReport.accuracy, newReport.macroF1))
        }
        // Final model: everything, held-out slice included.
        training.texts += heldOut.texts
        training.labels += heldOut.labels
        var final = Trainer.train(task: model.task, data: training, settings: settings, tokenizer: tokenizer)
        final.header.provenance = (data.map { provenance($0, rows: base.count) + " + " } ?? "") + "moderators' reviews: \(fromReviews.count) rows"
        if Set(training.labels).count == 2 && training.count >= 10 {
            let (_, line) = try calibrate(&final, examples: training, settings: settings, tokenizer: tokenizer)
            if let line { print(line) }
        }
        final.header.metrics["reviews_heldout_accuracy"] = newReport.accuracy
        final.header.metrics["reviews_heldout_macro_f1"] = newReport.macroF1
        try write(final)
        print("wrote \(out)")
    }
}

/// How a review decision becomes a label for each task.
enum ReviewLabels {
    static func label(task: TrainingTask, decision: String, reason: String?, types: [String]) -> String? {
        switch task {
        case .disaster:
            if decision == "approve" || decision == "escalate" { return "disaster" }
            if decision == "reject" && (reason == "not_disaster" || reason == "spam") { return "other" }
            return nil
        case .rumour:
            if decision == "approve" || decision == "escalate" { return "credible" }
            if decision == "reject" && reason == "rumour" { return "rumour" }
            return nil
        case .type:
            guard decision == "approve" || decision == "escalate" else { return nil }
            return types.first
        }
    }
}
