import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import Store
import Testing
import TestSupport

@Suite("Web app: login, sessions, CSRF, roles")
struct AuthTests {
    @Test func loginPageIsTraditionalChineseWithALoginToken() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let page = try await b.get("/login")
            #expect(page.status == .ok)
            #expect(page.body.contains("lang=\"zh-Hant-TW\"") && page.body.contains("登入") && page.body.contains("密碼"))
            let token = try #require(page.csrf)
            #expect(page.cookie("sieve_login") == token)
            #expect(page.setCookies.first { $0.hasPrefix("sieve_login=") }?.contains("HttpOnly") == true)
        }
    }

    @Test func sessionCookieIsSecureHttpOnlySameSiteStrict() async throws {
        for secure in [true, false] {
            let f = try await WebFixture(secureCookies: secure)
            try await f.application().test(.router) { client in
                let b = Browser(client)
                let page = try await b.login("mod")
                #expect(page.status == .seeOther)
                #expect(page.location == "/")
                let header = try #require(page.setCookies.first { $0.hasPrefix("sieve_session=") })
                #expect(header.contains("HttpOnly"))
                #expect(header.contains("SameSite=Strict"))
                #expect(header.contains("Secure") == secure)
                #expect(header.contains("Path=/"))
            }
        }
    }

    @Test(arguments: Backend.available) func wrongPasswordIsRefusedAndRepeatedFailuresLockTheAccountForThatAddress(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend, configure: { $0.server.loginMaxFailures = 3 }))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let wrong = try await b.login("mod", password: "wrong password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("帳號或密碼錯誤"))
            #expect(wrong.cookie("sieve_session") == nil)
            let unknown = try await b.login("nobody", password: "whatever1")
            #expect(unknown.status == .unauthorized)
            _ = try await b.login("mod", password: "wrong again")
            let third = try await b.login("mod", password: "still wrong")
            #expect(third.status == .tooManyRequests)
            // Locked: even the right password is refused now.
            let right = try await b.login("mod")
            #expect(right.status == .tooManyRequests)
            #expect(right.body.contains("嘗試次數過多"))
            #expect(right.cookie("sieve_session") == nil)
            // Another account from the same address is not affected.
            let other = try await b.login("mod2")
            #expect(other.status == .seeOther)
        }
        #expect(try await f.database.auditEntries(action: "login_failed").count == 4)
    }

    @Test func loginFormPostedWithoutItsTokenIsRefused() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            _ = try await b.get("/login")
            let page = try await b.post("/login", form: [("_csrf", "forged"), ("name", "mod"), ("password", WebFixture.password)])
            #expect(page.status == .forbidden)
            #expect(page.cookie("sieve_session") == nil)
        }
    }

    @Test(arguments: Backend.available) func loginIssuesAFreshSessionIdAndRetiresThePlantedOrPreviousOne(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            // An attacker plants a session id before login: it is never adopted.
            b.cookies["sieve_session"] = "planted-by-attacker"
            let first = try await b.login("mod")
            let s1 = try #require(first.cookie("sieve_session"))
            #expect(s1 != "planted-by-attacker")
            #expect(try await b.get("/").status == .ok)
            // Logging in again (same browser) rotates the id and ends the old session on the server.
            let second = try await b.login("mod")
            let s2 = try #require(second.cookie("sieve_session"))
            #expect(s2 != s1)
            let stale = Browser(client)
            stale.cookies["sieve_session"] = s1
            let page = try await stale.get("/")
            #expect(page.status == .seeOther)
            #expect(page.location?.hasPrefix("/login") == true)
        }
    }

    @Test(arguments: Backend.available) func logoutEndsTheSessionOnTheServerAndNeedsTheCSRFToken(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let queue = try await b.get("/")
            let session = try #require(b.cookies["sieve_session"])
            // Without the token, logout is refused (a cross-site form cannot log people out).
            #expect(try await b.post("/logout", form: []).status == .forbidden)
            #expect(try await b.get("/").status == .ok)
            let out = try await b.post("/logout", form: [("_csrf", queue.csrf ?? "")])
            #expect(out.status == .seeOther)
            #expect(out.location == "/login")
            #expect(b.cookies["sieve_session"] == nil)
            let replay = Browser(client)
            replay.cookies["sieve_session"] = session
            #expect(try await replay.get("/").status == .seeOther)
        }
        #expect(try await f.database.auditEntries(action: "logout").count == 1)
    }

    @Test func everyPageNeedsALoginAndTheAPIAnswers401() async throws {
        let f = try await WebFixture()
        let item = f.id("flood")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            for path in ["/", "/items/\(item)", "/dashboard", "/admin/audit", "/admin/audit.csv", "/admin/users"] {
                let page = try await b.get(path)
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.location?.hasPrefix("/login?next=") == true, "\(path)")
            }
            for (method, path) in [(HTTPRequest.Method.post, "/items/\(item)/decision"), (.post, "/bulk"), (.post, "/items/\(item)/merge")] {
                let page = try await b.send(path, method: method, headers: [:], body: "decision=approve")
                #expect(page.status == .seeOther, "\(path)")
            }
            for path in ["/api/v1/queue", "/api/v1/queue/summary", "/api/v1/items/\(item)"] {
                let page = try await b.get(path)
                #expect(page.status == .unauthorized, "\(path)")
                #expect(page.body.contains("\"error\""))
            }
            let bad = try await b.get("/api/v1/queue", headers: [.authorization: "Bearer not-a-token"])
            #expect(bad.status == .unauthorized)
            // The login redirect only ever points back into the app.
            let login = try await b.get("/login?next=https://evil.example/")
            #expect(login.body.contains("name=\"next\" value=\"/\""))
        }
    }

    @Test func moderatorCannotReachAdminPagesButAdminCan() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let mod = Browser(client)
            try await mod.login("mod")
            for path in ["/admin/audit", "/admin/audit.csv", "/admin/users"] {
                #expect(try await mod.get(path).status == .forbidden, "\(path)")
            }
            let queue = try await mod.get("/")
            #expect(!queue.body.contains("href=\"/admin/audit\""))
            let admin = Browser(client)
            try await admin.login("admin")
            for path in ["/admin/audit", "/admin/audit.csv", "/admin/users"] {
                #expect(try await admin.get(path).status == .ok, "\(path)")
            }
            #expect(try await admin.get("/").body.contains("href=\"/admin/audit\""))
        }
    }

    @Test(arguments: Backend.available) func eocViewerSeesEverythingButCannotDecide(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("flood")
        try await f.application().test(.router) { client in
            let eoc = Browser(client)
            try await eoc.login("eoc")
            let queue = try await eoc.get("/")
            #expect(queue.status == .ok)
            #expect(!queue.body.contains("批次執行"))
            let item = try await eoc.get("/items/\(id)")
            #expect(item.status == .ok)
            #expect(!item.body.contains("id=\"approve-form\""))
            #expect(try await eoc.get("/dashboard").status == .ok)
            let csrf = try #require(queue.csrf)
            let decide = try await eoc.post("/items/\(id)/decision", form: [("_csrf", csrf), ("decision", "approve")])
            #expect(decide.status == .forbidden)
            let bulk = try await eoc.post("/bulk", form: [("_csrf", csrf), ("decision", "escalate"), ("ids", "\(id)")])
            #expect(bulk.status == .forbidden)
            let merge = try await eoc.post("/items/\(id)/merge", form: [("_csrf", csrf), ("into", "\(f.id("landslide"))")])
            #expect(merge.status == .forbidden)
        }
        // Viewing did not claim the item, and nothing was decided.
        #expect(try await f.database.currentLock(postID: id) == nil)
        #expect(try await f.database.item(id: id).state == "queued")
    }

    @Test(arguments: Backend.available) func stateChangesWithoutOrWithAWrongCSRFTokenAreRefused(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("flood")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let page = try await b.get("/items/\(id)")
            let good = try #require(page.csrf)
            let attempts: [(String, [(String, String)])] = [
                ("/items/\(id)/decision", [("decision", "approve")]),
                ("/items/\(id)/decision", [("decision", "approve"), ("_csrf", "wrong")]),
                ("/items/\(id)/decision", [("decision", "approve"), ("_csrf", String(good.dropLast()))]),
                ("/bulk", [("decision", "approve"), ("ids", "\(id)")]),
                ("/bulk", [("decision", "approve"), ("ids", "\(id)"), ("_csrf", "wrong")]),
                ("/items/\(id)/merge", [("into", "\(f.id("landslide"))")]),
            ]
            for (path, form) in attempts {
                let r = try await b.post(path, form: form)
                #expect(r.status == .forbidden, "\(path) \(form)")
                #expect(r.body.contains("CSRF"))
            }
            // The JSON API with a session cookie needs the header too.
            let api = try await b.postJSON("/api/v1/items/\(id)/decision", json: "{\"decision\":\"approve\"}")
            #expect(api.status == .forbidden)
            let wrongHeader = try await b.postJSON(
                "/api/v1/items/\(id)/decision", json: "{\"decision\":\"approve\"}", headers: [HTTPField.Name("X-CSRF-Token")!: "nope"])
            #expect(wrongHeader.status == .forbidden)
            #expect(try await f.database.item(id: id).state == "queued")
            // The right token in the header works.
            let ok = try await b.postJSON(
                "/api/v1/items/\(id)/decision", json: "{\"decision\":\"escalate\"}", headers: [HTTPField.Name("X-CSRF-Token")!: good])
            #expect(ok.status == .ok)
        }
        #expect(try await f.database.item(id: id).state == "escalated")
    }

    @Test func responsesCarryTheSecurityHeaders() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            for path in ["/login", "/", "/nope"] {
                let page = try await b.get(path)
                let csp = try #require(page.headers[.contentSecurityPolicy], "\(path)")
                #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"))
                #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            #expect(try await b.get("/nope").status == .notFound)
        }
    }
}
