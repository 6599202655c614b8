import Foundation
import SieveCore

/// How text becomes features for naive Bayes: character n-grams (and optionally tokenizer words and lexicon cue
/// groups), hashed to 64 bits.
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
    /// N-grams stay inside whitespace-separated words, each word padded with a boundary mark at both ends (as
    /// scikit-learn's `char_wb`), so the start and end of a text are features and no n-gram spans a space.
    public var wordBoundaries: Bool
    /// Cue words (normalised) → cue group. Every group with a cue word in the text adds one feature `cue:GROUP`
    /// counted `cueWeight` times. The words travel inside the model file, so a model featurises the way it was trained.
    public var cues: [String: String]
    public var cueWeight: Double

    public init(
        minN: Int = 1, maxN: Int = 3, tokens: Bool = false, binary: Bool = true, normalize: Bool = true,
        foldScript: Bool = false, digitPlaceholder: Bool = false, wordBoundaries: Bool = false,
        cues: [String: String] = [:], cueWeight: Double = 0
    ) {
        self.minN = minN
        self.maxN = maxN
        self.tokens = tokens
        self.binary = binary
        self.normalize = normalize
        self.foldScript = foldScript
        self.digitPlaceholder = digitPlaceholder
        self.wordBoundaries = wordBoundaries
        self.cues = cues
        self.cueWeight = cueWeight
    }

    enum CodingKeys: String, CodingKey {
        case minN, maxN, tokens, binary, normalize, foldScript, digitPlaceholder, wordBoundaries, cues, cueWeight
    }

    /// Format-1 model headers have no `wordBoundaries`, `cues` or `cueWeight`: they mean off.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minN = try c.decode(Int.self, forKey: .minN)
        maxN = try c.decode(Int.self, forKey: .maxN)
        tokens = try c.decode(Bool.self, forKey: .tokens)
        binary = try c.decode(Bool.self, forKey: .binary)
        normalize = try c.decode(Bool.self, forKey: .normalize)
        foldScript = try c.decode(Bool.self, forKey: .foldScript)
        digitPlaceholder = try c.decode(Bool.self, forKey: .digitPlaceholder)
        wordBoundaries = try c.decodeIfPresent(Bool.self, forKey: .wordBoundaries) ?? false
        cues = try c.decodeIfPresent([String: String].self, forKey: .cues) ?? [:]
        cueWeight = try c.decodeIfPresent(Double.self, forKey: .cueWeight) ?? 0
    }

    /// Something a reader can check: n-gram orders are 1…8 and the cue weight is finite and not negative.
    public var problem: String? {
        if minN < 1 || maxN < minN || maxN > 8 { return "n-gram orders \(minN)–\(maxN) (need 1 ≤ min ≤ max ≤ 8)" }
        if !cueWeight.isFinite || cueWeight < 0 { return "cue weight \(cueWeight) (need a finite value ≥ 0)" }
        return nil
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
    let cueMatcher: CueMatcher?

    public init(config: FeatureConfig, tokenizer: Tokenizer? = nil) {
        self.config = config
        self.tokenizer = config.tokens ? tokenizer : nil
        var plain = config
        plain.wordBoundaries = false
        let prepare = { (w: String) in Featurizer.prepare(w, plain) }
        self.cueMatcher = config.cueWeight > 0 && !config.cues.isEmpty ? CueMatcher(cues: config.cues, prepare: prepare) : nil
    }

    /// The code points features are read from, after the configured normalisation. With word boundaries the result
    /// starts and ends with a space (the boundary mark) and words are separated by exactly one.
    func prepare(_ text: String) -> [UInt32] { Self.prepare(text, config) }

    static func prepare(_ text: String, _ config: FeatureConfig) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count / 2 + 4)
        // With word boundaries the text starts with the mark (a space); spaces after it are skipped like any run.
        let wb = config.wordBoundaries
        if wb { out.append(0x20) }
        var lastSpace = true
        var lastDigit = false
        func add(_ scalar: UInt32) {
            var v = scalar
            if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D || v == 0x3000 || v == 0xA0 || v == 0x0B || v == 0x0C {
                if !lastSpace { out.append(0x20) }
                lastSpace = true
                lastDigit = false
                return
            }
            lastSpace = false
            if config.digitPlaceholder && v >= 0x30 && v <= 0x39 {
                if !lastDigit { out.append(0x23) }  // '#'
                lastDigit = true
                return
            }
            lastDigit = false
            if config.normalize && v >= 0x41 && v <= 0x5A { v += 32 }
            if config.foldScript && v >= 0x3400 && v < 0xA000, let s = Unicode.Scalar(v) {
                v = Normalizer.simplifiedScalar(s).value
            }
            out.append(v)
        }
        // NFKC output is read as UTF-16 straight from ICU (no String in between); text that is already normalised,
        // or not to be normalised, as its scalars.
        if config.normalize, let units = Normalizer.normalizedUTF16(text) {
            var i = 0
            while i < units.count {
                let u = UInt32(units[i])
                if u & 0xFC00 == 0xD800 && i + 1 < units.count && UInt32(units[i + 1]) & 0xFC00 == 0xDC00 {
                    add(0x10000 + ((u - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00))
                    i += 2
                } else {
                    add(u & 0xF800 == 0xD800 ? 0xFFFD : u)  // a lone surrogate reads as U+FFFD, as String would
                    i += 1
                }
            }
        } else {
            for s in text.unicodeScalars { add(s.value) }
        }
        if out.last == 0x20 { out.removeLast() }  // a trailing space, or the mark alone (an empty text)
        if wb && !out.isEmpty { out.append(0x20) }
        return out
    }

    /// FNV-1a 64 of `chars[start..<start+n]`, seeded by n.
    @inline(__always)
    static func ngramHash(_ chars: UnsafeBufferPointer<UInt32>, _ start: Int, _ n: Int) -> UInt64 {
        var h = FNV1a(seed: FNV1a.offsetBasis ^ UInt64(n))
        for k in 0..<n { h.add(value: UInt64(chars[start + k])) }
        return h.value
    }

    /// Calls `body(hash, start, length)` for every configured character n-gram (FNV-1a 64, seeded by n). With word
    /// boundaries, an n-gram with a space anywhere but its first or last place spans two words and is skipped.
    @inline(__always)
    func forEachNGram(_ chars: [UInt32], _ body: (UInt64, Int, Int) -> Void) {
        forEachNGram(while: chars) { h, i, n in
            body(h, i, n)
            return true
        }
    }

    /// Like `forEachNGram`, stopping as soon as `body` returns false.
    func forEachNGram(while chars: [UInt32], _ body: (UInt64, Int, Int) -> Bool) {
        guard !chars.isEmpty else { return }
        let wb = config.wordBoundaries
        chars.withUnsafeBufferPointer { c in
            for n in config.minN...config.maxN where n <= c.count {
                for i in 0...(c.count - n) {
                    if wb {
                        if n == 1 && c[i] == 0x20 { continue }  // the boundary mark alone says nothing
                        var spans = false
                        var k = 1
                        while k < n - 1 {
                            if c[i + k] == 0x20 { spans = true; break }
                            k += 1
                        }
                        if spans { continue }
                    }
                    if !body(Self.ngramHash(c, i, n), i, n) { return }
                }
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
                var h = FNV1a(seed: 0x84222325cbf29ce4)
                for u in token.text.utf16 { h.add(value: UInt64(u)) }
                raw.append(h.value)
            }
        }
        // Sort and count runs: cheaper than a dictionary for a few hundred features.
        Self.sortHashes(&raw)
        var v = FeatureVector(hashes: [], counts: [])
        v.hashes.reserveCapacity(raw.count + 4)
        v.counts.reserveCapacity(raw.count + 4)
        var i = 0
        while i < raw.count {
            var j = i + 1
            while j < raw.count && raw[j] == raw[i] { j += 1 }
            v.hashes.append(raw[i])
            v.counts.append(config.binary ? 1 : Float(j - i))
            i = j
        }
        if let cueMatcher {
            let weight = Float(config.cueWeight)
            cueMatcher.forEachGroup(in: chars) { group, _, _ in
                v.hashes.append(cueMatcher.groupHashes[group])
                v.counts.append(weight)
            }
        }
        return v
    }

    /// Sorts feature hashes ascending: the same order as `sort()`, in expected linear time. The hashes are spread
    /// evenly over 64 bits, so distributing them into about one bucket per hash by their top bits leaves buckets of
    /// one or two, finished by insertion sort (the comparison sort was a sixth of featurising a post); a crowded bucket
    /// is comparison-sorted, so hashes made to collide cost O(n log n), not O(n²).
    static func sortHashes(_ a: inout [UInt64]) {
        let n = a.count
        guard n > 32 else { a.sort(); return }
        var bits = 1
        while (1 << bits) < n && bits < 16 { bits += 1 }
        let buckets = 1 << bits, shift = UInt64(64 - bits)
        var start = [Int](repeating: 0, count: buckets + 1)
        var out = [UInt64](repeating: 0, count: n)
        a.withUnsafeBufferPointer { src in
            start.withUnsafeMutableBufferPointer { st in
                for h in src { st[Int(h >> shift) + 1] += 1 }
                for b in 0..<buckets { st[b + 1] += st[b] }
                out.withUnsafeMutableBufferPointer { dst in
                    var next = Array(st[0..<buckets])
                    for h in src {
                        let b = Int(h >> shift)
                        dst[next[b]] = h
                        next[b] += 1
                    }
                    for b in 0..<buckets where st[b + 1] - st[b] > 1 {
                        // A crowded bucket (hashes crafted to share their top bits, or a huge post): comparison sort.
                        if st[b + 1] - st[b] > 24 {
                            var crowded = UnsafeMutableBufferPointer(rebasing: dst[st[b]..<st[b + 1]])
                            crowded.sort()
                            continue
                        }
                        var i = st[b] + 1
                        while i < st[b + 1] {
                            let x = dst[i]
                            var j = i - 1
                            while j >= st[b] && dst[j] > x {
                                dst[j + 1] = dst[j]
                                j -= 1
                            }
                            dst[j + 1] = x
                            i += 1
                        }
                    }
                }
            }
        }
        a = out
    }

    /// The readable features behind several hashes, in one pass over the document's n-grams: the n-gram itself
    /// (without boundary marks), or for a cue group the first cue word found.
    public func names(of hashes: Set<UInt64>, in text: String) -> [UInt64: String] {
        guard !hashes.isEmpty else { return [:] }
        let chars = prepare(text)
        var out: [UInt64: String] = [:]
        func gram(_ i: Int, _ n: Int) -> String {
            var scalars = chars[i..<(i + n)].compactMap(Unicode.Scalar.init)[...]
            while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() }
            while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() }
            return String(String.UnicodeScalarView(scalars))
        }
        // The evidence is a dozen features: a linear look beats hashing every n-gram, and the walk stops once
        // every one is named (it was a sixth of a post's classification).
        let wanted = Array(hashes)
        forEachNGram(while: chars) { h, i, n in
            if wanted.contains(h) && out[h] == nil { out[h] = gram(i, n) }
            return out.count < wanted.count
        }
        if let cueMatcher, out.count < wanted.count {
            cueMatcher.forEachGroup(in: chars) { group, i, n in
                let h = cueMatcher.groupHashes[group]
                if hashes.contains(h) && out[h] == nil { out[h] = gram(i, n) }
            }
        }
        return out
    }
}

