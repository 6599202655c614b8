import Foundation
import SieveCore

/// The three things Sieve learns, each with the naive-Bayes settings that measured best (see BENCHMARKS.md).
public enum TrainingTask: String, Sendable, CaseIterable, Codable {
    /// disaster report vs other
    case disaster
    /// rumour vs credible
    case rumour
    /// disaster type
    case type

    public struct Settings: Sendable, Equatable {
        public var kind: NaiveBayesModel.Kind
        public var alpha: Double
        public var features: FeatureConfig
        public var weighting: NaiveBayesModel.FeatureWeighting?
        public var balance: NaiveBayesModel.ClassBalance?
        /// Features seen fewer times than this in the training texts are dropped (1: keep all) — only when there
        /// are at least `pruneFrom` texts: on a few thousand texts the rare n-grams are much of the evidence
        /// (Weibo rumours, 2,303 texts: 5-fold accuracy 0.90 kept, 0.82 pruned).
        public var minCount: Int
        public static let pruneFrom = 10_000
        /// The fit of a `logistic` model.
        public var logistic: NaiveBayesModel.LogisticSettings
        /// Two-class tasks: the share of the negative class (out of fold) a post may be flagged at; sets the
        /// calibration's `flag` threshold (nil: flag at p ≥ 0.5 only).
        public var flagFalseAlarm: Double?

        public init(
            kind: NaiveBayesModel.Kind, alpha: Double, features: FeatureConfig,
            weighting: NaiveBayesModel.FeatureWeighting? = nil, balance: NaiveBayesModel.ClassBalance? = nil,
            minCount: Int = 1, logistic: NaiveBayesModel.LogisticSettings = .init(), flagFalseAlarm: Double? = nil
        ) {
            self.minCount = minCount
            self.logistic = logistic
            self.flagFalseAlarm = flagFalseAlarm
            self.kind = kind
            self.alpha = alpha
            self.features = features
            self.weighting = weighting
            self.balance = balance
        }
    }

    /// The defaults with the project's type cues (`Lexicons/type_cues.tsv`) filled in where the task uses them.
    /// `defaults` alone has the cue weight but no cue words, so it trains without cue features.
    public func defaults(cues: [String: String]) -> Settings { Self.withCues(defaults, cues) }

    /// `naiveBayes` with the type cues filled in, as `defaults(cues:)`.
    public func naiveBayes(cues: [String: String]) -> Settings { Self.withCues(naiveBayes, cues) }

    /// The task's settings for a model kind: the defaults when they are of that kind, else the best measured
    /// naive-Bayes recipe of that kind, or (logistic) the default features with a plain fit.
    public func settings(kind: NaiveBayesModel.Kind, cues: [String: String]) -> Settings {
        if defaults.kind == kind { return defaults(cues: cues) }
        if kind == .logistic {
            var s = defaults(cues: cues)
            s.kind = .logistic
            s.weighting = nil
            s.balance = nil
            return s
        }
        var s = naiveBayes(cues: cues)
        s.kind = kind
        return s
    }

    static func withCues(_ settings: Settings, _ cues: [String: String]) -> Settings {
        var s = settings
        if s.features.cueWeight > 0 { s.features.cues = cues }
        return s
    }

    /// The class a two-class task's calibrated probability is about (nil for the multi-class type task).
    public var positiveClass: String? {
        switch self {
        case .disaster: "disaster"
        case .rumour: "rumour"
        case .type: nil
        }
    }

    /// Whether the defaults use lexicon cue groups (so callers know to load them).
    public var usesCues: Bool { defaults.features.cueWeight > 0 }

