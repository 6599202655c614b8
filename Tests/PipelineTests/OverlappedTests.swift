import Foundation
@testable import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// `Overlapped`: the stage loops' saves running beside the next batch's work, at most `depth` at a time.
@Suite("Pipeline: overlapped saves")
struct OverlappedTests {
    /// Counts writes running at once and lets the test decide when each ends.
    final class Writes: Sendable {
        let state = Locked((running: 0, most: 0, finished: [Int]()))
        let open = Locked(Set<Int>())

        func write(_ n: Int, failing: Bool = false) -> @Sendable () async throws(StoreError) -> Void {
            { () async throws(StoreError) in
                self.state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) }
                while !self.open.withLock({ $0.contains(n) }) { try? await Task.sleep(for: .milliseconds(2)) }
                self.state.withLock { $0.running -= 1; $0.finished.append(n) }
                if failing { throw StoreError.database("write \(n) failed") }
            }
        }

        func end(_ n: Int) { open.withLock { _ = $0.insert(n) } }
        var running: Int { state.withLock { $0.running } }
    }

    @Test func atMostDepthWritesRunAndNextWaitsForTheOldest() async throws {
        let writes = Writes()
        let saving = Overlapped(depth: 2)
        try await saving.next(writes.write(1))
        try await saving.next(writes.write(2))
        #expect(await waitUntil(timeout: 10) { writes.running == 2 })
        // A third write must wait for the first: `next` does not return until write 1 has ended.
        let returned = Locked(false)
        let third = Task {
            try await saving.next(writes.write(3))
            returned.withLock { $0 = true }
        }
        writes.end(2)  // the second ending first does not free a place: the oldest is waited for
        #expect(await waitUntil(timeout: 10) { writes.state.withLock { $0.finished } == [2] })
        #expect(!returned.withLock { $0 })
        #expect(writes.running == 1)
        writes.end(1)
        try await third.value
        #expect(returned.withLock { $0 })
        writes.end(3)
        try await saving.finish()
        #expect(writes.state.withLock { $0.finished } == [2, 1, 3])
        #expect(writes.state.withLock { $0.most } == 2)
    }

    @Test func anEarlierWritesErrorReachesTheLoopAndFinishWaitsForEveryWrite() async throws {
        let writes = Writes()
        let saving = Overlapped(depth: 3)
        try await saving.next(writes.write(1, failing: true))
        try await saving.next(writes.write(2))
        try await saving.next(writes.write(3))
        for n in 1...3 { writes.end(n) }
        // The fourth `next` waits for write 1 and throws its error; the loop then abandons the rest.
        await #expect(throws: StoreError.self) { try await saving.next(writes.write(4)) }
        await saving.abandon()
        #expect(writes.running == 0)
        #expect(Set(writes.state.withLock { $0.finished }) == [1, 2, 3])

        let again = Overlapped(depth: 3)
        try await again.next(writes.write(5))
        try await again.next(writes.write(6, failing: true))
        try await again.next(writes.write(7))
        for n in 5...7 { writes.end(n) }
        // `finish` throws the first failure only after all three have ended.
        await #expect(throws: StoreError.self) { try await again.finish() }
        #expect(Set(writes.state.withLock { $0.finished }).isSuperset(of: [5, 6, 7]))
        #expect(writes.running == 0)
    }
}
