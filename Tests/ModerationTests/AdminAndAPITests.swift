import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
@testable import Store
import Testing
import TestSupport

@Suite("Web app: dashboard, audit log, JSON API, OpenAPI, live socket")
struct AdminAndAPITests {
    @Test(arguments: Backend.available) func dashboardDrawsHourlyChartsAndTheIndicator(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.database.review(postID: f.id("landslide"), decision: .approve, reviewer: "mod", note: nil, channels: ["community-feed"])
        try await f.database.review(postID: f.id("chatter"), decision: .reject, reviewer: "mod2", note: nil, channels: [], reason: .notDisaster)
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            let page = try await b.get("/dashboard")
            #expect(page.status == .ok)
            #expect(page.body.components(separatedBy: "<svg class=\"chart\"").count == 3)
            // Series labels in Chinese, with totals; county series from the places.
            #expect(page.body.contains("淹水（1）") && page.body.contains("坍方/土石流（1）"))
            #expect(page.body.contains("高雄市（1）") && page.body.contains("新北市（1）") && page.body.contains("花蓮縣（1）"))
            #expect(page.body.contains("22時"))
            // Queue size: 3 still queued; decisions per moderator.
            #expect(page.body.contains("<div class=\"v\">3</div><div class=\"l\">待審</div>"))
            #expect(page.body.contains("<td>mod</td><td class=\"num\">1</td>"))
            #expect(page.body.contains("<td>mod2</td><td class=\"num\">0</td><td class=\"num\">1</td>"))
            // No official incidents yet: the indicator says so rather than dividing by zero.
            #expect(page.body.contains("<div class=\"v\">n/a</div>"))
        }
        try await f.database.saveIncidents([
            Incident(kind: .cap, externalID: "a", sent: Date()), Incident(kind: .cap, externalID: "b", sent: Date()),
        ])
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("admin")
            let page = try await b.get("/dashboard")
            #expect(page.body.contains("<div class=\"v\">50%</div>"))  // 1 published of 2 official
            #expect(page.body.contains("kpi low"))
        }
    }

    @Test(arguments: Backend.available) func auditLogIsBrowsableAndExportsCSV(_ backend: Backend) async throws {
        let f = try #require(
            try await WebFixture.on(backend, seeds: [
                WebFixture.Seed(externalID: "a", text: "=HYPERLINK(\"http://evil\") 淹水", priority: 1)
            ]))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("admin")
            let item = try await b.get("/items/\(f.id("a"))")
            _ = try await b.post(
                "/items/\(f.id("a"))/decision",
                form: [("_csrf", item.csrf ?? ""), ("decision", "approve"), ("public_text", "=cmd|' /C calc'!A0, \"quoted\"")])
            let page = try await b.get("/admin/audit")
            #expect(page.body.contains("稽核紀錄"))
            for action in ["login", "claim", "approve"] { #expect(page.body.contains("<td>\(action)</td>")) }
            let filtered = try await b.get("/admin/audit?action=approve")
            #expect(filtered.body.components(separatedBy: "<td>approve</td>").count == 2)
            #expect(!filtered.body.contains("<td>login</td>"))
            #expect(filtered.body.contains("href=\"/admin/audit.csv?action=approve\""))
            let csv = try await b.get("/admin/audit.csv?action=approve")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[.contentDisposition]?.contains("attachment") == true)
            let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == "id,at,actor,action,post_id,before,after,ip")
            #expect(lines.count == 2)
            #expect(lines[1].contains(",admin,approve,\(f.id("a")),\"{\"\"state\"\":\"\"queued\"\"}\","))
            #expect(lines[1].contains("\"\"publicText\"\":\"\"=cmd|' /C calc'!A0, \\\"\"quoted\\\"\"\"\""))
            // A cell that would start a formula is neutralised (a failed login's name is attacker-chosen).
            let other = Browser(client)
            _ = try await other.login("=1+1", password: "whatever1")
            let failed = try await b.get("/admin/audit.csv?action=login_failed")
            #expect(failed.body.contains(",'=1+1,login_failed,"))
            #expect(try await b.get("/admin/users").body.contains("<td>eoc</td><td>EOC 檢視</td>"))
        }
        #expect(try await f.database.auditEntries(action: "audit_export").count == 2)
    }

    @Test(arguments: Backend.available) func apiListsGetsAndDecidesWithATokenAndHonoursRoles(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let (modToken, modHash) = APITokens.generate()
        try await f.database.createAPIToken(account: "mod", tokenHash: modHash, label: "integration")
        let (eocToken, eocHash) = APITokens.generate()
        try await f.database.createAPIToken(account: "eoc", tokenHash: eocHash, label: nil)
        // Only the hash is stored.
        let stored = try await f.database.read { tx in try await tx.column("SELECT tokenHash FROM apiToken", as: String.self) }
        #expect(!stored.contains(modToken) && stored.contains(modHash))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let mod: HTTPFields = [.authorization: "Bearer \(modToken)"]
            let eoc: HTTPFields = [.authorization: "Bearer \(eocToken)"]
            let list = try await b.get("/api/v1/queue?limit=2", headers: eoc)
            #expect(list.status == .ok)
            let page = try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as! [String: Any]
            let items = page["items"] as! [[String: Any]]
            #expect(items.map { $0["id"] as! Int } == [Int(f.id("landslide")), Int(f.id("flood"))])
            #expect(page["next_page"] as? Int == 2 && page["page_size"] as? Int == 2)
            #expect(items[0]["types"] as? [String] == ["landslide", "road_blocked"])
            #expect((items[0]["scores"] as? [String: Any])?["disaster"] as? Double == 0.95)
            #expect(items[0]["published"] as? String == "2026-09-14T22:10:00+08:00")
            let search = try await b.get("/api/v1/queue?q=%E5%9C%9F%E7%9F%B3%E6%B5%81", headers: eoc)
            #expect(search.body.contains("\"id\":\(f.id("landslide"))") && !search.body.contains("\"id\":\(f.id("flood"))"))
            let summary = try await b.get("/api/v1/queue/summary", headers: eoc)
            #expect(summary.body.contains("\"open\":5") && summary.body.contains("\"latest_id\":"))

            let item = try await b.get("/api/v1/items/\(f.id("flood"))", headers: eoc)
            #expect(item.status == .ok)
            let detail = try JSONSerialization.jsonObject(with: Data(item.body.utf8)) as! [String: Any]
            #expect((detail["item"] as? [String: Any])?["author"] as? String == "汐止小陳")
            #expect(detail["reasons"] as? [String] == ["提到：flood"])
            #expect(try await b.get("/api/v1/items/99999", headers: eoc).status == .notFound)
            #expect(try await b.get("/api/v1/items/abc", headers: eoc).status == .badRequest)

            let denied = try await b.postJSON("/api/v1/items/\(f.id("flood"))/decision", json: "{\"decision\":\"approve\"}", headers: eoc)
            #expect(denied.status == .forbidden)
            #expect(denied.body.contains("\"error\""))
            let bad = try await b.postJSON("/api/v1/items/\(f.id("flood"))/decision", json: "{\"decision\":", headers: mod)
            #expect(bad.status == .badRequest)
            let noReason = try await b.postJSON("/api/v1/items/\(f.id("flood"))/decision", json: "{\"decision\":\"reject\"}", headers: mod)
            #expect(noReason.status == .badRequest)
            let ok = try await b.postJSON(
                "/api/v1/items/\(f.id("flood"))/decision",
                json: "{\"decision\":\"approve\",\"channels\":[\"eoc-feed\"],\"public_text\":\"汐止康寧街受困民眾已獲救\",\"note\":\"API\"}",
                headers: mod)
            #expect(ok.status == .ok)
            #expect(ok.body.contains("\"state\":\"approved\""))
            let twice = try await b.postJSON("/api/v1/items/\(f.id("flood"))/decision", json: "{\"decision\":\"escalate\"}", headers: mod)
            #expect(twice.status == .conflict)
            let after = try await b.get("/api/v1/items/\(f.id("flood"))", headers: mod)
            #expect(after.body.contains("\"public_text\":\"汐止康寧街受困民眾已獲救\""))
            #expect(after.body.contains("\"channel\":\"eoc-feed\""))
            #expect(after.body.contains("\"reviewer\":\"mod\""))
        }
        #expect(try await f.database.auditEntries(action: "approve").first?.actor == "mod")
    }

    @Test func everyPathInTheOpenAPIDocumentIsServed() async throws {
        let f = try await WebFixture()
        let (router, routes) = f.app.buildRouter()
        let served = Set(routes.map { "\($0.method) \($0.path)" })
        let (token, hash) = APITokens.generate()
        try await f.database.createAPIToken(account: "admin", tokenHash: hash, label: nil)
        try await Application(router: router).test(.router) { client in
            let b = Browser(client)
            let doc = try await b.get("/api/openapi.json")
            #expect(doc.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(doc.body.utf8)) as? [String: Any])
            #expect((json["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(json["paths"] as? [String: [String: Any]])
            #expect(paths.count >= 5)
            for (path, operations) in paths {
                for method in operations.keys {
                    #expect(served.contains("\(method.uppercased()) \(path)"), "documented \(method) \(path) is not routed")
                    guard method == "get" else { continue }
                    let concrete = path.replacingOccurrences(of: "{id}", with: "\(f.id("flood"))")
                    let r = try await b.get(concrete, headers: [.authorization: "Bearer \(token)"])
                    #expect(r.status == .ok, "\(concrete)")
                }
            }
            // And every API route is documented.
            for route in routes where route.path.hasPrefix("/api/") {
                #expect(paths[route.path]?[route.method.lowercased()] != nil, "\(route.method) \(route.path) is undocumented")
            }
            // The documented item fields are the ones the API sends.
            let schemas = (json["components"] as? [String: Any])?["schemas"] as? [String: Any]
            let itemSchema = (schemas?["QueueItem"] as? [String: Any])?["properties"] as? [String: Any]
            let list = try await b.get("/api/v1/queue", headers: [.authorization: "Bearer \(token)"])
            let page = try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as! [String: Any]
            for item in page["items"] as! [[String: Any]] {
                for key in item.keys { #expect(itemSchema?[key] != nil, "undocumented field \(key)") }
            }
        }
    }

    @Test func staticAssetsAreServedLocally() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let css = try await b.get("/static/app.css")
            #expect(css.status == .ok && css.headers[.contentType]?.hasPrefix("text/css") == true)
            let js = try await b.get("/static/app.js")
            #expect(js.status == .ok && js.body.contains("X-CSRF-Token") && js.body.contains("case 'j'"))
            try await b.login("mod")
            let queue = try await b.get("/")
            // Nothing is loaded from another origin.
            #expect(!queue.body.contains("src=\"http") && !queue.body.contains("src=\"//"))
            #expect(!queue.body.contains("stylesheet\" href=\"http"))
            #expect(queue.body.contains("<script src=\"/static/app.js\" defer>"))
        }
    }

    @Test func serverAnswersOverARealSocket() async throws {
        let f = try await WebFixture(secureCookies: false)
        try await f.application().test(.live) { client in
            #expect(client.port != nil)
            let b = Browser(client)
            let login = try await b.login("mod")
            #expect(login.status == .seeOther)
            let queue = try await b.get("/")
            #expect(queue.status == .ok)
            #expect(queue.body.contains("審核佇列"))
            #expect(queue.headers[.contentLength] == String(queue.body.utf8.count))
            let r = try await b.post(
                "/items/\(f.id("flood"))/decision", form: [("decision", "escalate")],
                headers: [HTTPField.Name("X-CSRF-Token")!: queue.csrf ?? "", .accept: "application/json"])
            #expect(r.status == .ok)
        }
        #expect(try await f.database.item(id: f.id("flood")).state == "escalated")
    }
}


