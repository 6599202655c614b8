import Foundation

/// What a program printed and how it ended.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// A child process whose end a test awaits without holding a thread: the exit arrives through
/// `terminationHandler` (set before the process starts, so it cannot be missed), and waiting tasks suspend.
public final class ChildProcess: @unchecked Sendable {  // `status` and `waiters` are only touched under `lock`
    public let process: Process
    private let lock = NSLock()
    private var status: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    public init(_ process: Process) {
        self.process = process
        process.terminationHandler = { [self] p in finish(p.terminationStatus) }
    }

    public func run() throws { try process.run() }

    /// Starts `executable` in the background (a server, a scheduler a test signals), its stderr going to
    /// `stderrPath` (read it with `log`), stdout discarded.
    public static func start(_ executable: URL, _ arguments: [String], cwd: URL, stderrPath: String) throws -> ChildProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = cwd
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        let child = ChildProcess(process)
        try child.run()
        return child
    }

    public var isRunning: Bool { lock.withLock { status == nil } }

    private func finish(_ code: Int32) {
        let resumed = lock.withLock { () -> [CheckedContinuation<Int32, Never>] in
            status = code
            defer { waiters = [] }
            return waiters
        }
        process.terminationHandler = nil
        for w in resumed { w.resume(returning: code) }
    }

    /// The exit status, once the process has ended.
    @discardableResult
    public func exited() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done = lock.withLock { () -> Int32? in
                if let status { return status }
                waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}

/// Runs a program to completion (terminated after `timeout`), capturing its output; the calling task suspends
/// meanwhile. Output goes to files, not pipes, so nothing has to read while the program runs.
public func runProcess(
    _ executable: URL, _ arguments: [String], cwd: URL? = nil, stdin: String? = nil, timeout: TimeInterval = 120,
    environment: [String: String]? = nil
) async throws -> ProcessResult {
    let scratch = TempDir()
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let cwd { p.currentDirectoryURL = cwd }
    let (outPath, errPath, inPath) = (scratch.path("stdout"), scratch.path("stderr"), scratch.write("stdin", stdin ?? ""))
    for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    let (out, err, input) = (
        try FileHandle(forWritingTo: URL(fileURLWithPath: outPath)), try FileHandle(forWritingTo: URL(fileURLWithPath: errPath)),
        try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
    )
    defer { for h in [out, err, input] { try? h.close() } }
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    let child = ChildProcess(p)
    try child.run()
    // Terminated when it outlives `timeout`; the timer is cancelled (its sleep throws) when the process ends first.
    let timer = Task {
        try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
        p.terminate()
    }
    let status = await child.exited()
    timer.cancel()
    let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
    return ProcessResult(status: status, stdout: read(outPath), stderr: read(errPath))
}

/// Waits until `condition` holds or `timeout` seconds pass, looking every 20 ms (the task sleeps in between, holding
/// no thread); returns whether it held. For watching another process's progress, never for timing assertions.
@discardableResult
public func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if (try? condition()) == true { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
