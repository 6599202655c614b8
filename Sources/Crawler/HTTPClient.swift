import CCurl
import Foundation
import SieveCore

/// One response, after redirects.
public struct FetchResponse: Sendable {
    public var url: String
    public var finalURL: String
    /// HTTP status; nil for file: URLs.
    public var status: Int?
    /// Response headers of the final response, names lower-cased (the last value wins).
    public var headers: [String: String]
    public var body: Data
    public var redirects: Int
    public var duration: Double

    public var contentType: String? { headers["content-type"] }

    /// The `charset=` parameter of Content-Type, if any.
    public var declaredCharset: String? {
        guard let ct = contentType else { return nil }
        for part in ct.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" {
                return kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
        }
        return nil
    }
}

/// Options for one request beyond the crawler-wide settings.
public struct FetchOptions: Sendable {
    public var headers: [String]
    /// CURLOPT_RESOLVE entries ("host:port:address"), mainly for tests and benchmarks.
    public var resolve: [String]
    public var cookie: String?
    public var proxy: String?

    public init(headers: [String] = [], resolve: [String] = [], cookie: String? = nil, proxy: String? = nil) {
        self.headers = headers
        self.resolve = resolve
        self.cookie = cookie
        self.proxy = proxy
    }
}

/// libcurl behind a Swift API: http, https and file; timeouts, gzip/deflate/brotli, a redirect limit,
/// and a body-size limit enforced while the (decoded) body streams in, so a gzip bomb stops at the limit.
public struct HTTPClient: Sendable {
    public var settings: CrawlerSettings

    public init(settings: CrawlerSettings = .init()) {
        self.settings = settings
        sieve_curl_global_init()
    }

    public static var curlVersion: String { String(cString: sieve_curl_version()) }

    /// Fetches without blocking Swift's cooperative thread pool (the transfer runs on a GCD thread).
    public func fetch(_ url: String, options: FetchOptions = .init()) async throws(FetchError) -> FetchResponse {
        let result: Result<FetchResponse, FetchError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(FetchError) in try self.fetchBlocking(url, options: options) })
            }
        }
        return try result.get()
    }

    /// Blocking fetch on the calling thread.
    public func fetchBlocking(_ url: String, options: FetchOptions = .init()) throws(FetchError) -> FetchResponse {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file:") else {
            throw .unsupportedScheme(url: url)
        }
        let sink = TransferSink(limit: settings.maxBodyBytes)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }

        var result = sieve_curl_result()
        let code: Int32 = withCStrings(options.headers) { headerPtrs in
            withCStrings(options.resolve) { resolvePtrs in
                url.withCString { urlPtr in
                    settings.userAgent.withCString { uaPtr in
                        "http,https,file".withCString { protoPtr in
                            withOptionalCString(options.proxy) { proxyPtr in
                                withOptionalCString(options.cookie) { cookiePtr in
                                    var request = sieve_curl_request()
                                    request.url = urlPtr
                                    request.user_agent = uaPtr
                                    request.headers = headerPtrs.baseAddress
                                    request.header_count = Int32(options.headers.count)
                                    request.connect_timeout_ms = Int(settings.connectTimeout * 1000)
                                    request.total_timeout_ms = Int(settings.totalTimeout * 1000)
                                    // Abort transfers that trickle slower than 1 byte/s for the connect timeout.
                                    request.low_speed_limit = 1
                                    request.low_speed_time = max(1, Int(settings.connectTimeout))
                                    request.max_redirects = settings.maxRedirects
                                    request.protocols = protoPtr
                                    request.proxy = proxyPtr
                                    request.cookie = cookiePtr
                                    request.resolve = resolvePtrs.baseAddress
                                    request.resolve_count = Int32(options.resolve.count)
                                    return sieve_curl_perform(
                                        &request, TransferSink.onBody, TransferSink.onHeader, unmanaged.toOpaque(),
                                        &result)
                                }
                            }
                        }
                    }
                }
            }
        }
        let message = withUnsafeBytes(of: &result.error) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let curlMessage = message.isEmpty ? String(cString: sieve_curl_strerror(code)) : message
        if sink.exceeded { throw .tooLarge(url: url, limit: settings.maxBodyBytes) }
        switch code {
        case Int32(SIEVE_CURLE_OK): break
        case Int32(SIEVE_CURLE_OPERATION_TIMEDOUT):
            throw .timeout(url: url, seconds: settings.totalTimeout)
        case Int32(SIEVE_CURLE_TOO_MANY_REDIRECTS):
            throw .tooManyRedirects(url: url, limit: settings.maxRedirects)
        case Int32(SIEVE_CURLE_COULDNT_RESOLVE_HOST):
            throw .couldNotResolve(url: url)
        case Int32(SIEVE_CURLE_COULDNT_CONNECT):
            throw .couldNotConnect(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_FILE_COULDNT_READ_FILE):
            throw .fileNotFound(url: url)
        case Int32(SIEVE_CURLE_UNSUPPORTED_PROTOCOL):
            throw .unsupportedScheme(url: url)
        case Int32(SIEVE_CURLE_URL_MALFORMAT):
            throw .invalidURL(url)
        case Int32(SIEVE_CURLE_GOT_NOTHING):
            throw .emptyResponse(url: url)
        case Int32(SIEVE_CURLE_RECV_ERROR), Int32(SIEVE_CURLE_SEND_ERROR), Int32(SIEVE_CURLE_PARTIAL_FILE),
            Int32(SIEVE_CURLE_HTTP2):
            throw .connectionReset(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_BAD_CONTENT_ENCODING):
            throw .badContentEncoding(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_SSL_CONNECT_ERROR), Int32(SIEVE_CURLE_PEER_FAILED_VERIFICATION):
            throw .tls(url: url, message: curlMessage)
        default:
            throw .transport(url: url, code: Int(code), message: curlMessage)
        }
        let finalURL = withUnsafeBytes(of: &result.effective_url) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let isFile = lower.hasPrefix("file:")
        let status = isFile ? nil : Int(result.http_status)
        if let status, status >= 400 { throw .httpStatus(url: url, status: status) }
        return FetchResponse(
            url: url, finalURL: finalURL.isEmpty ? url : finalURL, status: status, headers: sink.headers,
            body: sink.body, redirects: Int(result.redirect_count), duration: result.total_time)
    }
}

/// Collects one transfer's headers and body; lives for the duration of the blocking call.
private final class TransferSink {
    let limit: Int
    var body = Data()
    var headers: [String: String] = [:]
    var exceeded = false

    init(limit: Int) { self.limit = limit }

    static let onBody: sieve_curl_data_cb = { data, size, userdata in
        let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
        guard let data else { return size }
        if sink.body.count + size > sink.limit {
            sink.exceeded = true
            return 0  // aborts the transfer with CURLE_WRITE_ERROR
        }
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
            if sink.headers.count < 200 { sink.headers[name] = value }
        }
        return size
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// Gives C an array of C strings valid for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>] = strings.map { strdup($0)! }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0) }
}
