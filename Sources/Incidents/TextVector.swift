import Classifier
import Foundation
import SieveCore

/// A sparse, L2-normalised TF-IDF vector (sorted feature ids).
public struct SparseVector: Sendable {
    var ids: [UInt64] = []
    var weights: [Float] = []

    public var isEmpty: Bool { ids.isEmpty }

    /// Cosine of two normalised vectors (a merge over the sorted ids).
    public func cosine(_ other: SparseVector) -> Double {
        var i = 0, j = 0
        var sum: Float = 0
        while i < ids.count && j < other.ids.count {
            let a = ids[i], b = other.ids[j]
            if a == b {
                sum += weights[i] * other.weights[j]
                i += 1
                j += 1
            } else if a < b {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(min(sum, 1))
    }
}

/// Features for similarity: character bigrams of Han text folded to Simplified (so either script matches), and
/// whole Latin/number runs.
enum TextFeatures {
    static func bigrams(_ text: String) -> [UInt64: Float] {
        var counts: [UInt64: Float] = [:]
        var prev: UInt32?
        var run: [UInt32] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            var h = FNV1a()
            for v in run { h.add(value: UInt64(v)) }
            counts[h.value | (1 << 63), default: 0] += 1
            run.removeAll(keepingCapacity: true)
        }
        for s in Normalizer.normalize(text).unicodeScalars {
            let v = s.value
            if v >= 0x3400 && v < 0xA000 {
                flushRun()
                let c = Normalizer.simplifiedScalar(s).value
                if let p = prev { counts[(UInt64(p) << 32) | UInt64(c), default: 0] += 1 }
                prev = c
            } else if (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) {
                run.append(v | 0x20)
                prev = nil
            } else {
                flushRun()
                prev = nil
            }
        }
        flushRun()
        return counts
    }

    static func vector(_ counts: [UInt64: Float], idf: (UInt64) -> Float) -> SparseVector {
        var pairs = counts.map { ($0.key, (1 + log($0.value)) * idf($0.key)) }
        pairs.sort { $0.0 < $1.0 }
        let norm = sqrt(pairs.reduce(Float(0)) { $0 + $1.1 * $1.1 })
        guard norm > 0 else { return SparseVector() }
        return SparseVector(ids: pairs.map(\.0), weights: pairs.map { $0.1 / norm })
    }
}

/// Inverse document frequencies over a collection of feature-count maps.
struct IDFTable: Sendable {
    var df: [UInt64: Int] = [:]
    var documents = 0

    init(_ docs: [[UInt64: Float]]) {
        documents = docs.count
        for d in docs { for k in d.keys { df[k, default: 0] += 1 } }
    }

    func idf(_ k: UInt64) -> Float {
        Float(log(Double(documents + 1) / Double((df[k] ?? 0) + 1)) + 1)
    }
}
