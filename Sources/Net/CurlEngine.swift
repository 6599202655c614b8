import CCurl
import Foundation

/// One libcurl multi handle driven by its own thread: every fetch in the process shares its connection cache
/// (keep-alive, HTTP/2 multiplexing), and any number of transfers run at once without a thread each.
final class CurlEngine: @unchecked Sendable {  // the multi handle only on the engine thread; shared state under `lock`
    static let shared = CurlEngine(maxConnections: 512)

    private let multi: OpaquePointer
    private let lock = NSLock()
    private var pending: [PendingTransfer] = []

    struct PendingTransfer {
        var request: CurlRequest
        var sink: TransferSink
    }

    init(maxConnections: Int) {
        multi = sieve_multi_new(maxConnections, 0)
        let thread = Thread { [self] in loop() }
        thread.name = "sieve-curl"
        thread.start()
    }

    /// Queues a transfer; `sink.completion` runs on the engine thread when it finishes.
    func submit(_ request: CurlRequest, sink: TransferSink) {
        lock.lock()
        pending.append(PendingTransfer(request: request, sink: sink))
        lock.unlock()
        sieve_multi_wakeup(multi)
    }

    private func loop() {
        while true {
            lock.lock()
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            lock.unlock()
            for p in batch { add(p) }
            _ = sieve_multi_poll(multi, 1000) { userdata, result, blocked, exceeded in
                guard let userdata, let result else { return }
                let sink = Unmanaged<TransferSink>.fromOpaque(userdata).takeRetainedValue()
                sink.finish(result.pointee, blocked: blocked != 0, exceeded: exceeded != 0)
            }
        }
    }

    private func add(_ p: PendingTransfer) {
        let r = p.request
        let retained = Unmanaged.passRetained(p.sink).toOpaque()
        let status: Int32 = withCStrings(r.headers) { headerPtrs in
            withCStrings(r.resolve) { resolvePtrs in
                r.url.withCString { urlPtr in
                    r.userAgent.withCString { uaPtr in
                        "http,https,file".withCString { protoPtr in
                            withOptionalCString(r.proxy) { proxyPtr in
                                withOptionalCString(r.cookie) { cookiePtr in
                                    var rq = sieve_curl_request()
                                    rq.url = urlPtr
                                    rq.user_agent = uaPtr
                                    rq.headers = headerPtrs.baseAddress
                                    rq.header_count = Int32(r.headers.count)
                                    rq.connect_timeout_ms = Int(r.connectTimeout * 1000)
                                    rq.total_timeout_ms = Int(r.totalTimeout * 1000)
                                    rq.low_speed_limit = r.lowSpeedLimit
                                    rq.low_speed_time = r.lowSpeedTime
                                    rq.max_redirects = r.maxRedirects
                                    rq.protocols = protoPtr
                                    rq.proxy = proxyPtr
                                    rq.cookie = cookiePtr
                                    rq.resolve = resolvePtrs.baseAddress
                                    rq.resolve_count = Int32(r.resolve.count)
                                    var options = sieve_multi_options(
                                        allow_private: r.allowPrivate ? 1 : 0, max_body: r.maxBody)
                                    return withOptionalCString(r.method) { methodPtr in
                                        rq.method = methodPtr
                                        guard let body = r.body else {
                                            return sieve_multi_add(
                                                multi, &rq, &options, TransferSink.onBody, TransferSink.onHeader,
                                                retained)
                                        }
                                        // libcurl copies the body (CURLOPT_COPYPOSTFIELDS), so the pointer only
                                        // has to live through this call; an empty body still needs a valid one.
                                        var bytes = [UInt8](body)
                                        if bytes.isEmpty { bytes = [0] }
                                        return bytes.withUnsafeBufferPointer { buffer in
                                            buffer.withMemoryRebound(to: CChar.self) { chars in
                                                rq.body = chars.baseAddress
                                                rq.body_length = body.count
                                                return sieve_multi_add(
                                                    multi, &rq, &options, TransferSink.onBody, TransferSink.onHeader,
                                                    retained)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if status != 0 {
            let sink = Unmanaged<TransferSink>.fromOpaque(retained).takeRetainedValue()
            var failed = sieve_curl_result()
            failed.code = 2  // CURLE_FAILED_INIT
            sink.finish(failed, blocked: false, exceeded: false)
        }
    }
}

/// Everything one transfer needs, copied into C when it starts.
struct CurlRequest: Sendable {
    var url: String
    var userAgent: String
    var headers: [String]
    var resolve: [String]
    var proxy: String?
    var cookie: String?
    var connectTimeout: Double
    var totalTimeout: Double
    var lowSpeedLimit: Int
    var lowSpeedTime: Int
    var maxRedirects: Int
    var maxBody: Int
    var allowPrivate: Bool
    /// nil: GET, or POST when there is a body.
    var method: String? = nil
    var body: Data? = nil
}

/// Collects one transfer's headers and body; the engine thread calls `finish` once.
final class TransferSink: @unchecked Sendable {  // C callbacks: filled by libcurl on the engine thread only, read after `finish`
    var body = Data()
    var headers: [String: String] = [:]
    var completion: ((sieve_curl_result, _ blocked: Bool, _ exceeded: Bool, TransferSink) -> Void)?

    func finish(_ result: sieve_curl_result, blocked: Bool, exceeded: Bool) {
        completion?(result, blocked, exceeded, self)
        completion = nil
    }

    static let onBody: sieve_curl_data_cb = { data, size, userdata in
        let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
        guard let data else { return size }
        data.withMemoryRebound(to: UInt8.self, capacity: size) { sink.body.append($0, count: size) }
        return size
    }

    static let onHeader: sieve_curl_data_cb = { data, size, userdata in
        let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
        guard let data else { return size }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: size) {
            String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            sink.headers = [:]  // a new response (after a redirect or 100-continue)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if sink.headers.count < 200 {
                if name == "set-cookie", let old = sink.headers[name] {
                    sink.headers[name] = old + "\n" + value
                } else {
                    sink.headers[name] = value
                }
            }
        }
        return size
    }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// Gives C an array of C strings valid for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>] = strings.map { strdup($0)! }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0) }
}
