import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive, non-blocking lock on `<database>.publish.lock`: one publisher at a time, so one that starts
/// can take over deliveries a dead one left mid-flight. The kernel releases it when the process dies.
public final class PublisherLock {
    public let path: String
    private let fd: Int32

    public struct Busy: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "another publisher holds \(path); exiting without doing anything" }
    }

    public init(databasePath: String) throws {
        path = databasePath + ".publish.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NSError(domain: "sieve", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot open \(path): \(String(cString: strerror(errno)))"])
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw Busy(path: path)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
