import Foundation

/// How much two short texts share, by character pairs: what tells two screenshots of different messages apart when
/// their pictures look alike (every chat screenshot has the same layout).
public enum TextOverlap {
    /// Characters that count: NFKC, no white space, punctuation or symbols (OCR reads those least reliably).
    public static func folded(_ text: String) -> [Character] {
        Array(text.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace && !$0.isPunctuation && !$0.isSymbol })
    }

    /// Dice coefficient of the two texts' sets of adjacent character pairs, 0…1.
    public static func dice(_ a: String, _ b: String) -> Double {
        let x = pairs(folded(a)), y = pairs(folded(b))
        guard !x.isEmpty || !y.isEmpty else { return 1 }
        return 2 * Double(x.intersection(y).count) / Double(x.count + y.count)
    }

    static func pairs(_ c: [Character]) -> Set<String> {
        guard c.count >= 2 else { return Set(c.map { String($0) }) }
        var out = Set<String>()
        for k in 0..<(c.count - 1) { out.insert(String(c[k]) + String(c[k + 1])) }
        return out
    }
}
