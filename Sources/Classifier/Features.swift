import Foundation

/// How text becomes features for naive Bayes: character n-grams (and optionally tokenizer words), hashed to 64 bits.
public struct FeatureConfig: Sendable, Equatable, Codable {
    /// Character n-gram orders, e.g. 1…3.
    public var minN: Int
    public var maxN: Int
    /// Add the tokenizer's words as features too.
    public var tokens: Bool
    /// Count each feature once per document (binary) instead of term frequency.
    public var binary: Bool
    /// NFKC (full-width → half-width), Latin lower-cased, whitespace runs collapsed.
    public var normalize: Bool
    /// Fold Traditional to Simplified (character for character) so both scripts share features.
    public var foldScript: Bool
    /// Replace each run of digits with one placeholder character.
    public var digitPlaceholder: Bool

    public init(
        minN: Int = 1, maxN: Int = 3, tokens: Bool = false, binary: Bool = true, normalize: Bool = true,
        foldScript: Bool = false, digitPlaceholder: Bool = false
    ) {
        self.minN = minN
        self.maxN = maxN
        self.tokens = tokens
        self.binary = binary
        self.normalize = normalize
        self.foldScript = foldScript
        self.digitPlaceholder = digitPlaceholder
    }
}

/// A feature: its 64-bit hash and how often it occurs in the document.
public struct FeatureVector: Sendable {
    public var hashes: [UInt64]
    public var counts: [Float]
}

/// Turns text into hashed features, remembering nothing (the model owns the vocabulary).
public struct Featurizer: Sendable {
    public let config: FeatureConfig
    let tokenizer: Tokenizer?

    public init(config: FeatureConfig, tokenizer: Tokenizer? = nil) {
        self.config = config
        self.tokenizer = config.tokens ? tokenizer : nil
    }

    /// The code points features are read from, after the configured normalisation.
    func prepare(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count / 2 + 4)
        let source = config.normalize ? Normalizer.normalize(text) : text
        var lastSpace = true
        var lastDigit = false
        for s in source.unicodeScalars {
            var v = s.value
            if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D || v == 0x3000 || v == 0xA0 || v == 0x0B || v == 0x0C {
                if !lastSpace { out.append(0x20) }
                lastSpace = true
                lastDigit = false
                continue
            }
            lastSpace = false
            if config.digitPlaceholder && v >= 0x30 && v <= 0x39 {
                if !lastDigit { out.append(0x23) }  // '#'
                lastDigit = true
                continue
            }
            lastDigit = false
            if config.normalize && v >= 0x41 && v <= 0x5A { v += 32 }
            if config.foldScript && v >= 0x3400 && v < 0xA000 { v = Normalizer.simplifiedScalar(s).value }
            out.append(v)
        }
        if out.last == 0x20 { out.removeLast() }
        return out
    }

    /// Calls `body(hash, start, length)` for every configured character n-gram (FNV-1a 64, seeded by n).
    @inline(__always)
    func forEachNGram(_ chars: [UInt32], _ body: (UInt64, Int, Int) -> Void) {
        guard !chars.isEmpty else { return }
        for n in config.minN...config.maxN where n <= chars.count {
            for i in 0...(chars.count - n) {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(n)
                for k in 0..<n {
                    h ^= UInt64(chars[i + k])
                    h = h &* 0x100_0000_01b3
                }
                body(h, i, n)
            }
        }
    }

    public func features(_ text: String) -> FeatureVector {
        let chars = prepare(text)
        var raw: [UInt64] = []
        raw.reserveCapacity(chars.count * (config.maxN - config.minN + 1) + 8)
        forEachNGram(chars) { h, _, _ in raw.append(h) }
        if let tokenizer {
            for token in tokenizer.tokenize(Normalizer.normalize(text)) where token.kind != .punctuation {
                var h: UInt64 = 0x84222325cbf29ce4
                for u in token.text.utf16 {
                    h ^= UInt64(u)
                    h = h &* 0x100_0000_01b3
                }
                raw.append(h)
            }
        }
        // Sort and count runs: cheaper than a dictionary for a few hundred features.
        raw.sort()
        var v = FeatureVector(hashes: [], counts: [])
        v.hashes.reserveCapacity(raw.count)
        v.counts.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            var j = i + 1
            while j < raw.count && raw[j] == raw[i] { j += 1 }
            v.hashes.append(raw[i])
            v.counts.append(config.binary ? 1 : Float(j - i))
            i = j
        }
        return v
    }

    /// The readable features behind several hashes, in one pass over the document's n-grams.
    public func names(of hashes: Set<UInt64>, in text: String) -> [UInt64: String] {
        guard !hashes.isEmpty else { return [:] }
        let chars = prepare(text)
        var out: [UInt64: String] = [:]
        forEachNGram(chars) { h, i, n in
            if hashes.contains(h) && out[h] == nil {
                out[h] = String(String.UnicodeScalarView(chars[i..<(i + n)].compactMap(Unicode.Scalar.init)))
            }
        }
        return out
    }
}
