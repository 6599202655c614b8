import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SieveCore

/// Where a PostgreSQL database is, parsed from `postgres://user:password@host:port/database?options`.
/// Options: `sslmode=disable|require` (default disable), `host=/unix/socket/dir` (connect through the socket
/// `.s.PGSQL.<port>` there), `pool=N` (connections per process, default 4), `connect_timeout=S` (seconds per host,
/// default 10).
///
/// Several hosts, as libpq writes them (`postgres://u@db1:5432,db2:5432/sieve?target_session_attrs=read-write`):
/// each new connection tries them in order; with `target_session_attrs=read-write` (or `primary`) a server in
/// recovery (a standby) is skipped, so after a failover the pool's next connections go to the new primary.
public struct PostgresLocation: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public var user: String
    public var password: String?
    /// Every host, in the order connections try them.
    public var endpoints: [Endpoint]
    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }
    public var database: String
    public var socketDirectory: String?
    public var requireTLS: Bool
    public var poolSize: Int
    /// Only a server that accepts writes will do (`target_session_attrs=read-write|primary`).
    public var requirePrimary: Bool
    public var connectTimeout: Int
    /// Seconds a statement's answer may take before the connection is closed and the statement fails
    /// (`query_timeout`, default 300): a connection that stops answering — seen once after a failover, the server
    /// idle and the client still waiting — must not hold a request or a shutdown forever.
    public var queryTimeout: Int

    public static func isPostgresURL(_ s: String) -> Bool { s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") }

    public init(url: String) throws(StoreError) {
        guard Self.isPostgresURL(url) else {
            throw StoreError.open(path: Self.redact(url), underlying: "not a postgres:// URL (postgres://user:password@host:port/database)")
        }
        // URLComponents reads one host: the host list is taken out first and the URL parsed with its first host.
        let (single, hostList) = Self.splitHosts(url)
        guard let c = URLComponents(string: single) else {
            throw StoreError.open(path: Self.redact(url), underlying: "not a postgres:// URL (postgres://user:password@host:port/database)")
        }
        user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var endpoints: [Endpoint] = []
        for item in hostList {
            let (h, p) = Self.hostAndPort(item)
            guard let port = p.map({ Int($0) }) ?? 5432, (1...65535).contains(port) else {
                throw StoreError.open(path: Self.redact(url), underlying: "host \(item): the port must be a number from 1 to 65535")
            }
            endpoints.append(Endpoint(host: h.isEmpty ? "127.0.0.1" : h, port: port))
        }
        if endpoints.isEmpty { endpoints = [Endpoint(host: c.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1", port: c.port ?? 5432)] }
        self.endpoints = endpoints
        let db = String(c.path.drop(while: { $0 == "/" }))
        database = db.isEmpty ? user : db
        socketDirectory = nil
        requireTLS = false
        poolSize = 4
        requirePrimary = false
        connectTimeout = 10
        queryTimeout = 300
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable", "allow", "prefer": requireTLS = false
                case "require", "verify-ca", "verify-full": requireTLS = true
                default: throw StoreError.open(path: Self.redact(url), underlying: "sslmode=\(item.value ?? ""): expected disable or require")
                }
            case "host": socketDirectory = item.value
            case "pool":
                guard let n = item.value.flatMap(Int.init), (1...64).contains(n) else {
                    throw StoreError.open(path: Self.redact(url), underlying: "pool=\(item.value ?? ""): expected a number from 1 to 64")
                }
                poolSize = n
            case "target_session_attrs":
                switch item.value ?? "" {
                case "any": requirePrimary = false
                case "read-write", "primary": requirePrimary = true
                default:
                    throw StoreError.open(path: Self.redact(url), underlying: "target_session_attrs=\(item.value ?? ""): expected any, read-write or primary")
                }
            case "connect_timeout":
                guard let n = item.value.flatMap(Int.init), (1...300).contains(n) else {
                    throw StoreError.open(path: Self.redact(url), underlying: "connect_timeout=\(item.value ?? ""): expected seconds from 1 to 300")
                }
                connectTimeout = n
            case "query_timeout":
                guard let n = item.value.flatMap(Int.init), (1...86_400).contains(n) else {
                    throw StoreError.open(path: Self.redact(url), underlying: "query_timeout=\(item.value ?? ""): expected seconds from 1 to 86400")
                }
                queryTimeout = n
            default:
                throw StoreError.open(
                    path: Self.redact(url), underlying: "unknown option \(item.name) (known: sslmode, host, pool, target_session_attrs, connect_timeout, query_timeout)")
            }
        }
        if socketDirectory != nil && endpoints.count > 1 {
            throw StoreError.open(path: Self.redact(url), underlying: "host=… (a socket folder) takes one port, not a list of hosts")
        }
    }

    /// The URL with only its first host (for URLComponents) and the hosts as written (`h1:5432`, `[::1]:5433`).
    static func splitHosts(_ url: String) -> (String, [String]) {
        guard let schemeEnd = url.range(of: "://") else { return (url, []) }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let userinfo: Substring
        let hosts: Substring
        if let at = authority.lastIndex(of: "@") {
            userinfo = authority[...at]
            hosts = authority[authority.index(after: at)...]
        } else {
            userinfo = ""
            hosts = authority
        }
        let list = hosts.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard list.count > 1 else { return (url, list.filter { !$0.isEmpty }) }
        return (String(url[..<schemeEnd.upperBound]) + userinfo + list[0] + rest[authorityEnd...], list)
    }

    static func hostAndPort(_ s: String) -> (String, String?) {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {  // [::1]:5432
            let host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            return (host, after.hasPrefix(":") ? String(after.dropFirst()) : nil)
        }
        guard let colon = s.lastIndex(of: ":") else { return (s, nil) }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    /// The URL without its password, for messages and `AppDatabase.path`.
    /// (Read from the text itself, not through URLComponents, which cannot parse a list of hosts and would leave a
    /// password in place.)
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// The pool settings for one host of the list (`PostgresClient`).
    func clientConfiguration(_ endpoint: Endpoint) throws -> PostgresClient.Configuration {
        var config: PostgresClient.Configuration
        if let dir = socketDirectory {
            config = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(endpoint.port)", username: user, password: password, database: database)
        } else {
            config = .init(
                host: endpoint.host, port: endpoint.port, username: user, password: password, database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        }
        config.options.connectTimeout = .seconds(Int64(connectTimeout))
        return config
    }

    /// The connection settings for one host of the list.
    func configuration(_ endpoint: Endpoint) throws -> PostgresConnection.Configuration {
        var config: PostgresConnection.Configuration
        if let dir = socketDirectory {
            config = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(endpoint.port)", username: user, password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS =
                requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
            config = .init(host: endpoint.host, port: endpoint.port, username: user, password: password, database: database, tls: tls)
        }
        config.options.connectTimeout = .seconds(Int64(connectTimeout))
        return config
    }
}

/// Who runs the connection pools (`PostgresClient.run()`) of a PostgreSQL store.
public enum PostgresPools: Sendable {
    /// The store itself, in a task of its own from opening until it is released: one-shot commands and tests.
    case ownTask
    /// The caller's service group: the store's `connections` service (put it FIRST in the group, so a graceful
    /// shutdown stops it last, after every service that uses the store has finished). Until that service runs,
    /// each transaction gets a connection of its own (opening, migrations, start-up checks); after it has stopped,
    /// transactions fail with `PostgresPoolsStopped`.
    case serviceGroup
}

/// The shared backend: postgres-nio's `PostgresClient` (its own connection pool, fully asynchronous) for each host
/// of the URL, run either by the backend (`.ownTask`) or as a `Service` in the caller's service group
/// (`.serviceGroup`). Transactions run on the host in use: the first that answers — and, with
/// `target_session_attrs=read-write`, accepts writes. A connection error, a lease that is not granted within
/// `connect_timeout` or a server that turned read-only (a failover demoted it) sends the next transaction looking
/// for the primary again. Nothing here blocks a thread: statements are awaited, retries sleep with `Task.sleep`.
final class PostgresBackend: Sendable {
    let location: PostgresLocation
    let display: String
    private let logger = Logger(label: "sieve.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// One client (pool) per host, in the URL's order.
    private let clients: [PostgresClient]
    /// `.ownTask`: runs the clients; cancelling it (when the store is released) closes their connections.
    private let runner: Task<Void, Never>?
    /// Whether the pools run: transactions lease from them only while they do.
    private let pools: Locked<PoolState>
    /// The host transactions go to; nil until found (and again after it failed).
    private let current = Locked<Int?>(nil)
    /// Transactions that ran on a connection of their own because the pools were not running yet.
    let ownConnectionSessions = Locked(0)

    enum PoolState: Sendable { case notStarted, running, stopped }

    /// Opened with `.serviceGroup`: the caller runs the pools.
    var runsInServiceGroup: Bool { runner == nil }

    /// Connects; `migrate: false` applies no migration (to report which are pending).
    init(url: String, migrate: Bool = true, pools mode: PostgresPools = .ownTask) async throws(StoreError) {
        location = try PostgresLocation(url: url)
        display = PostgresLocation.redact(url)
        let location = location
        do {
            clients = try location.endpoints.map { e in
                var config = try location.clientConfiguration(e)
                config.options.maximumConnections = location.poolSize
                return PostgresClient(configuration: config, backgroundLogger: Logger(label: "sieve.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
            }
        } catch {
            throw StoreError.open(path: display, underlying: Self.message(error))
        }
        let clients = clients
        switch mode {
        case .ownTask:
            pools = Locked(.running)
            runner = Task { await Self.run(clients) }
        case .serviceGroup:
            pools = Locked(.notStarted)
            runner = nil
        }
        do {
            _ = try await endpoint()
            if migrate { try await withSession { s in try await PostgresSchema.migrate(s) } }
        } catch {
            runner?.cancel()
            throw StoreError.open(path: display, underlying: Self.message(error))
        }
    }

    deinit {
        runner?.cancel()
    }

    /// `.serviceGroup`: runs the pools until the group shuts down gracefully (`PostgresClient.run()` stops on it)
    /// or the task is cancelled. Once only: a second run, or one for `.ownTask`, throws.
    func runPools() async throws {
        let start = pools.withLock { state -> Bool in
            guard state == .notStarted, runner == nil else { return false }
            state = .running
            return true
        }
        guard start else { throw PostgresPoolsStopped(display: display, reason: "the connection pools already run (a store's `connections` service runs once)") }
        defer { pools.withLock { $0 = .stopped } }
        await Self.run(clients)
    }

    /// Runs every client until cancelled (or, inside a service group, until it shuts down gracefully).
    private static func run(_ clients: [PostgresClient]) async {
        await withDiscardingTaskGroup { group in
            for c in clients { group.addTask { await c.run() } }
        }
    }

    /// The host in use, found when there is none: the hosts in order, the first that answers (and, with
    /// `target_session_attrs=read-write`, is not read-only), through a connection of its own opened and closed
    /// here, so an unreachable host fails within `connect_timeout` with its error instead of waiting in a pool.
    /// The error names every host tried.
    private func endpoint() async throws -> Int {
        if let i = current.withLock({ $0 }) { return i }
        var failures: [String] = []
        for (i, endpoint) in location.endpoints.enumerated() {
            if let problem = await probe(endpoint) {
                failures.append("\(endpoint.host):\(endpoint.port): \(problem)")
                continue
            }
            current.withLock { $0 = i }
            return i
        }
        if location.endpoints.count == 1, let only = failures.first, !location.requirePrimary {
            throw PostgresConnectError(message: only)
        }
        throw PostgresConnectError(message: "no \(location.requirePrimary ? "primary" : "server") among \(location.endpoints.count) host(s): " + failures.joined(separator: "; "))
    }

    /// Whether `endpoint` takes a new connection (and, with `target_session_attrs=read-write`, accepts writes):
    /// nil when it does, else what is wrong. The connection is its own, opened and closed here. The whole probe —
    /// TCP connect, startup, authentication, the read-write query — gets `connect_timeout`: something that accepts
    /// the connection and then never answers (a hung server, a black hole, a port now used by another program) is a
    /// failure, not a wait. (A probe that outlives its limit is left to finish on its own.)
    private func probe(_ endpoint: PostgresLocation.Endpoint) async -> String? {
        let seconds = location.connectTimeout
        let answer = OnceResult<String?>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            answer.set(continuation)
            Task { answer.resume(await self.probeOnce(endpoint)) }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                answer.resume("no answer within \(seconds) s (connect_timeout)")
            }
        }
    }

    private func probeOnce(_ endpoint: PostgresLocation.Endpoint) async -> String? {
        do {
            let c = try await PostgresConnection.connect(configuration: try location.configuration(endpoint), id: 0, logger: logger)
            defer { PostgresBackend.close(c) }
            if location.requirePrimary {
                // libpq's read-write test (transaction_read_only) and its primary test (not in recovery) in one:
                // during a pg_auto_failover promotion a server can be out of recovery and still read-only.
                let result = try await c.query(
                    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'", logger: logger
                ).get()
                if try result.rows.first?.decode(Bool.self) ?? false { return "read-only (a standby, or being promoted)" }
            }
            return nil
        } catch {
            return Self.message(error)
        }
    }

    /// Runs `body` on one connection leased from the pool of the host in use (no transaction of its own); before
    /// the pools run (`.serviceGroup`, ahead of the group), on a connection of its own opened and closed here.
    func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws -> T) async throws -> T {
        let state = pools.withLock { $0 }
        if state == .stopped {
            throw PostgresPoolsStopped(display: display, reason: "the store's connections were closed when its service group shut down")
        }
        let index = try await endpoint()
        let client = clients[index]
        let logger = logger
        let timeout = location.queryTimeout
        do {
            let endpoint = location.endpoints[index]
            if state == .notStarted {
                ownConnectionSessions.withLock { $0 += 1 }
                let c = try await PostgresConnection.connect(configuration: try location.configuration(endpoint), id: 0, logger: logger)
                defer { PostgresBackend.close(c) }
                return try await body(PostgresSession(connection: c, logger: logger, timeout: timeout))
            }
            return try await Self.lease(
                from: client, within: .seconds(location.connectTimeout), check: { await self.probe(endpoint) }
            ) { c in
                try await body(PostgresSession(connection: c, logger: logger, timeout: timeout))
            }
        } catch {
            // A lost connection, a pool that cannot connect, a statement without an answer or a server that
            // turned read-only (demoted to a standby by a failover): the next transaction looks for the primary.
            if error is PostgresLeaseTimeout || error is PostgresQueryTimeout || Self.isReadOnlyServer(error) || Self.isConnectionError(error) {
                current.withLock { if $0 == index { $0 = nil } }
            }
            throw error
        }
    }

    /// `body` on a connection from `client`. While no connection has come, every `limit` the host is checked
    /// with a connection of its own (`check`): a pool whose host is gone retries connecting with backoff for up to
    /// a minute, and a failover must not wait that long, so then the lease is cancelled with what `check` found.
    /// A host that answers the check is only busy (or this process's tasks are), and the wait goes on.
    static func lease<T: Sendable>(
        from client: PostgresClient, within limit: Duration, check: @escaping @Sendable () async -> String?,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = Locked(false)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { c in
                    leased.withLock { $0 = true }
                    return try await body(c)
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: limit)
                    if leased.withLock({ $0 }) { return nil }
                    if let problem = await check(), !leased.withLock({ $0 }) {
                        throw PostgresLeaseTimeout(seconds: Int(limit.components.seconds), problem: problem)
                    }
                }
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    /// One transaction. Deadlocks and serialization failures (another worker touched the same rows) are retried
    /// a few times after a short random pause; the body must only touch the database.
    func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (PostgresSession) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withSession { s in
                    try await s.run(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", [])
                    do {
                        let value = try await body(s)
                        try await s.run("COMMIT", [])
                        return value
                    } catch {
                        _ = try? await s.run("ROLLBACK", [])
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 8 && Self.isRetryable(error) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...20) * attempt))
                continue
            }
        }
    }

    /// Closes a connection without waiting; the connection is kept alive until the close completes (postgres-nio
    /// insists on being closed before it is released).
    static func close(_ c: PostgresConnection) {
        let closing: EventLoopFuture<Void> = c.close()
        closing.whenComplete { _ in withExtendedLifetime(c) {} }
    }

    /// SQLSTATE 25006 (read_only_sql_transaction): this server is a standby now, or read-only while a failover
    /// promotes another. (Also when a store body wrapped the server's error in its own.)
    static func isReadOnlyServer(_ error: any Error) -> Bool {
        if let e = error as? PSQLError { return e.serverInfo?[.sqlState] == "25006" }
        return "\(error)".contains("SQLSTATE 25006")
    }

    /// The connection went away (closed, reset, refused), as opposed to an error the server answered with.
    static func isConnectionError(_ error: any Error) -> Bool {
        // The pool's own errors (its circuit breaker after a minute of failed connects) are a type of postgres-nio's
        // internal pool module, known here by name.
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") { return true }
        guard let e = error as? PSQLError else { return false }
        if e.serverInfo != nil { return false }
        switch e.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown: return true
        default: return false
        }
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let code = error.serverInfo?[.sqlState] else { return false }
        return code == "40001" || code == "40P01"
    }

    /// What went wrong, in words (postgres-nio's own description hides the server's message).
    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let info = e.serverInfo {
                var m = info[.message] ?? "error"
                if let detail = info[.detail] { m += " (\(detail))" }
                if let code = info[.sqlState] { m += " [SQLSTATE \(code)]" }
                if let q = e.query { m += " in: \(q.sql.prefix(300))" }
                return m
            }
            if let underlying = e.underlying { return "\(e.code): \(underlying)" }
            return "\(e.code)"
        }
        return "\(error)"
    }
}

