import Foundation
import SieveCore

/// Group commit on SQLite: writes that arrive while the one writer is busy share its next transaction instead of
/// queueing one transaction each. Each write runs inside its own savepoint (unless it is alone in the transaction,
/// the common case when the writer is idle), so one that fails is rolled back alone (its caller gets the error; the
/// others commit); a COMMIT that fails fails every write of that transaction. A caller is answered only once its
/// write is committed (or has failed).
///
/// Why (issue 16): during a burst the crawl's page stores (32 fetches at a time) queued on the writer one
/// transaction each (4,598 in the 200,000-post burst), and the classify and cross-reference saves waited behind
/// that queue: 27.6 s of an 83 s burst for classify, with the cores idle meanwhile.
///
/// PostgreSQL runs each write in its own transaction: there every connection writes concurrently.
final class WriteCombiner: Sendable {
    /// One waiting write: runs in the shared transaction (`alone`: the only write in it, so it needs no savepoint
    /// of its own) and returns whether it failed and what to tell its caller once the transaction has committed
    /// (nil) or failed (the error).
    typealias Item = @Sendable (_ tx: SQLTransaction, _ alone: Bool) async -> (failed: Bool, answer: @Sendable (StoreError?) -> Void)

    private struct State {
        var pending: [(item: Item, abandon: @Sendable (StoreError) -> Void)] = []
        var scheduled = false
    }
    private let state = Locked(State())

    /// Queues a write; true when the caller must start a flush (none is scheduled yet).
    func enqueue(_ item: @escaping Item, abandon: @escaping @Sendable (StoreError) -> Void) -> Bool {
        state.withLock { s in
            s.pending.append((item, abandon))
            defer { s.scheduled = true }
            return !s.scheduled
        }
    }

    /// Takes every write queued so far; writes queued after this schedule the next flush.
    func take() -> [(item: Item, abandon: @Sendable (StoreError) -> Void)] {
        state.withLock { s in
            defer { s.pending = []; s.scheduled = false }
            return s.pending
        }
    }

    /// How many writes are waiting (tests).
    var waiting: Int { state.withLock { $0.pending.count } }
}

extension AppDatabase {
    /// A write that may share its transaction with other writes waiting for the SQLite writer (see
    /// `WriteCombiner`); on PostgreSQL the same as `write`. The body must not depend on running first or alone: it
    /// sees the writes committed before it and the ones combined before it in the same transaction, as it would
    /// had they run one after another.
    func combinedWrite<T: Sendable>(_ body: @escaping @Sendable (SQLTransaction) async throws -> T) async throws(StoreError) -> T {
        guard postgres == nil else { return try await write(body) }
        let outcome: Result<T, StoreError> = await withCheckedContinuation { continuation in
            let once = Locked(false)
            let answer: @Sendable (Result<T, StoreError>) -> Void = { result in
                guard once.withLock({ done in defer { done = true }; return !done }) else { return }
                continuation.resume(returning: result)
            }
            // Each write's statements count for its caller's stage (the shared transaction runs in whichever task
            // started the flush), one write as one transaction as before.
            let stage = StatementStats.stage
            let item: WriteCombiner.Item = { [statementStats] tx, alone in
                let before = tx.counter?.count ?? 0
                do {
                    if !alone { try await tx.execute("SAVEPOINT combined_write") }
                    let value = try await body(tx)
                    if !alone { try await tx.execute("RELEASE combined_write") }
                    let statements = (tx.counter?.count ?? 0) - before
                    return (false, { failure in
                        if failure == nil { statementStats.add(stage: stage, statements: statements, roundTripsPerTransaction: 0) }
                        answer(failure.map { .failure($0) } ?? .success(value))
                    })
                } catch {
                    let failure = Self.storeError(error)
                    // Undo this write only (alone: the whole transaction is rolled back); a transaction SQLite
                    // already rolled back fails at COMMIT for all.
                    if !alone {
                        _ = try? await tx.execute("ROLLBACK TO combined_write")
                        _ = try? await tx.execute("RELEASE combined_write")
                    }
                    return (true, { _ in answer(.failure(failure)) })
                }
            }
            if combiner.enqueue(item, abandon: { answer(.failure($0)) }) {
                Task { await StatementStats.$stage.withValue(Self.sharedStage) { await self.flushCombinedWrites() } }
            }
        }
        return try outcome.get()
    }

    struct LoneWriteFailed: Error {}

    /// The tally of the shared transactions themselves (their writes count for their own stages).
    static let sharedStage = "group commit"

    /// Runs every queued write in one transaction and answers their callers after it.
    func flushCombinedWrites() async {
        let answers = Locked<[@Sendable (StoreError?) -> Void]>([])
        let taken = Locked<[(item: WriteCombiner.Item, abandon: @Sendable (StoreError) -> Void)]>([])
        do {
            try await write { [combiner] tx in
                let items = combiner.take()
                taken.withLock { $0 = items }
                for entry in items {
                    let (failed, answer) = await entry.item(tx, items.count == 1)
                    answers.withLock { $0.append(answer) }
                    // A lone write that failed: roll its transaction back (its caller hears its own error).
                    if failed && items.count == 1 { throw LoneWriteFailed() }
                }
            }
            for answer in answers.withLock({ $0 }) { answer(nil) }
        } catch {
            // The transaction did not commit: every write in it fails with this error (a write whose own body
            // failed answers with that failure instead; a caller is answered once).
            for answer in answers.withLock({ $0 }) { answer(error) }
            for entry in taken.withLock({ $0 }) { entry.abandon(error) }
            // Nothing was taken (BEGIN failed): the writes queued for this flush fail too, not wait forever.
            if taken.withLock({ $0.isEmpty }) { for entry in combiner.take() { entry.abandon(error) } }
        }
    }
}
