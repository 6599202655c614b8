import CCurl
import Foundation
import SieveCore

/// One response, after redirects.
public struct FetchResponse: Sendable {
    public var url: String
    public var finalURL: String
    /// HTTP status; nil for file: URLs.
    public var status: Int?
    /// Response headers of the final response, names lower-cased (the last value wins; Set-Cookie values are
    /// joined with newlines).
    public var headers: [String: String]
    public var body: Data
    public var redirects: Int
    public var duration: Double

    public init(
        url: String, finalURL: String, status: Int?, headers: [String: String], body: Data, redirects: Int = 0,
        duration: Double = 0
    ) {
        self.url = url
        self.finalURL = finalURL
        self.status = status
        self.headers = headers
        self.body = body
        self.redirects = redirects
        self.duration = duration
    }

    public var contentType: String? { headers["content-type"] }

    /// 304: the conditional GET found nothing new.
    public var notModified: Bool { status == 304 }

    /// The `charset=` parameter of Content-Type, if any.
    public var declaredCharset: String? { Charset.fromContentType(contentType) }
}

/// Options for one request beyond the crawler-wide settings.
public struct FetchOptions: Sendable {
    public var headers: [String]
    /// CURLOPT_RESOLVE entries ("host:port:address"), for tests and benchmarks that give many host names one address.
    public var resolve: [String]
    public var cookie: String?
    public var proxy: String?
    /// Private, loopback and link-local addresses are refused unless this is set (SSRF guard).
    public var allowPrivate: Bool
    /// Conditional GET validators from the previous fetch.
    public var etag: String?
    public var lastModified: String?

