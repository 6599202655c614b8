import Foundation
import Hummingbird
import HTTPTypes
import SieveCore
import Store

/// Who is making a request, once the session cookie or API token has been checked.
public struct AuthState: Sendable, Equatable {
    public var user: String
    public var role: AccountRole
    /// The session's CSRF token (nil for API-token requests, which carry no ambient credential).
    public var csrfToken: String?
    /// SHA-256 of the session id, for logout.
    public var sessionHash: String?
    /// How the session signed in ("password" or "oidc"; API tokens: "token").
    public var signIn: String = "password"

    public var viaToken: Bool { sessionHash == nil }
}

/// The request context of the moderation app.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var auth: AuthState?
    /// The client's address: the peer's, or — when the peer is one of `[server] trusted_proxies` — the nearest
    /// address in `X-Forwarded-For` that is not a trusted proxy (set by the auth middleware). "unknown" under the
    /// router test framework, which has no socket.
    public internal(set) var remoteIP: String
    /// The TCP peer's own address.
    public let peerIP: String
    /// This request's id: the one a proxy sent in X-Request-Id when well-formed, else a new one. Sent back in the
    /// response's X-Request-Id and put on every log line about the request (`request_id`).
    public internal(set) var requestID: String = "-"
    /// The language of the moderators' app for this request: `?lang=` (remembered in the `sieve_lang` cookie), else
    /// that cookie, else Accept-Language; Traditional Chinese or English.
    public internal(set) var language: Language = .zhHant
    /// Set when `?lang=` chose the language, so the response remembers it.
    var languageChosen = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
        remoteIP = peerIP
    }

    /// The client's address given the trusted proxies (see `remoteIP`).
    package static func clientIP(peer: String, forwardedFor: String?, trusted: [IPRange]) -> String {
        guard !trusted.isEmpty, trusted.contains(where: { $0.contains(peer) }), let forwardedFor else { return peer }
        // Right to left: the last hop a trusted proxy saw; anything further left is the client's own claim.
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPRange.parse(hop) != nil else { return peer }  // garbage: do not believe any of it
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
        }
        return hops.first ?? peer
    }

    /// A proxy's X-Request-Id when it is a plain token (letters, digits, `-`, `_`, `.`, `:`, up to 64 characters:
    /// nothing that could forge a log line), else 16 random hex digits.
    package static func requestID(from header: String?) -> String {
        if let header, (1...64).contains(header.utf8.count),
            header.utf8.allSatisfy({ c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E || c == 0x3A
            })
        {
            return header
        }
        var g = SystemRandomNumberGenerator()
        return String(format: "%016llx", g.next() as UInt64)
    }

    /// The bounded body limit for forms and JSON (a pasted post is far smaller).
    public var maxUploadSize: Int { 1 << 20 }
}
