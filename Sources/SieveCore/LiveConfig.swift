import Foundation

/// The configuration a long-running process works with, replaceable while it runs (`sieve serve` re-reads its
/// config file on SIGHUP). Readers take a snapshot (`current`) per request or per pass, so one request or one
/// publishing round never sees half of an old config and half of a new one.
public final class LiveConfig: Sendable {
    private let state: Locked<(config: SieveConfig, generation: Int)>

    public init(_ config: SieveConfig) { state = Locked((config, 0)) }

    /// The configuration in force now.
    public var current: SieveConfig { state.withLock { $0.config } }

    /// How many times it was replaced (0: as started).
    public var generation: Int { state.withLock { $0.generation } }

    /// Puts `config` in force for every reader from now on.
    public func replace(with config: SieveConfig) {
        state.withLock { $0 = (config, $0.generation + 1) }
    }

    /// What changed between two configs that a running process cannot apply (it needs a restart): the database, the
    /// listening address, the number of concurrent password checks. Keys as written in the config file.
    public static func restartOnlyChanges(from old: SieveConfig, to new: SieveConfig) -> [String] {
        var out: [String] = []
        if old.database != new.database { out.append("database") }
        if old.server.host != new.server.host { out.append("server.host") }
        if old.server.port != new.server.port { out.append("server.port") }
        if old.server.loginConcurrency != new.server.loginConcurrency { out.append("server.login_concurrency") }
        return out
    }
}