    /// What `sieve train` uses: logistic regression for rumour and type (issue 15: better on real held-out text),
    /// naive Bayes for disaster (it meets its goals on real text and stays the core).
    public var defaults: Settings {
        switch self {
        case .rumour:
            // Logistic regression on binary character 1–4-grams, NFKC and digits folded into one placeholder so a
            // number alone is no evidence (issue 15); C chosen by 5-fold cross-validation on the training file.
            // Posts are flagged 待查證 from the probability at which 8% of the training file's credible texts were
            // flagged out of fold (Calibration.flag). Multinomial NB (α 0.3, the earlier default) ranks real held-out
            // misinformation worse (BENCHMARKS.md, issue 15).
            return Settings(
                kind: .logistic, alpha: 0.3,
                features: FeatureConfig(minN: 1, maxN: 4, binary: true, normalize: true, digitPlaceholder: true),
                minCount: 2, logistic: .init(c: 0.3), flagFalseAlarm: 0.08)
        case .type:
            // Logistic regression (C 3, class weights N / (K·N_c), i.e. balanced) on binary character 1–3-grams
            // inside words (NFKC, lower-cased, digits folded) plus the type cue groups counted 6 times. C, the
            // class-weight power and the cue weight were chosen on a split by time inside the training file (EMIC
            // to 2025-09 → 2025-10 to 2026-05, `sieve eval --train --test`): macro-F1 0.709 here; cue weight
            // 0/1/3/4/5/8/10 gave 0.569–0.697, C 0.3/1 0.690/0.705, power 0.5 0.656, the NB recipe 0.586
            // (BENCHMARKS.md). The larger cue weight lets the cue words outweigh the L2 penalty for small types.
            return Settings(
                kind: .logistic, alpha: 0.3,
                features: FeatureConfig(
                    minN: 1, maxN: 3, binary: true, normalize: true, digitPlaceholder: true, wordBoundaries: true,
                    cueWeight: 6),
                logistic: .init(c: 3, classWeightPower: 1))
        case .disaster:
            return naiveBayes
        }
    }

    /// The best measured naive-Bayes recipe of each task (the defaults before issue 15's logistic models; what
    /// `sieve-bench nb` compares with scikit-learn's naive Bayes).
    public var naiveBayes: Settings {
        switch self {
        case .rumour:
            // Multinomial NB on binary character 1–4-grams (5-fold 0.90 on the Weibo rumour set), NFKC and digits
            // folded into one placeholder so a number alone is no evidence (issue 15).
            return Settings(
                kind: .multinomial, alpha: 0.3,
                features: FeatureConfig(minN: 1, maxN: 4, binary: true, normalize: true, digitPlaceholder: true),
                minCount: 2)
        case .type:
            // Feature-weighted multinomial NB (entropy weights, power 1.5) on binary character 1–3-grams inside
            // words (NFKC, lower-cased, digits folded) plus the type cue groups counted 3 times, with small-class
            // corrections (α_c = 0.3·(N_c / mean N)^0.1, prior × 0.6). The settings were chosen by 5×5-fold
            // cross-validation inside an 80% development slice of EMIC; the other 20% (CASE_ID hash) was only used
            // for the final figures (BENCHMARKS.md, "type recipe protocol").
            return Settings(
                kind: .multinomial, alpha: 0.3,
                features: FeatureConfig(
                    minN: 1, maxN: 3, binary: true, normalize: true, digitPlaceholder: true, wordBoundaries: true,
                    cueWeight: 3),
                weighting: NaiveBayesModel.FeatureWeighting(power: 1.5, smoothing: 2),
                balance: NaiveBayesModel.ClassBalance(smoothingPower: 0.1, priorWeight: 0.6))
        case .disaster:
            // Digits folded into one placeholder: 「可吸納130人」 must not read as a casualty count (issue 15).
            return Settings(
                kind: .multinomial, alpha: 0.3,
                features: FeatureConfig(minN: 1, maxN: 3, binary: true, normalize: true, digitPlaceholder: true),
                minCount: 2)
        }
    }
}

/// Training and evaluation on labelled data.
public enum Trainer {
    public static func train(
        task: TrainingTask, data: LabelledData, settings: TrainingTask.Settings, tokenizer: Tokenizer? = nil
    ) -> NaiveBayesModel {
        let featurizer = Featurizer(config: settings.features, tokenizer: tokenizer)
        return NaiveBayesModel.train(
            task: task.rawValue, texts: data.texts, labels: data.labels, kind: settings.kind, alpha: settings.alpha,
            features: settings.features, featurizer: featurizer, weighting: settings.weighting,
            balance: settings.balance,
            minCount: data.texts.count >= TrainingTask.Settings.pruneFrom ? settings.minCount : 1, logistic: settings.logistic)
    }

    public static func predict(_ model: NaiveBayesModel, texts: [String], tokenizer: Tokenizer? = nil) -> [String] {
        let featurizer = Featurizer(config: model.header.features, tokenizer: tokenizer)
        return texts.map { model.predict(featurizer.features($0)).label }
    }

