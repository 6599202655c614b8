import Foundation
@testable import Moderation
import SieveCore
import Testing

/// A load that waits until the test opens it, counting how often it ran.
private final class Gate: Sendable {
    let loads = Locked(0)
    private let waiting = Locked<[CheckedContinuation<Void, Never>]>([])
    private let opened = Locked(false)

    func load(_ value: String) async throws -> String {
        loads.withLock { $0 += 1 }
        await withCheckedContinuation { c in
            let now = opened.withLock { $0 }
            if now { c.resume() } else { waiting.withLock { $0.append(c) } }
        }
        if value == "fail" { throw CancellationError() }
        return value
    }

    func open() {
        opened.withLock { $0 = true }
        for c in waiting.withLock({ w in defer { w.removeAll() }; return w }) { c.resume() }
    }

    /// Waits (up to 5 s) until `n` loads have started.
    func started(_ n: Int) async {
        for _ in 0..<500 where loads.withLock({ $0 }) < n { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

@Suite("FlightCache: one load per key however many ask")
struct FlightCacheTests {
    @Test("100 requests arriving while the entry is missing share one load")
    func coalesces() async throws {
        let cache = FlightCache<String, String>(ttl: 60)
        let gate = Gate()
        let t0 = Date()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await cache.value(for: "page", now: t0) { try await gate.load("v1") } } }
            await gate.started(1)
            try await Task.sleep(for: .milliseconds(50))  // the others arrive while the first load waits
            gate.open()
            for try await value in group { #expect(value == "v1") }
        }
        #expect(gate.loads.withLock { $0 } == 1)
        // Fresh: no further load.
        #expect(try await cache.value(for: "page", now: t0.addingTimeInterval(1)) { try await gate.load("v2") } == "v1")
        #expect(gate.loads.withLock { $0 } == 1)
    }

    @Test("past its ttl an entry is loaded again (without serveStale the request waits for it)")
    func expires() async throws {
        let cache = FlightCache<String, String>(ttl: 1)
        let t0 = Date()
        #expect(try await cache.value(for: "k", now: t0) { "old" } == "old")
        #expect(try await cache.value(for: "k", now: t0.addingTimeInterval(0.5)) { "new" } == "old")
        #expect(try await cache.value(for: "k", now: t0.addingTimeInterval(1.5)) { "new" } == "new")
    }

    @Test("invalidate: a load that began before the change neither answers later requests nor stores its value")
    func invalidateDuringLoad() async throws {
        let cache = FlightCache<String, String>(ttl: 60)
        let gate = Gate()
        let t0 = Date()
        let before = Task { try await cache.value(for: "k", now: t0) { try await gate.load("before") } }
        await gate.started(1)
        cache.invalidate()
        // A request after the change does not join the old load.
        #expect(try await cache.value(for: "k", now: t0) { "after" } == "after")
        gate.open()
        #expect(try await before.value == "before")  // its own caller still gets it
        #expect(try await cache.value(for: "k", now: t0) { "third" } == "after")  // but it did not replace "after"
    }

    @Test("serveStale: an old value is returned at once while one task loads the next")
    func staleWhileRevalidate() async throws {
        let cache = FlightCache<String, String>(ttl: 1, serveStale: true)
        let gate = Gate()
        let t0 = Date()
        #expect(try await cache.value(for: "map", now: t0) { "v1" } == "v1")
        let later = t0.addingTimeInterval(2)
        for _ in 0..<20 { #expect(try await cache.value(for: "map", now: later) { try await gate.load("v2") } == "v1") }
        await gate.started(1)
        #expect(gate.loads.withLock { $0 } == 1)
        gate.open()
        for _ in 0..<500 {
            if try await cache.value(for: "map", now: later, { "unexpected" }) == "v2" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await cache.value(for: "map", now: later) { "unexpected" } == "v2")
    }

    @Test("a failed load is not kept: its waiters get the error, the next request loads again")
    func failureNotCached() async throws {
        let cache = FlightCache<String, String>(ttl: 60)
        let gate = Gate()
        gate.open()
        await #expect(throws: CancellationError.self) { try await cache.value(for: "k") { try await gate.load("fail") } }
        #expect(try await cache.value(for: "k") { try await gate.load("ok") } == "ok")
        #expect(gate.loads.withLock { $0 } == 2)
        #expect(cache.count == 1)
    }
}