/// One borrowed connection.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Seconds to wait for a statement's answer (`PostgresLocation.queryTimeout`).
    var timeout: Int = 300

    private static let translated = Locked([String: String]())

    static func translate(_ sql: String) -> String {
        if let t = translated.withLock({ $0[sql] }) { return t }
        let t = postgresPlaceholders(sql)
        translated.withLock { if $0.count < 4096 { $0[sql] = t } }
        return t
    }

    @discardableResult
    func run(_ sql: String, _ values: [SQLValue]) async throws -> (rows: [SQLRow], affected: Int) {
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .null: binds.appendNull()
            case .int(let i): binds.append(i)
            case .double(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let d): binds.append(ByteBuffer(bytes: d))
            case .date(let d): binds.append(PlausibleDate.storable(d))
            case .bool(let b): binds.append(b)
            case .array(let a): try binds.append(a)
            }
        }
        let result = try await bounded(connection.query(PostgresQuery(unsafeSQL: Self.translate(sql), binds: binds), logger: logger), sql)
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.rows.count)
        var columns: SQLColumns? = nil
        for row in result.rows {
            let cols = columns ?? SQLColumns(row.map(\.columnName))
            columns = cols
            rows.append(SQLRow(columns: cols, values: try row.map(Self.value)))
        }
        return (rows, result.metadata.rows ?? 0)
    }

    /// Waits for `future` at most `timeout` seconds; past that the connection is closed (the server rolls the
    /// transaction back, the pool opens a new connection next time) and the statement fails.
    func bounded<T: Sendable>(_ future: EventLoopFuture<T>, _ sql: String) async throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        future.cascade(to: promise)
        let seconds = timeout
        let connection = self.connection
        let timer = loop.scheduleTask(in: .seconds(Int64(seconds))) {
            promise.fail(PostgresQueryTimeout(seconds: seconds, sql: String(sql.prefix(120))))
            PostgresBackend.close(connection)
        }
        defer { timer.cancel() }
        return try await promise.futureResult.get()
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .double(Double(try cell.decode(Decimal.self).description) ?? 0)
        case .bool: return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp, .date: return .date(try cell.decode(Date.self))
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(Data(buffer.readBytes(length: buffer.readableBytes) ?? []))
        default: return .text(try cell.decode(String.self))
        }
    }
}

