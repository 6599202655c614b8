import Foundation
import NIOPosix
import HummingbirdBcrypt
import Hummingbird
import SieveCore
import Store

extension ModerationApp {
    /// GET /login. A random token goes both into a short-lived cookie and the form (double submit), so a login
    /// form posted from another site is refused (login CSRF).
    @Sendable func login(_ request: Request, _ context: WebContext) async throws -> Response {
        // Shown even to a logged-in user (to switch accounts); logging in again replaces that session.
        let next = Self.safeLocalPath(request.uri.queryParameters.get("next"))
        guard request.uri.queryParameters.get("signed_out") == "sso" else {
            return loginForm(next: next, name: "", message: nil, status: .ok, lang: context.language)
        }
        // Signed out of a single sign-on session: Sieve's session is gone; the provider's may still be open.
        var view = loginView(next: next, name: "", message: nil, lang: context.language)
        view.notice = Messages.app("已登出 Sieve。", context.language)
        view.providerLogout = await providerLogoutURL()
        return loginPage(view, status: .ok)
    }

    func loginView(next: String, name: String, message: String?, lang: Language) -> LoginView {
        var view = LoginView(loginToken: Secrets.token(), next: next, name: name, message: message.map { Messages.hasChinese($0) ? Messages.app($0, lang) : $0 })
        view.chrome = Chrome(lang: lang)
        let other: Language = view.chrome.lang == .zhHant ? .en : .zhHant
        view.chrome.switchURL = "/login?" + (next == "/" ? "" : "next=" + OIDCClient.formEncode(next) + "&") + "lang=\(other.rawValue)"
        view.chrome.switchLabel = other.nativeName
        view.chrome.switchLang = other.htmlLang
        if let sso = live.current.oidc {
            let start = "/auth/oidc/start" + (next == "/" ? "" : "?next=" + OIDCClient.formEncode(next))
            view.sso = SSOButton(startURL: start, label: sso.label)
            view.localLogin = sso.localLogin
        }
        return view
    }

    func loginForm(next: String, name: String, message: String?, status: HTTPResponse.Status, lang: Language) -> Response {
        loginPage(loginView(next: next, name: name, message: message, lang: lang), status: status)
    }

    func loginPage(_ view: LoginView, status: HTTPResponse.Status) -> Response {
        var response = Reply.html(Pages.render("login", view, view.chrome.lang), status: status)
        response.setCookie(cookie(Self.loginCookie, view.loginToken, maxAge: 3600, path: "/login"))
        return response
    }

