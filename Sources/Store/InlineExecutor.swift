import Foundation
import GRDB
import SieveCore

/// Runs a store body — an `async` function written once for both backends — to completion on the thread that
/// calls `run`, inside GRDB's transaction closure on SQLite.
///
/// Every store method is an `async` body over `SQLTransaction`, so PostgreSQL can await each statement. GRDB runs
/// a transaction as a synchronous closure on its own dispatch queue, where the `Database` handle may be used and
/// nowhere else. On SQLite no statement suspends (SQLite answers at once), so the body's task is started with this
/// executor as its preference (SE-0417): its jobs come back to the queue thread inside GRDB's closure, which runs
/// them, and the body sees the `Database` only there. The calling thread is one of GRDB's, never a Swift-concurrency
/// thread, and it waits only for its own task's next job.
final class InlineExecutor: TaskExecutor, @unchecked Sendable {  // `jobs` and `finished` are guarded by `condition`
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs until the task has finished.
    private func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// `body()` run to completion on this thread.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let executor = InlineExecutor()
        let result = Locked<Result<T, any Error>?>(nil)
        Task(executorPreference: executor) {
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            executor.finish()
        }
        executor.drain()
        guard let outcome = result.withLock({ $0 }) else { preconditionFailure("InlineExecutor: the body's task ended without a result") }
        return try outcome.get()
    }
}

/// GRDB's `Database`, handed to the body's task: used only by jobs `InlineExecutor` runs on the thread inside
/// GRDB's closure that owns it (GRDB checks the queue on every use).
struct DatabaseHandle: @unchecked Sendable {  // used only on GRDB's own queue, see above
    let db: Database
}