extension PostgresArray: PostgresThrowingDynamicTypeEncodable {
    var psqlType: PostgresDataType {
        switch element {
        case .bigint: .int8Array
        case .double: .float8Array
        case .text: .textArray
        case .timestamptz: .timestamptzArray
        case .boolean: .boolArray
        case .bytea: .byteaArray
        }
    }

    var psqlFormat: PostgresFormat { .binary }

    private var elementType: PostgresDataType {
        switch element {
        case .bigint: .int8
        case .double: .float8
        case .text: .text
        case .timestamptz: .timestamptz
        case .boolean: .bool
        case .bytea: .bytea
        }
    }

    /// PostgreSQL's binary array: dimensions, a has-NULLs flag, the element type, the length and lower bound of the
    /// one dimension, then each element as its length (-1 for NULL) and its binary value.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) throws {
        buffer.writeInteger(Int32(values.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(values.contains(.null) ? 1 : 0))
        buffer.writeInteger(Int32(bitPattern: elementType.rawValue))
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(Int32(1))
        for (row, value) in values.enumerated() {
            if case .null = value {
                buffer.writeInteger(Int32(-1))
                continue
            }
            guard write(value, to: &buffer) else {
                throw StoreError.database("row \(row) of column \(column): cannot send \(value) as \(element.rawValue)")
            }
        }
    }

