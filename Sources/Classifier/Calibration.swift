import Foundation

/// A calibrated probability for a two-class task: logistic regression (Platt scaling, stacked) over the naive-Bayes
/// log-odds of the positive class and the lexicon rules' score, p = σ(w_nb·z + w_rules·r + b), z clamped to ±40.
/// It is fitted on out-of-fold scores (each training example scored by a model that did not see it), so the
/// weights learn how far the naive-Bayes odds can be trusted: NB's independence assumption makes them far too
/// confident. Stored in the model header; `abstain` is the band of probabilities shown as 不確定 (unsure).
public struct Calibration: Sendable, Codable, Equatable {
    /// The class whose probability this is ("disaster", "rumour").
    public var positive: String
    public var weightNB: Double
    public var weightRules: Double
    public var bias: Double
    /// Probabilities in [abstain[0], abstain[1]) are shown as unsure rather than as a number.
    public var abstain: [Double]
    /// How it was fitted, for the model card ("Platt stacking on 5-fold out-of-fold scores of 50,089 examples").
    public var method: String
    /// Expected calibration error (10 equal-width bins) of the out-of-fold probabilities, fitted and scored by
    /// cross-fitting (the calibration of each fold fitted on the other folds).
    public var ece: Double
    /// Probabilities at or above this (and below `abstain[1]`) are flagged 待查證, "check it", although under 0.5:
    /// the threshold at which `flagFalseAlarm` of the training data's negative class was flagged out of fold (format
    /// 5; nil: no such band). For rumours, where a check costs a moderator a minute and a missed rumour spreads.
    public var flag: Double? = nil

    public init(positive: String, weightNB: Double, weightRules: Double, bias: Double, abstain: [Double] = [0.35, 0.65], method: String = "", ece: Double = .nan) {
        self.positive = positive
        self.weightNB = weightNB
        self.weightRules = weightRules
        self.bias = bias
        self.abstain = abstain
        self.method = method
        self.ece = ece
    }

    public static let clamp = 40.0

    public func probability(logOdds z: Double, rules r: Double) -> Double {
        let zc = z.isNaN ? 0 : min(Self.clamp, max(-Self.clamp, z))
        return Self.sigmoid(weightNB * zc + weightRules * r + bias)
    }

    public func isUnsure(_ p: Double) -> Bool { abstain.count == 2 && p >= abstain[0] && p < abstain[1] }

    /// Whether `p` is in the flag band: at least `flag`, below the top of the abstain band (or 0.5 without one).
    public func isFlagged(_ p: Double) -> Bool {
        guard let flag else { return false }
        return p >= flag && p < (abstain.count == 2 ? abstain[1] : 0.5)
    }

    /// The smallest threshold t such that at most `share` of the negatives' probabilities are ≥ t (probabilities
    /// `p`, labels `y`): what `flag` is set to from out-of-fold probabilities.
    public static func flagThreshold(probabilities p: [Double], y: [Bool], share: Double) -> Double? {
        let negatives = zip(p, y).filter { !$0.1 }.map(\.0).sorted(by: >)
        guard !negatives.isEmpty, share > 0, share < 1 else { return nil }
        let allowed = Int((share * Double(negatives.count)).rounded(.down))
        // t just above the (allowed+1)-th highest negative: exactly `allowed` negatives (ties aside) reach it.
        guard allowed < negatives.count else { return nil }
        return negatives[allowed].nextUp
    }

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    /// Something a reader can check: finite weights and an abstain band inside [0, 1].
    public var problem: String? {
        if ![weightNB, weightRules, bias].allSatisfy(\.isFinite) { return "calibration weights are not finite" }
        if let flag, !(flag.isFinite && flag > 0 && flag < 1) { return "flag threshold \(flag) (need 0 < t < 1)" }
        if !abstain.isEmpty && (abstain.count != 2 || abstain[0] < 0 || abstain[1] > 1 || abstain[0] > abstain[1]) {
            return "abstain band \(abstain) (need two values 0 ≤ lo ≤ hi ≤ 1)"
        }
        return nil
    }

