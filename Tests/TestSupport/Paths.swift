import Foundation

/// Where things are, seen from the tests.
public enum TestPaths {
    /// The package root (this file is Tests/TestSupport/Paths.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` beside the checkout (CI has it); nil when absent.
    public static var sharedData: URL? {
        let candidates = [
            ProcessInfo.processInfo.environment["SIEVE_SHARED_DATA"].map { URL(fileURLWithPath: $0) },
            packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data"),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Whether `../shared/data/<sub>` is there (tests that read it are disabled, and reported as skipped, without).
    public static func has(_ sub: String) -> Bool {
        sharedData.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent(sub).path) } ?? false
    }

    /// `../shared/data/<sub>`, nil when it is absent (tests that need it are disabled with `has(_:)`, which Swift
    /// Testing reports as skipped, with the reason).
    public static func sharedData(_ sub: String) -> URL? {
        guard let url = sharedData?.appendingPathComponent(sub), FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    public static var lexicons: URL { packageRoot.appendingPathComponent("Lexicons") }
    public static var demoCorpus: URL { packageRoot.appendingPathComponent("Corpus/demo") }

    /// The `sieve` executable built beside the test bundle. `swift test` builds it with the tests (so does `make
    /// test`); a binary older than any file under `Sources/` would test old code, so it stops the run instead.
    public static let sieveBinary: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        var found = packageRoot.appendingPathComponent(".build/debug/sieve")
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sieve")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                found = candidate
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        if let stale = newerSource(than: found) {
            preconditionFailure("\(found.path) is older than \(stale): run `swift build` first (`make test` does), or the tests would run old code")
        }
        return found
    }()

    /// Whether `sieveBinary` exists (tests that run it are skipped, with this reason, when it does not).
    public static var sieveBuilt: Bool { FileManager.default.isExecutableFile(atPath: sieveBinary.path) }
    public static let sieveNotBuilt = "the sieve executable is not built (run `swift build` first; `make test` does)"

    /// Whether an executable exists at `path` (for `.enabled(if:)` traits).
    public static func executable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The CAP 1.2 schema check needs xmllint (libxml2-utils, `make deps`) and the OASIS schema in ../shared/data/cap.
    public static var capSchemaCheck: Bool { executable("/usr/bin/xmllint") && has("cap/CAP-v1.2.xsd") }
    public static let capSchemaCheckAbsent = "xmllint (libxml2-utils: `make deps`) or ../shared/data/cap/CAP-v1.2.xsd is absent"
    public static var xmllint: Bool { executable("/usr/bin/xmllint") }
    public static let xmllintAbsent = "xmllint is absent (libxml2-utils: `make deps` installs it)"

    /// `.venv/bin/python` with feedparser (`make pyenv`), the peer that reads our Atom feeds.
    public static let feedparser: Bool = {
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        guard executable(python.path), let p = try? Process.run(python, arguments: ["-c", "import feedparser"]) else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
    public static let feedparserAbsent = ".venv/bin/python with feedparser is absent (`make pyenv` installs it)"

    /// /bin/sh with gzip on its PATH (the sitemap tests make .gz files with it).
    public static let gzip: Bool = {
        guard executable("/bin/sh"), let p = try? Process.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "command -v gzip >/dev/null"]) else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// A file under `Sources/` changed after `binary` was built, if any.
    static func newerSource(than binary: URL) -> String? {
        let fm = FileManager.default
        guard let built = (try? fm.attributesOfItem(atPath: binary.path))?[.modificationDate] as? Date else { return nil }
        let sources = packageRoot.appendingPathComponent("Sources")
        guard let walk = fm.enumerator(at: sources, includingPropertiesForKeys: [.contentModificationDateKey]) else { return nil }
        for case let url as URL in walk where url.pathExtension == "swift" || url.pathExtension == "c" || url.pathExtension == "h" {
            if let m = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, m > built {
                return url.path
            }
        }
        return nil
    }
}

/// A fresh temporary directory, removed when the value is released.
public final class TempDir: Sendable {
    public let url: URL

    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sieve-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    public func write(_ name: String, _ content: String) -> String {
        let p = path(name)
        try? FileManager.default.createDirectory(
            at: URL(fileURLWithPath: p).deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(content.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension TestPaths {
    /// Township boundaries of the national open data (`make boundaries` writes them; `SIEVE_BOUNDARIES` names
    /// another file), or nil: the file is not in the repository, so tests that need it skip without it.
    public static var boundaries: String? {
        let env = ProcessInfo.processInfo.environment["SIEVE_BOUNDARIES"]
        let path = env ?? packageRoot.appendingPathComponent("data/boundaries/towns.json").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
