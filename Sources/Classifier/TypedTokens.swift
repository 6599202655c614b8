import Foundation

/// Spans that must be one token of their own kind whatever the segmenter does: URLs, @mentions, #hashtags,
/// emoji (with their modifiers and joiners). Numbers are already whole (the segmenter keeps digit runs together).
enum TypedTokens {
    struct Span {
        var start: Int
        var end: Int
        var kind: Token.Kind
    }

    /// Finds the spans in UTF-16 text (linear scan).
    static func spans(_ u: [UInt16]) -> [Span] {
        var out: [Span] = []
        var i = 0
        let n = u.count
        func isURLChar(_ c: UInt16) -> Bool {
            (c >= 0x21 && c < 0x7F) && c != 0x22 && c != 0x3C && c != 0x3E && c != 0x60 && c != 0x7B && c != 0x7D
        }
        func hasPrefix(_ s: String, at i: Int) -> Bool {
            let p = Array(s.utf16)
            guard i + p.count <= n else { return false }
            for k in 0..<p.count where (u[i + k] | 0x20) != p[k] { return false }
            return true
        }
        while i < n {
            let c = u[i]
            // URLs: http(s):// or www.
            if (c == 0x68 || c == 0x48 || c == 0x77 || c == 0x57),
                hasPrefix("http://", at: i) || hasPrefix("https://", at: i) || hasPrefix("www.", at: i)
            {
                var j = i
                while j < n && isURLChar(u[j]) { j += 1 }
                // Trailing punctuation belongs to the sentence.
                while j > i, [0x2E, 0x2C, 0x29, 0x21, 0x3F, 0x3A, 0x3B].contains(u[j - 1]) { j -= 1 }
                if j - i > 7 {
                    out.append(Span(start: i, end: j, kind: .url))
                    i = j
                    continue
                }
            }
            // @mention / #hashtag: the marker then letters, digits, _ or CJK (Taiwanese hashtags are Chinese).
            if (c == 0x40 || c == 0x23 || c == 0xFF03 || c == 0xFF20), i + 1 < n {
                let prevOK = i == 0 || !isWordUnit(u[i - 1])
                var j = i + 1
                while j < n && (isWordUnit(u[j]) || (c == 0x40 && (u[j] == 0x2E || u[j] == 0x40) && j + 1 < n && isWordUnit(u[j + 1]))) {
                    j += 1
                }
                if prevOK && j > i + 1 {
                    out.append(Span(start: i, end: j, kind: c == 0x40 || c == 0xFF20 ? .mention : .hashtag))
                    i = j
                    continue
                }
            }
            // Emoji: a pictographic scalar plus variation selectors, skin tones and ZWJ sequences.
            if let (scalar, width) = scalarAt(u, i), isEmoji(scalar) {
                var j = i + width
                while j < n, let (next, w) = scalarAt(u, j) {
                    if next.value == 0x200D, j + w < n, let (after, w2) = scalarAt(u, j + w), isEmoji(after) {
                        j += w + w2
                    } else if next.value == 0xFE0F || (0x1F3FB...0x1F3FF).contains(next.value) || (0xE0020...0xE007F).contains(next.value) {
                        j += w
                    } else {
                        break
                    }
                }
                out.append(Span(start: i, end: j, kind: .emoji))
                i = j
                continue
            }
            i += 1
        }
        return out
    }

    static func isWordUnit(_ c: UInt16) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
            || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF)
    }

    static func scalarAt(_ u: [UInt16], _ i: Int) -> (Unicode.Scalar, Int)? {
        let c = u[i]
        if UTF16.isLeadSurrogate(c), i + 1 < u.count, UTF16.isTrailSurrogate(u[i + 1]) {
            let v = 0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[i + 1]) - 0xDC00)
            return Unicode.Scalar(v).map { ($0, 2) }
        }
        return Unicode.Scalar(UInt32(c)).map { ($0, 1) }
    }

    static func isEmoji(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x2000 { return false }
        if (0x1F000...0x1FAFF).contains(v) || (0x2600...0x27BF).contains(v) || (0x1F900...0x1F9FF).contains(v) { return true }
        return s.properties.isEmojiPresentation
    }

    /// Whether `text` can hold a typed span at all: a byte scan for h/w/@/#, full-width ＃＠, U+2600–27BF and
    /// 4-byte UTF-8 sequences (emoji). Most Chinese posts have none and skip the UTF-16 pass entirely.
    static func mayContainSpans(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c < 0x80 {
                    if c == 0x68 || c == 0x48 || c == 0x77 || c == 0x57 || c == 0x40 || c == 0x23 { return true }
                    i += 1
                } else if c >= 0xF0 {
                    return true
                } else if c >= 0xE0 {
                    if i + 2 < n {
                        if c == 0xE2 && b[i + 1] >= 0x98 && b[i + 1] <= 0x9E { return true }
                        if c == 0xEF && b[i + 1] == 0xBC && (b[i + 2] == 0x83 || b[i + 2] == 0xA0) { return true }
                    }
                    i += 3
                } else {
                    i += 2
                }
            }
            return false
        }
    }

    /// Replaces the tokens inside each span by one token of the span's kind.
    static func apply(_ tokens: [Token], text: String) -> [Token] {
        guard mayContainSpans(text) else { return tokens }
        let u = Array(text.utf16)
        let spans = spans(u)
        guard !spans.isEmpty else { return tokens }
        var out: [Token] = []
        out.reserveCapacity(tokens.count)
        var s = 0
        for t in tokens {
            while s < spans.count && spans[s].end <= t.start {
                // A span no token covered (whitespace-only is impossible) is skipped.
                s += 1
            }
            if s < spans.count && t.start < spans[s].end && t.end > spans[s].start {
                let span = spans[s]
                if t.start < span.start {  // keep what precedes the span inside this token
                    out.append(Token(
                        text: String(decoding: u[t.start..<span.start], as: UTF16.self), start: t.start, end: span.start,
                        kind: t.kind))
                }
                if out.last.map({ $0.start == span.start && $0.kind == span.kind }) != true {
                    out.append(Token(
                        text: String(decoding: u[span.start..<span.end], as: UTF16.self), start: span.start,
                        end: span.end, kind: span.kind))
                }
                if t.end > span.end && (s + 1 >= spans.count || spans[s + 1].start >= t.end) {
                    out.append(Token(
                        text: String(decoding: u[span.end..<t.end], as: UTF16.self), start: span.end, end: t.end,
                        kind: t.kind))
                }
                continue
            }
            out.append(t)
        }
        return out
    }
}
