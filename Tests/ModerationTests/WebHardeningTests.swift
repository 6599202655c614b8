import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Moderation
import SieveCore
@testable import Store
import Testing
import TestSupport

/// The web app's side of the hardening issue: redirects after login, addresses behind a proxy, login floods,
/// retracted deliveries, huge page numbers, and what an error page may show.
@Suite("Web app hardening")
struct WebHardeningTests {
    /// `GET /login?next=/%09/evil.example`, log in: the answer was `303 Location: /\t/evil.example`, which browsers
    /// read as `//evil.example`, another site.
    @Test func loginNeverRedirectsOffSite() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let form = try await b.get("/login?next=/%09/evil.example")
            #expect(!form.body.contains("evil.example"))
            for next in ["/\t/evil.example", "/\\evil.example", "//evil.example", "/\n/evil.example", "https://evil.example/", " /x"] {
                b.cookies = [:]
                let page = try await b.login("mod", next: next)
                #expect(page.status == .seeOther)
                #expect(page.location == "/", "next \(next.debugDescription) → \(page.location ?? "nil")")
            }
            b.cookies = [:]
            let fine = try await b.login("mod", next: "/items/3?from=queue")
            #expect(fine.location == "/items/3?from=queue")
        }
        for bad in ["/\t/evil.example", "/\u{7F}x", "/\u{85}x", "//x", "/\\x", "x", "/ x"] {
            #expect(ModerationApp.safeLocalPath(bad) == "/", "\(bad.debugDescription)")
        }
        #expect(ModerationApp.safeLocalPath("/?q=%E9%A2%B1%E9%A2%A8&page=2") == "/?q=%E9%A2%B1%E9%A2%A8&page=2")
    }

    /// Behind the proxies named in trusted_proxies, the client is the nearest untrusted address of X-Forwarded-For;
    /// anyone else's header is ignored.
    @Test func theClientAddressBehindATrustedProxy() {
        let trusted = [IPRange("127.0.0.1")!, IPRange("10.0.0.0/8")!]
        #expect(WebContext.clientIP(peer: "127.0.0.1", forwardedFor: "203.0.113.7", trusted: trusted) == "203.0.113.7")
        #expect(WebContext.clientIP(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 203.0.113.7, 10.1.1.1", trusted: trusted) == "203.0.113.7")
        #expect(WebContext.clientIP(peer: "198.51.100.9", forwardedFor: "203.0.113.7", trusted: trusted) == "198.51.100.9")
        #expect(WebContext.clientIP(peer: "127.0.0.1", forwardedFor: "not-an-address", trusted: trusted) == "127.0.0.1")
        #expect(WebContext.clientIP(peer: "127.0.0.1", forwardedFor: "203.0.113.7", trusted: []) == "127.0.0.1")
        #expect(IPRange("::ffff:0:0/96") != nil && IPRange("10.0.0.0/33") == nil && IPRange("nonsense") == nil)
        #expect(IPRange("10.0.0.0/8")!.contains("::ffff:10.2.3.4"))
    }

    /// Behind a reverse proxy every login used to come from the proxy's address: five bad guesses locked a real
    /// account for everyone. With the proxy trusted, one client's guesses lock only that client.
    @Test func behindATrustedProxyOneClientsGuessesDoNotLockOthersOut() async throws {
        // Over a real socket: the router test framework has no peer address.
        let g = try await WebFixture(configure: {
            $0.server.loginMaxFailures = 3
            $0.server.trustedProxies = [IPRange("127.0.0.1")!]
        })
        try await g.application().test(.live) { client in
            let attacker = Browser(client)
            for _ in 0..<4 {
                _ = try await attacker.login("mod", password: "guess-guess", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.66"])
            }
            let locked = try await attacker.login("mod", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.66"])
            #expect(locked.status == .tooManyRequests)
            // The real moderator, from another address behind the same proxy, waits out the account's short backoff
            // at most — never the attacker's lockout.
            try await Task.sleep(for: .seconds(2.5))
            let real = Browser(client)
            let ok = try await real.login("mod", headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.20"])
            #expect(ok.status == .seeOther, "\(ok.status)")
        }
        let failures = try await g.database.auditEntries(action: "login_failed")
        #expect(failures.allSatisfy { $0.ip == "203.0.113.66" }, "\(failures.map(\.ip))")
    }

    /// At most `login_concurrency` bcrypt checks run at once; a flood beyond four times that is refused (503).
    @Test func aLoginFloodIsQueuedThenRefused() async throws {
        let gate = BcryptGate(concurrency: 1)
        let hash = ModerationApp.hashPassword("password-1", cost: 10)
        let results = await withTaskGroup(of: Bool?.self) { group in
            for _ in 0..<12 { group.addTask { await gate.verify("password-1", hash: hash) } }
            var out: [Bool?] = []
            for await r in group { out.append(r) }
            return out
        }
        #expect(results.contains(nil))  // refused
        #expect(results.compactMap { $0 }.allSatisfy { $0 })  // the rest checked, correctly
        #expect(results.compactMap { $0 }.count <= 5 + 1)
        #expect(await gate.verify("password-1", hash: hash) == true)  // the gate is free again afterwards
    }

    /// The web outbox refuses to retry a delivery of a retracted item (409), like the CLI.
    @Test func retryingADeliveryOfARetractedItemIsAConflict() async throws {
        let f = try await WebFixture()
        let id = f.id("flood")
        try await f.database.review(postID: id, decision: .approve, reviewer: "mod", note: nil, channels: ["community-feed"])
        let row = try #require(try await f.database.publications(postID: id).first)
        try await f.database.write { tx in try await tx.execute("UPDATE publication SET status = 'dead' WHERE id = ?", [row.id!]) }
        try await f.database.retract(postID: id, reviewer: "cli:ops", note: "誤報")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let page = try await b.get("/outbox")
            let retried = try await b.post("/outbox/\(row.id!)/retry", form: [("_csrf", page.csrf ?? "")])
            #expect(retried.status == .conflict)
            #expect(retried.body.contains("已撤回，發送 \(row.id!) 永遠不會再送出"), "\(retried.body.suffix(500))")
        }
        #expect(try await f.database.publications(postID: id).first?.status == "cancelled")
    }

    /// `?page=9223372036854775807` overflowed the offset and crashed the server.
    @Test func hugePageNumbersAreRefusedNotATrap() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("admin")
            for path in ["/admin/audit?page=9223372036854775807", "/?page=9223372036854775807", "/api/v1/queue?page=9223372036854775807"] {
                let page = try await b.get(path)
                #expect(page.status == .badRequest, "\(path): \(page.status)")
            }
            #expect(try await b.get("/admin/audit?page=2").status == .ok)
        }
    }

    /// A database failure shows "internal error" to the visitor; the SQL and the file path go to the server log.
    @Test func aDatabaseErrorPageShowsNoSQL() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("admin")
            try await f.database.write { tx in try await tx.execute("DROP TABLE publication") }
            let page = try await b.get("/outbox")
            #expect(page.status == .internalServerError)
            #expect(!page.body.contains("publication"), "\(page.body.prefix(400))")
            #expect(!page.body.contains("no such table") && !page.body.contains(".sqlite") && !page.body.contains("SELECT"))
            #expect(page.body.contains("內部錯誤；請看伺服器紀錄"))
        }
    }
}
