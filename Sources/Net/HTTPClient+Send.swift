import CCurl
import Foundation
import SieveCore

/// An outgoing API call (a post to a platform, a webhook): any method, headers and a body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// "Name: value" lines.
    public var headers: [String]
    public var body: Data?
    /// Private, loopback and link-local addresses are refused unless this is set (SSRF guard).
    public var allowPrivate: Bool
    /// Seconds for the whole exchange (connect included).
    public var timeout: Double

    public init(
        method: String, url: String, headers: [String] = [], body: Data? = nil, allowPrivate: Bool = false,
        timeout: Double = 30
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.allowPrivate = allowPrivate
        self.timeout = timeout
    }
}

extension HTTPClient {
    /// Sends one request and returns the response whatever its status (the caller reads API error bodies and
    /// rate-limit hints); only transport failures throw. Redirects are not followed: an API that redirects a
    /// POST is answered as it is.
    public func send(_ request: HTTPRequest) async throws(FetchError) -> FetchResponse {
        let url = request.url
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { throw .unsupportedScheme(url: url) }
        // No "Expect: 100-continue" round trip before larger bodies.
        let headers = request.headers + ["Expect:"]
        let proxy = Self.effectiveProxy(for: url, configured: settings.proxy, environment: environment)
        if proxy != nil, !request.allowPrivate { try Self.checkAddress(url) }
        let curl = CurlRequest(
            url: url, userAgent: settings.userAgent, headers: headers, resolve: [], proxy: proxy, cookie: nil,
            connectTimeout: min(settings.connectTimeout, request.timeout), totalTimeout: request.timeout,
            lowSpeedLimit: 0, lowSpeedTime: 0, maxRedirects: -1, maxBody: settings.maxBodyBytes,
            allowPrivate: request.allowPrivate, method: request.method, body: request.body)
        let timeout = request.timeout
        let maxBody = settings.maxBodyBytes
        return try await perform(curl) { result, blocked, exceeded, sink throws(FetchError) in
            try Self.sendResponse(
                url: url, result: result, blocked: blocked, exceeded: exceeded, sink: sink, timeout: timeout, maxBody: maxBody)
        }
    }

    static func sendResponse(
        url: String, result r: sieve_curl_result, blocked: Bool, exceeded: Bool, sink: TransferSink, timeout: Double,
        maxBody: Int
    ) throws(FetchError) -> FetchResponse {
        var result = r
        if let failure = transferFailure(
            url: url, result: &result, blocked: blocked, exceeded: exceeded, timeout: timeout, maxBody: maxBody,
            maxRedirects: 0)
        {
            throw failure
        }
        return FetchResponse(
            url: url, finalURL: url, status: Int(result.http_status), headers: sink.headers, body: sink.body,
            redirects: 0, duration: result.total_time)
    }
}
