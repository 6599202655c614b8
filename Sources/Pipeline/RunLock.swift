import Foundation
import SieveCore

/// An exclusive lock on `<database>.lock` so two `sieve run`s (cron overlap) never work at once. The kernel
/// releases it when the process dies, even by SIGKILL.
public final class RunLock {
    public let path: String
    private let lock: FileLock

    public struct Busy: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "another sieve run holds \(path); exiting without doing anything (it will pick up where it is)"
        }
    }

    public init(databasePath: String) throws {
        path = databasePath + ".lock"
        do {
            lock = try FileLock(path: path, mode: .exclusive, recordPID: true)
        } catch is FileLock.Busy {
            throw Busy(path: path)
        }
    }
}
