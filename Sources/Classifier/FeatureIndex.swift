/// Feature hash → column, open addressing with linear probing. The keys are already 64-bit hashes, so a
/// multiplicative mix picks the slot; this is several times faster than Dictionary's seeded SipHash here.
struct FeatureIndex: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0
    /// 0 never occurs as a feature hash in practice; it marks an empty slot (a real 0 is remapped).
    private static let empty: UInt64 = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private static func fix(_ key: UInt64) -> UInt64 { key == empty ? 0x9E37_79B9_7F4A_7C15 : key }
    @inline(__always) private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 17) & mask }

    subscript(key: UInt64) -> Int32? {
        let k = Self.fix(key)
        var i = slot(k)
        while true {
            let found = keys[i]
            if found == k { return values[i] }
            if found == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// The column of `key`, adding it as column `count` when new.
    mutating func insert(_ key: UInt64) -> (column: Int32, inserted: Bool) {
        if (count + 1) * 2 > keys.count { grow() }
        let k = Self.fix(key)
        var i = slot(k)
        while true {
            let found = keys[i]
            if found == k { return (values[i], false) }
            if found == Self.empty {
                keys[i] = k
                values[i] = Int32(count)
                count += 1
                return (values[i], true)
            }
            i = (i + 1) & mask
        }
    }

    /// Sets `key` to `column` (loading a model file).
    mutating func set(_ key: UInt64, _ column: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        let k = Self.fix(key)
        var i = slot(k)
        while keys[i] != Self.empty && keys[i] != k { i = (i + 1) & mask }
        if keys[i] == Self.empty { count += 1 }
        keys[i] = k
        values[i] = column
    }

    /// Every (key, column) pair.
    var entries: [(key: UInt64, value: Int32)] {
        var out: [(UInt64, Int32)] = []
        out.reserveCapacity(count)
        for i in 0..<keys.count where keys[i] != Self.empty { out.append((keys[i], values[i])) }
        return out
    }

    private mutating func grow() {
        let old = entries
        let size = keys.count * 2
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
        count = 0
        for (k, v) in old { set(k, v) }
    }
}
