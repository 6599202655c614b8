import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import Store
import Testing
import TestSupport

/// Every route against every role: who may read what, who may change what.
@Suite("Web app: route × role matrix")
struct RouteMatrixTests {
    enum Who: String, CaseIterable { case anonymous, eoc, mod, admin }

    @Test(arguments: Who.allCases)
    func everyReadRouteAnswersEachRoleAsDocumented(who: Who) async throws {
        let f = try await WebFixture()
        let id = f.id("flood")
        let routes: [(String, [Who: HTTPResponse.Status])] = [
            ("/login", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/", [.anonymous: .seeOther, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/items/\(id)", [.anonymous: .seeOther, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/items/999999", [.anonymous: .seeOther, .eoc: .notFound, .mod: .notFound, .admin: .notFound]),
            ("/dashboard", [.anonymous: .seeOther, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/admin/audit", [.anonymous: .seeOther, .eoc: .forbidden, .mod: .forbidden, .admin: .ok]),
            ("/admin/audit.csv", [.anonymous: .seeOther, .eoc: .forbidden, .mod: .forbidden, .admin: .ok]),
            ("/admin/users", [.anonymous: .seeOther, .eoc: .forbidden, .mod: .forbidden, .admin: .ok]),
            ("/api/v1/queue", [.anonymous: .unauthorized, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/api/v1/queue/summary", [.anonymous: .unauthorized, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/api/v1/items/\(id)", [.anonymous: .unauthorized, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/api/openapi.json", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/feeds/community.atom", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/static/app.css", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/static/app.js", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            ("/healthz", [.anonymous: .ok, .eoc: .ok, .mod: .ok, .admin: .ok]),
            // Single sign-on is not configured in this fixture.
            ("/auth/oidc/start", [.anonymous: .notFound, .eoc: .notFound, .mod: .notFound, .admin: .notFound]),
        ]
        try await f.application().test(.router) { client in
            let b = Browser(client)
            if who != .anonymous { #expect(try await b.login(who.rawValue).status == .seeOther) }
            for (path, expected) in routes {
                let page = try await b.get(path)
                #expect(page.status == expected[who], "\(who) GET \(path)")
            }
        }
    }

    @Test(arguments: Who.allCases)
    func everyWriteRouteAnswersEachRoleAsDocumented(who: Who) async throws {
        let f = try await WebFixture()
        let mayDecide = who == .mod || who == .admin
        let denied: HTTPResponse.Status = who == .anonymous ? .seeOther : .forbidden
        try await f.application().test(.router) { client in
            let b = Browser(client)
            if who != .anonymous { try await b.login(who.rawValue) }
            let csrf = who == .anonymous ? "" : (try await b.get("/").csrf ?? "")
            let header: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: csrf]
            let writes: [(String, [(String, String)], HTTPResponse.Status)] = [
                ("/items/\(f.id("flood"))/decision", [("_csrf", csrf), ("decision", "escalate")], mayDecide ? .seeOther : denied),
                ("/bulk", [("_csrf", csrf), ("decision", "escalate"), ("ids", "\(f.id("power"))")], mayDecide ? .seeOther : denied),
                ("/items/\(f.id("chatter"))/merge", [("_csrf", csrf), ("into", "\(f.id("landslide"))")], mayDecide ? .seeOther : denied),
            ]
            for (path, form, expected) in writes {
                #expect(try await b.post(path, form: form).status == expected, "\(who) POST \(path)")
            }
            let api = try await b.postJSON(
                "/api/v1/items/\(f.id("rumour"))/decision", json: "{\"decision\":\"reject\",\"reason\":\"rumour\"}", headers: header)
            #expect(api.status == (mayDecide ? .ok : (who == .anonymous ? .unauthorized : .forbidden)), "\(who) API decision")
            let logout = try await b.post("/logout", form: [("_csrf", csrf)])
            #expect(logout.status == .seeOther)
            #expect(logout.location == "/login")
        }
        var states: [String] = []
        for name in ["flood", "power", "chatter", "rumour"] { states.append(try await f.database.item(id: f.id(name)).state) }
        #expect(states == (mayDecide ? ["escalated", "escalated", "rejected", "rejected"] : ["queued", "queued", "queued", "queued"]))
    }
}
