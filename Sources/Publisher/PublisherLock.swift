import Foundation
import SieveCore

/// An exclusive lock on `<database>.publish.lock`: one publisher at a time on a SQLite store (a `sieve publish`, a
/// `sieve serve`'s built-in publisher, a worker's publish stage), so one that starts can take over deliveries a dead
/// one left mid-flight without taking over a live one's. The kernel releases it when the process dies.
public final class PublisherLock: Sendable {
    public let path: String
    private let lock: FileLock

    public struct Busy: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "another publisher holds \(path); exiting without doing anything" }
    }

    public init(databasePath: String) throws {
        path = databasePath + ".publish.lock"
        do {
            lock = try FileLock(path: path, mode: .exclusive, recordPID: true)
        } catch is FileLock.Busy {
            throw Busy(path: path)
        }
    }
}
