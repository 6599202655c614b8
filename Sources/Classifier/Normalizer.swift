import CICU
import Foundation

/// Text normalisation before tokenizing: NFKC (which also folds full-width ASCII and the ideographic space to
/// half-width), control characters removed, newlines kept.
public enum Normalizer {
    public static func normalize(_ text: String) -> String {
        guard let kept = normalizedUTF16(text) else { return text }
        return String(decoding: kept, as: UTF16.self)
    }

    /// What `normalize` returns, as UTF-16 code units, or nil when the text is already normalised (then it is the
    /// text itself). Feature extraction reads these directly instead of building a String first.
    static func normalizedUTF16(_ text: String) -> [UInt16]? {
        let units = Array(text.utf16)
        guard !units.isEmpty else { return nil }
        // Most posts are already NFKC and free of control characters: leave them untouched.
        if sieve_icu_is_nfkc(units, Int32(units.count)) == 1 && !units.contains(where: needsRemoval) { return nil }
        var cap = Int32(units.count * 2 + 16)
        var out = [UInt16](repeating: 0, count: Int(cap))
        var n = sieve_icu_nfkc(units, Int32(units.count), &out, cap)
        if n > cap {
            cap = n + 16
            out = [UInt16](repeating: 0, count: Int(cap))
            n = sieve_icu_nfkc(units, Int32(units.count), &out, cap)
        }
        guard n >= 0 else { return nil }
        // Drop control and format characters (zero-width joiners, BOMs, bidi marks); keep newlines and tabs.
        var kept = [UInt16]()
        kept.reserveCapacity(Int(n))
        for i in 0..<Int(n) where !needsRemoval(out[i]) { kept.append(out[i]) }
        return kept
    }

    /// Control and format characters (zero-width joiners, BOMs, bidi marks, soft hyphens); newlines and tabs stay.
    @inline(__always) static func needsRemoval(_ u: UInt16) -> Bool {
        if u < 0x20 { return u != 0x0A && u != 0x09 }
        if u < 0x7F { return false }
        return (0x7F...0x9F).contains(u) || (0x200B...0x200F).contains(u) || (0x202A...0x202E).contains(u)
            || (0x2060...0x206F).contains(u) || u == 0xFEFF || (0xFFF9...0xFFFB).contains(u) || u == 0x00AD
    }

    /// Traditional → Simplified for one CJK code point (BMP ideographs), from a table built once through ICU.
    public static func simplifiedScalar(_ s: Unicode.Scalar) -> Unicode.Scalar {
        let v = s.value
        guard v >= cjkTableStart && v < cjkTableStart + UInt32(cjkTable.count) else { return s }
        let mapped = cjkTable[Int(v - cjkTableStart)]
        return mapped == 0 ? s : Unicode.Scalar(mapped) ?? s
    }

    static let cjkTableStart: UInt32 = 0x3400
    /// Simplified form of every code point in U+3400…U+9FFF (0 = unchanged). ICU's Traditional-Simplified maps one
    /// UTF-16 unit to one, so one call over the whole range gives the table.
    static let cjkTable: [UInt16] = {
        let count = 0xA000 - 0x3400
        var units = [UInt16](unsafeUninitializedCapacity: count * 2 + 16) { buf, n in
            for i in 0..<count { buf[i] = UInt16(0x3400 + i) }
            n = count
        }
        units.append(contentsOf: [UInt16](repeating: 0, count: count + 16))
        let n = sieve_icu_transliterate("Traditional-Simplified", &units, Int32(count), Int32(units.count))
        guard n == Int32(count) else { return [] }
        var table = [UInt16](repeating: 0, count: count)
        for i in 0..<count where units[i] != UInt16(0x3400 + i) { table[i] = units[i] }
        return table
    }()

    /// Traditional → Simplified, character for character (ICU's transliterator keeps the UTF-16 length),
    /// so features of Simplified and Traditional posts meet.
    public static func simplified(_ text: String) -> String {
        var units = Array(text.utf16)
        guard !units.isEmpty else { return text }
        let len = Int32(units.count)
        units.append(contentsOf: [UInt16](repeating: 0, count: units.count + 16))
        let n = sieve_icu_transliterate("Traditional-Simplified", &units, len, Int32(units.count))
        guard n >= 0 else { return text }
        return String(decoding: units[0..<Int(n)], as: UTF16.self)
    }
}