    /// Writes one non-NULL element with its length; false when `value` cannot be the column's type.
    private func write(_ value: SQLValue, to buffer: inout ByteBuffer) -> Bool {
        switch (element, value) {
        case (.bigint, .int(let i)): writeInt64(i, to: &buffer)
        case (.bigint, .bool(let b)): writeInt64(b ? 1 : 0, to: &buffer)
        case (.bigint, .double(let d)):
            guard let i = Int64(exactly: d) else { return false }
            writeInt64(i, to: &buffer)
        case (.double, .double(let d)): writeInt64(Int64(bitPattern: d.bitPattern), to: &buffer)
        case (.double, .int(let i)): writeInt64(Int64(bitPattern: Double(i).bitPattern), to: &buffer)
        case (.boolean, .bool(let b)):
            buffer.writeInteger(Int32(1))
            buffer.writeInteger(UInt8(b ? 1 : 0))
        case (.boolean, .int(let i)):
            buffer.writeInteger(Int32(1))
            buffer.writeInteger(UInt8(i != 0 ? 1 : 0))
        case (.timestamptz, .date(let d)):
            // Microseconds since 2000-01-01 UTC, rounded (as the text form's six decimals are).
            let micros = (PlausibleDate.storable(d).timeIntervalSince1970 * 1_000_000).rounded()
            guard let m = Int64(exactly: micros) else { return false }
            writeInt64(m - 946_684_800_000_000, to: &buffer)
        case (.bytea, .blob(let d)):
            buffer.writeInteger(Int32(d.count))
            buffer.writeBytes(d)
        case (.text, .text(let s)): writeText(s, to: &buffer)
        case (.text, .int(let i)): writeText(String(i), to: &buffer)
        case (.text, .double(let d)): writeText("\(d)", to: &buffer)
        case (.text, .bool(let b)): writeText(b ? "true" : "false", to: &buffer)
        case (.text, .date(let d)): writeText(RowBatch.timestamp(PlausibleDate.storable(d)), to: &buffer)
        default: return false
        }
        return true
    }