    public init(
        headers: [String] = [], resolve: [String] = [], cookie: String? = nil, proxy: String? = nil,
        allowPrivate: Bool = false, etag: String? = nil, lastModified: String? = nil
    ) {
        self.headers = headers
        self.resolve = resolve
        self.cookie = cookie
        self.proxy = proxy
        self.allowPrivate = allowPrivate
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// libcurl behind a Swift API: http, https and file; timeouts (connect, total, low speed), gzip/deflate/brotli,
/// a redirect limit, and a body-size limit enforced while the decoded body streams in (so a gzip bomb stops at the
/// limit). Transfers run concurrently on one shared multi handle.
public struct HTTPClient: Sendable {
    public var settings: CrawlerSettings
    let engine: CurlEngine
    /// Replaces the process environment when deciding about proxies (tests).
    var environmentOverride: [String: String]?

    public init(settings: CrawlerSettings = .init()) {
        self.settings = settings
        self.engine = CurlEngine.shared
    }

    /// A client that reads proxies from `environment` instead of the process's (tests).
    package init(settings: CrawlerSettings = .init(), environment: [String: String]) {
        self.settings = settings
        self.engine = CurlEngine.shared
        self.environmentOverride = environment
    }

    public static var curlVersion: String { String(cString: sieve_curl_version()) }

    /// Fetches `url`. Redirects are followed by libcurl, whose SSRF guard checks every address it connects to —
    /// unless the request goes through a proxy (configured, or the `*_proxy` environment) or carries a cookie.
    /// Then each hop is made here: behind a proxy the target's address is checked before the request (the guard
    /// at connect time only ever sees the proxy), and a source's cookie goes only to its own host, never to the
    /// host a redirect points at.
    public func fetch(_ url: String, options: FetchOptions = .init()) async throws(FetchError) -> FetchResponse {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file:") else {
            throw .unsupportedScheme(url: url)
        }
        var headers = options.headers
        if let etag = options.etag { headers.append("If-None-Match: \(etag)") }
        if let lm = options.lastModified { headers.append("If-Modified-Since: \(lm)") }
        let proxy = Self.effectiveProxy(for: url, configured: options.proxy, environment: environment)
        let settings = self.settings
        func once(_ target: String, follow: Bool, proxy: String?, cookie: String?) async throws(FetchError) -> FetchResponse {
            let request = CurlRequest(
                url: target, userAgent: settings.userAgent, headers: headers, resolve: options.resolve, proxy: proxy,
                cookie: cookie, connectTimeout: settings.connectTimeout, totalTimeout: settings.totalTimeout,
                // A server that trickles under 1 byte/s for the connect timeout is as good as gone.
                lowSpeedLimit: 1, lowSpeedTime: max(1, Int(settings.connectTimeout)),
                maxRedirects: follow ? settings.maxRedirects : -1, maxBody: settings.maxBodyBytes,
                allowPrivate: options.allowPrivate)
            return try await perform(request) { result, blocked, exceeded, sink throws(FetchError) in
                try Self.response(url: target, result: result, blocked: blocked, exceeded: exceeded, sink: sink, settings: settings)
            }
        }
        guard proxy != nil || options.cookie != nil, !lower.hasPrefix("file:") else {
            return try await once(url, follow: true, proxy: proxy, cookie: options.cookie)
        }
        let origin = URLComponents(string: url)?.host?.lowercased()
        var current = url
        var hops = 0
        while true {
            let hopProxy = Self.effectiveProxy(for: current, configured: options.proxy, environment: environment)
            if hopProxy != nil, !options.allowPrivate { try Self.checkAddress(current) }
            let sameHost = URLComponents(string: current)?.host?.lowercased() == origin
            var response = try await once(current, follow: false, proxy: hopProxy, cookie: sameHost ? options.cookie : nil)
            guard let status = response.status, [301, 302, 303, 307, 308].contains(status),
                let location = response.headers["location"]
            else {
                response.url = url
                response.redirects = hops
                return response
            }
            hops += 1
            guard hops <= settings.maxRedirects else { throw .tooManyRedirects(url: url, limit: settings.maxRedirects) }
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL.absoluteString,
                next.lowercased().hasPrefix("http://") || next.lowercased().hasPrefix("https://")
            else { throw .unsupportedScheme(url: location) }
            current = next
        }
    }

    /// The environment proxies are read from (tests replace it).
    var environment: [String: String] { environmentOverride ?? ProcessInfo.processInfo.environment }

    /// Refuses a URL whose host resolves to an address the SSRF guard would refuse (for requests through a proxy).
    package static func checkAddress(_ url: String) throws(FetchError) {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { throw .invalidURL(url) }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if sieve_address_is_private(bare) == 1 { throw .blockedAddress(url: url) }
    }

    /// The proxy a request to `url` goes through: the configured one, else the one the environment names the way
    /// libcurl reads it (`http_proxy` for http — lower case only —, `https_proxy`/`HTTPS_PROXY` for https, then
    /// `all_proxy`/`ALL_PROXY`), unless `no_proxy`/`NO_PROXY` exempts the host. Nil for file: URLs.
    public static func effectiveProxy(for url: String, configured: String?, environment: [String: String]) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        if let configured, !configured.isEmpty { return configured }
        func env(_ names: String...) -> String? {
            for n in names { if let v = environment[n], !v.isEmpty { return v } }
            return nil
        }
        let scheme = lower.hasPrefix("https://") ? env("https_proxy", "HTTPS_PROXY") : env("http_proxy")
        guard let proxy = scheme ?? env("all_proxy", "ALL_PROXY") else { return nil }
        if let host = URLComponents(string: url)?.host?.lowercased(), let exempt = env("no_proxy", "NO_PROXY") {
            for raw in exempt.split(separator: ",") {
                let entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
                let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
                if entry == "*" || host == domain || host.hasSuffix("." + domain) { return nil }
            }
        }
        return proxy
    }

    /// Runs one transfer on the shared engine and maps its outcome (fetch and send share this).
    func perform(
        _ request: CurlRequest,
        _ map: @escaping @Sendable (sieve_curl_result, Bool, Bool, TransferSink) throws(FetchError) -> FetchResponse
    ) async throws(FetchError) -> FetchResponse {
        let result: Result<FetchResponse, FetchError> = await withCheckedContinuation { continuation in
            let sink = TransferSink()
            sink.completion = { result, blocked, exceeded, sink in
                continuation.resume(returning: Result { () throws(FetchError) in try map(result, blocked, exceeded, sink) })
            }
            engine.submit(request, sink: sink)
        }
        return try result.get()
    }

