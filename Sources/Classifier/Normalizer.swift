import CICU
import Foundation

/// Text normalisation before tokenizing: NFKC (which also folds full-width ASCII and the ideographic space to
/// half-width), control characters removed, newlines kept.
public enum Normalizer {
    public static func normalize(_ text: String) -> String {
        let units = Array(text.utf16)
        guard !units.isEmpty else { return "" }
        var cap = Int32(units.count * 2 + 16)
        var out = [UInt16](repeating: 0, count: Int(cap))
        var n = sieve_icu_nfkc(units, Int32(units.count), &out, cap)
        if n > cap {
            cap = n + 16
            out = [UInt16](repeating: 0, count: Int(cap))
            n = sieve_icu_nfkc(units, Int32(units.count), &out, cap)
        }
        guard n >= 0 else { return text }
        let normalized = String(decoding: out[0..<Int(n)], as: UTF16.self)
        return String(String.UnicodeScalarView(normalized.unicodeScalars.filter { s in
            s == "\n" || s == "\t" || !(s.properties.generalCategory == .control || s.properties.generalCategory == .format)
        }))
    }

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
