import Foundation
import Logging
import PostgresNIO
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

/// The shared backend: a small pool of PostgreSQL connections. postgres-nio is asynchronous and the Store's API
/// synchronous, so every call runs on NIO's event loops and the calling thread waits for its future (never an
/// event-loop thread: `EventLoopFuture.wait()` traps there).
final class PostgresBackend: Sendable {
    let location: PostgresLocation
    let display: String
    private let group: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup
    private let logger = Logger(label: "sieve.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private let state = NSCondition()
    nonisolated(unsafe) private var idle: [PostgresConnection] = []
    nonisolated(unsafe) private var open = 0
    nonisolated(unsafe) private var nextID = 0
    nonisolated(unsafe) private var nextTicket = 0
    nonisolated(unsafe) private var serving = 0

    /// Connects; `migrate: false` applies no migration (to report which are pending).
    init(url: String, migrate: Bool = true) throws(StoreError) {
        location = try PostgresLocation(url: url)
        display = PostgresLocation.redact(url)
        guard migrate else { return }
        do {
            try withSession { s in try PostgresSchema.migrate(s) }
        } catch {
            throw StoreError.open(path: display, underlying: Self.message(error))
        }
    }

    deinit {
        for c in idle { Self.close(c) }
    }

    /// Borrows a connection (opening one when the pool has room, else waiting for one to come back). Waiters are
    /// served first come, first served, so a busy stage (a crawl's many fetch tasks) cannot starve another
    /// (classification waiting on another thread).
    private func borrow() throws -> PostgresConnection {
        state.lock()
        let ticket = nextTicket
        nextTicket += 1
        while true {
            if ticket == serving {
                if let c = idle.popLast() {
                    if c.isClosed {  // the server went away or restarted: open a fresh one in its place
                        open -= 1
                        continue
                    }
                    serving += 1
                    state.broadcast()
                    state.unlock()
                    return c
                }
                if open < location.poolSize {
                    open += 1
                    serving += 1
                    nextID += 1
                    let id = nextID
                    state.broadcast()
                    state.unlock()
                    do {
                        return try connect(id: id)
                    } catch {
                        state.lock()
                        open -= 1
                        state.broadcast()
                        state.unlock()
                        throw error
                    }
                }
            }
            state.wait()
        }
    }

    /// A new connection: the hosts in order, the first that answers (and, with `target_session_attrs=read-write`,
    /// is not in recovery). The error names every host tried.
    private func connect(id: Int) throws -> PostgresConnection {
        var failures: [String] = []
        for endpoint in location.endpoints {
            do {
                let c = try PostgresConnection.connect(on: group.next(), configuration: try location.configuration(endpoint), id: id, logger: logger).wait()
                if location.requirePrimary {
                    // libpq's read-write test (transaction_read_only) and its primary test (not in recovery) in one:
                    // during a pg_auto_failover promotion a server can be out of recovery and still read-only.
                    let rows = try c.query(
                        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'", logger: logger
                    ).wait()
                    let readOnly = try rows.first?.decode(Bool.self) ?? false
                    if readOnly {
                        Self.close(c)
                        failures.append("\(endpoint.host):\(endpoint.port): read-only (a standby, or being promoted)")
                        continue
                    }
                }
                return c
            } catch {
                failures.append("\(endpoint.host):\(endpoint.port): \(Self.message(error))")
            }
        }
        if location.endpoints.count == 1, let only = failures.first, !location.requirePrimary {
            throw PostgresConnectError(message: only)
        }
        throw PostgresConnectError(message: "no \(location.requirePrimary ? "primary" : "server") among \(location.endpoints.count) host(s): " + failures.joined(separator: "; "))
    }

    private func giveBack(_ c: PostgresConnection, broken: Bool) {
        state.lock()
        if broken || c.isClosed {
            open -= 1
            Self.close(c)
        } else {
            idle.append(c)
        }
        state.broadcast()
        state.unlock()
    }

    /// Runs `body` on one connection (no transaction of its own).
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let c = try borrow()
        let session = PostgresSession(connection: c, logger: logger, timeout: location.queryTimeout)
        do {
            let value = try body(session)
            giveBack(c, broken: false)
            return value
        } catch {
            // A failed statement inside a transaction leaves nothing behind (ROLLBACK ran); a connection error
            // closes the connection, and the pool opens another next time. A server that turned read-only (demoted
            // to a standby by a failover) is dropped too, so the next connection looks for the primary again.
            giveBack(c, broken: c.isClosed || Self.isReadOnlyServer(error) || error is PostgresQueryTimeout)
            throw error
        }
    }

    /// One transaction, run on the backend's own threads so the caller's task suspends instead of holding a
    /// Swift-concurrency thread while the connection waits (the remaining bridge until the PostgreSQL backend is
    /// on `PostgresClient`; issue 16).
    func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            Self.queue.async {
                do {
                    continuation.resume(returning: .success(try self.transaction(readOnly: readOnly, body)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Where PostgreSQL transactions run (concurrent: the pool bounds how many hold a connection).
    private static let queue = DispatchQueue(label: "sieve.postgres", attributes: .concurrent)

    /// One transaction. Deadlocks and serialization failures (another worker touched the same rows) are retried
    /// a few times; the body must only touch the database.
    func transaction<T>(readOnly: Bool, _ body: (PostgresSession) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try withSession { s in
                    try s.run(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", [])
                    do {
                        let value = try body(s)
                        try s.run("COMMIT", [])
                        return value
                    } catch {
                        _ = try? s.run("ROLLBACK", [])
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 8 && Self.isRetryable(error) {
                usleep(UInt32.random(in: 1_000...20_000) * UInt32(attempt))
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
    func run(_ sql: String, _ values: [SQLValue]) throws -> (rows: [SQLRow], affected: Int) {
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
            }
        }
        let result = try bounded(connection.query(PostgresQuery(unsafeSQL: Self.translate(sql), binds: binds), logger: logger), sql)
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
    func bounded<T: Sendable>(_ future: EventLoopFuture<T>, _ sql: String) throws -> T {
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
        return try promise.futureResult.wait()
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
