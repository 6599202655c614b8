import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import Net
import SieveCore
import Store
import TestSupport
import Testing

/// PyPI's oidc-provider-mock (authlib) run by `Tests/oidc/provider.py` on loopback: client registration required,
/// PKCE enforced, nonces required; with a man-in-the-middle hook that alters the next ID token on request.
final class TestProvider: Sendable {
    let child: ChildProcess
    let port: Int
    let log: String
    var issuer: String { "http://127.0.0.1:\(port)" }
    static let http = HTTPClient()

    private init(child: ChildProcess, port: Int, log: String) {
        self.child = child
        self.port = port
        self.log = log
    }

    static let python = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python")
    /// `make pyenv` installed oidc-provider-mock into .venv (the tests are skipped, and reported so, without it).
    static let available: Bool =
        FileManager.default.fileExists(atPath: python.path)
        && ((try? FileManager.default.contentsOfDirectory(atPath: TestPaths.packageRoot.appendingPathComponent(".venv/lib").path))?
            .contains { FileManager.default.fileExists(atPath: TestPaths.packageRoot.appendingPathComponent(".venv/lib/\($0)/site-packages/oidc_provider_mock").path) } ?? false)

    /// The provider, running (nil when it did not start: recorded as an issue).
    static func start(_ dir: TempDir) async throws -> TestProvider? {
        let port = try freeLoopbackPort()
        let log = dir.path("provider.log")
        let child = try ChildProcess.start(
            python, [TestPaths.packageRoot.appendingPathComponent("Tests/oidc/provider.py").path, "--port", "\(port)"],
            cwd: dir.url, stderrPath: log)
        let provider = TestProvider(child: child, port: port, log: log)
        // Python imports flask, pydantic and authlib first: seconds when idle, and it took over 30 s once while the
        // whole suite ran in parallel on this 2-core machine (a fresh-clone `make test`).
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let r = try? await http.send(provider.request("GET", "/.well-known/openid-configuration")), r.status == 200 {
                return provider
            }
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.process.terminate()
        Issue.record("the OIDC provider did not start: \(String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self).suffix(2000))")
        return nil
    }

    func stop() {
        if child.isRunning { child.process.terminate() }
    }

    func request(_ method: String, _ path: String, json: Any? = nil, form: [(String, String)]? = nil, body: String? = nil)
        -> Net.HTTPRequest
    {
        var headers: [String] = []
        var data: Data? = body.map { Data($0.utf8) }
        if let json {
            headers.append("Content-Type: application/json")
            data = try? JSONSerialization.data(withJSONObject: json)
        }
        if let form {
            headers.append("Content-Type: application/x-www-form-urlencoded")
            data = Data(form.map { "\($0.0)=\(Browser.escape($0.1))" }.joined(separator: "&").utf8)
        }
        let url = path.hasPrefix("http") ? path : issuer + path
        return Net.HTTPRequest(method: method, url: url, headers: headers, body: data, allowPrivate: true, timeout: 10)
    }

    func json(_ r: FetchResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: r.body) as? [String: Any])
    }

    /// Registers a confidential client (client_secret_basic) for `redirect`.
    func register(redirect: String) async throws -> (id: String, secret: String) {
        let r = try await Self.http.send(request("POST", "/oauth2/clients", json: ["redirect_uris": [redirect]]))
        #expect(r.status == 201)
        let body = try json(r)
        return (try #require(body["client_id"] as? String), try #require(body["client_secret"] as? String))
    }

    /// Sets a user's claims (they go into the ID token as given, standard ones by scope).
    func setUser(_ sub: String, _ claims: [String: Any]) async throws {
        let r = try await Self.http.send(request("PUT", "/users/\(sub)", json: claims))
        #expect(r.status == 204)
    }

    /// The next ID token the token endpoint sends is altered ("payload", "signature", "alg-none").
    func tamper(_ mode: String) async throws {
        let r = try await Self.http.send(request("POST", "/test/tamper", body: mode))
        #expect(r.status == 204)
    }

    /// The person signs in at the provider as `sub`: returns where the provider sends the browser back.
    func authorize(_ authorizeURL: String, sub: String) async throws -> URLComponents {
        let r = try await Self.http.send(request("POST", authorizeURL, form: [("sub", sub)]))
        #expect(r.status == 302, "authorize: \(r.status ?? 0) \(String(decoding: r.body, as: UTF8.self).prefix(500))")
        return try #require(URLComponents(string: r.headers["location"] ?? ""))
    }
}

