import Foundation

/// A perceptual hash: near-identical pictures (resized, recompressed, slightly cropped, framed by a screenshot) get
/// hashes a few bits apart, unrelated ones about half their bits apart.
public struct ImageHash: Sendable, Hashable, CustomStringConvertible {
    public let kind: PerceptualHash.Kind
    /// The bits, 64 per word.
    public let words: [UInt64]

    public init(kind: PerceptualHash.Kind, words: [UInt64]) {
        precondition(words.count == kind.bits / 64, "a \(kind) hash has \(kind.bits / 64) words")
        self.kind = kind
        self.words = words
    }

    /// "kind:hex", e.g. "dct256:9f3c…" (what the Store keeps).
    public var description: String { "\(kind.rawValue):\(hex)" }
    public var hex: String { words.map { String(format: "%016llx", $0) }.joined() }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = PerceptualHash.Kind(rawValue: String(parts[0])) else { return nil }
        let hex = Array(parts[1].utf8)
        guard hex.count == kind.bits / 4 else { return nil }
        var words: [UInt64] = []
        for k in stride(from: 0, to: hex.count, by: 16) {
            guard let w = UInt64(String(decoding: hex[k..<(k + 16)], as: UTF8.self), radix: 16) else { return nil }
            words.append(w)
        }
        self.init(kind: kind, words: words)
    }

    /// Differing bits; nil for hashes of different kinds.
    public func distance(_ other: ImageHash) -> Int? {
        guard kind == other.kind else { return nil }
        var d = 0
        for k in words.indices { d += (words[k] ^ other.words[k]).nonzeroBitCount }
        return d
    }
}

/// Perceptual hashes, computed on the picture with its flat frame trimmed (`GrayImage.trimmed`), so a screenshot
/// border does not move them. Which one Sieve matches with, and at what distance, was chosen by measurement
/// (BENCHMARKS.md, "Image matching").
public enum PerceptualHash {
    public enum Kind: String, Sendable, CaseIterable {
        /// DCT hash (Zauner 2010, as pHash and Python's imagehash): the 8×8 lowest frequencies of a 32×32 shrink,
        /// each bit "above the median". 64 bits.
        case dct64
        /// The same at PDQ's size (Facebook's PDQ: 16×16 lowest frequencies of a 64×64 shrink; box-filtered here,
        /// not PDQ's Jarosz filter). 256 bits: text screenshots, which look alike at 8×8, differ here.
        case dct256
        /// Difference hash (Krawetz 2013): a 9×8 shrink, each bit "brighter than its right neighbour". 64 bits.
        case difference

        public var bits: Int { self == .dct256 ? 256 : 64 }
    }

    public static func hash(_ image: GrayImage, kind: Kind = .dct64) -> ImageHash {
        raw(image.trimmed(), kind: kind)
    }

    /// The hashes a stored picture is matched by: the whole (trimmed) picture, then crops of 90% of its width and
    /// height at `grid`×`grid` positions over the 10% margin — a re-shared copy that lost up to 10% of its width
    /// and height, on any sides, is close to one of them. When trimming took a frame off, the same again for the
    /// untrimmed picture: a copy cropped or resized before it was trimmed can stop its trim at another row (a
    /// gradient, a text's margin), and its untrimmed hash (`queryHashes`) then meets one of these.
    public static func views(_ image: GrayImage, kind: Kind = .dct64, grid: Int = 5) -> [ImageHash] {
        let t = image.trimmed()
        var out = crops(t, kind: kind, grid: grid)
        if t.width != image.width || t.height != image.height { out += crops(image, kind: kind, grid: grid) }
        return out
    }

    /// What a picture is matched with: its trimmed hashes (64 and 256 bits), and when trimming took something off,
    /// its untrimmed ones too — in that order, 64 then 256 bits per pair.
    public static func queryHashes(_ image: GrayImage) -> [ImageHash] {
        let t = image.trimmed()
        var out = [raw(t, kind: .dct64), raw(t, kind: .dct256)]
        if t.width != image.width || t.height != image.height { out += [raw(image, kind: .dct64), raw(image, kind: .dct256)] }
        return out
    }

    /// The whole picture, then its 90% crops on the grid.
    static func crops(_ t: GrayImage, kind: Kind, grid: Int) -> [ImageHash] {
        var out = [raw(t, kind: kind)]
        let w = t.width * 9 / 10, h = t.height * 9 / 10
        guard w >= 16, h >= 16, grid >= 2 else { return out }
        for fy in 0..<grid {
            for fx in 0..<grid {
                let x0 = (t.width - w) * fx / (grid - 1), y0 = (t.height - h) * fy / (grid - 1)
                var pixels: [UInt8] = []
                pixels.reserveCapacity(w * h)
                for y in y0..<(y0 + h) { pixels.append(contentsOf: t.pixels[(y * t.width + x0)..<(y * t.width + x0 + w)]) }
                out.append(raw(GrayImage(width: w, height: h, pixels: pixels), kind: kind))
            }
        }
        return out
    }

    static func raw(_ image: GrayImage, kind: Kind) -> ImageHash {
        switch kind {
        case .dct64: return ImageHash(kind: kind, words: dct(image, size: 32, keep: 8))
        case .dct256: return ImageHash(kind: kind, words: dct(image, size: 64, keep: 16))
        case .difference: return ImageHash(kind: kind, words: [difference(image)])
        }
    }

    /// cos((2x+1)uπ/2n) for u < keep, x < n: the only rows of the n-point DCT-II a hash needs.
    static func cosines(size n: Int, keep: Int) -> [Double] {
        var c = [Double](repeating: 0, count: keep * n)
        for u in 0..<keep { for x in 0..<n { c[u * n + x] = cos(Double(2 * x + 1) * Double(u) * .pi / Double(2 * n)) } }
        return c
    }

    static let cosines32 = cosines(size: 32, keep: 8)
    static let cosines64 = cosines(size: 64, keep: 16)

    static func dct(_ image: GrayImage, size n: Int, keep: Int) -> [UInt64] {
        let p = image.resampled(width: n, height: n)
        let c = n == 32 ? cosines32 : cosines64
        // Rows first (n rows × keep frequencies), then columns (keep × keep).
        var rows = [Double](repeating: 0, count: n * keep)
        for y in 0..<n {
            for u in 0..<keep {
                var s = 0.0
                for x in 0..<n { s += p[y * n + x] * c[u * n + x] }
                rows[y * keep + u] = s
            }
        }
        var low = [Double](repeating: 0, count: keep * keep)
        for v in 0..<keep {
            for u in 0..<keep {
                var s = 0.0
                for y in 0..<n { s += rows[y * keep + u] * c[v * n + y] }
                low[v * keep + u] = s
            }
        }
        let median = low.sorted()[low.count / 2]
        var words = [UInt64](repeating: 0, count: low.count / 64)
        for (k, value) in low.enumerated() where value > median { words[k / 64] |= 1 << UInt64(k % 64) }
        return words
    }

    static func difference(_ image: GrayImage) -> UInt64 {
        let p = image.resampled(width: 9, height: 8)
        var h: UInt64 = 0
        for y in 0..<8 {
            for x in 0..<8 where p[y * 9 + x] > p[y * 9 + x + 1] { h |= 1 << UInt64(y * 8 + x) }
        }
        return h
    }
}
