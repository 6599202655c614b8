import Foundation
import HTTPTypes
import Hummingbird
import SieveCore
import Store

/// Single sign-on through the organisation's OpenID Connect provider: the authorization code flow with PKCE
/// (S256), a `state` bound to the browser (a cookie) and usable once (the store), a `nonce` bound into the ID token.
/// Roles come from a claim (`[oidc] role_claim`, mapped by `[oidc.roles]`) on every sign-in; an identity whose claim
/// maps to no role is refused. Every sign-in and every refusal is in the audit log, with the reason.
extension ModerationApp {
    /// The state cookie: `__Host-` (Secure, Path=/, no Domain: a sibling subdomain cannot plant one) whenever cookies
    /// are Secure; on plain http (localhost) a path-scoped one.
    var oidcCookie: (name: String, path: String) {
        settings.secureCookies ? ("__Host-sieve_oidc", "/") : ("sieve_oidc", "/auth/oidc")
    }

    func oidcStateCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: oidcCookie.name, value: value, maxAge: maxAge, path: oidcCookie.path, secure: settings.secureCookies,
            httpOnly: true, sameSite: .lax)
    }

    /// GET /auth/oidc/start?next=/path: leaves for the provider.
    @Sendable func oidcStart(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let sso = live.current.oidc else { throw WebError(status: .notFound, message: "單一登入未設定（[oidc]）。") }
        let next = Self.safeLocalPath(request.uri.queryParameters.get("next"))
        let metadata: OIDCMetadata
        do {
            metadata = try await oidcClient.metadata(sso)
        } catch {
            context.logger.error("single sign-on: \(error)")
            return loginForm(next: next, name: "", message: "目前無法連線到機關單一登入服務，請稍後再試。", status: .badGateway, lang: context.language)
        }
        let state = Secrets.token(), nonce = Secrets.token(), verifier = PKCE.verifier()
        guard
            try await database.beginOIDCLogin(
                stateHash: Secrets.sha256(state), nonce: nonce, codeVerifier: verifier, next: next,
                expiresAt: Date().addingTimeInterval(TimeInterval(sso.loginTimeout)), limit: 10_000, now: Date()
            )
        else {
            context.logger.warning("single sign-on: too many sign-ins under way (10,000); refusing new ones until some expire")
            return loginForm(next: next, name: "", message: "登入人數過多，請稍候再試。", status: .serviceUnavailable, lang: context.language)
        }
        let query: [(String, String)] = [
            ("response_type", "code"), ("client_id", sso.clientID), ("redirect_uri", sso.redirectURI),
            ("scope", sso.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", PKCE.challenge(verifier)), ("code_challenge_method", "S256"),
        ]
        let endpoint = metadata.authorization_endpoint
        let encoded = query.map { "\($0.0)=\(OIDCClient.formEncode($0.1))" }.joined(separator: "&")
        var response = Reply.seeOther(endpoint + (endpoint.contains("?") ? "&" : "?") + encoded)
        // Lax, not Strict: the provider sends the browser back with a cross-site top-level GET, which must carry it.
        response.setCookie(oidcStateCookie(state, maxAge: sso.loginTimeout))
        return response
    }

    /// GET /auth/oidc/callback?code=…&state=…: the provider sends the browser back here.
    @Sendable func oidcCallback(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let sso = live.current.oidc else { throw WebError(status: .notFound, message: "單一登入未設定（[oidc]）。") }
        let query = request.uri.queryParameters
        let state = query.get("state") ?? ""
        // The state must be the one this browser left with (no login CSRF) and unused (no replay). A callback without
        // this browser's state is noise anyone can send: logged, not audited (the audit log records sign-ins).
        guard !state.isEmpty, let expected = request.cookies[oidcCookie.name]?.value,
            Secrets.constantTimeEquals(state, expected)
        else {
            return try await refuseSignIn(
                request, context, "state does not match this browser's sign-in (missing cookie or another browser's state)",
                status: .badRequest, audit: false)
        }
        guard let pending = try await database.consumeOIDCLogin(stateHash: Secrets.sha256(state), now: Date()) else {
            return try await refuseSignIn(request, context, "state already used or expired (a replayed or stale callback)", status: .badRequest)
        }
        if let error = query.get("error") {
            let description = query.get("error_description").map { ": \($0.prefix(200))" } ?? ""
            return try await refuseSignIn(request, context, "the provider answered \(error.prefix(64))\(description)", next: pending.next)
        }
        guard let code = query.get("code"), !code.isEmpty else {
            return try await refuseSignIn(request, context, "the provider sent no code", status: .badRequest, next: pending.next)
        }
        let claims: IDTokenClaims
        switch await verifiedClaims(code: code, pending: pending, sso: sso) {
        case .success(let c): claims = c
        case .failure(let error): return try await refuseSignIn(request, context, error.reason, next: pending.next)
        }
        let values = claims[sso.roleClaim]?.strings ?? []
        guard let role = Self.role(for: values, mapping: sso.roles) else {
            // The provider took every Sieve role away: a linked account loses its access now, not when its sessions
            // expire.
            let claim = "\(sso.roleClaim) = \(values.prefix(20))"
            var reason = "no Sieve role for claim \(claim) (see [oidc.roles])"
            if let name = try await database.revokeSSOAccount(
                issuer: claims.issuer, subject: claims.subject, claim: claim, ip: context.remoteIP, now: Date()
            ) {
                sessionCache.remove(account: name)
                reason += "; account \(name) disabled"
            }
            return try await refuseSignIn(request, context, reason, next: pending.next, subject: claims.subject)
        }
        // The name shown: the username claim, else a verified email, else the subject.
        let email = claims["email_verified"] == .bool(true) ? claims["email"]?.string : nil
        let preferred = claims[sso.usernameClaim]?.string ?? email ?? claims.subject
        let sessionID = Secrets.token()
        let old = request.cookies[Self.sessionCookie].map { Secrets.sha256($0.value) }
        let linked: SSOAccount
        do {
            linked = try await database.ssoAccount(
                issuer: claims.issuer, subject: claims.subject, preferredName: preferred, role: role,
                ip: context.remoteIP, now: Date()
            )
            guard !linked.account.disabled else {
                return try await refuseSignIn(
                    request, context, "account \(linked.account.name) is disabled in Sieve", next: pending.next, subject: claims.subject)
            }
            if let old { sessionCache.remove(old) }
            try await database.createSession(
                account: linked.account.name, idHash: Secrets.sha256(sessionID), csrfToken: Secrets.token(),
                expiresAt: Date().addingTimeInterval(TimeInterval(settings.sessionLifetime)), replacing: old,
                ip: context.remoteIP, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) }, method: "oidc")
        } catch {
            // Audited like any refusal (a name clash, a race between two first sign-ins, the database).
            context.logger.error("single sign-on: storing the sign-in failed: \(error)")
            return try await refuseSignIn(
                request, context, "the sign-in could not be stored (\(String(describing: error).prefix(200)))", status: .internalServerError,
                next: pending.next, subject: claims.subject)
        }
        var after: [String: String] = ["via": "oidc", "issuer": claims.issuer, "sub": claims.subject, "role": role.rawValue]
        if linked.created { after["created"] = "true" }
        try await database.audit(
            actor: linked.account.name, action: "login", postId: nil, before: nil, after: Self.auditJSON(after),
            ip: context.remoteIP
        )
        // A page that moves on by itself: the browser arrived here from the provider (a cross-site navigation), and
        // the session cookie is SameSite=Strict, so a redirect would reach the app without it.
        var response = Reply.html(Pages.render("ssoContinue", SSOContinueView(user: linked.account.name, next: pending.next), context.language))
        response.headers[HTTPField.Name.cacheControl] = "no-store"
        response.setCookie(cookie(Self.sessionCookie, sessionID, maxAge: settings.sessionLifetime))
        response.setCookie(oidcStateCookie("", maxAge: 0))
        return response
    }

    func verifiedClaims(code: String, pending: OIDCLoginRecord, sso: OIDCSettings) async -> Result<IDTokenClaims, OIDCError> {
        do throws(OIDCError) {
            let idToken = try await oidcClient.exchange(code: code, verifier: pending.codeVerifier, settings: sso)
            return .success(try await oidcClient.verify(idToken, nonce: pending.nonce, settings: sso))
        } catch {
            return .failure(error)
        }
    }

    /// A refused sign-in: audited with the reason, logged, the login page with a short message, the state cookie gone.
    func refuseSignIn(
        _ request: Request, _ context: WebContext, _ reason: String, status: HTTPResponse.Status = .forbidden,
        next: String = "/", subject: String? = nil, audit: Bool = true
    ) async throws -> Response {
        if audit {
            var after: [String: String] = ["via": "oidc", "reason": String(reason.prefix(500))]
            if let subject { after["sub"] = subject }
            try await database.audit(
                actor: "(sso)", action: "login_failed", postId: nil, before: nil, after: Self.auditJSON(after),
                ip: context.remoteIP
            )
        }
        context.logger.warning("single sign-on refused: \(reason)")
        var response = loginForm(next: next, name: "", message: Messages.app("單一登入失敗，請重新登入。（{reason}）", context.language, ["reason": Messages.app(Self.shortReason(reason), context.language)]), status: status, lang: context.language)
        response.setCookie(oidcStateCookie("", maxAge: 0))
        return response
    }

    /// An audit line's JSON (keys sorted, as the store writes its own).
    static func auditJSON(_ fields: [String: String]) -> String? {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The most privileged role any of the claim's values maps to (admin > moderator > eoc); nil: none.
    static func role(for values: [String], mapping: [String: [String]]) -> AccountRole? {
        for role in [AccountRole.admin, .moderator, .eoc] where mapping[role.rawValue]?.contains(where: values.contains) == true {
            return role
        }
        return nil
    }

    /// What the person sees of a refusal: the kind, without claim values.
    static func shortReason(_ reason: String) -> String {
        switch reason {
        case let r where r.hasPrefix("state"): "登入連結已使用過或已過期"
        case let r where r.contains("expired"): "身分權杖已過期"
        case let r where r.contains("audience") || r.contains("authorized party"): "身分權杖不是發給本系統的"
        case let r where r.contains("signature"): "身分權杖簽章不符"
        case let r where r.hasPrefix("no Sieve role"): "您的機關帳號沒有 Sieve 的角色，請洽管理員"
        case let r where r.hasPrefix("the sign-in could not be stored"): "系統暫時無法完成登入，請再試一次"
        case let r where r.contains("disabled"): "帳號已停用"
        case let r where r.hasPrefix("the provider answered"): "登入已取消或被拒"
        default: "身分驗證失敗"
        }
    }

    /// The provider's sign-out page for a session that signed in through it (RP-initiated logout), when the
    /// provider has one; it comes back to /login.
    func providerLogoutURL() async -> String? {
        guard let sso = live.current.oidc, let metadata = try? await oidcClient.metadata(sso),
            let endpoint = metadata.end_session_endpoint, var back = URLComponents(string: sso.redirectURI)
        else { return nil }
        back.path = "/login"
        back.query = nil
        let query = [("client_id", sso.clientID), ("post_logout_redirect_uri", back.string ?? "")]
            .map { "\($0.0)=\(OIDCClient.formEncode($0.1))" }.joined(separator: "&")
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }
}