@Suite(.serialized, .enabled(if: TestProvider.available, "needs .venv with oidc-provider-mock (`make pyenv`)"))
struct OIDCTests {
    static let redirect = "http://127.0.0.1:8080/auth/oidc/callback"
    /// The fixture's cookies are Secure: the state cookie is a `__Host-` one.
    static let stateCookie = "__Host-sieve_oidc"

    /// A web app whose [oidc] points at `provider` with a freshly registered client.
    func fixture(
        _ provider: TestProvider, _ dir: TempDir, _ backend: Backend = .sqlite, localLogin: Bool = true,
        test: String = #function
    ) async throws -> WebFixture? {
        let client = try await provider.register(redirect: Self.redirect)
        let secretFile = dir.write("oidc-secret", client.secret + "\n")
        return try await WebFixture.on(backend, test) { config in
            var sso = OIDCSettings(issuer: provider.issuer, clientID: client.id, redirectURI: Self.redirect)
            sso.clientSecretFile = secretFile
            sso.allowPrivate = true
            sso.localLogin = localLogin
            sso.roles = ["admin": ["sieve-admins"], "moderator": ["sieve-moderators"], "eoc": ["eoc"]]
            sso.scopes = ["openid", "profile", "email"]
            config.oidc = sso
        }
    }

    /// One sign-in through the provider, as a browser does it: Sieve's start link, the provider's page, back.
    /// Returns the callback's path and query (to replay) and the page Sieve answered with.
    func signIn(_ b: Browser, _ provider: TestProvider, sub: String, next: String = "/dashboard") async throws
        -> (callback: String, stateCookie: String?, page: Page)
    {
        let start = try await b.get("/auth/oidc/start?next=\(Browser.escape(next))")
        #expect(start.status == .seeOther)
        let location = try #require(start.location)
        let query = try #require(URLComponents(string: location)?.queryItems)
        func q(_ name: String) -> String? { query.first { $0.name == name }?.value }
        #expect(location.hasPrefix(provider.issuer + "/oauth2/authorize?"))
        #expect(q("code_challenge_method") == "S256")
        #expect(q("code_challenge")?.count == 43)
        #expect(q("response_type") == "code")
        #expect(q("nonce")?.isEmpty == false)
        #expect(q("redirect_uri") == Self.redirect)
        let stateCookie = b.cookies[Self.stateCookie]
        #expect(stateCookie == q("state"))
        let setCookie = try #require(start.setCookies.first { $0.hasPrefix(Self.stateCookie + "=") })
        let attributes = Set(setCookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        #expect(
            attributes.isSuperset(of: ["samesite=lax", "httponly", "secure", "path=/"]) && !attributes.contains { $0.hasPrefix("domain") },
            "\(setCookie)")
        let back = try await provider.authorize(location, sub: sub)
        let callback = back.path + "?" + (back.percentEncodedQuery ?? "")
        #expect(back.path == "/auth/oidc/callback")
        return (callback, stateCookie, try await b.get(callback))
    }

    func auditEntries(_ f: WebFixture) async throws -> [AuditEntry] {
        try await f.database.auditEntries(limit: nil)
    }

