import Foundation
import Observability
import SieveCore
import Store

/// Recent queue pages, for one second: on a typhoon night every moderator's page and every EOC client polls the
/// same first page, and reading and decoding 50 rows costs more than sending them. Each entry is made by one task
/// however many requests want it (`FlightCache`). Every change the app makes (decisions, merges, locks) empties the
/// cache at once; changes from other processes (a crawl, `sieve review`) show within `ttl`.
final class QueueCache: Sendable {
    private let pages: FlightCache<QueueFilter, QueuePage>
    /// The API's JSON for a page (it is the same for every caller).
    private let bodies: FlightCache<QueueFilter, String>
    /// A page's table rows as HTML, per viewer (the lock column names the other moderators).
    struct RowsKey: Hashable {
        var filter: QueueFilter
        var user: String
        var canDecide: Bool
        var lang: Language = .zhHant
    }
    private let rows: FlightCache<RowsKey, String>

    init(ttl: TimeInterval = 1, capacity: Int = 256) {
        pages = FlightCache(ttl: ttl, capacity: capacity)
        bodies = FlightCache(ttl: ttl, capacity: capacity)
        rows = FlightCache(ttl: ttl, capacity: capacity)
    }

    func rowsHTML(for key: RowsKey, now: Date = Date(), make: @escaping @Sendable () -> String) async -> String {
        (try? await rows.value(for: key, now: now, make)) ?? make()
    }

    func page(for filter: QueueFilter, now: Date = Date(), load: @escaping @Sendable () async throws -> QueuePage) async throws -> QueuePage {
        try await pages.value(for: filter, now: now, load)
    }

    func json(for filter: QueueFilter, now: Date = Date(), make: @escaping @Sendable () -> String) async -> String {
        (try? await bodies.value(for: filter, now: now, make)) ?? make()
    }

    func invalidate() {
        pages.invalidate()
        bodies.invalidate()
        rows.invalidate()
    }
}

/// Live sessions seen in the last few seconds, so most requests need no database read to know who is asking.
/// Logout and login (which retires the old id) remove entries at once; expiry is checked on every use.
final class SessionCache: @unchecked Sendable {  // `sessions` only under `lock`
    private let lock = NSLock()
    private var sessions: [String: (session: WebSession, at: Date)] = [:]
    let ttl: TimeInterval = 5

    func get(_ idHash: String, now: Date = Date()) -> WebSession? {
        lock.lock()
        defer { lock.unlock() }
        guard let hit = sessions[idHash], now.timeIntervalSince(hit.at) < ttl, now >= hit.at, hit.session.expiresAt > now
        else { return nil }
        return hit.session
    }

    func set(_ session: WebSession, now: Date = Date()) {
        lock.lock()
        if sessions.count >= 10_000 { sessions.removeAll(keepingCapacity: true) }
        sessions[session.idHash] = (session, now)
        lock.unlock()
    }

    func remove(_ idHash: String) {
        lock.lock()
        sessions[idHash] = nil
        lock.unlock()
    }

    /// Forgets everything cached for `account` (it was disabled on this node: no grace period).
    func remove(account: String) {
        lock.lock()
        sessions = sessions.filter { $0.value.session.account != account }
        tokens = tokens.filter { $0.value.account.name != account }
        lock.unlock()
    }

    private var tokens: [String: (account: Account, at: Date)] = [:]

    /// The account behind an API token hash, when looked up in the last few seconds.
    func account(tokenHash: String, now: Date = Date()) -> Account? {
        lock.lock()
        defer { lock.unlock() }
        guard let hit = tokens[tokenHash], now.timeIntervalSince(hit.at) < ttl, now >= hit.at else { return nil }
        return hit.account
    }

    func set(_ account: Account, tokenHash: String, now: Date = Date()) {
        lock.lock()
        if tokens.count >= 10_000 { tokens.removeAll(keepingCapacity: true) }
        tokens[tokenHash] = (account, now)
        lock.unlock()
    }
}

/// Search queries already turned into FTS5 expressions (tokenizing a query costs more than answering it from the
/// page cache).
final class MatchCache: @unchecked Sendable {  // `expressions` only under `lock`
    private let lock = NSLock()
    private var expressions: [String: String?] = [:]

    func expression(for query: String, make: (String) -> String?) -> String? {
        lock.lock()
        if let hit = expressions[query] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let value = make(query)
        lock.lock()
        if expressions.count >= 1024 { expressions.removeAll(keepingCapacity: true) }
        expressions[query] = .some(value)
        lock.unlock()
        return value
    }
}

/// A value computed at most once per `ttl` seconds, whoever asks (concurrent askers during a refresh wait for it):
/// a `FlightCache` of one entry.
final class TimedValue<Value: Sendable>: Sendable {
    private let cache: FlightCache<Int, Value>

    init(ttl: TimeInterval) { cache = FlightCache(ttl: ttl, capacity: 1) }

    func get(now: Date = Date(), _ compute: @escaping @Sendable () async -> Value) async -> Value {
        do {
            return try await cache.value(for: 0, now: now, compute)
        } catch {
            return await compute()  // not reached: `compute` cannot throw
        }
    }

    /// The next `get` computes afresh (a computation under way when this is called is not kept).
    func invalidate() { cache.invalidate() }
}

/// What `/readyz` and `/metrics` last read from the database.
final class Probes: Sendable {
    let readiness = TimedValue<Health.Check>(ttl: 1)
    let metrics = TimedValue<String>(ttl: 5)
}
