import Foundation

/// The web queue's search on PostgreSQL, giving the results SQLite's FTS5 gives for the same query.
///
/// SQLite keeps each post's space-joined tokenizer tokens in the FTS5 table `postSearch` (tokenizer `unicode61`) and
/// the queue filters with an FTS5 MATCH expression. PostgreSQL keeps the same tokens and, beside them, a `tsvector`
/// made here: the terms FTS5's `unicode61` would make of them (split at the same separators, folded the same way,
/// with their positions), written as a literal so PostgreSQL's own parser and dictionaries, which depend on the
/// server's locale, never touch them. The MATCH expression becomes a `tsquery` the same way: FTS5's grammar
/// (phrases, `+`, prefix `*`, implicit AND, AND, NOT, OR, parentheses) with its precedence and its treatment of
/// phrases that have no terms.
///
/// Limits on PostgreSQL: a term longer than 2,046 bytes is not indexed (PostgreSQL refuses such lexemes), positions
/// past 16,383 all count as 16,383 (phrases deep inside a very long post may be missed), and NEAR groups, column
/// filters and `^` are refused with a clear error (the web app never writes them).
package enum FullTextSearch {
    /// The terms FTS5's `unicode61` tokenizer (remove_diacritics 1) makes of `text`, in order.
    static func terms(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { out.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                switch v {
                case 0x30...0x39, 0x61...0x7A: current.append(s)
                case 0x41...0x5A: current.append(Unicode.Scalar(v + 0x20)!)
                default: flush()
                }
            } else if Table.shared.isSeparator(v) {
                flush()
            } else {
                // A token character (a combining diacritic folds to nothing but does not end the token).
                if let folded = Table.shared.folds[v] {
                    if folded != 0, let f = Unicode.Scalar(folded) { current.append(f) }
                } else {
                    current.append(s)
                }
            }
        }
        flush()
        return out
    }

    /// The longest lexeme PostgreSQL stores, in bytes.
    static let maxLexemeBytes = 2046
    /// The highest position PostgreSQL stores.
    static let maxPosition = 16383

    /// A `tsvector` literal of the terms of `tokens` with their positions (1-based), for `?::tsvector`.
    static func tsvector(_ tokens: String) -> String {
        var out = ""
        var position = 0
        for term in terms(tokens) {
            position += 1
            guard term.utf8.count <= maxLexemeBytes else { continue }
            // PostgreSQL caps a tsvector at 1 MB; a post this long keeps its first terms.
            if out.utf8.count > 900_000 { break }
            if !out.isEmpty { out += " " }
            out += quote(term) + ":" + String(min(position, maxPosition))
        }
        return out
    }

    /// A lexeme quoted for tsvector/tsquery input.
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The `tsquery` (for `?::tsquery`) that matches what the FTS5 MATCH expression `match` matches; nil when it
    /// matches nothing (it has no term FTS5 would search for).
    package static func tsquery(_ match: String) throws(StoreError) -> String? {
        var parser = Parser(match)
        let node = try parser.parse()
        return node.tsquery
    }

    /// A parsed MATCH expression. `nothing` is FTS5's phrase without terms: it matches no row, and an implicit
    /// AND leaves it out.
    indirect enum Node: Equatable {
        case nothing
        case phrase([String], prefix: Bool)
        case and(Node, Node)
        case or(Node, Node)
        case not(Node, Node)

        static func both(_ a: Node, _ b: Node) -> Node { a == .nothing || b == .nothing ? .nothing : .and(a, b) }
        static func either(_ a: Node, _ b: Node) -> Node { a == .nothing ? b : b == .nothing ? a : .or(a, b) }
        static func except(_ a: Node, _ b: Node) -> Node { a == .nothing ? .nothing : b == .nothing ? a : .not(a, b) }

        var tsquery: String? {
            switch self {
            case .nothing: return nil
            case .phrase(let terms, let prefix):
                var parts = terms.map(FullTextSearch.quote)
                if prefix { parts[parts.count - 1] += ":*" }
                return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " <-> ") + ")"
            case .and(let a, let b): return "(\(a.tsquery!) & \(b.tsquery!))"
            case .or(let a, let b): return "(\(a.tsquery!) | \(b.tsquery!))"
            case .not(let a, let b): return "(\(a.tsquery!) & !\(b.tsquery!))"
            }
        }
    }

    /// FTS5's query grammar: `OR` binds loosest, then `AND`, then `NOT`; phrases side by side are an implicit AND
    /// that binds tightest (and, as in FTS5, only phrases can stand side by side, not parenthesised groups).
    struct Parser {
        enum Token: Equatable {
            case string(String)  // a quoted string or a bareword
            case and, or, not, open, close, star, plus
        }

        let text: String
        var tokens: [Token] = []
        var index = 0

        init(_ text: String) { self.text = text }

        func error(_ why: String) -> StoreError {
            StoreError.database("search expression \(text.debugDescription): \(why)")
        }

        mutating func lex() throws(StoreError) {
            let scalars = Array(text.unicodeScalars)
            var i = 0
            func isBareword(_ s: Unicode.Scalar) -> Bool {
                s.value >= 0x80 || s.value == 0x1A || s == "_" || (s.isASCII && s.properties.isAlphabetic)
                    || ("0"..."9").contains(s)
            }
            while i < scalars.count {
                let s = scalars[i]
                switch s {
                case " ", "\t", "\n", "\r", "\u{0C}": i += 1
                case "(": tokens.append(.open); i += 1
                case ")": tokens.append(.close); i += 1
                case "*": tokens.append(.star); i += 1
                case "+": tokens.append(.plus); i += 1
                case "\"":
                    var value = String.UnicodeScalarView()
                    i += 1
                    var closed = false
                    while i < scalars.count {
                        if scalars[i] == "\"" {
                            if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                                value.append("\"")
                                i += 2
                                continue
                            }
                            closed = true
                            i += 1
                            break
                        }
                        value.append(scalars[i])
                        i += 1
                    }
                    guard closed else { throw error("unterminated string") }
                    tokens.append(.string(String(value)))
                default:
                    guard isBareword(s) else {
                        switch s {
                        case ":", "{", "}", "-", "^":
                            throw error("column filters and initial-token queries (\(s)) are not supported on PostgreSQL")
                        default: throw error("syntax error near \(String(s).debugDescription)")
                        }
                    }
                    var word = String.UnicodeScalarView()
                    while i < scalars.count && isBareword(scalars[i]) {
                        word.append(scalars[i])
                        i += 1
                    }
                    let w = String(word)
                    switch w {
                    case "AND": tokens.append(.and)
                    case "OR": tokens.append(.or)
                    case "NOT": tokens.append(.not)
                    case "NEAR" where scalars[i...].first(where: { $0 != " " }) == "(":
                        throw error("NEAR groups are not supported on PostgreSQL")
                    default: tokens.append(.string(w))
                    }
                }
            }
        }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }

        mutating func parse() throws(StoreError) -> Node {
            try lex()
            let node = try parseOr()
            if let extra = peek { throw error("syntax error near \(extra)") }
            return node
        }

        mutating func parseOr() throws(StoreError) -> Node {
            var node = try parseAnd()
            while peek == .or {
                index += 1
                node = Node.either(node, try parseAnd())
            }
            return node
        }

        mutating func parseAnd() throws(StoreError) -> Node {
            var node = try parseNot()
            while peek == .and {
                index += 1
                node = Node.both(node, try parseNot())
            }
            return node
        }

        mutating func parseNot() throws(StoreError) -> Node {
            var node = try parsePrimary()
            while peek == .not {
                index += 1
                node = Node.except(node, try parsePrimary())
            }
            return node
        }

        mutating func parsePrimary() throws(StoreError) -> Node {
            if peek == .open {
                index += 1
                let node = try parseOr()
                guard peek == .close else { throw error("missing )") }
                index += 1
                return node
            }
            // One or more phrases side by side: an implicit AND that leaves out phrases without terms.
            var phrases: [Node] = []
            while case .string = peek { phrases.append(try parsePhrase()) }
            guard !phrases.isEmpty else { throw error("syntax error near \(peek.map { "\($0)" } ?? "the end")") }
            let kept = phrases.filter { $0 != .nothing }
            guard var node = kept.first else { return .nothing }
            for p in kept.dropFirst() { node = .and(node, p) }
            return node
        }

        /// `string (+ string)* [*]`: the terms of the strings, in order, the last one a prefix when starred.
        mutating func parsePhrase() throws(StoreError) -> Node {
            var terms: [String] = []
            while true {
                guard case .string(let s) = peek else { throw error("syntax error after +") }
                index += 1
                terms += FullTextSearch.terms(s)
                guard peek == .plus else { break }
                index += 1
            }
            var prefix = false
            if peek == .star {
                prefix = true
                index += 1
            }
            return terms.isEmpty ? .nothing : .phrase(terms, prefix: prefix)
        }
    }

    /// `FTS5Unicode61Table`, parsed once.
    struct Table: Sendable {
        let separators: [(first: UInt32, last: UInt32)]
        let folds: [UInt32: UInt32]

        static let shared = Table()

        init() {
            separators = FTS5Unicode61Table.separators.split(whereSeparator: \.isWhitespace).map { item in
                let parts = item.split(separator: "-")
                return (UInt32(parts[0], radix: 16)!, UInt32(parts[1], radix: 16)!)
            }
            var folds: [UInt32: UInt32] = [:]
            for item in FTS5Unicode61Table.folds.split(whereSeparator: \.isWhitespace) {
                let parts = item.split(separator: ">")
                folds[UInt32(parts[0], radix: 16)!] = UInt32(parts[1], radix: 16)!
            }
            self.folds = folds
        }

        func isSeparator(_ v: UInt32) -> Bool {
            var lo = 0, hi = separators.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                let r = separators[mid]
                if v < r.first {
                    hi = mid - 1
                } else if v > r.last {
                    lo = mid + 1
                } else {
                    return true
                }
            }
            return false
        }
    }
}
