import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A request as the test server saw it.
public struct TestRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    /// The body (read up to Content-Length).
    public var body: Data = Data()

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object, when it is one.
    public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// Writes raw bytes to the client socket, so handlers can misbehave on purpose (drip, reset, never finish).
public final class TestConnection: @unchecked Sendable {  // `_closed` under `state`; `fd` is fixed
    let fd: Int32
    private let state = NSLock()
    private var _closed = false
    public var closed: Bool { state.withLock { _closed } }

    init(fd: Int32) { self.fd = fd }

    /// Returns false once the peer has gone away.
    @discardableResult
    public func write(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    @discardableResult
    public func write(_ s: String) -> Bool { write(Data(s.utf8)) }

    /// Waits (at most `timeout` seconds) until the client closes its end, reading and dropping what it sends;
    /// returns how long that took, or nil if it was still open. Measured on the server's own thread, so it says when
    /// the client gave up, whatever keeps the test's task from resuming on a busy machine.
    public func waitForPeerClose(timeout: TimeInterval) -> TimeInterval? {
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let left = timeout - Date().timeIntervalSince(start)
            guard left > 0 else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(max(1, left * 1000)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            if recv(fd, &buffer, buffer.count, 0) <= 0 { return Date().timeIntervalSince(start) }
        }
    }

    /// Sends a complete response with Content-Length.
    public func respond(status: Int, headers: [String: String] = [:], body: Data) {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        var h = headers
        h["Content-Length"] = h["Content-Length"] ?? String(body.count)
        h["Connection"] = "close"
        for (k, v) in h.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        write(head)
        write(body)
    }

    public func respond(status: Int, headers: [String: String] = [:], body: String) {
        respond(status: status, headers: headers, body: Data(body.utf8))
    }

    /// Closes with a TCP RST instead of a FIN.
    public func reset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Closes once, whichever thread asks first (a handler, the test, the server after the handler returns): a
    /// second close(2) of the same number could close a file another part of the process opened meanwhile (a
    /// SQLite database in a test running in parallel reads someone else's bytes and reports itself malformed).
    public func close() {
        let first = state.withLock { () -> Bool in
            defer { _closed = true }
            return !_closed
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    static func reason(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 409: return "Conflict"
        case 422: return "Unprocessable Entity"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 (a random free port), one thread per connection.
/// Handlers get the parsed request and the raw connection; the connection is closed after the handler returns.
public final class TestHTTPServer: @unchecked Sendable {  // `stopped` and `_requests` under `lock`
    public typealias Handler = @Sendable (TestRequest, TestConnection) -> Void
    public let port: Int
    private let listenFD: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var stopped = false
    private var _requests: [TestRequest] = []

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public var requests: [TestRequest] {
        lock.lock()
        defer { lock.unlock() }
        return _requests
    }

    public init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        // Only shut down: that wakes the accept loop, which closes the socket itself. Closing it here would free
        // the number while the loop may still call accept(2) on it, and by then it can be another test server's
        // listening socket (this server would steal that one's connections) or a database file.
        if !wasStopped { shutdown(listenFD, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            lock.lock()
            let done = stopped
            lock.unlock()
            if done {
                if fd >= 0 { Glibc.close(fd) }
                close(listenFD)
                return
            }
            if fd < 0 { continue }
            let t = Thread { [self] in serve(fd) }
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        let conn = TestConnection(fd: fd)
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { conn.close(); return }
            buffer.append(contentsOf: chunk[0..<n])
            if buffer.count > 1 << 20 { conn.close(); return }
        }
        let headerEnd = buffer.headerEndIndex
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(buffer[(headerEnd + 4)...])
        let length = min(Int(headers["content-length"] ?? "") ?? 0, 16 << 20)
        while body.count < length {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            body.append(contentsOf: chunk[0..<n])
        }
        let request = TestRequest(
            method: parts.count > 0 ? String(parts[0]) : "", path: parts.count > 1 ? String(parts[1]) : "/",
            headers: headers, body: body)
        lock.lock()
        _requests.append(request)
        lock.unlock()
        handler(request, conn)
        conn.close()
    }
}

extension [UInt8] {
    fileprivate var containsHeaderEnd: Bool { headerEndIndex < count }

    /// Index of the blank line's CR LF CR LF, or `count` when absent.
    fileprivate var headerEndIndex: Int {
        guard count >= 4 else { return count }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return i
        }
        return count
    }
}