    /// Train on one set, test on another.
    public static func evaluate(
        task: TrainingTask, train: LabelledData, test: LabelledData, settings: TrainingTask.Settings,
        tokenizer: Tokenizer? = nil
    ) -> EvaluationReport {
        let model = self.train(task: task, data: train, settings: settings, tokenizer: tokenizer)
        return EvaluationReport(gold: test.labels, predicted: predict(model, texts: test.texts, tokenizer: tokenizer))
    }

    /// K-fold cross-validation (stratified, seeded); predictions of all folds pooled into one report.
    public static func crossValidate(
        task: TrainingTask, data: LabelledData, folds k: Int, settings: TrainingTask.Settings, seed: UInt64 = 42,
        tokenizer: Tokenizer? = nil
    ) -> EvaluationReport {
        let folds = Folds.stratified(labels: data.labels, k: k, seed: seed)
        var parts: [(gold: [String], predicted: [String])] = []
        for f in 0..<k {
            let testSet = Set(folds[f])
            var train = LabelledData()
            var test = LabelledData()
            for i in 0..<data.count {
                if testSet.contains(i) {
                    test.texts.append(data.texts[i]); test.labels.append(data.labels[i])
                } else {
                    train.texts.append(data.texts[i]); train.labels.append(data.labels[i])
                }
            }
            let model = self.train(task: task, data: train, settings: settings, tokenizer: tokenizer)
            parts.append((test.labels, predict(model, texts: test.texts, tokenizer: tokenizer)))
        }
        return EvaluationReport.pooled(parts)
    }

    /// Out-of-fold NB log-odds of `positive` for every example (stratified, seeded folds): each example scored
    /// by a model trained without its fold. What calibration is fitted on.
    public static func outOfFoldLogOdds(
        task: TrainingTask, data: LabelledData, positive: String, folds k: Int, settings: TrainingTask.Settings,
        seed: UInt64 = 42, tokenizer: Tokenizer? = nil
    ) -> [Double] {
        let folds = Folds.stratified(labels: data.labels, k: k, seed: seed)
        var z = [Double](repeating: 0, count: data.count)
        for f in 0..<k {
            let testSet = Set(folds[f])
            var train = LabelledData()
            for i in 0..<data.count where !testSet.contains(i) {
                train.texts.append(data.texts[i]); train.labels.append(data.labels[i])
            }
            let model = self.train(task: task, data: train, settings: settings, tokenizer: tokenizer)
            let featurizer = Featurizer(config: model.header.features, tokenizer: tokenizer)
            for i in folds[f] { z[i] = model.logOdds(featurizer.features(data.texts[i]), positive: positive).z }
        }
        return z
    }

    /// A split by key: a row goes to the test side when FNV-1a 64 of its key (UTF-8) is 0 modulo `every`, so about
    /// 1/`every` of the rows, the same ones whatever the row order or the other rows (`bench/type_split.py` draws
    /// the same split). `keys` has one key per row, e.g. `data.ids`.
    public static func holdout(_ data: LabelledData, keys: [String], every: UInt64 = 5) -> (train: LabelledData, test: LabelledData) {
        precondition(keys.count == data.count && every > 0, "one key per row, every > 0")
        var train = LabelledData(), test = LabelledData()
        for i in 0..<data.count {
            let h = FNV1a.hash(keys[i])
            if h % every == 0 {
                test.texts.append(data.texts[i]); test.labels.append(data.labels[i])
            } else {
                train.texts.append(data.texts[i]); train.labels.append(data.labels[i])
            }
        }
        return (train, test)
    }

    /// A seeded stratified split: `fraction` of each class goes to the test side.
    public static func split(_ data: LabelledData, testFraction: Double, seed: UInt64 = 42) -> (train: LabelledData, test: LabelledData) {
        let k = max(2, Int((1 / max(0.01, testFraction)).rounded()))
        let folds = Folds.stratified(labels: data.labels, k: k, seed: seed)
        let testSet = Set(folds[0])
        var train = LabelledData(), test = LabelledData()
        for i in 0..<data.count {
            if testSet.contains(i) {
                test.texts.append(data.texts[i]); test.labels.append(data.labels[i])
            } else {
                train.texts.append(data.texts[i]); train.labels.append(data.labels[i])
            }
        }
        return (train, test)
    }
}
