import Foundation

/// Multinomial logistic regression on the same hashed features as naive Bayes (issue 15): the NB-family model that
/// generalises better on real text (Wang & Manning 2012 compare the two). It is stored exactly like a multinomial NB
/// model (a weight per feature and class, a bias per class in `logPriors`), so scoring, word evidence, calibration
/// and the file format are shared, and it classifies as fast.
///
/// Fitted by L-BFGS on Σᵢ −log pᵢ(yᵢ) + ‖W‖² / (2C) (biases not penalised): C is the inverse regularisation
/// strength, as in scikit-learn's `LogisticRegression(C:)`.
extension NaiveBayesModel {
    /// Settings of the fit (recorded in the header).
    public struct LogisticSettings: Sendable, Codable, Equatable {
        /// Inverse L2 strength (larger: weaker regularisation).
        public var c: Double
        public var maxIterations: Int
        /// Each example's loss is weighted by (N / (K·N_c))^power for its class c: 0 is plain logistic regression,
        /// 1 makes every class weigh as much in total (scikit-learn's `class_weight="balanced"`). Small classes
        /// otherwise lose most of their words to the regularisation.
        public var classWeightPower: Double
        public init(c: Double = 1, maxIterations: Int = 300, classWeightPower: Double = 0) {
            self.c = c
            self.maxIterations = maxIterations
            self.classWeightPower = classWeightPower
        }

        enum CodingKeys: String, CodingKey { case c, maxIterations, classWeightPower }

        public init(from decoder: any Decoder) throws {
            let k = try decoder.container(keyedBy: CodingKeys.self)
            c = try k.decode(Double.self, forKey: .c)
            maxIterations = try k.decode(Int.self, forKey: .maxIterations)
            classWeightPower = try k.decodeIfPresent(Double.self, forKey: .classWeightPower) ?? 0
        }

        public var problem: String? {
            if !c.isFinite || c <= 0 { return "regularisation C \(c) (need a finite value > 0)" }
            if maxIterations < 1 { return "max iterations \(maxIterations) (need ≥ 1)" }
            if !classWeightPower.isFinite || classWeightPower < 0 || classWeightPower > 1 {
                return "class weight power \(classWeightPower) (need 0 ≤ power ≤ 1)"
            }
            return nil
        }
    }

    /// The rows as sparse vectors over columns of `index`; features seen in fewer than `minCount` texts dropped.
    struct SparseRows {
        var index: FeatureIndex
        /// Row i's entries are `columns[starts[i]..<starts[i+1]]` with values `values[…]`.
        var starts: [Int]
        var columns: [Int32]
        var values: [Double]
    }

    static func sparseRows(texts: [String], featurizer: Featurizer, minCount: Int) -> SparseRows {
        var index = FeatureIndex(capacity: texts.count * 16)
        var starts = [0]
        var columns: [Int32] = []
        var values: [Double] = []
        var seen: [Int32] = []
        for text in texts {
            let v = featurizer.features(text)
            for (h, x) in zip(v.hashes, v.counts) {
                let (column, inserted) = index.insert(h)
                if inserted { seen.append(0) }
                seen[Int(column)] += 1
                columns.append(column)
                values.append(Double(x))
            }
            starts.append(columns.count)
        }
        guard minCount > 1 else { return SparseRows(index: index, starts: starts, columns: columns, values: values) }
        // Drop rare features and renumber the rest in their first-seen order.
        var kept = FeatureIndex(capacity: index.count / 4)
        var remap = [Int32](repeating: -1, count: index.count)
        for (key, column) in index.entries.sorted(by: { $0.value < $1.value }) where seen[Int(column)] >= Int32(minCount) {
            remap[Int(column)] = kept.insert(key).column
        }
        var newStarts = [0]
        var newColumns: [Int32] = []
        var newValues: [Double] = []
        for i in 0..<texts.count {
            for j in starts[i]..<starts[i + 1] where remap[Int(columns[j])] >= 0 {
                newColumns.append(remap[Int(columns[j])])
                newValues.append(values[j])
            }
            newStarts.append(newColumns.count)
        }
        return SparseRows(index: kept, starts: newStarts, columns: newColumns, values: newValues)
    }

