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
        // The descriptor is stored only once the lock is held: a class whose stored properties are all set runs its
        // deinit even when init throws, and a deinit closing a descriptor init had already closed would close
        // whatever file or socket another thread opened under the same number in between (seen as SQLite's "disk
        // I/O error" in a restore test and a SwiftNIO selector assertion).
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileLockError(path: path, message: String(cString: strerror(errno)))
        }
        if flock(descriptor, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw Busy(path: path, holder: Int32(text))
        }
        if recordPID, mode == .exclusive {
            let pid = "\(getpid())\n"
            _ = ftruncate(descriptor, 0)
            _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        }
        self.path = path
        self.mode = mode
        self.fd = descriptor
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