@Suite("Web app: health and metrics for operators")
struct HealthRouteTests {
    @Test(arguments: Backend.available) func readinessAndMetricsAreServed(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains("\"status\""))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let text = String(buffer: metrics.body)
            #expect(text.contains("# TYPE sieve_queue_depth gauge"))
            #expect(text.contains("sieve_queue_depth{queue=\"review\"}"))
        }
    }
}

@Suite("Web app: the outbox")
struct OutboxPageTests {
    @Test(arguments: Backend.available) func deadLettersAreShownWithTheirErrorAndCanBeRetried(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("landslide")
        try await f.database.review(postID: id, decision: .approve, reviewer: "mod", note: nil, channels: ["community-feed"])
        let row = try #require(try await f.database.publications(postID: id).first)
        // Dead-letter it as the publisher does after its last attempt.
        try await f.database.write { tx in
            try await tx.execute(
                "UPDATE publication SET status = 'dead', attempts = 8, lastError = ? WHERE id = ?",
                ["mastodon m: HTTP 422 Validation failed: Text character limit of 500 exceeded", row.id!])
        }
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let queue = try await b.get("/")
            #expect(queue.body.contains("href=\"/outbox\">發布匣</a>查看錯誤"))
            let page = try await b.get("/outbox")
            #expect(page.status == .ok)
            #expect(page.body.contains("HTTP 422 Validation failed: Text character limit of 500 exceeded"))
            #expect(page.body.contains("/outbox/\(row.id!)/retry"))
            let noCSRF = try await b.post("/outbox/\(row.id!)/retry", form: [])
            #expect(noCSRF.status == .forbidden)
            let retried = try await b.post("/outbox/\(row.id!)/retry", form: [("_csrf", page.csrf ?? "")])
            #expect(retried.status == .seeOther)
        }
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            #expect(try await b.get("/outbox").status == .forbidden, "an EOC viewer cannot retry or drop deliveries")
        }
        #expect(try await f.database.publications(postID: id).first?.status == "pending")
        #expect(try await f.database.auditEntries(action: "outbox-retry").count == 1)
    }
}
