import Foundation

/// Multinomial or complement naive Bayes over hashed features, Lidstone-smoothed, in log space.
/// Multinomial: score(c) = log P(c) + Σ x_f · log((n_cf + α) / (n_c + α·V)).
/// Complement (Rennie et al. 2003, as scikit-learn): w_cf = log((n_¬c,f + α) / (n_¬c + α·V)), optionally divided by
/// Σ_f |w_cf|; score(c) = −Σ x_f · w_cf.
/// Feature-weighted (optional, `FeatureWeighting`): every feature's log-probabilities are multiplied by a weight
/// u_f ∈ [0, 1] that says how unevenly the feature is spread over the classes, so score(c) = log P(c) +
/// Σ x_f · u_f · log P(f|c). This is attribute-weighted naive Bayes; the weights are folded into the stored
/// log-probabilities, so prediction costs the same.
/// Small-class corrections (optional, `ClassBalance`, multinomial only): class c's Lidstone α grows with the class's
/// total feature count N_c as α_c = α·(N_c / mean N)^γ, and the log prior is scaled by β ≤ 1, so score(c) =
/// β·log P(c) + Σ x_f · u_f · log P(f|c). Both are folded into the stored weights and priors.
public struct NaiveBayesModel: Sendable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case multinomial
        case complement
        /// Multinomial logistic regression on the same features (`Logistic.swift`); the biases are kept in `logPriors`.
        case logistic
    }

    /// How feature weights u_f are computed from the training counts. `entropy`: with r_cf = n_cf / N_c (the share
    /// of class c's documents that have f: class-balanced, so a rare class's cue counts as much as a common one's) plus
    /// `smoothing`/N, p_cf = r_cf / Σ_c r_cf, u_f = (1 − H(p_·f) / log K)^power. A feature found in one class only
    /// gets a weight near 1, one spread evenly over all classes a weight near 0.
    public struct FeatureWeighting: Sendable, Codable, Equatable {
        public var power: Double
        public var smoothing: Double
        public init(power: Double = 2, smoothing: Double = 2) {
            self.power = power
            self.smoothing = smoothing
        }
    }

    /// Corrections for small classes (multinomial only; see the type comment). γ = 0 and β = 1 is plain NB.
    public struct ClassBalance: Sendable, Codable, Equatable {
        /// γ: α_c = α·(N_c / mean N)^γ.
        public var smoothingPower: Double
        /// β: the log prior is multiplied by β.
        public var priorWeight: Double
        public init(smoothingPower: Double = 0, priorWeight: Double = 1) {
            self.smoothingPower = smoothingPower
            self.priorWeight = priorWeight
        }

        /// Something a reader can check: γ in [0, 2] and β in [0, 1], both finite.
        public var problem: String? {
            if !smoothingPower.isFinite || smoothingPower < 0 || smoothingPower > 2 {
                return "class smoothing power \(smoothingPower) (need 0 ≤ γ ≤ 2)"
            }
            if !priorWeight.isFinite || priorWeight < 0 || priorWeight > 1 { return "prior weight \(priorWeight) (need 0 ≤ β ≤ 1)" }
            return nil
        }
    }

    public struct Header: Sendable, Codable, Equatable {
        public var format: Int
        public var task: String
        public var kind: Kind
        public var alpha: Double
        public var normalizeComplement: Bool
        public var features: FeatureConfig
        public var classes: [String]
        public var classCounts: [Int]
        public var trainedAt: Date
        public var examples: Int
        /// Held-out or cross-validation figures recorded when the model was made.
        public var metrics: [String: Double]
        /// The class for documents with no known feature (the most frequent class).
        public var fallback: Int
        /// Feature weighting used in training (nil: none; format-1 files have none).
        public var weighting: FeatureWeighting?
        /// Small-class corrections used in training (nil: none; format-1 and -2 files have none). Already folded
        /// into the stored weights and priors: recorded so a reader knows how the model was made.
        public var balance: ClassBalance?
        /// Calibrated probability of the positive class (format 4; nil for older files and multi-class tasks).
        public var calibration: Calibration?
        /// What the model was trained on: rows per source ("emic 12801 · president_gov_tw 11022 …"), shown with
        /// the evidence a moderator sees.
        public var provenance: String?
        /// How a `logistic` model was fitted (format 5; nil for naive Bayes).
        public var logistic: LogisticSettings? = nil
    }

    /// 2: feature weighting, word-boundary n-grams and cue groups (new header fields).
    /// 3: small-class corrections (`balance`: per-class smoothing, prior weight).
    /// 4: calibration (stacked Platt scaling over NB log-odds and the rules) and provenance.
    /// 5: logistic-regression models (`kind` logistic, `logistic` settings) and the calibration's flag threshold.
    /// Older files still load.
    public static let formatVersion = 5
    public static let readableFormats = 1...5
    public var header: Header
    /// feature hash → column
    var index: FeatureIndex
    /// weights[column * k + class] (feature-major, so a feature's k weights are adjacent when scoring):
    /// log-probabilities (multinomial) or −w (complement), so scoring is a dot product. Files store them class-major.
    var weights: [Float]
    var logPriors: [Double]

    public var classes: [String] { header.classes }
    public var vocabularySize: Int { index.count }

    // MARK: training

    public static func train(
        task: String, texts: [String], labels: [String], kind: Kind, alpha: Double, features: FeatureConfig,
        featurizer: Featurizer, normalizeComplement: Bool = true, weighting: FeatureWeighting? = nil,
        balance: ClassBalance? = nil, minCount: Int = 1, logistic: LogisticSettings = LogisticSettings()
    ) -> NaiveBayesModel {
        if kind == .logistic {
            return trainLogistic(
                task: task, texts: texts, labels: labels, features: features, featurizer: featurizer, settings: logistic,
                minCount: minCount)
        }
        let classes = Array(Set(labels)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let k = classes.count
        var index = FeatureIndex(capacity: texts.count * 16)
        // Feature-major counts while the vocabulary grows (a new feature appends k zeros at once).
        var counts: [Float] = []
        counts.reserveCapacity(texts.count * 16 * k)
        var classCounts = [Int](repeating: 0, count: k)
        for (text, label) in zip(texts, labels) {
            let c = classIndex[label]!
            classCounts[c] += 1
            let v = featurizer.features(text)
            for (h, x) in zip(v.hashes, v.counts) {
                let (column, inserted) = index.insert(h)
                if inserted { counts.append(contentsOf: repeatElement(0, count: k)) }
                counts[Int(column) * k + c] += x
            }
        }
        if minCount > 1 {
            // Features seen fewer than `minCount` times in all the training texts are dropped: most character
            // n-grams occur once, carry no generalisable evidence and would make the file several times larger.
            var kept = FeatureIndex(capacity: index.count / 4)
            var keptCounts: [Float] = []
            for (key, column) in index.entries.sorted(by: { $0.value < $1.value }) {
                let base = Int(column) * k
                var total: Float = 0
                for c in 0..<k { total += counts[base + c] }
                guard total >= Float(minCount) else { continue }
                _ = kept.insert(key)
                keptCounts.append(contentsOf: counts[base..<(base + k)])
            }
            index = kept
            counts = keptCounts
        }
        let vocab = index.count
        var weights = [Float](repeating: 0, count: k * vocab)
        var totals = [Float](repeating: 0, count: k)
        var all = [Float](repeating: 0, count: vocab)
        for f in 0..<vocab {
            for c in 0..<k {
                let x = counts[f * k + c]
                totals[c] += x
                all[f] += x
            }
        }
        let a = Float(alpha)
        switch kind {
        case .multinomial:
            // Most features occur in one or two classes: a zero count needs no log of its own.
            let gamma = Float(balance?.smoothingPower ?? 0)
            let meanTotal = max(1, totals.reduce(0, +) / Float(k))
            for c in 0..<k {
                let a = gamma == 0 ? a : a * pow(max(1, totals[c]) / meanTotal, gamma)
                let logA = log(a)
                let denom = log(totals[c] + a * Float(vocab))
                let unseen = logA - denom
                for f in 0..<vocab {
                    let n = counts[f * k + c]
                    weights[f * k + c] = n == 0 ? unseen : log(n + a) - denom
                }
            }
        case .complement:
            let grand = totals.reduce(0, +)
            for c in 0..<k {
                let denom = log(grand - totals[c] + a * Float(vocab))
                var sumAbs: Float = 0
                for f in 0..<vocab {
                    let w = log(all[f] - counts[f * k + c] + a) - denom
                    weights[f * k + c] = w
                    sumAbs += abs(w)
                }
                let scale: Float = normalizeComplement && sumAbs > 0 ? 1 / sumAbs : 1
                for f in 0..<vocab { weights[f * k + c] *= -scale }
            }
        case .logistic:
            preconditionFailure("logistic models are fitted by trainLogistic")
        }
        if let weighting, k > 1 {
            // u_f from class-balanced document rates (see FeatureWeighting).
            let docs = classCounts.map { Float(max($0, 1)) }
            let floor = Float(weighting.smoothing) / Float(max(1, labels.count))
            let logK = log(Float(k))
            let power = Float(weighting.power)
            let inverseDocs = docs.map { 1 / $0 }
            for f in 0..<vocab {
                var sum: Float = 0
                var zeros = 0
                for c in 0..<k {
                    let n = counts[f * k + c]
                    if n == 0 { zeros += 1 }
                    sum += n * inverseDocs[c] + floor
                }
                // Classes without the feature all have p = floor / sum: one log for all of them.
                var h: Float = 0
                if zeros > 0 {
                    let p0 = floor / sum
                    h -= Float(zeros) * p0 * log(p0)
                }
                if zeros < k {
                    for c in 0..<k {
                        let n = counts[f * k + c]
                        guard n != 0 else { continue }
                        let p = (n * inverseDocs[c] + floor) / sum
                        h -= p * log(p)
                    }
                }
                let base = max(0, 1 - h / logK)
                let u = power == 2 ? base * base : pow(base, power)
                for c in 0..<k { weights[f * k + c] *= u }
            }
        }
        let n = Double(max(1, labels.count))
        let beta = kind == .multinomial ? balance?.priorWeight ?? 1 : 1
        let logPriors = classCounts.map { beta * log(Double(max($0, 1)) / n) }
        let fallback = classCounts.enumerated().max { $0.element < $1.element }?.offset ?? 0
        let header = Header(
            format: formatVersion, task: task, kind: kind, alpha: alpha, normalizeComplement: normalizeComplement,
            features: features, classes: classes, classCounts: classCounts, trainedAt: Date(), examples: labels.count,
            metrics: [:], fallback: fallback, weighting: weighting, balance: balance, calibration: nil, provenance: nil)
        return NaiveBayesModel(header: header, index: index, weights: weights, logPriors: logPriors)
    }

    // MARK: prediction

    public struct Prediction: Sendable {
        public var label: String
        public var scores: [Double]
        /// Softmax of the scores: a posterior for multinomial NB, a confidence for complement NB.
        public var probabilities: [Double]
        /// Features present in the text that pushed hardest towards the predicted class: (hash, weight margin).
        public var evidence: [(hash: UInt64, weight: Double)]
    }

    public func scores(_ v: FeatureVector) -> (scores: [Double], known: Int) {
        let k = classes.count
        var scores = header.kind != .complement ? logPriors : [Double](repeating: 0, count: k)
        var known = 0
        // The same sums in the same order as indexing the arrays, without a bounds or uniqueness check per term.
        weights.withUnsafeBufferPointer { w in
            scores.withUnsafeMutableBufferPointer { s in
                for (h, x) in zip(v.hashes, v.counts) {
                    guard let col = index[h] else { continue }
                    known += 1
                    let base = Int(col) * k
                    for c in 0..<k { s[c] += Double(x * w[base + c]) }
                }
            }
        }
        return (scores, known)
    }

    public func predict(_ v: FeatureVector, evidence: Int = 0) -> Prediction {
        let (scores, known) = self.scores(v)
        let k = classes.count
        var best = known == 0 ? header.fallback : 0
        if known > 0 { for c in 1..<k where scores[c] > scores[best] { best = c } }
        let top = scores.max() ?? 0
        var probs = scores.map { exp($0 - top) }
        let sum = probs.reduce(0, +)
        probs = probs.map { $0 / sum }
        if known == 0 { probs = header.classCounts.map { Double($0) / Double(max(1, header.examples)) } }
        var ev: [(UInt64, Double)] = []
        if evidence > 0 && k > 1 {
            for (h, x) in zip(v.hashes, v.counts) {
                guard let col = index[h] else { continue }
                let base = Int(col) * k
                let mine = Double(weights[base + best])
                var other = -Double.infinity
                for c in 0..<k where c != best { other = max(other, Double(weights[base + c])) }
                ev.append((h, Double(x) * (mine - other)))
            }
            ev.sort { $0.1 > $1.1 }
            ev = Array(ev.prefix(evidence))
        }
        return Prediction(label: classes[best], scores: scores, probabilities: probs, evidence: ev)
    }

    /// The log-odds of `positive` against the strongest other class (for two classes: the NB log-odds), and how
    /// many of the text's features the model knows.
    public func logOdds(_ v: FeatureVector, positive: String) -> (z: Double, known: Int) {
        guard let i = classes.firstIndex(of: positive), classes.count > 1 else { return (0, 0) }
        let (s, known) = scores(v)
        if known == 0 {
            let p = Double(header.classCounts[i]) / Double(max(1, header.examples))
            return (log(max(p, 1e-9) / max(1 - p, 1e-9)), 0)
        }
        let other = s.indices.filter { $0 != i }.map { s[$0] }.max()!
        return (s[i] - other, known)
    }

    /// How much a piece of text (a word) moves the log-odds of `positive` against `against` (default: the other
    /// class of a two-class model) by itself: the sum of its features' weight differences, without the priors.
    public func contribution(_ v: FeatureVector, positive: String, against: String? = nil) -> Double {
        guard let (i, j) = contrast(positive: positive, against: against) else { return 0 }
        return contribution(v, positive: i, against: j)
    }

    /// The class indices `contribution` compares: `positive`'s and `against`'s (or the other class of two).
    public func contrast(positive: String, against: String? = nil) -> (Int, Int)? {
        guard let i = classes.firstIndex(of: positive) else { return nil }
        if let against, let a = classes.firstIndex(of: against) { return (i, a) }
        return classes.count == 2 ? (i, 1 - i) : nil
    }

    /// `contribution` with the classes given by index (`contrast`): for scoring many words against one pair.
    public func contribution(_ v: FeatureVector, positive i: Int, against j: Int) -> Double {
        let k = classes.count
        var sum = 0.0
        for (h, x) in zip(v.hashes, v.counts) {
            guard let col = index[h] else { continue }
            let base = Int(col) * k
            sum += Double(x) * (Double(weights[base + i]) - Double(weights[base + j]))
        }
        return sum
    }

    public func probability(of label: String, _ v: FeatureVector) -> Double {
        guard let i = classes.firstIndex(of: label) else { return 0 }
        return predict(v).probabilities[i]
    }
}
