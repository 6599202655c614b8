import Foundation
import TOMLKit

/// `[oidc]`: single sign-on for the moderation web app through the organisation's OpenID Connect provider
/// (authorization code flow with PKCE). Local accounts stay available unless `local_login = false`.
///
/// ```toml
/// [oidc]
/// issuer = "https://sso.example.gov.tw/realms/emic"       # discovery: issuer + /.well-known/openid-configuration
/// client_id = "sieve"
/// client_secret_env = "SIEVE_OIDC_CLIENT_SECRET"          # or client_secret_file; neither: a public client (PKCE only)
/// redirect_uri = "https://sieve.example.gov.tw/auth/oidc/callback"
/// role_claim = "groups"                                   # a dotted path works too: "realm_access.roles"
/// username_claim = "preferred_username"                   # the account name shown in the app and the audit log
/// scopes = ["openid", "profile", "email"]
/// label = "以機關帳號登入"
///
/// [oidc.roles]                                            # claim values → Sieve roles (the highest one wins)
/// admin = ["sieve-admin"]
/// moderator = ["sieve-moderator"]
/// eoc = ["eoc"]
/// ```
public struct OIDCSettings: Sendable, Equatable {
    public var issuer: String
    public var clientID: String
    public var clientSecretEnv: String?
    public var clientSecretFile: String?
    public var redirectURI: String
    public var scopes: [String] = ["openid", "profile", "email"]
    /// Where the roles are in the ID token ("groups", or a dotted path such as "realm_access.roles").
    public var roleClaim: String = "groups"
    /// The claim naming the account (falls back to email, then sub).
    public var usernameClaim: String = "preferred_username"
    /// Claim value → role name ("admin", "moderator", "eoc"), in the order given.
    public var roles: [String: [String]] = [:]
    /// Password logins next to single sign-on (small deployments, a break-glass admin).
    public var localLogin: Bool = true
    /// The sign-in button's text.
    public var label: String = "以機關帳號登入（單一登入）"
    /// Seconds of clock difference tolerated when checking `exp`, `iat` and `nbf`.
    public var clockSkew: Int = 60
    /// Seconds a sign-in may take between leaving for the provider and coming back.
    public var loginTimeout: Int = 600
    /// The provider may be on a private or loopback address (an in-house IdP; tests). Off: the SSRF guard applies.
    public var allowPrivate: Bool = false
    /// The config file these settings came from (for error messages).
    public var configFile: String = "sieve.toml"

    public init(issuer: String, clientID: String, redirectURI: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.redirectURI = redirectURI
    }

    /// The client secret from `client_secret_env` or `client_secret_file` (nil: a public client); read at use, so a
    /// rotated secret needs no restart. Throws when the named variable or file is missing or empty.
    public func clientSecret(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String? {
        if let name = clientSecretEnv {
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(file: configFile, key: "oidc.client_secret_env", message: "environment variable \(name) is not set or empty")
            }
            return value
        }
        if let path = clientSecretFile {
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else {
                throw ConfigError(file: path, key: "oidc.client_secret_file", message: "cannot read the client secret (missing, unreadable or empty)")
            }
            return text
        }
        return nil
    }
}