    /// Fits weights by Newton's method on the log-loss with a small L2 penalty (λ = 1, on the two weights), which keeps
    /// them finite when the classes separate. `z` are out-of-fold NB log-odds, `r` rule scores, `y` 0/1 labels.
    public static func fit(z: [Double], r: [Double], y: [Bool], positive: String) -> Calibration {
        precondition(z.count == r.count && z.count == y.count)
        var w = [0.1, 0.0, 0.0]  // nb, rules, bias
        let lambda = 1.0  // keeps the weights finite when the classes separate; negligible otherwise
        for _ in 0..<50 {
            var g = [lambda * w[0], lambda * w[1], 0.0]
            var h = [[lambda, 0, 0], [0, lambda, 0], [0, 0, 1e-9]]
            for i in 0..<z.count {
                let x = [min(clamp, max(-clamp, z[i])), r[i], 1]
                let p = sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
                let e = p - (y[i] ? 1 : 0)
                let s = max(p * (1 - p), 1e-12)
                for a in 0..<3 {
                    g[a] += e * x[a]
                    for b in 0..<3 { h[a][b] += s * x[a] * x[b] }
                }
            }
            guard let step = solve3(h, g) else { break }
            for a in 0..<3 { w[a] -= step[a] }
            if step.map(abs).max()! < 1e-9 { break }
        }
        return Calibration(positive: positive, weightNB: w[0], weightRules: w[1], bias: w[2])
    }

    /// Cross-fitted probabilities: the calibration of fold f is fitted on the other folds' scores (seeded folds),
    /// so the figures say how calibrated the method is on examples it did not see.
    public static func crossFitted(z: [Double], r: [Double], y: [Bool], folds k: Int = 5, seed: UInt64 = 7) -> [Double] {
        let labels = y.map { $0 ? "1" : "0" }
        let folds = Folds.stratified(labels: labels, k: k, seed: seed)
        var out = [Double](repeating: 0, count: z.count)
        for f in 0..<k {
            let test = Set(folds[f])
            let train = (0..<z.count).filter { !test.contains($0) }
            let c = fit(z: train.map { z[$0] }, r: train.map { r[$0] }, y: train.map { y[$0] }, positive: "")
            for i in folds[f] { out[i] = c.probability(logOdds: z[i], rules: r[i]) }
        }
        return out
    }

    static func solve3(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        var m = a.enumerated().map { $0.element + [b[$0.offset]] }
        for col in 0..<3 {
            guard let pivot = (col..<3).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[pivot][col]) > 1e-15 else { return nil }
            m.swapAt(col, pivot)
            for row in 0..<3 where row != col {
                let f = m[row][col] / m[col][col]
                for c in col..<4 { m[row][c] -= f * m[col][c] }
            }
        }
        return (0..<3).map { m[$0][3] / m[$0][$0] }
    }
}

/// Expected calibration error over equal-width bins, with the reliability table behind it.
public struct ReliabilityReport: Sendable, Equatable {
    public struct Bin: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// Mean predicted probability in the bin.
        public var confidence: Double
        /// Share of positives in the bin.
        public var observed: Double
    }

    public var bins: [Bin]
    public var ece: Double
    public var brier: Double

    public init(probabilities p: [Double], outcomes y: [Bool], bins k: Int = 10) {
        var bins: [Bin] = []
        var ece = 0.0
        let n = Double(max(1, p.count))
        for b in 0..<k {
            let lo = Double(b) / Double(k), hi = Double(b + 1) / Double(k)
            let idx = p.indices.filter { p[$0] >= lo && (p[$0] < hi || (b == k - 1 && p[$0] <= 1)) }
            guard !idx.isEmpty else {
                bins.append(Bin(lower: lo, upper: hi, count: 0, confidence: .nan, observed: .nan))
                continue
            }
            let conf = idx.map { p[$0] }.reduce(0, +) / Double(idx.count)
            let obs = Double(idx.filter { y[$0] }.count) / Double(idx.count)
            ece += Double(idx.count) / n * abs(conf - obs)
            bins.append(Bin(lower: lo, upper: hi, count: idx.count, confidence: conf, observed: obs))
        }
        self.bins = bins
        self.ece = ece
        self.brier = zip(p, y).map { ($0 - ($1 ? 1 : 0)) * ($0 - ($1 ? 1 : 0)) }.reduce(0, +) / n
    }

    public var text: String {
        var out = String(format: "calibration: ECE %.4f, Brier %.4f (10 bins)\n", ece, brier)
        for b in bins where b.count > 0 {
            out += String(format: "  [%.1f, %.1f)  n=%6d  mean p %.3f  observed %.3f\n", b.lower, b.upper, b.count, b.confidence, b.observed)
        }
        return out
    }

    public var jsonObject: [String: Any] {
        [
            "ece": ece, "brier": brier,
            "reliability": bins.filter { $0.count > 0 }.map {
                ["lower": $0.lower, "upper": $0.upper, "count": $0.count, "mean_probability": $0.confidence, "observed": $0.observed]
            },
        ]
    }
}
