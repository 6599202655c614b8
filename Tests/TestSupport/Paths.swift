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

    /// Prints why a test is skipped and returns nil when the shared data is missing.
    public static func sharedData(_ sub: String) -> URL? {
        guard let base = sharedData else {
            print("SKIP: ../shared/data is absent; skipping the check that needs \(sub)")
            return nil
        }
        let url = base.appendingPathComponent(sub)
        guard FileManager.default.fileExists(atPath: url.path) else {
            print("SKIP: \(url.path) is absent")
            return nil
        }
        return url
    }

    public static var lexicons: URL { packageRoot.appendingPathComponent("Lexicons") }
    public static var demoCorpus: URL { packageRoot.appendingPathComponent("Corpus/demo") }

    /// The `sieve` executable built beside the test bundle.
    public static var sieveBinary: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sieve")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/sieve")
    }
}

/// A fresh temporary directory, removed when the value is released.
public final class TempDir: @unchecked Sendable {
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

/// Runs a program to completion, capturing its output.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public func runProcess(
    _ executable: URL, _ arguments: [String], cwd: URL? = nil, stdin: String? = nil, timeout: TimeInterval = 120
) throws -> ProcessResult {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child never blocks.
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    group.wait()
    return ProcessResult(
        status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs blocking work (a child process, a long computation) on a Dispatch thread, so it does not hold one of the
/// few threads Swift concurrency's pool has (2 on a 2-core machine) while other tests' async work waits.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}
