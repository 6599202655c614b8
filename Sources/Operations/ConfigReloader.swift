import Foundation
import Logging
import ServiceLifecycle
import SieveCore
import UnixSignals

/// Re-reads the config file when the process gets SIGHUP (`systemctl reload sieve-serve`) and puts it in force
/// without a restart and without dropping a request: requests and scheduler passes take a snapshot of the config
/// when they start, so those under way finish with the old one and the next ones get the new one. A config that
/// does not load (a TOML error, an unknown key) is refused with its file:line in the log, and the running config
/// stays. The database, the listening address and `login_concurrency` are read once at start: changing them logs
/// that a restart is needed.
public struct ConfigReloader: Service {
    public enum Outcome: Sendable, Equatable {
        /// In force; `restartNeeded` names changed keys that only a restart applies.
        case reloaded(restartNeeded: [String])
        /// Refused (the message says what and where); the running config stays.
        case refused(String)
    }

    let path: String
    let live: LiveConfig
    /// Applied to every loaded config (command-line overrides such as --database).
    let adjust: @Sendable (inout SieveConfig) -> Void
    let signals: UnixSignalsSequence?
    let logger: Logger

    /// `signals` must be created before the process says it is ready (so an early SIGHUP is trapped, not fatal):
    /// `await UnixSignalsSequence(trapping: .sighup)` at start-up.
    public init(
        path: String, live: LiveConfig, signals: UnixSignalsSequence?, logger: Logger,
        adjust: @escaping @Sendable (inout SieveConfig) -> Void = { _ in }
    ) {
        self.path = path
        self.live = live
        self.signals = signals
        self.logger = logger
        self.adjust = adjust
    }

    public func run() async throws {
        guard let signals else { return try await gracefulShutdown() }
        for await _ in signals.cancelOnGracefulShutdown() { reload() }
    }

    /// Loads the file and puts it in force (or refuses it), logging either way.
    @discardableResult
    public func reload() -> Outcome {
        var loaded: SieveConfig
        do {
            // Required: a config file that went missing must not silently become the defaults (no sources, no channels).
            loaded = try SieveConfig.load(path: path, required: true)
        } catch {
            logger.error("config reload refused; the running config stays", metadata: ["config": "\(path)", "error": "\(error.description)"])
            return .refused(error.description)
        }
        adjust(&loaded)
        let old = live.current
        let restart = LiveConfig.restartOnlyChanges(from: old, to: loaded)
        live.replace(with: loaded)
        var metadata: Logger.Metadata = [
            "config": "\(path)", "generation": "\(live.generation)", "sources": "\(loaded.sources.count)",
            "channels": "\(loaded.channels.count)",
        ]
        if !restart.isEmpty { metadata["restart_needed"] = "\(restart.joined(separator: ", "))" }
        logger.notice(restart.isEmpty ? "config reloaded" : "config reloaded; some changes need a restart", metadata: metadata)
        return .reloaded(restartNeeded: restart)
    }
}