/// Finds cue words in prepared text: every substring up to the longest cue is hashed and looked up, so the cost is
/// a few lookups per character whatever the number of cues. Reports each group once, at its first cue word.
struct CueMatcher: Sendable {
    /// n-gram hash of a cue word → group number (FeatureIndex maps a hash to a column; here the column is the group).
    private var words: FeatureIndex
    /// group number → feature hash of "cue:GROUP"
    let groupHashes: [UInt64]
    let groups: [String]
    private let maxLength: Int
    /// First characters of cue words (a bit per code point of the BMP; others always checked), so most positions
    /// cost one bit test.
    private let starts: [UInt64]

    init(cues: [String: String], prepare: (String) -> [UInt32]) {
        groups = Array(Set(cues.values)).sorted()
        let number = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, Int32($0)) })
        groupHashes = groups.map { g in
            var h = FNV1a(seed: 0x9ae1_6a3b_2f90_404f)
            h.add(bytes: ("cue:" + g).utf8)
            return h.value
        }
        var index = FeatureIndex(capacity: cues.count * 2)
        var longest = 0
        var starts = [UInt64](repeating: 0, count: 0x10000 / 64)
        // Sorted, so that a word listed under two groups always lands in the same one.
        for (word, group) in cues.sorted(by: { $0.key < $1.key }) {
            for form in Set([word, Normalizer.simplified(word)]) {
                let chars = prepare(form)
                guard !chars.isEmpty, !chars.contains(0x20) else { continue }
                let h = chars.withUnsafeBufferPointer { Featurizer.ngramHash($0, 0, chars.count) }
                if index[h] == nil { index.set(h, number[group]!) }
                longest = max(longest, chars.count)
                if chars[0] < 0x10000 { starts[Int(chars[0]) >> 6] |= 1 << UInt64(chars[0] & 63) }
            }
        }
        words = index
        maxLength = longest
        self.starts = starts
    }

    func forEachGroup(in chars: [UInt32], _ body: (Int, Int, Int) -> Void) {
        guard maxLength > 0, !chars.isEmpty else { return }
        var seen = [Bool](repeating: false, count: groups.count)
        chars.withUnsafeBufferPointer { c in
            for i in 0..<c.count where c[i] != 0x20 {
                let first = c[i]
                if first < 0x10000 && starts[Int(first) >> 6] & (1 << UInt64(first & 63)) == 0 { continue }
                for n in 1...min(maxLength, c.count - i) {
                    if c[i + n - 1] == 0x20 { break }
                    if let g = words[Featurizer.ngramHash(c, i, n)], !seen[Int(g)] {
                        seen[Int(g)] = true
                        body(Int(g), i, n)
                    }
                }
            }
        }
    }
}
