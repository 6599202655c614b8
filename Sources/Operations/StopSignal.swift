import Foundation
import SieveCore

/// A one-way switch for a graceful stop: long sleeps wake when it flips, work checks it between transactions.
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Locked(State())
    /// The signal sources that trigger it (kept alive as long as it is).
    private let sources = Locked<[any DispatchSourceSignal]>([])

    public init() {}

    /// A switch that SIGTERM and SIGINT flip (their default action, ending the process, is turned off).
    public static func onTerminationSignals() -> StopSignal {
        let stop = StopSignal()
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak stop] in stop?.trigger() }
            source.resume()
            stop.sources.withLock { $0.append(source) }
        }
        return stop
    }

    public var isSet: Bool { state.withLock { $0.stopped } }

    /// Flips the switch (again is harmless) and wakes every sleeper.
    public func trigger() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.stopped = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns when the switch flips or the task is cancelled.
    public func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.stopped || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: id) }
            c?.resume()
        }
    }

    /// Sleeps `seconds`, or less if the switch flips first.
    public func sleep(seconds: Double) async { await sleep(until: Date().addingTimeInterval(seconds)) }

    /// Sleeps until `date`, or less if the switch flips (or the task is cancelled) first.
    public func sleep(until date: Date) async {
        let seconds = date.timeIntervalSinceNow
        guard seconds > 0, !isSet else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
