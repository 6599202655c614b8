#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StringProtocol {
    /// Whether `needle` occurs in this string, compared byte for byte in UTF-8 (exact code points: UTF-8 is
    /// self-synchronising, so a match never starts inside a character). Foundation's `contains` searches with
    /// locale-aware folding, which made phrase tests the largest cost of cross-referencing a post.
    public func containsExactly(_ needle: String) -> Bool {
        if needle.isEmpty { return true }
        let found = utf8.withContiguousStorageIfAvailable { hay in
            needle.utf8.withContiguousStorageIfAvailable { n in
                find(n, in: hay)
            }
        }
        if let found, let found { return found }
        // Not contiguous (a bridged or substring view): copy, then search.
        return String(self).containsExactly(String(needle))
    }
}

/// The first byte found with memchr, the rest compared with memcmp.
private func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let n = needle.baseAddress, var p = hay.baseAddress, needle.count <= hay.count else { return false }
    let last = hay.baseAddress! + (hay.count - needle.count)
    let first = Int32(n.pointee)
    while p <= last {
        guard let hit = memchr(p, first, last - p + 1) else { return false }
        let h = hit.assumingMemoryBound(to: UInt8.self)
        if memcmp(h, n, needle.count) == 0 { return true }
        p = UnsafePointer(h) + 1
    }
    return false
}
