import Foundation
import SieveCore

/// 64-bit SimHash (Charikar) over normalised character bigrams: NFKC, Traditional folded to Simplified, case folded,
/// punctuation, symbols and whitespace dropped. Reposts of one message with a changed word or two, different
/// punctuation or the other script land within a few bits of each other.
public enum SimHash {
    public static func hash(_ text: String) -> UInt64? {
        var chars: [UInt32] = []
        chars.reserveCapacity(text.utf8.count / 2)
        for s in Normalizer.normalize(text).unicodeScalars {
            let v = s.value
            if v >= 0x3400 && v < 0xA000 {  // CJK ideographs: fold to Simplified
                chars.append(Normalizer.simplifiedScalar(s).value)
            } else if v < 0x80 {
                if v >= 0x41 && v <= 0x5A {
                    chars.append(v + 32)
                } else if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    chars.append(v)
                }
            } else {
                let p = s.properties
                if p.isAlphabetic || p.numericType != nil { chars.append(p.lowercaseMapping.unicodeScalars.first?.value ?? v) }
            }
        }
        guard chars.count >= 4 else { return nil }  // too short to say anything
        var counts = [Int32](repeating: 0, count: 64)
        for i in 0..<(chars.count - 1) {
            let h = fnv1a(chars[i], chars[i + 1])
            for bit in 0..<64 { counts[bit] += Int32(truncatingIfNeeded: ((h >> UInt64(bit)) & 1) << 1) - 1 }
        }
        var out: UInt64 = 0
        for bit in 0..<64 where counts[bit] > 0 { out |= 1 << UInt64(bit) }
        return out
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// FNV-1a 64 with a final avalanche (splitmix64), so nearby code points give unrelated bits.
    static func fnv1a(_ a: UInt32, _ b: UInt32) -> UInt64 {
        var fnv = FNV1a()
        for shift in stride(from: UInt32(0), to: 32, by: 8) { fnv.add(UInt8((a >> shift) & 0xFF)) }
        for shift in stride(from: UInt32(0), to: 32, by: 8) { fnv.add(UInt8((b >> shift) & 0xFF)) }
        var h = fnv.value
        h ^= h >> 30
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h = h &* 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }
}
