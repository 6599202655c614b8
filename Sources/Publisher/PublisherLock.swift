import Foundation
import SieveCore

/// An exclusive lock on `<database>.publish.lock`: one publisher at a time on a SQLite store (a `sieve publish`, a
/// `sieve serve`'s built-in publisher, a worker's publish stage), so one that starts can take over deliveries a dead
/// one left mid-flight without taking over a live one's. Publishers hold it for one round at a time, so a cron
/// `sieve publish` and a running server take turns. The kernel releases it when the process dies.
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

    /// Waits up to `timeout` for the lock (another publisher's round is usually short), polling every 100 ms.
    public static func acquire(databasePath: String, timeout: Duration) async throws -> PublisherLock {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            do {
                return try PublisherLock(databasePath: databasePath)
            } catch let busy as Busy {
                if clock.now >= deadline { throw busy }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
