import CICU
import Foundation

/// One token with its position in the normalised text (UTF-16 offsets).
public struct Token: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case word, lexicon, number, latin, punctuation
        /// Typed tokens, kept whole whatever the segmenter would do: http(s):// and www. links, @mentions,
        /// #hashtags (Chinese ones too), emoji with their modifiers.
        case url, mention, hashtag, emoji
    }
    public var text: String
    public var start: Int
    public var end: Int
    public var kind: Kind
}

/// Chinese word segmentation by the lowest-cost path over a lattice of dictionary words and rule edges
/// (see `Segmenter`): the dictionary is Debian's rime-essay word list with frequencies (`SegmentationDictionary`)
/// plus the project's lexicon words, which always come out whole. Digit/Latin runs are single tokens, punctuation
/// is a token of its own and whitespace is dropped.
///
/// A runtime word list (`Lexicon.addWords(file:)`, i.e. `sieve tokenize --words FILE`) of at least
/// `wordListThreshold` words switches to `SegmentationMode.wordList`: the list then defines what a word is (as a
/// segmentation standard's lexicon does); smaller lists are simply kept whole like lexicon words.
///
/// Without essay.txt the tokenizer falls back to ICU's dictionary word break combined with the lexicon words.
public struct Tokenizer: Sendable {
    let segmenter: Segmenter?
    let fallback: ICULexiconTokenizer?

    /// Runtime lists shorter than this are kept whole instead of switching to word-list mode.
    public static let wordListThreshold = 1000

    /// The project's lexicon words stay whole; words added at run time (`addWords`) beyond the lexicon folder's own
    /// form a word list (see the type's documentation).
    public init(
        lexicon: Lexicon, dictionary: SegmentationDictionary? = SegmentationDictionary.shared,
        costs: SegmentationCosts = SegmentationCosts()
    ) {
        let (own, runtime) = Self.split(lexicon)
        if runtime.count >= Self.wordListThreshold {
            self.init(lexiconWords: own, wordList: runtime, dictionary: dictionary, costs: costs)
        } else {
            self.init(lexiconWords: own.union(runtime), wordList: nil, dictionary: dictionary, costs: costs)
        }
    }

    /// A tokenizer that keeps `words` whole (no other lexicon).
    public init(words: some Sequence<String>, dictionary: SegmentationDictionary? = SegmentationDictionary.shared) {
        self.init(lexiconWords: Set(words), wordList: nil, dictionary: dictionary)
    }

    /// Full control: `lexiconWords` always stay whole; a non-nil `wordList` selects word-list mode.
    public init(
        lexiconWords: Set<String>, wordList: Set<String>?,
        dictionary: SegmentationDictionary? = SegmentationDictionary.shared, costs: SegmentationCosts = SegmentationCosts()
    ) {
        if let dictionary {
            segmenter = Segmenter(
                dictionary: dictionary, lexiconWords: lexiconWords, listWords: wordList ?? [],
                mode: wordList == nil ? .standard : .wordList, costs: costs)
            fallback = nil
        } else {
            segmenter = nil
            fallback = ICULexiconTokenizer(words: lexiconWords.union(wordList ?? []))
        }
    }

    /// `.standard` or `.wordList`; nil when essay.txt was missing and ICU does the work.
    public var mode: SegmentationMode? { segmenter?.mode }

