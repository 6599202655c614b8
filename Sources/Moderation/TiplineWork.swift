import Foundation
import Logging
import ServiceLifecycle
import SieveCore

/// Tips answered after their webhook call was acknowledged. LINE and Telegram ask bots to answer a webhook at once
/// and do the work after; a picture takes about half a second of a core to read, so a flood of them answered inside
/// the webhook call kept LINE waiting tens of seconds (BENCHMARKS.md, the picture-only tipline stream: 552 of 1,000
/// calls outlived a 30 s client). Each message's answer runs as its own task and goes out through the platform's
/// reply API. A `Service` in `sieve serve`'s group: on a graceful shutdown it waits, up to `drainSeconds`, for the
/// answers under way (the HTTP server, which stops first, takes no new ones).
final class TiplineWork: Service, Sendable {
    private let running = Locked(0)
    let drainSeconds: Double

    init(drainSeconds: Double = 20) { self.drainSeconds = drainSeconds }

    /// Runs `work` after the caller returns; a failure is logged with `what` (the platform's event id).
    func submit(_ logger: Logger, _ what: String, _ work: @escaping @Sendable () async throws -> Void) {
        running.withLock { $0 += 1 }
        Task {
            do { try await work() } catch { logger.error("tipline: \(what): \(error)") }
            running.withLock { $0 -= 1 }
        }
    }

    /// Answers under way.
    var inFlight: Int { running.withLock { $0 } }

    /// Returns once no answer is under way (tests; the shutdown drain).
    func idle(timeout: Double = .infinity) async {
        let deadline = Date().addingTimeInterval(timeout)
        while inFlight > 0, Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await idle(timeout: drainSeconds)
    }
}
