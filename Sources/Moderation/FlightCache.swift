import Foundation
import SieveCore

/// Values kept for `ttl` per key, each loaded by ONE task however many requests ask for it at once.
///
/// Without that, every request arriving while an entry is missing loads it itself: when the queue page's one-second
/// entry ran out under 100 connections, 100 requests each read and decoded the same 50 rows, and since the store
/// became asynchronous (reads suspend instead of blocking a thread) all of them did — the page's p99 grew from 20 ms
/// to 0.5–1.5 s (BENCHMARKS.md, "the queue page's tail").
///
/// With `serveStale`, a value past `ttl` is still returned at once while one task loads the next (stale while
/// revalidate); without it, requests wait for that task. `invalidate()` forgets every value and every load under
/// way: the next request waits for a load that started after the change, and a load that began before it never
/// stores its (older) value.
final class FlightCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var at: Date
    }
    private struct State {
        var entries: [Key: Entry] = [:]
        var running: [Key: Task<Value, any Error>] = [:]
        var generation = 0
    }
    private let state = Locked(State())
    let ttl: TimeInterval
    let capacity: Int
    let serveStale: Bool

    init(ttl: TimeInterval, capacity: Int = 256, serveStale: Bool = false) {
        self.ttl = ttl
        self.capacity = capacity
        self.serveStale = serveStale
    }

    /// The value for `key`: a fresh one at once, else the result of the one load under way for it (starting it
    /// when none is). A failed load is not kept; its error reaches the requests that waited for it.
    func value(for key: Key, now: Date = Date(), _ load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let step = state.withLock { s -> Step in
            if let e = s.entries[key], now >= e.at {
                if now.timeIntervalSince(e.at) < ttl { return .hit(e.value) }
                if serveStale {
                    if s.running[key] == nil { s.running[key] = start(key, generation: s.generation, at: now, load) }
                    return .hit(e.value)
                }
            }
            if let task = s.running[key] { return .wait(task) }
            let task = start(key, generation: s.generation, at: now, load)
            s.running[key] = task
            return .wait(task)
        }
        switch step {
        case .hit(let value): return value
        case .wait(let task): return try await task.value
        }
    }

    private enum Step {
        case hit(Value)
        case wait(Task<Value, any Error>)
    }

    /// Forgets every value and every load under way.
    func invalidate() {
        state.withLock { s in
            s.generation += 1
            s.entries.removeAll(keepingCapacity: true)
            s.running.removeAll(keepingCapacity: true)
        }
    }

    /// How many values are kept (tests).
    var count: Int { state.withLock { $0.entries.count } }

    /// The load as its own task (a request that gives up does not cancel it for the others), which stores its
    /// value, stamped with the time it started, unless the cache was invalidated meanwhile.
    private func start(
        _ key: Key, generation: Int, at started: Date, _ load: @escaping @Sendable () async throws -> Value
    ) -> Task<Value, any Error> {
        Task {
            let result: Result<Value, any Error>
            do { result = .success(try await load()) } catch { result = .failure(error) }
            state.withLock { s in
                guard s.generation == generation else { return }
                s.running[key] = nil
                guard case .success(let value) = result else { return }
                if s.entries.count >= capacity, s.entries[key] == nil { s.entries.removeAll(keepingCapacity: true) }
                s.entries[key] = Entry(value: value, at: started)
            }
            return try result.get()
        }
    }
}