    private func writeInt64(_ i: Int64, to buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(i)
    }

    private func writeText(_ s: String, to buffer: inout ByteBuffer) {
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        let n = buffer.writeString(s)
        buffer.setInteger(Int32(n), at: lengthAt)
    }
}

/// No host of a PostgreSQL URL gave a usable connection.
struct PostgresConnectError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A statement got no answer within the URL's `query_timeout`.
struct PostgresQueryTimeout: Error, CustomStringConvertible {
    var seconds: Int
    var sql: String
    var description: String { "no answer from PostgreSQL within \(seconds) s (query_timeout); connection closed: \(sql)" }
}

/// A transaction asked for after the store's pools stopped (its service group shut down), or a second run.
struct PostgresPoolsStopped: Error, CustomStringConvertible {
    var display: String
    var reason: String
    var description: String { "\(display): \(reason)" }
}

/// No connection from the pool within `connect_timeout` (the host went away and the pool keeps retrying).
struct PostgresLeaseTimeout: Error, CustomStringConvertible {
    var seconds: Int
    var problem: String
    var description: String { "no connection to PostgreSQL within \(seconds) s (connect_timeout): \(problem)" }
}

/// A continuation resumed by whichever of several tasks answers first; later answers are dropped.
final class OnceResult<T: Sendable>: @unchecked Sendable {  // `continuation` and `value` are guarded by `lock`
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var value: T?
    private var done = false

    func set(_ c: CheckedContinuation<T, Never>) {
        let ready: T? = lock.withLock {
            if let value {
                done = true
                return value
            }
            continuation = c
            return nil
        }
        if let ready { c.resume(returning: ready) }
    }

    func resume(_ v: T) {
        let c: CheckedContinuation<T, Never>? = lock.withLock {
            guard !done else { return nil }
            if let continuation {
                done = true
                self.continuation = nil
                return continuation
            }
            if value == nil { value = v }
            return nil
        }
        c?.resume(returning: v)
    }
}
