import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory `flock(2)` lock on a file, taken without waiting and released when this object goes away or the
/// process dies (even by SIGKILL). Shared locks coexist; an exclusive one excludes every other lock on the file.
/// The run lock, the publisher lock and the store lock are all one of these.
public final class FileLock: Sendable {
    public enum Mode: Sendable {
        case shared, exclusive
    }

    /// Someone else holds a conflicting lock.
    public struct Busy: Error, CustomStringConvertible, Sendable {
        public var path: String
        /// The process id the holder wrote into the file, if it did.
        public var holder: Int32?
        public var description: String {
            "\(path) is locked" + (holder.map { " by process \($0)" } ?? "")
        }
    }

    public let path: String
    public let mode: Mode
    private let fd: Int32

    /// Takes the lock on `path` (created if missing; its folder must exist). `recordPID` writes this process's id
    /// into the file (for an exclusive lock), so a refused caller can say who holds it.
    public init(path: String, mode: Mode, recordPID: Bool = false) throws {
        self.path = path
        self.mode = mode
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileLockError(path: path, message: String(cString: strerror(errno)))
        }
        if flock(fd, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw Busy(path: path, holder: Int32(text))
        }
        if recordPID, mode == .exclusive {
            let pid = "\(getpid())\n"
            _ = ftruncate(fd, 0)
            _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// The lock file could not be opened at all.
public struct FileLockError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "cannot open \(path): \(message)" }
}
