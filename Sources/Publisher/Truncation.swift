import Foundation

/// Shortening text to a channel's limit without breaking what readers need: the cut is made between
/// characters (extended grapheme clusters, so an emoji with its modifiers or a letter with its combining marks
/// stays whole) and never inside a URL — a URL that does not fit is dropped whole.
public enum Truncation {
    /// How a channel counts a message's length.
    public enum Measure: Sendable {
        /// Characters as readers see them.
        case characters
        /// UTF-16 code units (Telegram's 4096 limit).
        case utf16
        /// Characters, but every URL counts as 23 (Mastodon).
        case mastodon

        public func count(_ s: String) -> Int {
            switch self {
            case .characters: return s.count
            case .utf16: return s.utf16.count
            case .mastodon:
                var total = 0
                for span in Truncation.spans(s) { total += span.isURL ? 23 : span.text.count }
                return total
            }
        }
    }

    public static let ellipsis = "…"

    /// `text` shortened (with "…") so that `measure.count` of the result is at most `limit`.
    public static func truncate(_ text: String, limit: Int, measure: Measure = .characters) -> String {
        guard measure.count(text) > limit else { return text }
        guard limit > measure.count(ellipsis) else { return "" }
        // Keep the longest prefix of whole characters that fits with the ellipsis, then step back out of a URL.
        let chars = Array(text)
        var lo = 0, hi = chars.count
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if measure.count(String(chars[0..<mid]) + ellipsis) <= limit { lo = mid } else { hi = mid - 1 }
        }
        var cut = lo
        // Inside a URL? Back up to where it starts.
        var offset = 0
        for span in spans(text) {
            let n = span.text.count
            if span.isURL, cut > offset, cut < offset + n { cut = offset; break }
            offset += n
            if offset >= cut { break }
        }
        var prefix = String(chars[0..<cut])
        while let last = prefix.last, last.isWhitespace { prefix.removeLast() }
        return prefix + ellipsis
    }

    struct Span {
        var text: Substring
        var isURL: Bool
    }

    /// The text split into URL and non-URL runs (a URL runs from http(s):// to the next whitespace or
    /// full-width punctuation).
    static func spans(_ s: String) -> [Span] {
        var out: [Span] = []
        var i = s.startIndex
        var plainStart = s.startIndex
        while i < s.endIndex {
            if s[i] == "h", s[i...].hasPrefix("http://") || s[i...].hasPrefix("https://") {
                if plainStart < i { out.append(Span(text: s[plainStart..<i], isURL: false)) }
                var j = i
                while j < s.endIndex, !s[j].isWhitespace, !isURLTerminator(s[j]) { j = s.index(after: j) }
                out.append(Span(text: s[i..<j], isURL: true))
                i = j
                plainStart = j
            } else {
                i = s.index(after: i)
            }
        }
        if plainStart < s.endIndex { out.append(Span(text: s[plainStart...], isURL: false)) }
        return out
    }

    static func isURLTerminator(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first else { return false }
        // CJK punctuation and full-width forms end a URL written in Chinese text.
        return (0x3000...0x303F).contains(scalar.value) || (0xFF00...0xFFEF).contains(scalar.value) || c == "<" || c == ">"
            || c == "\""
    }
}
