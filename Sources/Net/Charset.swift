import CICU
import Foundation

/// Gets a response body into UTF-8. The charset comes from, in order: a byte-order mark, the body being valid
/// UTF-8 with non-ASCII text (declarations are often wrong, and valid multi-byte UTF-8 is almost never an accident),
/// the HTTP Content-Type, `<meta charset>` / `http-equiv`, the XML declaration; else UTF-8. Conversion is ICU's
/// (Big5/CP950, GB18030, Shift_JIS …); invalid bytes become U+FFFD, never a crash.
public enum Charset {
    public struct Decoded: Sendable {
        public var utf8: Data
        /// The charset actually used ("UTF-8", "Big5" …).
        public var charset: String
        /// How many invalid byte sequences were replaced.
        public var replaced: Int
        /// Set when a declaration was overridden or the body had invalid bytes.
        public var note: String?
    }

    public static func decode(_ body: Data, headerCharset: String?) -> Decoded {
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            return utf8Cleaned(body.dropFirst(3), charset: "UTF-8", declared: nil)
        }
        if body.starts(with: [0xFF, 0xFE]) { return convert(body.dropFirst(2), from: "UTF-16LE", declared: nil) }
        if body.starts(with: [0xFE, 0xFF]) { return convert(body.dropFirst(2), from: "UTF-16BE", declared: nil) }
        let declared = headerCharset ?? sniffDeclaration(body)
        let isUTF8Label = declared.map { ["utf-8", "utf8"].contains($0.lowercased()) } ?? true
        if !isUTF8Label, let declared {
            if hasNonASCII(body) && isValidUTF8(body) {
                var d = utf8Cleaned(body, charset: "UTF-8", declared: nil)
                d.note = "declared charset \(declared) but the body is valid UTF-8; read as UTF-8"
                return d
            }
            return convert(body, from: declared, declared: declared)
        }
        return utf8Cleaned(body, charset: "UTF-8", declared: declared)
    }

    /// The `charset=` parameter of a Content-Type value.
    public static func fromContentType(_ contentType: String?) -> String? {
        guard let ct = contentType else { return nil }
        for part in ct.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" {
                let v = kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                return v.isEmpty ? nil : v
            }
        }
        return nil
    }

    static func hasNonASCII(_ body: Data) -> Bool {
        body.withUnsafeBytes { raw in raw.contains { $0 >= 0x80 } }
    }

    static func isValidUTF8(_ body: Data) -> Bool {
        body.withUnsafeBytes { raw in
            // String's validating initialiser is SIMD-accelerated; ASCII-only bodies need no copy at all.
            if !raw.contains(where: { $0 >= 0x80 }) { return true }
            return String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) != nil
        }
    }

    static func utf8Cleaned(_ body: Data, charset: String, declared: String?) -> Decoded {
        if isValidUTF8(body) { return Decoded(utf8: Data(body), charset: charset, replaced: 0, note: nil) }
        let s = String(decoding: body, as: UTF8.self)
        let replaced = s.unicodeScalars.filter { $0 == "\u{FFFD}" }.count
        return Decoded(
            utf8: Data(s.utf8), charset: charset, replaced: replaced,
            note: "\(replaced) invalid UTF-8 sequence(s) replaced with U+FFFD")
    }

    static func convert(_ body: Data, from charset: String, declared: String?) -> Decoded {
        guard !body.isEmpty else { return Decoded(utf8: Data(), charset: charset, replaced: 0, note: nil) }
        var cap = body.count * 3 + 16
        while true {
            var out = [CChar](repeating: 0, count: cap)
            var replaced: Int32 = 0
            let n = body.withUnsafeBytes { raw in
                sieve_icu_to_utf8(charset, raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count), &out,
                    Int32(cap), &replaced)
            }
            if n == -1 {
                var d = utf8Cleaned(body, charset: "UTF-8", declared: declared)
                d.note = "unknown charset \"\(charset)\"; read as UTF-8"
                return d
            }
            if n < 0 {
                var d = utf8Cleaned(body, charset: "UTF-8", declared: declared)
                d.note = "charset \(charset) conversion failed (ICU error \(-n)); read as UTF-8"
                return d
            }
            if Int(n) > cap {
                cap = Int(n) + 16
                continue
            }
            let data = out.withUnsafeBytes { Data($0.prefix(Int(n))) }
            return Decoded(
                utf8: data, charset: charset, replaced: Int(replaced),
                note: replaced > 0 ? "\(replaced) invalid \(charset) sequence(s) replaced with U+FFFD" : nil)
        }
    }

    /// `<?xml … encoding="big5"?>`, `<meta charset="big5">`, `<meta http-equiv="Content-Type" content="…; charset=big5">`
    /// in the first 2 KiB (a byte search: this runs on every response).
    static func sniffDeclaration(_ body: Data) -> String? {
        body.prefix(2048).withUnsafeBytes { raw -> String? in
            let b = raw.bindMemory(to: UInt8.self)
            func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
            func find(_ needle: [UInt8], from start: Int = 0) -> Int? {
                guard b.count >= needle.count, start <= b.count - needle.count else { return nil }
                var i = start
                while i <= b.count - needle.count {
                    var j = 0
                    while j < needle.count && lower(b[i + j]) == needle[j] { j += 1 }
                    if j == needle.count { return i }
                    i += 1
                }
                return nil
            }
            func value(at start: Int) -> String? {
                var i = start
                while i < b.count && (b[i] == 0x20 || b[i] == 0x3D || b[i] == 0x22 || b[i] == 0x27 || b[i] == 0x09) { i += 1 }
                var out: [UInt8] = []
                while i < b.count, out.count < 40 {
                    let c = lower(b[i])
                    let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E || c == 0x3A
                    if !ok { break }
                    out.append(c)
                    i += 1
                }
                return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
            }
            // XML declaration first.
            var start = 0
            while start < b.count && (b[start] == 0x20 || b[start] == 0x0A || b[start] == 0x0D || b[start] == 0x09) { start += 1 }
            if let decl = find(Array("<?xml".utf8), from: start), decl == start, let end = find(Array("?>".utf8), from: decl) {
                if let enc = find(Array("encoding".utf8), from: decl), enc < end { return value(at: enc + 8) }
                return nil
            }
            if let i = find(Array("charset".utf8)) { return value(at: i + 7) }
            return nil
        }
    }
}
