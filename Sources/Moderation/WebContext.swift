import Foundation
import Hummingbird
import HTTPTypes
import Store

/// Who is making a request, once the session cookie or API token has been checked.
public struct AuthState: Sendable, Equatable {
    public var user: String
    public var role: AccountRole
    /// The session's CSRF token (nil for API-token requests, which carry no ambient credential).
    public var csrfToken: String?
    /// SHA-256 of the session id, for logout.
    public var sessionHash: String?

    public var viaToken: Bool { sessionHash == nil }
}

/// The request context of the moderation app.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var auth: AuthState?
    /// The peer's address ("unknown" under the router test framework, which has no socket).
    public let remoteIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The bounded body limit for forms and JSON (a pasted post is far smaller).
    public var maxUploadSize: Int { 1 << 20 }
}
