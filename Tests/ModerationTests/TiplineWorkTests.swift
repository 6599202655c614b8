import Foundation
import Logging
@testable import Moderation
import ServiceLifecycle
import SieveCore
import Testing

@Suite("Tipline answers after the webhook")
struct TiplineWorkTests {
    /// In `sieve serve`'s service group, a graceful shutdown waits for the answers under way (not past `drainSeconds`).
    @Test func aGracefulShutdownWaitsForTheAnswersUnderWay() async throws {
        let work = TiplineWork(drainSeconds: 30)
        let open = Locked(false), done = Locked(false)
        work.submit(Logger(label: "test"), "event 1") {
            while !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            done.withLock { $0 = true }
        }
        let group = ServiceGroup(configuration: .init(services: [work], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        await group.triggerGracefulShutdown()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!done.withLock { $0 } && work.inFlight == 1)
        open.withLock { $0 = true }
        try await running.value
        #expect(done.withLock { $0 } && work.inFlight == 0)
    }

    /// An answer that never finishes does not hold the shutdown past `drainSeconds`: the group returns while the
    /// answer is still under way (no clock is read: the answer waits for a flag set only after the group returned).
    @Test func theDrainStopsWaitingAfterItsLimit() async throws {
        let work = TiplineWork(drainSeconds: 0.2)
        let release = Locked(false)
        work.submit(Logger(label: "test"), "stuck") {
            while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
        let group = ServiceGroup(configuration: .init(services: [work], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(work.inFlight == 1)
        release.withLock { $0 = true }
        await work.idle()
        #expect(work.inFlight == 0)
    }
}