    /// POST /login: throttled per account and address; a success starts a new session (new id, new CSRF token)
    /// and ends the one the browser came with.
    @Sendable func loginSubmit(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await readForm(request, context)
        let name = form.text("name") ?? ""
        let password = form["password"] ?? ""
        let next = Self.safeLocalPath(form["next"])
        if let sso = live.current.oidc, !sso.localLogin {
            return loginForm(next: next, name: "", message: "本站只接受機關單一登入。", status: .forbidden, lang: context.language)
        }
        guard let sent = form["_csrf"], let expected = request.cookies[Self.loginCookie]?.value,
            Secrets.constantTimeEquals(sent, expected)
        else {
            return loginForm(next: next, name: name, message: "登入表單已過期，請再試一次。", status: .forbidden, lang: context.language)
        }
        // Three throttles: this account from this address (a lockout), this address whatever the account (a
        // lockout at four times the failures: one address spraying guesses over many accounts), and this account
        // whatever the address (a backoff, never a lockout: guesses spread over many addresses slow down, and
        // nobody can lock a real user out). Behind a reverse proxy the address is the client's (trusted_proxies).
        let account = name.lowercased()
        let keys = (pair: "\(account)|\(context.remoteIP)", address: "ip|\(context.remoteIP)", account: "account|\(account)")
        if let until = try await database.loginLockedUntil(keys: [keys.pair, keys.address, keys.account], now: Date()) {
            return loginForm(
                next: next, name: name, message: Messages.app("嘗試次數過多，請於 {time} 後再試。", context.language, ["time": String(taipeiShort(until).suffix(5))]),
                status: .tooManyRequests, lang: context.language)
        }
        let found = name.isEmpty ? nil : try await database.account(named: name)
        // Verify even for unknown names, so timing does not reveal which accounts exist; at most a few at once.
        // An account made by single sign-on has no password ("") and never signs in with one.
        let usable = found.map { !$0.passwordHash.isEmpty } ?? false
        let hash = usable ? found!.passwordHash : Self.dummyHash
        guard let verified = await bcryptGate.verify(password, hash: hash) else {
            return loginForm(next: next, name: name, message: "登入人數過多，請稍候再試。", status: .serviceUnavailable, lang: context.language)
        }
        let ok = verified && usable && found?.disabled == false
        guard ok, let account = found else {
            let window = TimeInterval(settings.loginLockout)
            var locked = try await database.recordLoginFailure(
                key: keys.pair, maxFailures: settings.loginMaxFailures, window: window, lockout: window, backoff: false,
                now: Date()
            )
            if let l = try await database.recordLoginFailure(
                key: keys.address, maxFailures: settings.loginMaxFailures * 4, window: window, lockout: window,
                backoff: false, now: Date()
            )
            {
                locked = max(locked ?? l, l)
            }
            if let l = try await database.recordLoginFailure(
                key: keys.account, maxFailures: settings.loginMaxFailures, window: window, lockout: min(window, 300),
                backoff: true, now: Date()
            )
            {
                locked = max(locked ?? l, l)
            }
            try await database.audit(
                actor: name.isEmpty ? "(blank)" : name, action: "login_failed", postId: nil, before: nil,
                after: locked.map { "{\"locked_until\":\"\($0)\"}" }, ip: context.remoteIP
            )
            if let locked {
                return loginForm(
                    next: next, name: name, message: Messages.app("嘗試次數過多，請於 {time} 後再試。", context.language, ["time": String(taipeiShort(locked).suffix(5))]),
                    status: .tooManyRequests, lang: context.language)
            }
            return loginForm(next: next, name: name, message: "帳號或密碼錯誤。", status: .unauthorized, lang: context.language)
        }
        try await database.clearLoginFailures(key: keys.pair)
        try await database.clearLoginFailures(key: keys.account)
        let sessionID = Secrets.token()
        let old = request.cookies[Self.sessionCookie].map { Secrets.sha256($0.value) }
        if let old { sessionCache.remove(old) }
        try await database.createSession(
            account: account.name, idHash: Secrets.sha256(sessionID), csrfToken: Secrets.token(),
            expiresAt: Date().addingTimeInterval(TimeInterval(settings.sessionLifetime)), replacing: old,
            ip: context.remoteIP, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) },
            method: "password"
        )
        try await database.audit(
            actor: account.name, action: "login", postId: nil, before: nil, after: nil, ip: context.remoteIP
        )
        var response = Reply.seeOther(next)
        response.setCookie(cookie(Self.sessionCookie, sessionID, maxAge: settings.sessionLifetime))
        response.setCookie(cookie(Self.loginCookie, "", maxAge: 0, path: "/login"))
        return response
    }

    /// POST /logout: ends the session on the server and clears the cookie.
    @Sendable func logout(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await readForm(request, context)
        guard let auth = context.auth, let sessionHash = auth.sessionHash else { return Reply.seeOther("/login") }
        try checkCSRF(auth, request, form: form)
        try await database.deleteSession(idHash: sessionHash)
        sessionCache.remove(sessionHash)
        try await database.audit(
            actor: auth.user, action: "logout", postId: nil, before: nil,
            after: auth.signIn == "oidc" ? "{\"via\":\"oidc\"}" : nil, ip: context.remoteIP
        )
        // After a single sign-on session, the login page offers the provider's sign-out too.
        var response = Reply.seeOther(auth.signIn == "oidc" && live.current.oidc != nil ? "/login?signed_out=sso" : "/login")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }

    /// A bcrypt hash of a random password: verifying against it costs what a real check costs.
    static let dummyHash = Bcrypt.hash(Secrets.token(), cost: 12)

    /// bcrypt on NIO's thread pool for blocking work, not on the request threads (a cost-12 check takes a quarter
    /// of a second); the request's task suspends meanwhile.
    static func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }

    /// A bcrypt hash for a new password.
    public static func hashPassword(_ password: String, cost: Int) -> String {
        Bcrypt.hash(password, cost: UInt8(max(4, min(31, cost))))
    }
}

/// At most `concurrency` bcrypt checks at once, and at most `4 × concurrency` waiting: a flood of logins queues
/// or is refused instead of taking every core (each check is a quarter of a second of CPU at cost 12).
actor BcryptGate {
    let concurrency: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(concurrency: Int) { self.concurrency = max(1, concurrency) }

    /// The check's result, or nil when too many are waiting already.
    func verify(_ password: String, hash: String) async -> Bool? {
        if running >= concurrency {
            guard waiting.count < concurrency * 4 else { return nil }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        let ok = await ModerationApp.verify(password, hash: hash)
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }  // the slot passes to the next
        return ok
    }

}