extension TableReader {
    func readOIDC(_ root: TOMLTable, baseDir: URL) throws(ConfigError) -> OIDCSettings? {
        guard let value = root["oidc"] else { return nil }
        let ctx = "oidc"
        guard let t = value.table else { throw error("", "oidc", "oidc", "expected a table [oidc]") }
        if t["client_secret"] != nil {
            throw error(ctx, "client_secret", "oidc.client_secret", "secrets are never written in the config; use client_secret_env or client_secret_file")
        }
        try checkKeys(
            t,
            allowed: [
                "issuer", "client_id", "client_secret_env", "client_secret_file", "redirect_uri", "scopes", "role_claim",
                "username_claim", "roles", "local_login", "label", "clock_skew", "login_timeout", "allow_private",
            ], context: ctx, display: ctx)
        func url(_ key: String) throws(ConfigError) -> String {
            let text = try string(t, key, context: ctx, display: ctx, required: true)!
            guard let u = URLComponents(string: text), let scheme = u.scheme?.lowercased(), scheme == "https" || scheme == "http",
                u.host?.isEmpty == false, u.fragment == nil
            else {
                throw error(ctx, key, "oidc.\(key)", "expected an http(s) URL without a fragment, found \"\(text)\"")
            }
            return text
        }
        let issuer = try url("issuer")
        let redirect = try url("redirect_uri")
        // Keys, codes and the client secret travel to and from the provider: plain http only for a provider on this
        // machine's own network (allow_private, e.g. a test provider on loopback).
        let allowPrivate = try bool(t, "allow_private", context: ctx, display: ctx) ?? false
        for (key, value) in [("issuer", issuer), ("redirect_uri", redirect)] where !allowPrivate && !value.lowercased().hasPrefix("https://") {
            throw error(ctx, key, "oidc.\(key)", "must be https (plain http only with allow_private = true, for a provider on a private network)")
        }
        guard let clientID = try string(t, "client_id", context: ctx, display: ctx, required: true), !clientID.isEmpty else {
            throw error(ctx, "client_id", "oidc.client_id", "must not be empty")
        }
        var s = OIDCSettings(issuer: issuer, clientID: clientID, redirectURI: redirect)
        s.configFile = file
        s.clientSecretEnv = try string(t, "client_secret_env", context: ctx, display: ctx)
        if let path = try string(t, "client_secret_file", context: ctx, display: ctx) {
            s.clientSecretFile = path.hasPrefix("/") ? path : baseDir.appendingPathComponent(path).path
        }
        if s.clientSecretEnv != nil, s.clientSecretFile != nil {
            throw error(ctx, "client_secret_file", "oidc.client_secret_file", "give client_secret_env or client_secret_file, not both")
        }
        if let value = t["scopes"] {
            guard let array = value.array, let scopes = Optional(array.compactMap(\.string)), scopes.count == array.count else {
                throw error(ctx, "scopes", "oidc.scopes", "expected an array of strings, e.g. [\"openid\", \"profile\"]")
            }
            guard scopes.contains("openid") else { throw error(ctx, "scopes", "oidc.scopes", "must include \"openid\"") }
            s.scopes = scopes
        }
        if let v = try string(t, "role_claim", context: ctx, display: ctx) {
            guard !v.isEmpty else { throw error(ctx, "role_claim", "oidc.role_claim", "must not be empty") }
            s.roleClaim = v
        }
        if let v = try string(t, "username_claim", context: ctx, display: ctx) {
            guard !v.isEmpty else { throw error(ctx, "username_claim", "oidc.username_claim", "must not be empty") }
            s.usernameClaim = v
        }
        if let v = try bool(t, "local_login", context: ctx, display: ctx) { s.localLogin = v }
        if let v = try bool(t, "allow_private", context: ctx, display: ctx) { s.allowPrivate = v }
        if let v = try string(t, "label", context: ctx, display: ctx), !v.isEmpty { s.label = v }
        for (key, range) in [("clock_skew", 0...600), ("login_timeout", 30...3600)] {
            guard let value = t[key] else { continue }
            guard let i = value.int, range.contains(i) else {
                throw error(ctx, key, "oidc.\(key)", "expected whole seconds between \(range.lowerBound) and \(range.upperBound)")
            }
            if key == "clock_skew" { s.clockSkew = i } else { s.loginTimeout = i }
        }
        guard let rolesValue = t["roles"] else {
            throw error(ctx, nil, "oidc.roles", "missing (required): [oidc.roles] maps claim values to admin, moderator and eoc")
        }
        guard let roles = rolesValue.table else { throw error(ctx, "roles", "oidc.roles", "expected a table [oidc.roles]") }
        let rctx = "oidc.roles"
        try checkKeys(roles, allowed: ["admin", "moderator", "eoc"], context: rctx, display: rctx)
        for key in roles.keys {
            let v = roles[key]!
            let values: [String]
            if let one = v.string {
                values = [one]
            } else if let array = v.array, array.allSatisfy({ $0.string != nil }) {
                values = array.compactMap(\.string)
            } else {
                throw error(rctx, key, "oidc.roles.\(key)", "expected a claim value or an array of them, e.g. [\"sieve-admin\"]")
            }
            s.roles[key] = values
        }
        guard s.roles.values.contains(where: { !$0.isEmpty }) else {
            throw error(rctx, nil, "oidc.roles", "maps no claim value to a role: nobody could sign in")
        }
        return s
    }
}
