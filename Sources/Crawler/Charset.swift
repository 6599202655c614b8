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

    static func hasNonASCII(_ body: Data) -> Bool { body.contains { $0 >= 0x80 } }

    static func isValidUTF8(_ body: Data) -> Bool {
        body.withUnsafeBytes { raw in
            var it = raw.bindMemory(to: UInt8.self).makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&it) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
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
    /// in the first 2 KiB.
    static func sniffDeclaration(_ body: Data) -> String? {
        let head = String(decoding: body.prefix(2048).map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self).lowercased()
        func value(after marker: String) -> String? {
            guard let r = head.range(of: marker) else { return nil }
            var rest = head[r.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
            rest = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." || $0 == ":" }
            return rest.isEmpty ? nil : String(rest)
        }
        if head.hasPrefix("<?xml"), let end = head.range(of: "?>") {
            let decl = String(head[..<end.lowerBound])
            if let r = decl.range(of: "encoding") {
                let v = decl[r.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
                    .prefix { $0 != "\"" && $0 != "'" && $0 != " " }
                if !v.isEmpty { return String(v) }
            }
        }
        return value(after: "<meta charset") ?? value(after: "charset")
    }
}