    /// Splits a lexicon's words into the lexicon folder's own (its tables and words.txt) and those added at run
    /// time.
    static func split(_ lexicon: Lexicon) -> (own: Set<String>, runtime: Set<String>) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: lexicon.source, isDirectory: &isDir), isDir.boolValue else {
            return (lexicon.words, [])
        }
        var own = Set(lexicon.places.keys).union(lexicon.disaster.keys).union(lexicon.rumourCues.keys)
            .union(lexicon.closures.keys)
        let extra = URL(fileURLWithPath: lexicon.source).appendingPathComponent("words.txt")
        guard let rows = try? Lexicon.rows(extra, minFields: 1) else { return (lexicon.words, []) }
        for f in rows { own.insert(f[0]) }
        own.formIntersection(lexicon.words)
        return (own, lexicon.words.subtracting(own))
    }

    /// Tokens of `text`, which should already be normalised (see `Normalizer`). Whitespace is dropped.
    public func tokenize(_ text: String) -> [Token] {
        guard let segmenter else { return TypedTokens.apply(fallback?.tokenize(text) ?? [], text: text) }
        var text = text
        text.makeContiguousUTF8()  // a no-op for native strings
        let tokens = text.utf8.withContiguousStorageIfAvailable { Self.tokenize(utf8: $0, segmenter) } ?? []
        return TypedTokens.apply(tokens, text: text)
    }

    /// Transcodes to UTF-16 once (remembering each unit's UTF-8 offset, so token strings are cut from the UTF-8
    /// bytes), segments, and builds the tokens.
    private static func tokenize(utf8: UnsafeBufferPointer<UInt8>, _ segmenter: Segmenter) -> [Token] {
        let m = utf8.count
        guard m > 0 else { return [] }
        var tokens: [Token] = []
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: m) { u16 in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: m + 1) { offset in
                let n = transcode(utf8, u16.baseAddress!, offset.baseAddress!)
                let u = UnsafeBufferPointer(start: u16.baseAddress!, count: n)
                tokens.reserveCapacity(n <= 1024 ? n : n / 2)  // ~1.6 characters per token
                segmenter.segment(u) { start, end, tag in
                    if end - start == 1 && isWhitespace(u[start]) { return }
                    let bytes = UnsafeBufferPointer(rebasing: utf8[Int(offset[start])..<Int(offset[end])])
                    tokens.append(
                        Token(
                            text: String(decoding: bytes, as: UTF8.self), start: start, end: end,
                            kind: kind(tag, u, start, end, segmenter)))
                }
            }
        }
        return tokens
    }

    /// Valid UTF-8 (it comes from a String) → UTF-16 in `u16`; `offset[k]` is the UTF-8 offset of unit k
    /// (both halves of a surrogate pair get the scalar's offset), `offset[n]` the byte count. Returns n.
    private static func transcode(
        _ utf8: UnsafeBufferPointer<UInt8>, _ u16: UnsafeMutablePointer<UInt16>, _ offset: UnsafeMutablePointer<Int32>
    ) -> Int {
        let m = utf8.count
        var i = 0
        var n = 0
        while i < m {
            let b0 = UInt32(utf8[i])
            offset[n] = Int32(truncatingIfNeeded: i)
            if b0 < 0x80 {
                u16[n] = UInt16(truncatingIfNeeded: b0)
                i += 1
            } else if b0 < 0xE0 {
                u16[n] = UInt16(truncatingIfNeeded: (b0 & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F))
                i += 2
            } else if b0 < 0xF0 {
                u16[n] = UInt16(
                    truncatingIfNeeded: (b0 & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F))
                i += 3
            } else {
                let v =
                    (b0 & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12 | UInt32(utf8[i + 2] & 0x3F) << 6
                    | UInt32(utf8[i + 3] & 0x3F)
                let w = v - 0x10000
                u16[n] = UInt16(truncatingIfNeeded: 0xD800 + (w >> 10))
                n += 1
                offset[n] = Int32(truncatingIfNeeded: i)
                u16[n] = UInt16(truncatingIfNeeded: 0xDC00 + (w & 0x3FF))
                i += 4
            }
            n += 1
        }
        offset[n] = Int32(truncatingIfNeeded: m)
        return n
    }

    /// The segmentation as (start, end) UTF-16 offsets, whitespace included, without building strings.
    public func segmentBoundaries(_ units: UnsafeBufferPointer<UInt16>, _ body: (Int, Int) -> Void) {
        if let segmenter {
            segmenter.segment(units) { s, e, _ in body(s, e) }
        } else {
            let text = String(decoding: units, as: UTF16.self)
            for t in tokenize(text) { body(t.start, t.end) }
        }
    }

    /// Convenience: the token strings.
    public func words(_ text: String) -> [String] { tokenize(text).map(\.text) }

    @inline(__always)
    private static func kind(
        _ tag: Int32, _ u: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int, _ segmenter: Segmenter
    ) -> Token.Kind {
        switch tag {
        case Segmenter.Tag.number, Segmenter.Tag.numeric: return .number
        case Segmenter.Tag.latin: return .latin
        case Segmenter.Tag.name: return .word
        default:
            if segmenter.isLexiconWord(tag) {
                return .lexicon
            }
            let single = end - start == 1 || (end - start == 2 && SegmenterRules.isLead(u[start]))
            guard single else { return .word }
            return isWordCharacter(u, start) ? .word : .punctuation
        }
    }

    @inline(__always)
    static func isWordCharacter(_ u: UnsafeBufferPointer<UInt16>, _ i: Int) -> Bool {
        let c = u[i]
        switch c {
        case 0x4E00...0x9FFF: return true
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0xFF10...0xFF19, 0xFF21...0xFF3A, 0xFF41...0xFF5A: return true
        // ASCII and the common CJK and full-width punctuation, without asking Unicode's tables.
        case 0...0x7F, 0x2000...0x206F, 0x3000...0x3004, 0x3008...0x3020, 0xFE30...0xFE6F, 0xFF00...0xFF0F,
            0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65:
            return false
        default: break
        }
        var value = UInt32(c)
        if SegmenterRules.isLead(c) && i + 1 < u.count && SegmenterRules.isTrail(u[i + 1]) {
            value = 0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[i + 1]) - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    @inline(__always)
    static func isWhitespace(_ u: UInt16) -> Bool {
        switch u {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}

// MARK: - Fallback without essay.txt

/// ICU's dictionary word break combined with the lexicon by a lowest-cost path over a word lattice: ICU's segments
/// cost 1, lexicon words 0.9, single characters 1.5 (so the lattice is always connected). Used only when essay.txt
/// is missing; slower (ICU per call) and less accurate than `Segmenter`.
struct ICULexiconTokenizer: Sendable {
    let trie: LexiconTrie

    static let icuCost = 1.0
    static let lexiconCost = 0.9
    static let charCost = 1.5

    init(words: some Sequence<String>) {
        self.trie = LexiconTrie(words: words)
    }

    func tokenize(_ text: String) -> [Token] {
        let units = Array(text.utf16)
        let n = units.count
        guard n > 0 else { return [] }
        let (bounds, statuses) = Self.icuBounds(units)

        var best = [Double](repeating: .infinity, count: n + 1)
        var back = [(from: Int, kind: Token.Kind)](repeating: (0, .word), count: n + 1)
        best[0] = 0
        var icuEnd = [Int: (end: Int, status: Int32)]()
        for i in 0..<(bounds.count - 1) { icuEnd[bounds[i]] = (bounds[i + 1], statuses[i]) }

        for i in 0..<n where best[i] < .infinity {
            func relax(_ end: Int, _ cost: Double, _ kind: Token.Kind) {
                if best[i] + cost < best[end] {
                    best[end] = best[i] + cost
                    back[end] = (i, kind)
                }
            }
            if let seg = icuEnd[i] {
                let kind: Token.Kind
                switch seg.status {
                case 100..<200: kind = .number
                case 200..<300: kind = Self.isCJK(units[i]) ? .word : .latin
                case 300..<500: kind = .word
                default: kind = .punctuation
                }
                relax(seg.end, Self.icuCost, kind)
            }
            trie.matches(units, from: i) { end in relax(end, Self.lexiconCost, .lexicon) }
            // Single character fallback (surrogate pairs stay together).
            let step = (UTF16.isLeadSurrogate(units[i]) && i + 1 < n) ? 2 : 1
            relax(i + step, Self.charCost, Self.isCJK(units[i]) ? .word : .punctuation)
        }

        var tokens: [Token] = []
        var pos = n
        while pos > 0 {
            let (from, kind) = back[pos]
            let piece = String(decoding: units[from..<pos], as: UTF16.self)
            if !piece.allSatisfy({ $0.isWhitespace }) {
                tokens.append(Token(text: piece, start: from, end: pos, kind: kind))
            }
            pos = from
        }
        return tokens.reversed()
    }

    static func isCJK(_ u: UInt16) -> Bool { (0x3400...0x9FFF).contains(u) || (0xF900...0xFAFF).contains(u) }

    static func icuBounds(_ units: [UInt16]) -> ([Int], [Int32]) {
        var cap = units.count + 2
        while true {
            var bounds = [Int32](repeating: 0, count: cap)
            var status = [Int32](repeating: 0, count: cap)
            let count = Int(sieve_icu_word_bounds(units, Int32(units.count), &bounds, &status, Int32(cap)))
            if count < 0 { return ([0, units.count], [0]) }  // ICU failed: one segment, the lattice still works
            if count <= cap { return (bounds[0..<count].map(Int.init), Array(status[0..<max(count - 1, 0)])) }
            cap = count
        }
    }
}

/// A UTF-16 trie over the lexicon words (fallback tokenizer only).
struct LexiconTrie: Sendable {
    private var children: [[UInt16: Int32]] = [[:]]
    private var terminal: [Bool] = [false]

    init(words: some Sequence<String>) {
        for w in words { insert(Array(w.utf16)) }
    }

    private mutating func insert(_ units: [UInt16]) {
        guard units.count > 1 else { return }  // single characters add nothing over the fallback edge
        var node = 0
        for u in units {
            if let next = children[node][u] {
                node = Int(next)
            } else {
                children.append([:])
                terminal.append(false)
                children[node][u] = Int32(children.count - 1)
                node = children.count - 1
            }
        }
        terminal[node] = true
    }

    func matches(_ units: [UInt16], from start: Int, _ found: (Int) -> Void) {
        var node = 0
        var i = start
        while i < units.count, let next = children[node][units[i]] {
            node = Int(next)
            i += 1
            if terminal[node] { found(i) }
        }
    }
}
