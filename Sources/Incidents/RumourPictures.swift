import Foundation
import Imaging
import SieveCore

/// Known rumours' pictures, indexed to answer "is this the same picture?" — for a tip (`TipChecker`) and for a
/// crawled post's pictures (the cross-reference stage). A stored picture is kept as several views (the whole, then
/// crops: `PerceptualHash.views`), so a re-shared copy that was resized, recompressed, cropped or framed by a
/// screenshot still lands within a few bits of one of them.
public struct RumourPictures: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Two pictures are the same when, for one of the stored picture's views, their 64-bit DCT hashes differ in
        /// at most `distance64` bits and their 256-bit ones in at most `distance256` (BENCHMARKS.md "Pictures":
        /// chosen on a development set, measured on another).
        public var distance64 = 10
        public var distance256 = 72
        /// When both pictures carry text (at least `minimumText` characters read), they must also share this much
        /// of it (`TextOverlap.dice`): two screenshots of different messages in the same app look alike.
        public var textOverlap = 0.3
        public var minimumText = 8
        public init() {}
    }

    /// What a picture matched: the rumour and how many of the 64 bits differ.
    public struct Match: Sendable, Equatable {
        public var rumourID: Int64
        public var bits: Int
        public var similarity: Double { 1 - Double(bits) / 64 }
    }

    let images: [(rumourID: Int64, views64: [ImageHash], views256: [ImageHash], text: String?)]
    public var settings: Settings

    public init(_ images: [KnownRumourImage], settings: Settings = Settings()) {
        self.images = images.map { i in
            let all = i.hashes.compactMap(ImageHash.init)
            return (i.rumourID, all.filter { $0.kind == .dct64 }, all.filter { $0.kind == .dct256 }, i.ocrText)
        }
        self.settings = settings
    }

    public var isEmpty: Bool { images.isEmpty }

    /// The rumours whose pictures this picture is (its 64- and 256-bit hashes; `text`, what was read in it), the
    /// closest first, one per rumour.
    public func matches(_ hashes: [ImageHash], text: String?) -> [Match] {
        // The query's (64-bit, 256-bit) pairs: trimmed, then untrimmed when trimming changed the picture.
        let q64 = hashes.filter { $0.kind == .dct64 }, q256 = hashes.filter { $0.kind == .dct256 }
        guard !q64.isEmpty else { return [] }
        var best: [Int64: Int] = [:]
        for image in images {
            var d = Int.max
            for (p, a) in q64.enumerated() {
                let b = p < q256.count ? q256[p] : nil
                for (k, v) in image.views64.enumerated() {
                    guard let d64 = a.distance(v), d64 <= settings.distance64, d64 < d else { continue }
                    if let b, k < image.views256.count, let d256 = b.distance(image.views256[k]), d256 > settings.distance256 {
                        continue
                    }
                    d = d64
                }
            }
            guard d <= settings.distance64, d < best[image.rumourID] ?? Int.max else { continue }
            if !sameText(text, image.text) { continue }
            best[image.rumourID] = d
        }
        return best.map { Match(rumourID: $0.key, bits: $0.value) }.sorted { ($0.bits, $0.rumourID) < ($1.bits, $1.rumourID) }
    }

    /// Whether two pictures' texts allow them to be the same picture: yes when either has (almost) no text.
    func sameText(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b, TextOverlap.folded(a).count >= settings.minimumText, TextOverlap.folded(b).count >= settings.minimumText
        else { return true }
        return TextOverlap.dice(a, b) >= settings.textOverlap
    }
}
