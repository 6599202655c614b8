import CICU
import Foundation

/// One token with its position in the normalised text (UTF-16 offsets).
public struct Token: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case word, lexicon, number, latin, punctuation
    }
    public var text: String
    public var start: Int
    public var end: Int
    public var kind: Kind
}

/// ICU's dictionary word break combined with the project's lexicon by a lowest-cost path over a word lattice:
/// ICU's segments cost 1, lexicon words 0.9, and single characters 1.5 (so the lattice is always connected).
/// A lexicon word therefore survives whenever ICU would have split it, while text the lexicon does not know
/// keeps ICU's segmentation.
public struct Tokenizer: Sendable {
    let trie: Trie

    static let icuCost = 1.0
    static let lexiconCost = 0.9
    static let charCost = 1.5

    public init(lexicon: Lexicon) {
        self.trie = Trie(words: lexicon.words)
    }

    public init(words: some Sequence<String>) {
        self.trie = Trie(words: words)
    }

    /// Tokens of `text`, which should already be normalised (see `Normalizer`). Whitespace is dropped.
    public func tokenize(_ text: String) -> [Token] {
        let units = Array(text.utf16)
        let n = units.count
        guard n > 0 else { return [] }
        let (bounds, statuses) = Self.icuBounds(units)

        // Edges: from position i, (end, cost, kind)
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

    /// Convenience: the token strings.
    public func words(_ text: String) -> [String] { tokenize(text).map(\.text) }

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

/// A UTF-16 trie over the lexicon words.
struct Trie: Sendable {
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