    @Test(arguments: Backend.available)
    func signInMapsRolesAuditsAndLogsOut(_ backend: Backend) async throws {
        let dir = TempDir()
        guard let provider = try await TestProvider.start(dir) else { return }
        defer { provider.stop() }
        guard let f = try await fixture(provider, dir, backend, test: "oidcSignIn") else { return }
        try await provider.setUser("u-1001", ["preferred_username": "alice", "email": "alice@example.gov.tw", "groups": ["staff", "sieve-moderators"]])
        try await f.application().test(.router) { client in
            let b = Browser(client)
            // The login page offers both ways in.
            let login = try await b.get("/login")
            #expect(login.body.contains("/auth/oidc/start"))
            #expect(login.body.contains("name=\"password\""))

            let (callback, stateCookie, page) = try await signIn(b, provider, sub: "u-1001")
            #expect(page.status == .ok, "\(page.body.prefix(800))")
            #expect(page.body.contains("url=/dashboard"))
            #expect(page.setCookies.contains { $0.hasPrefix("sieve_session=") && $0.contains("SameSite=Strict") })
            #expect(b.cookies[Self.stateCookie] == nil)  // the state cookie is spent
            let dashboard = try await b.get("/dashboard")
            #expect(dashboard.status == .ok)
            #expect(dashboard.body.contains("alice"))
            let account = try #require(try await f.database.account(named: "alice"))
            #expect(account.role == .moderator)
            #expect(account.passwordHash.isEmpty)
            var audit = try await auditEntries(f)
            let created = try #require(audit.first { $0.action == "account_create" })
            #expect(created.after?.contains("\"sub\":\"u-1001\"") == true)
            let signedIn = try #require(audit.first { $0.action == "login" && $0.actor == "alice" })
            #expect(signedIn.after?.contains("\"via\":\"oidc\"") == true)
            #expect(signedIn.after?.contains("\"role\":\"moderator\"") == true)

            // The same callback again (the state cookie put back, as an attacker holding the URL would): refused.
            var replay = Browser(client)
            replay.cookies[Self.stateCookie] = stateCookie
            let replayed = try await replay.get(callback)
            #expect(replayed.status == .badRequest)
            #expect(replay.cookies["sieve_session"] == nil)
            // A callback carrying another browser's state (login CSRF): refused before the store is asked.
            replay = Browser(client)
            #expect(try await replay.get(callback).status == .badRequest)
            audit = try await auditEntries(f)
            let refusals = audit.filter { $0.action == "login_failed" }.compactMap(\.after)
            #expect(refusals.contains { $0.contains("already used") })
            // A callback without this browser's state is noise anyone can send: refused, logged, not audited.
            #expect(!refusals.contains { $0.contains("does not match this browser") })

            // A password login to an account made by single sign-on is refused (its stored hash is empty: no bcrypt
            // hash matches it, and the login does not even try).
            let other = Browser(client)
            #expect(try await other.login("alice", password: "").status == .unauthorized)

            // Logout ends the local session on the server (the old cookie, sent again, is worth nothing); the login
            // page then offers the provider's sign-out.
            let csrf = try #require(dashboard.csrf)
            let oldSession = try #require(b.cookies["sieve_session"])
            let out = try await b.post("/logout", form: [("_csrf", csrf)])
            #expect(out.location == "/login?signed_out=sso")
            let stale = Browser(client)
            stale.cookies["sieve_session"] = oldSession
            #expect(try await stale.get("/dashboard").status == .seeOther)
            let after = try await b.get(try #require(out.location))
            #expect(after.body.contains(provider.issuer + "/oauth2/end_session?client_id="))
            #expect(try await auditEntries(f).contains { $0.action == "logout" && $0.actor == "alice" })

            // The provider's groups change: the next sign-in carries the new role, audited.
            try await provider.setUser("u-1001", ["preferred_username": "alice", "groups": ["sieve-admins"]])
            let again = try await signIn(b, provider, sub: "u-1001")
            #expect(again.page.status == .ok)
            #expect(try await f.database.account(named: "alice")?.role == .admin)
            #expect(try await b.get("/admin/audit").status == .ok)
            let users = try await b.get("/admin/users")
            #expect(users.body.contains("<td>alice</td><td>管理員</td><td>單一登入</td>"))
            #expect(users.body.contains("<td>mod</td><td>審核員</td><td>本機密碼</td>"))
            #expect(try await auditEntries(f).contains { $0.action == "role_change" && $0.after?.contains("\"role\":\"admin\"") == true })

            // Local accounts still work beside single sign-on.
            let local = Browser(client)
            #expect(try await local.login("mod").status == .seeOther)
            #expect(try await local.get("/").status == .ok)

            // The provider takes every Sieve role away: the next sign-in is refused and the account loses its access
            // at once — including the session it still has open in this browser.
            #expect(try await b.get("/dashboard").status == .ok)
            try await provider.setUser("u-1001", ["preferred_username": "alice", "groups": ["staff"]])
            let revoked = try await signIn(Browser(client), provider, sub: "u-1001")
            #expect(revoked.page.status == .forbidden)
            #expect(try await f.database.account(named: "alice")?.disabled == true)
            #expect(try await b.get("/dashboard").status == .seeOther)
            #expect(try await auditEntries(f).contains { $0.action == "role_revoked" && $0.after?.contains("\"account\":\"alice\"") == true })
            // Roles given back at the provider do not reopen it by themselves: an admin enables the account.
            try await provider.setUser("u-1001", ["preferred_username": "alice", "groups": ["sieve-moderators"]])
            #expect(try await signIn(Browser(client), provider, sub: "u-1001").page.status == .forbidden)
        }
    }

    /// Every way an ID token can be wrong, each from the real provider (altered in transit where the provider would
    /// never sign it): refused, no session, the reason in the audit log.
    @Test(arguments: Backend.available)
    func refusesBadTokens(_ backend: Backend) async throws {
        let dir = TempDir()
        guard let provider = try await TestProvider.start(dir) else { return }
        defer { provider.stop() }
        guard let f = try await fixture(provider, dir, backend, test: "oidcRefusals") else { return }
        let now = Int(Date().timeIntervalSince1970)
        try await provider.setUser("mallory", ["preferred_username": "mallory", "groups": ["sieve-moderators"]])
        try await provider.setUser("wrong-aud", ["preferred_username": "wa", "groups": ["sieve-moderators"], "aud": "another-app"])
        try await provider.setUser("expired", ["preferred_username": "ex", "groups": ["sieve-moderators"], "exp": now - 600, "iat": now - 4200])
        try await provider.setUser("norole", ["preferred_username": "nr", "groups": ["staff"]])
        let cases: [(sub: String, tamper: String?, reason: String)] = [
            ("mallory", "payload", "signature does not verify"),
            ("mallory", "signature", "signature does not verify"),
            ("mallory", "alg-none", "algorithm none is not accepted"),
            ("wrong-aud", nil, "audience"),
            ("expired", nil, "expired"),
            ("norole", nil, "no Sieve role"),
            // The ID token of the previous sign-in (mallory's, validly signed, for this client) in place of this one's.
            ("wrong-aud", "replay", "nonce does not match"),
        ]
        try await f.application().test(.router) { client in
            for c in cases {
                if let mode = c.tamper { try await provider.tamper(mode) }
                let b = Browser(client)
                let (_, _, page) = try await signIn(b, provider, sub: c.sub, next: "/")
                #expect(page.status == .forbidden, "\(c): \(page.status)")
                #expect(b.cookies["sieve_session"] == nil, "\(c)")
                #expect(try await b.get("/").status == .seeOther, "\(c)")
                let last = try #require(try await auditEntries(f).first { $0.action == "login_failed" })
                #expect(last.after?.contains(c.reason) == true, "\(c): \(last.after ?? "")")
            }
            // Nobody was let in: no account was made for any of them.
            for name in ["mallory", "wa", "ex", "nr"] { #expect(try await f.database.account(named: name) == nil) }
            #expect(try await f.database.auditEntries(action: "login", limit: nil).isEmpty)
            // The untampered token of the same person is fine (the refusals were about the token, not the person).
            let b = Browser(client)
            #expect(try await signIn(b, provider, sub: "mallory").page.status == .ok)
            #expect(try await f.database.account(named: "mallory")?.role == .moderator)
        }
    }

    @Test func ssoOnlyRefusesPasswords() async throws {
        let dir = TempDir()
        guard let provider = try await TestProvider.start(dir) else { return }
        defer { provider.stop() }
        guard let f = try await fixture(provider, dir, localLogin: false) else { return }
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let login = try await b.get("/login")
            #expect(login.body.contains("/auth/oidc/start"))
            #expect(!login.body.contains("name=\"password\""))
            // A well-formed password login (the login form's token, as a script would send it): refused anyway.
            let token = try #require(b.cookies["sieve_login"])
            let refused = try await b.post(
                "/login", form: [("_csrf", token), ("name", "admin"), ("password", WebFixture.password), ("next", "/")])
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains("本站只接受機關單一登入"))
            #expect(b.cookies["sieve_session"] == nil)
        }
    }
}

/// Single sign-on in headless Chromium (Tests/ui/sso_ui.py): the provider on 127.0.0.2, Sieve on 127.0.0.1, so the
/// way back is a cross-site navigation; the browser must land in the app signed in (a plain redirect there loses the
/// SameSite=Strict session cookie — this test failed that way), then sign out.
@Test(
    .enabled(if: TestProvider.available, "needs .venv with oidc-provider-mock (`make pyenv`)"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python").path),
        "needs .venv-ui (`make ui-env`: selenium, chromium)"))
func realBrowserSignsInThroughTheProvider() async throws {
    let python = TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python")
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/ui/sso_ui.py").path
    let provider = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python").path
    let r = try await runProcess(
        python, [script, "--sieve", TestPaths.sieveBinary.path, "--provider-python", provider], timeout: 300)
    if r.status == 77 {
        print(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return
    }
    #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    #expect(r.stdout.contains("sso-ui: 3 passed, 0 failed"), "\(r.stdout)\n\(r.stderr)")
}
