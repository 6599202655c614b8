/// Why a fetch failed. Each case names the URL so a log line or a stored error stands on its own.
public enum FetchError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidURL(String)
    case unsupportedScheme(url: String)
    case timeout(url: String, seconds: Double)
    case tooLarge(url: String, limit: Int)
    case tooManyRedirects(url: String, limit: Int)
    case httpStatus(url: String, status: Int)
    /// 429 or 503: the server asks us to slow down; `retryAfter` is its Retry-After in seconds, when given.
    case throttled(url: String, status: Int, retryAfter: Double?)
    /// The SSRF guard refused a private, loopback or link-local address.
    case blockedAddress(url: String)
    case couldNotResolve(url: String)
    case couldNotConnect(url: String, message: String)
    case fileNotFound(url: String)
    case connectionReset(url: String, message: String)
    case emptyResponse(url: String)
    case badContentEncoding(url: String, message: String)
    case tls(url: String, message: String)
    case transport(url: String, code: Int, message: String)

    public var url: String {
        switch self {
        case .invalidURL(let u): return u
        case .unsupportedScheme(let u), .timeout(let u, _), .tooLarge(let u, _), .tooManyRedirects(let u, _),
            .httpStatus(let u, _), .throttled(let u, _, _), .blockedAddress(let u), .couldNotResolve(let u), .couldNotConnect(let u, _), .fileNotFound(let u),
            .connectionReset(let u, _), .emptyResponse(let u), .badContentEncoding(let u, _), .tls(let u, _),
            .transport(let u, _, _):
            return u
        }
    }

    /// Worth retrying later (the server or network may recover), as opposed to a permanent answer.
    public var isTransient: Bool {
        switch self {
        case .timeout, .couldNotConnect, .connectionReset, .emptyResponse, .throttled, .couldNotResolve: return true
        case .httpStatus(_, let status): return status >= 500 || status == 408
        default: return false
        }
    }

    /// A short stable name for metrics and tests ("timeout", "too-large" …).
    public var name: String {
        switch self {
        case .invalidURL: return "invalid-url"
        case .unsupportedScheme: return "unsupported-scheme"
        case .timeout: return "timeout"
        case .tooLarge: return "too-large"
        case .tooManyRedirects: return "too-many-redirects"
        case .httpStatus: return "http-status"
        case .throttled: return "throttled"
        case .blockedAddress: return "blocked-address"
        case .couldNotResolve: return "dns"
        case .couldNotConnect: return "connect"
        case .fileNotFound: return "file-not-found"
        case .connectionReset: return "connection-reset"
        case .emptyResponse: return "empty-response"
        case .badContentEncoding: return "bad-content-encoding"
        case .tls: return "tls"
        case .transport: return "transport"
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let u): return "invalid URL \(u)"
        case .unsupportedScheme(let u): return "\(u): only http, https and file URLs are fetched"
        case .timeout(let u, let s): return "\(u): timed out after \(Self.format(s)) s"
        case .tooLarge(let u, let limit): return "\(u): body larger than the \(limit)-byte limit (crawler.max_body_bytes)"
        case .tooManyRedirects(let u, let limit): return "\(u): more than \(limit) redirects (loop?)"
        case .httpStatus(let u, let status): return "\(u): HTTP \(status)"
        case .throttled(let u, let status, let after):
            return "\(u): HTTP \(status), server asks to slow down" + (after.map { " (Retry-After \(Self.format($0)) s)" } ?? "")
        case .blockedAddress(let u):
            return "\(u): refused to connect to a private, loopback or link-local address (set allow_private = true on the source to allow it)"
        case .couldNotResolve(let u): return "\(u): host name could not be resolved"
        case .couldNotConnect(let u, let m): return "\(u): could not connect (\(m))"
        case .fileNotFound(let u): return "\(u): file not found or unreadable"
        case .connectionReset(let u, let m): return "\(u): connection broke mid-transfer (\(m))"
        case .emptyResponse(let u): return "\(u): server closed the connection without a response"
        case .badContentEncoding(let u, let m): return "\(u): undecodable content encoding (\(m))"
        case .tls(let u, let m): return "\(u): TLS failure (\(m))"
        case .transport(let u, let code, let m): return "\(u): transfer failed (curl \(code): \(m))"
        }
    }

    private static func format(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }
}

import Foundation
