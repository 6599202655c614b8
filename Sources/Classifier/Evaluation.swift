import Foundation
import SieveCore

/// Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix.
public struct EvaluationReport: Sendable, Equatable {
    public struct ClassScores: Sendable, Equatable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }
    public var classes: [String]
    /// confusion[gold][predicted]
    public var confusion: [[Int]]
    public var accuracy: Double
    public var macroF1: Double
    public var perClass: [String: ClassScores]
    public var examples: Int

    public init(gold: [String], predicted: [String], classes given: [String]? = nil) {
        let classes = given ?? Array(Set(gold).union(predicted)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var confusion = Array(repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var correct = 0
        for (g, p) in zip(gold, predicted) {
            guard let gi = index[g], let pi = index[p] else { continue }
            confusion[gi][pi] += 1
            if gi == pi { correct += 1 }
        }
        var per: [String: ClassScores] = [:]
        var f1s: [Double] = []
        for (i, c) in classes.enumerated() {
            let tp = Double(confusion[i][i])
            let predictedCount = Double((0..<classes.count).reduce(0) { $0 + confusion[$1][i] })
            let support = confusion[i].reduce(0, +)
            let p = predictedCount > 0 ? tp / predictedCount : 0
            let r = support > 0 ? tp / Double(support) : 0
            let f = p + r > 0 ? 2 * p * r / (p + r) : 0
            per[c] = ClassScores(precision: p, recall: r, f1: f, support: support)
            if support > 0 { f1s.append(f) }
        }
        self.classes = classes
        self.confusion = confusion
        self.accuracy = gold.isEmpty ? 0 : Double(correct) / Double(gold.count)
        self.macroF1 = f1s.isEmpty ? 0 : f1s.reduce(0, +) / Double(f1s.count)
        self.perClass = per
        self.examples = gold.count
    }

    /// Pools several folds' predictions into one report.
    public static func pooled(_ parts: [(gold: [String], predicted: [String])]) -> EvaluationReport {
        EvaluationReport(gold: parts.flatMap(\.gold), predicted: parts.flatMap(\.predicted))
    }

    public var text: String {
        var out = String(format: "accuracy %.4f   macro-F1 %.4f   (%d examples)\n\n", accuracy, macroF1, examples)
        let width = max(8, classes.map(\.count).max() ?? 8) + 2
        out += "class".padding(toLength: width, withPad: " ", startingAt: 0) + "precision  recall     F1   support\n"
        for c in classes {
            let s = perClass[c]!
            out += c.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "%9.4f %7.4f %6.4f %9d\n", s.precision, s.recall, s.f1, s.support)
        }
        out += "\nconfusion (rows: gold, columns: predicted, in the order above)\n"
        for (i, c) in classes.enumerated() {
            out += c.padding(toLength: width, withPad: " ", startingAt: 0)
                + confusion[i].map { String(format: "%6d", $0) }.joined() + "\n"
        }
        return out
    }

    public var json: String {
        var perClassObj: [String: Any] = [:]
        for (c, s) in perClass {
            perClassObj[c] = ["precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support]
        }
        var confusionObj: [String: Any] = [:]
        for (i, g) in classes.enumerated() {
            var row: [String: Int] = [:]
            for (j, p) in classes.enumerated() { row[p] = confusion[i][j] }
            confusionObj[g] = row
        }
        let obj: [String: Any] = [
            "accuracy": accuracy, "macro_f1": macroF1, "per_class": perClassObj, "confusion": confusionObj,
            "classes": classes, "examples": examples,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Deterministic K-fold splits (shuffled with a fixed seed), stratified by label.
public enum Folds {
    public static func stratified(labels: [String], k: Int, seed: UInt64 = 42) -> [[Int]] {
        var rng = SplitMix64(seed: seed)
        var byLabel: [String: [Int]] = [:]
        for (i, l) in labels.enumerated() { byLabel[l, default: []].append(i) }
        var folds = Array(repeating: [Int](), count: k)
        var next = 0
        for label in byLabel.keys.sorted() {
            var idx = byLabel[label]!
            idx.shuffle(using: &rng)
            for i in idx {
                folds[next % k].append(i)
                next += 1
            }
        }
        return folds
    }
}
