import Foundation

/// 64-bit SimHash (Charikar) over normalised character bigrams: NFKC, Traditional folded to Simplified, case folded,
/// punctuation, symbols and whitespace dropped. Reposts of one message with a changed word or two, different
/// punctuation or the other script land within a few bits of each other.
public enum SimHash {
    public static func hash(_ text: String) -> UInt64? {
        let folded = Normalizer.simplified(Normalizer.normalize(text)).lowercased()
        let scalars = folded.unicodeScalars.filter { s in
            let p = s.properties
            return p.isAlphabetic || p.numericType != nil
        }
        guard scalars.count >= 4 else { return nil }  // too short to say anything
        var counts = [Int](repeating: 0, count: 64)
        let chars = Array(scalars)
        for i in 0..<(chars.count - 1) {
            let h = fnv1a(chars[i].value, chars[i + 1].value)
            for bit in 0..<64 { counts[bit] += (h >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
        }
        var out: UInt64 = 0
        for bit in 0..<64 where counts[bit] > 0 { out |= 1 << UInt64(bit) }
        return out
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// FNV-1a 64 with a final avalanche (splitmix64), so nearby code points give unrelated bits.
    static func fnv1a(_ a: UInt32, _ b: UInt32) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in [a, b] {
            for shift in stride(from: 0, to: 32, by: 8) {
                h ^= UInt64((v >> UInt32(shift)) & 0xFF)
                h = h &* 0x100_0000_01b3
            }
        }
        h ^= h >> 30
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h = h &* 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }
}
