import Crypto
import Foundation
import Net
import SieveCore

/// The provider's metadata (OpenID Connect Discovery 1.0), the fields Sieve uses.
public struct OIDCMetadata: Sendable, Decodable, Equatable {
    public var issuer: String
    public var authorization_endpoint: String
    public var token_endpoint: String
    public var jwks_uri: String
    public var end_session_endpoint: String?
    public var code_challenge_methods_supported: [String]?
}

/// Talks to the organisation's OpenID Connect provider: discovery (cached for an hour), its signing keys (cached;
/// fetched again — at most every 30 s — when a token names a key Sieve has not seen, so the provider can rotate
/// keys), and the code-for-token exchange. Every failure names the URL and what was wrong, never a secret.
actor OIDCClient {
    private var metadata: (issuer: String, value: OIDCMetadata, at: Date)?
    /// The last discovery failure: repeated for 30 s instead of a new outbound request per visitor while the
    /// provider is down.
    private var failure: (issuer: String, error: OIDCError, at: Date)?
    private var keys: (uri: String, value: [JWK], at: Date)?
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = Date.init) { self.now = now }

    private func http() -> HTTPClient {
        var s = CrawlerSettings()
        s.maxBodyBytes = 1 << 20
        s.totalTimeout = 10
        s.connectTimeout = 5
        s.maxRedirects = 0
        return HTTPClient(settings: s)
    }

    private func getJSON<T: Decodable>(_ url: String, _ type: T.Type, settings: OIDCSettings) async throws(OIDCError) -> T {
        let response: FetchResponse
        do {
            response = try await http().send(
                HTTPRequest(method: "GET", url: url, headers: ["Accept: application/json"], allowPrivate: settings.allowPrivate, timeout: 10))
        } catch {
            throw OIDCError("\(url): \(error)")
        }
        guard response.status == 200 else { throw OIDCError("\(url): HTTP \(response.status ?? 0)") }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw OIDCError("\(url): not the expected JSON (\(Self.describe(error)))")
        }
    }

    /// The provider's metadata; its `issuer` must be exactly the configured one (Discovery §4.3).
    func metadata(_ settings: OIDCSettings) async throws(OIDCError) -> OIDCMetadata {
        if let m = metadata, m.issuer == settings.issuer, now().timeIntervalSince(m.at) < 3600 { return m.value }
        if let f = failure, f.issuer == settings.issuer, now().timeIntervalSince(f.at) < 30 { throw f.error }
        do throws(OIDCError) {
            let value = try await discover(settings)
            metadata = (settings.issuer, value, now())
            failure = nil
            return value
        } catch {
            failure = (settings.issuer, error, now())
            throw error
        }
    }

    private func discover(_ settings: OIDCSettings) async throws(OIDCError) -> OIDCMetadata {
        let base = settings.issuer.hasSuffix("/") ? String(settings.issuer.dropLast()) : settings.issuer
        let url = base + "/.well-known/openid-configuration"
        let value = try await getJSON(url, OIDCMetadata.self, settings: settings)
        guard value.issuer == settings.issuer else {
            throw OIDCError("\(url): the provider calls itself \(value.issuer), not the configured issuer \(settings.issuer)")
        }
        if let methods = value.code_challenge_methods_supported, !methods.contains("S256") {
            throw OIDCError("\(url): the provider does not support PKCE with S256 (supports \(methods))")
        }
        // An https issuer must not hand the keys or the code exchange to plain http.
        if settings.issuer.lowercased().hasPrefix("https://") {
            for (name, endpoint) in [
                ("authorization_endpoint", value.authorization_endpoint), ("token_endpoint", value.token_endpoint),
                ("jwks_uri", value.jwks_uri),
            ] where !endpoint.lowercased().hasPrefix("https://") {
                throw OIDCError("\(url): \(name) \(endpoint) is not https")
            }
        }
        return value
    }

    /// The provider's signing keys; `refresh` fetches them again (a token named an unknown key).
    func keys(_ settings: OIDCSettings, refresh: Bool = false) async throws(OIDCError) -> [JWK] {
        let m = try await metadata(settings)
        if let k = keys, k.uri == m.jwks_uri {
            let age = now().timeIntervalSince(k.at)
            if !refresh && age < 3600 || refresh && age < 30 { return k.value }
        }
        let set = try await getJSON(m.jwks_uri, JWKSet.self, settings: settings)
        keys = (m.jwks_uri, set.keys, now())
        return set.keys
    }

    /// Exchanges the authorization code (with the PKCE verifier) for tokens; returns the ID token.
    func exchange(code: String, verifier: String, settings: OIDCSettings) async throws(OIDCError) -> String {
        let m = try await metadata(settings)
        let secret: String?
        do { secret = try settings.clientSecret() } catch { throw OIDCError("client secret: \(error)") }
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", settings.redirectURI),
            ("code_verifier", verifier),
        ]
        var headers = ["Accept: application/json", "Content-Type: application/x-www-form-urlencoded"]
        if let secret {
            // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded, then base64.
            let pair = Self.formEncode(settings.clientID) + ":" + Self.formEncode(secret)
            headers.append("Authorization: Basic " + Data(pair.utf8).base64EncodedString())
        } else {
            form.append(("client_id", settings.clientID))
        }
        let body = form.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let response: FetchResponse
        do {
            response = try await http().send(
                HTTPRequest(
                    method: "POST", url: m.token_endpoint, headers: headers, body: Data(body.utf8),
                    allowPrivate: settings.allowPrivate, timeout: 10))
        } catch {
            throw OIDCError("\(m.token_endpoint): \(error)")
        }
        struct TokenResponse: Decodable {
            var id_token: String?
            var error: String?
            var error_description: String?
        }
        let decoded = try? JSONDecoder().decode(TokenResponse.self, from: response.body)
        guard response.status == 200 else {
            let why = [decoded?.error, decoded?.error_description].compactMap { $0 }.joined(separator: ": ")
            throw OIDCError("\(m.token_endpoint): HTTP \(response.status ?? 0)\(why.isEmpty ? "" : " (\(why.prefix(200)))")")
        }
        guard let idToken = decoded?.id_token, !idToken.isEmpty else {
            throw OIDCError("\(m.token_endpoint): the token response has no id_token (is \"openid\" among the scopes?)")
        }
        return idToken
    }

    /// Verifies an ID token against the provider's keys, fetching them again once if the token names a new key.
    func verify(_ idToken: String, nonce: String, settings: OIDCSettings) async throws(OIDCError) -> IDTokenClaims {
        let keys = try await keys(settings)
        let header = try IDTokenVerifier.header(of: idToken)
        var set = keys
        if let kid = header.kid, !keys.contains(where: { $0.kid == kid }) { set = try await self.keys(settings, refresh: true) }
        do throws(OIDCError) {
            return try IDTokenVerifier.verify(
                idToken, keys: set, issuer: settings.issuer, clientID: settings.clientID, nonce: nonce, now: now(),
                skew: TimeInterval(settings.clockSkew))
        } catch where error.reason.contains("signature does not verify") || error.reason.contains("no key of the provider") {
            // The provider may have rotated keys under the same (or no) kid: fetch them again — at most every 30 s —
            // and check once more.
            let fresh = try await self.keys(settings, refresh: true)
            guard fresh != set else { throw error }
            return try IDTokenVerifier.verify(
                idToken, keys: fresh, issuer: settings.issuer, clientID: settings.clientID, nonce: nonce, now: now(),
                skew: TimeInterval(settings.clockSkew))
        }
    }

    /// `application/x-www-form-urlencoded` for one value.
    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }
}

/// PKCE (RFC 7636) with S256.
enum PKCE {
    /// 32 random bytes, base64url: a 43-character verifier.
    static func verifier() -> String { Secrets.token(bytes: 32) }
    static func challenge(_ verifier: String) -> String { base64URLEncoded(Data(SHA256.hash(data: Data(verifier.utf8)))) }
}
