import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive, non-blocking lock on `<database>.lock` so two `sieve run`s (cron overlap) never work at once.
/// The kernel releases it when the process dies, even by SIGKILL.
public final class RunLock {
    public let path: String
    private let fd: Int32

    public struct Busy: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "another sieve run holds \(path); exiting without doing anything (it will pick up where it is)"
        }
    }

    public init(databasePath: String) throws {
        path = databasePath + ".lock"
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NSError(domain: "sieve", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot open \(path): \(String(cString: strerror(errno)))"])
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw Busy(path: path)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
