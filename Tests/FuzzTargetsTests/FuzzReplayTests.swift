import Foundation
import FuzzTargets
import Testing
import TestSupport

/// Every fuzz target (see `FuzzTargets`) runs, in `make test`, over its seeds (`fuzz/seeds.tsv`), every finding
/// kept in `fuzz/regressions/<target>/` (each was a crash, hang or blow-up once), and a few hundred deterministic
/// mutations of the seeds. Without libFuzzer's coverage guidance this is a smoke pass, not the campaign (`make
/// fuzz`); it keeps every past finding fixed.
@Suite("Fuzz targets: seeds, regressions and a smoke pass")
struct FuzzReplayTests {
    /// The seed files of each target, as `scripts/fuzz.sh` reads them.
    static func seeds() -> [String: [URL]] {
        let root = TestPaths.packageRoot
        guard let table = try? String(contentsOf: root.appendingPathComponent("fuzz/seeds.tsv"), encoding: .utf8) else { return [:] }
        var out: [String: [URL]] = [:]
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t").map(String.init)
            guard cols.count == 2 else { continue }
            let url: URL
            if cols[1].hasPrefix("shared:") {
                guard let shared = TestPaths.sharedData else { continue }
                url = shared.appendingPathComponent(String(cols[1].dropFirst(7)))
            } else {
                url = root.appendingPathComponent(cols[1])
            }
            out[cols[0], default: []] += files(at: url)
        }
        return out
    }

    static func files(at url: URL) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [url] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().map { url.appendingPathComponent($0) }.filter { !$0.hasDirectoryPath }
    }

    /// Byte strings mutations splice in: the shapes hostile inputs are made of.
    static let dictionary: [[UInt8]] = [
        "<!ENTITY a \"&b;&b;\">", "<!DOCTYPE x [", "&a;", "]]>", "<![CDATA[", "</", "<div>", "\"", "'", "\\", "\u{0}",
        "\u{FFFD}", "%", "%0a", "&#x0;", "=", "&", "{", "}", "[", "]", ",", ":", "null", "1e999", "-1", "9223372036854775807",
        "\r\n", "\n\n", "颱", "\u{1F600}", "OR", "NEAR(", "*", "^", "\"\"",
    ].map { Array($0.utf8) }

    /// A deterministic mutation of `seed`.
    static func mutate(_ seed: [UInt8], _ rng: inout UInt64) -> [UInt8] {
        func next() -> Int {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            return Int(truncatingIfNeeded: rng & 0x7FFF_FFFF)
        }
        var bytes = seed
        for _ in 0..<(1 + next() % 4) {
            let at = bytes.isEmpty ? 0 : next() % (bytes.count + 1)
            switch next() % 6 {
            case 0 where !bytes.isEmpty && at < bytes.count: bytes[at] ^= UInt8(1 << (next() % 8))
            case 1: bytes.insert(contentsOf: dictionary[next() % dictionary.count], at: at)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + next() % 64)
                if at < end { bytes.removeSubrange(at..<end) }
            case 3 where !bytes.isEmpty:
                // Repeat a stretch (nesting, long runs).
                let start = next() % bytes.count
                let piece = Array(bytes[start..<min(bytes.count, start + 1 + next() % 32)])
                for _ in 0..<(1 + next() % 20) { bytes.insert(contentsOf: piece, at: min(at, bytes.count)) }
            case 4 where !bytes.isEmpty: bytes = Array(bytes.prefix(at))
            default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
            }
        }
        return bytes
    }

    @Test(arguments: FuzzTargets.names) func seedsRegressionsAndMutations(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = Self.seeds()[name] ?? []
        let regressions = Self.files(at: TestPaths.packageRoot.appendingPathComponent("fuzz/regressions/\(name)"))
        #expect(!seeds.isEmpty || TestPaths.sharedData == nil, "no seeds for \(name) in fuzz/seeds.tsv")
        for file in seeds + regressions { target(try Data(contentsOf: file)) }
        // Mutations: the seeds' first 4 KB (libFuzzer's default length), bounded work per target.
        let bases = seeds.compactMap { try? Array(Data(contentsOf: $0).prefix(4096)) } + [[]]
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude)
        let runs = name == "classify" || name == "search" ? 300 : 800
        for i in 0..<runs { target(Data(Self.mutate(bases[i % bases.count], &rng))) }
    }
}
