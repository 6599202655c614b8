/// FNV-1a, 64-bit: the one implementation behind every stable hash Sieve stores or compares — classifier features
/// and SimHash, dictionary and lexicon fingerprints, document body hashes, ids for items that have none, the
/// train/test split. Its results live in model files and databases: never change the constants.
public struct FNV1a: Sendable {
    // Computed and inlinable, so the constants fold into callers in other modules (a `static let` there is a lazy
    // global behind an accessor call: the classifier's inner loop ran measurably slower with it).
    @inlinable public static var offsetBasis: UInt64 { 0xcbf2_9ce4_8422_2325 }
    @inlinable public static var prime: UInt64 { 0x100_0000_01b3 }

    /// The hash so far.
    public var value: UInt64

    @inlinable
    public init(seed: UInt64 = FNV1a.offsetBasis) { value = seed }

    /// Mixes in one byte.
    @inlinable
    public mutating func add(_ byte: UInt8) { value = (value ^ UInt64(byte)) &* Self.prime }

    /// Mixes in a whole value at once (a code unit or a scalar, as the classifier's n-grams do): FNV-1a over the
    /// values, not over their bytes.
    @inlinable
    public mutating func add(value v: UInt64) { value = (value ^ v) &* Self.prime }

    @inlinable
    public mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 { for b in bytes { add(b) } }

    @inlinable
    public static func hash<S: Sequence>(bytes: S) -> UInt64 where S.Element == UInt8 {
        var h = FNV1a()
        h.add(bytes: bytes)
        return h.value
    }

    /// The hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ s: String) -> UInt64 { hash(bytes: s.utf8) }
}