    /// What a finished transfer's curl result means when it is not a response: the body limit, the SSRF guard, or
    /// curl's error code as a `FetchError` naming the URL (nil when the transfer succeeded). Shared by fetches and
    /// sends.
    static func transferFailure(
        url: String, result: inout sieve_curl_result, blocked: Bool, exceeded: Bool, timeout: Double, maxBody: Int,
        maxRedirects: Int
    ) -> FetchError? {
        let code = result.code
        let message = withUnsafeBytes(of: &result.error) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let curlMessage = message.isEmpty ? String(cString: sieve_curl_strerror(code)) : message
        if exceeded { return .tooLarge(url: url, limit: maxBody) }
        if blocked { return .blockedAddress(url: url) }
        switch code {
        case Int32(SIEVE_CURLE_OK): return nil
        case Int32(SIEVE_CURLE_OPERATION_TIMEDOUT):
            return .timeout(url: url, seconds: timeout)
        case Int32(SIEVE_CURLE_TOO_MANY_REDIRECTS):
            return .tooManyRedirects(url: url, limit: maxRedirects)
        case Int32(SIEVE_CURLE_COULDNT_RESOLVE_HOST):
            return .couldNotResolve(url: url)
        case Int32(SIEVE_CURLE_COULDNT_CONNECT):
            return .couldNotConnect(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_FILE_COULDNT_READ_FILE):
            return .fileNotFound(url: url)
        case Int32(SIEVE_CURLE_UNSUPPORTED_PROTOCOL):
            return .unsupportedScheme(url: url)
        case Int32(SIEVE_CURLE_URL_MALFORMAT):
            return .invalidURL(url)
        case Int32(SIEVE_CURLE_GOT_NOTHING):
            return .emptyResponse(url: url)
        case Int32(SIEVE_CURLE_RECV_ERROR), Int32(SIEVE_CURLE_SEND_ERROR), Int32(SIEVE_CURLE_PARTIAL_FILE),
            Int32(SIEVE_CURLE_HTTP2):
            return .connectionReset(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_BAD_CONTENT_ENCODING):
            return .badContentEncoding(url: url, message: curlMessage)
        case Int32(SIEVE_CURLE_SSL_CONNECT_ERROR), Int32(SIEVE_CURLE_PEER_FAILED_VERIFICATION):
            return .tls(url: url, message: curlMessage)
        default:
            return .transport(url: url, code: Int(code), message: curlMessage)
        }
    }

    static func response(
        url: String, result r: sieve_curl_result, blocked: Bool, exceeded: Bool, sink: TransferSink,
        settings: CrawlerSettings
    ) throws(FetchError) -> FetchResponse {
        var result = r
        if let failure = transferFailure(
            url: url, result: &result, blocked: blocked, exceeded: exceeded, timeout: settings.totalTimeout,
            maxBody: settings.maxBodyBytes, maxRedirects: settings.maxRedirects)
        {
            throw failure
        }
        let finalURL = withUnsafeBytes(of: &result.effective_url) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let isFile = url.lowercased().hasPrefix("file:")
        let status = isFile ? nil : Int(result.http_status)
        if let status, status == 429 || status == 503 {
            throw .throttled(url: url, status: status, retryAfter: sink.headers["retry-after"].flatMap { parseRetryAfter($0) })
        }
        if let status, status >= 400 { throw .httpStatus(url: url, status: status) }
        return FetchResponse(
            url: url, finalURL: finalURL.isEmpty ? url : finalURL, status: status, headers: sink.headers,
            body: sink.body, redirects: Int(result.redirect_count), duration: result.total_time)
    }
}

/// Retry-After is either delay-seconds or an HTTP date.
public func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
    let v = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Double(v) { return max(0, seconds) }
    guard let date = FeedDateParser.parse(v) else { return nil }
    return max(0, date.timeIntervalSince(now))
}