    static func trainLogistic(
        task: String, texts: [String], labels: [String], features: FeatureConfig, featurizer: Featurizer,
        settings: LogisticSettings, minCount: Int
    ) -> NaiveBayesModel {
        let classes = Array(Set(labels)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let k = classes.count
        let y = labels.map { classIndex[$0]! }
        var classCounts = [Int](repeating: 0, count: k)
        for c in y { classCounts[c] += 1 }
        let rows = sparseRows(texts: texts, featurizer: featurizer, minCount: minCount)
        let vocab = rows.index.count
        // Parameters: W feature-major (column * k + class), then the k biases.
        let lambda = 1 / settings.c
        let n0 = Double(max(1, labels.count))
        let classWeights = classCounts.map { pow(n0 / (Double(k) * Double(max($0, 1))), settings.classWeightPower) }
        let objective = { (theta: [Double], grad: inout [Double]) -> Double in
            Self.softmaxLoss(theta, grad: &grad, rows: rows, y: y, weights: classWeights, k: k, vocab: vocab, lambda: lambda)
        }
        var theta = [Double](repeating: 0, count: vocab * k + k)
        // Start the biases at the log class shares: the model without features.
        let n = Double(max(1, labels.count))
        for c in 0..<k { theta[vocab * k + c] = log(Double(max(classCounts[c], 1)) / n) }
        theta = LBFGS.minimize(theta, maxIterations: settings.maxIterations, objective)
        let weights = (0..<(vocab * k)).map { Float(theta[$0]) }
        let biases = (0..<k).map { theta[vocab * k + $0] }
        let fallback = classCounts.enumerated().max { $0.element < $1.element }?.offset ?? 0
        let header = Header(
            format: formatVersion, task: task, kind: .logistic, alpha: 0, normalizeComplement: false,
            features: features, classes: classes, classCounts: classCounts, trainedAt: Date(), examples: labels.count,
            metrics: [:], fallback: fallback, weighting: nil, balance: nil, calibration: nil, provenance: nil,
            logistic: settings)
        return NaiveBayesModel(header: header, index: rows.index, weights: weights, logPriors: biases)
    }

    /// Σᵢ −w(yᵢ)·log softmax(W xᵢ + b)[yᵢ] + λ‖W‖²/2 and its gradient.
    static func softmaxLoss(
        _ theta: [Double], grad: inout [Double], rows: SparseRows, y: [Int], weights: [Double], k: Int, vocab: Int,
        lambda: Double
    ) -> Double {
        let biasAt = vocab * k
        var loss = 0.0
        for i in 0..<(vocab * k) {
            loss += 0.5 * lambda * theta[i] * theta[i]
            grad[i] = lambda * theta[i]
        }
        for c in 0..<k { grad[biasAt + c] = 0 }
        var s = [Double](repeating: 0, count: k)
        theta.withUnsafeBufferPointer { t in
            grad.withUnsafeMutableBufferPointer { g in
                for i in 0..<y.count {
                    for c in 0..<k { s[c] = t[biasAt + c] }
                    let range = rows.starts[i]..<rows.starts[i + 1]
                    for j in range {
                        let base = Int(rows.columns[j]) * k
                        let x = rows.values[j]
                        for c in 0..<k { s[c] += x * t[base + c] }
                    }
                    let top = s.max()!
                    var sum = 0.0
                    for c in 0..<k {
                        s[c] = exp(s[c] - top)
                        sum += s[c]
                    }
                    let w = weights[y[i]]
                    loss -= w * log(s[y[i]] / sum)
                    for c in 0..<k { s[c] = w * (s[c] / sum - (c == y[i] ? 1 : 0)) }
                    for j in range {
                        let base = Int(rows.columns[j]) * k
                        let x = rows.values[j]
                        for c in 0..<k { g[base + c] += x * s[c] }
                    }
                    for c in 0..<k { g[biasAt + c] += s[c] }
                }
            }
        }
        return loss
    }
}

/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4: the two-loop recursion, memory 10) with a backtracking
/// line search on the Armijo condition. Stops when the largest gradient entry is below `gradientTolerance` of the
/// starting one, the loss changes by less than `valueTolerance` relatively, or after `maxIterations`.
enum LBFGS {
    static func minimize(
        _ start: [Double], maxIterations: Int, memory: Int = 10, gradientTolerance: Double = 1e-5,
        valueTolerance: Double = 1e-9, _ f: (_ x: [Double], _ grad: inout [Double]) -> Double
    ) -> [Double] {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        let g0 = max(g.map(abs).max() ?? 0, 1e-12)
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var rhoHistory: [Double] = []
        var xNew = x
        var gNew = g
        for iteration in 0..<maxIterations {
            // Direction d = −H g by the two-loop recursion.
            var q = g
            var alphas = [Double](repeating: 0, count: sHistory.count)
            for m in stride(from: sHistory.count - 1, through: 0, by: -1) {
                let a = rhoHistory[m] * dot(sHistory[m], q)
                alphas[m] = a
                axpy(-a, yHistory[m], &q)
            }
            if let s = sHistory.last, let yv = yHistory.last {
                let gamma = dot(s, yv) / max(dot(yv, yv), 1e-300)
                for i in 0..<n { q[i] *= gamma }
            } else {
                let norm = sqrt(dot(g, g))
                for i in 0..<n { q[i] /= max(norm, 1e-12) }
            }
            for m in 0..<sHistory.count {
                let b = rhoHistory[m] * dot(yHistory[m], q)
                axpy(alphas[m] - b, sHistory[m], &q)
            }
            var slope = -dot(g, q)
            if slope >= 0 {  // not a descent direction (numerical trouble): restart from steepest descent
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                q = g
                slope = -dot(g, g)
            }
            // Backtracking line search along −q.
            var step = 1.0
            var fNew = fx
            var accepted = false
            for _ in 0..<40 {
                for i in 0..<n { xNew[i] = x[i] - step * q[i] }
                fNew = f(xNew, &gNew)
                if fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var s = [Double](repeating: 0, count: n)
            var yv = [Double](repeating: 0, count: n)
            for i in 0..<n {
                s[i] = xNew[i] - x[i]
                yv[i] = gNew[i] - g[i]
            }
            let sy = dot(s, yv)
            if sy > 1e-12 {
                sHistory.append(s); yHistory.append(yv); rhoHistory.append(1 / sy)
                if sHistory.count > memory {
                    sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst()
                }
            }
            let change = abs(fx - fNew) / max(abs(fx), 1)
            swap(&x, &xNew)
            swap(&g, &gNew)
            fx = fNew
            if (g.map(abs).max() ?? 0) < gradientTolerance * g0 || (change < valueTolerance && iteration > 0) { break }
        }
        return x
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in for i in 0..<a.count { s += a[i] * b[i] } } }
        return s
    }

    static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in for i in 0..<x.count { y[i] += a * x[i] } } }
    }
}
