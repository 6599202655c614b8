import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
import Store
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The web app with its store on PostgreSQL, end to end: the real server over a real socket, and the `sieve`
/// binary's `user` and `serve` commands. Skipped, with the reason printed, without a test PostgreSQL.
@Suite("Web app on PostgreSQL: a real socket, sieve user and sieve serve")
struct PostgresWebTests {
    func listedIDs(_ html: String) -> [Int64] {
        html.components(separatedBy: "<tr class=\"item").dropFirst().compactMap { row in
            guard let r = row.range(of: "data-id=\"") else { return nil }
            return Int64(row[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func moderatorLogsInSearchesAndApprovesOverARealSocket() async throws {
        let f = try #require(try await WebFixture.on(.postgres, secureCookies: false))
        let url = f.config.database
        let id = f.id("landslide")
        try await f.application().test(.live) { client in
            #expect(client.port != nil)
            let b = Browser(client)
            #expect(try await b.login("mod").status == .seeOther)
            let queue = try await b.get("/")
            #expect(queue.status == .ok)
            #expect(listedIDs(queue.body) == ["landslide", "flood", "rumour", "power", "chatter"].map(f.id))
            #expect(queue.body.contains("共 5 則待審"))
            // Search goes through the tokenizer and PostgreSQL's index of the FTS5 terms.
            #expect(listedIDs(try await b.get("/?q=" + Browser.escape("那瑪夏 道路中斷")).body) == [id])
            #expect(listedIDs(try await b.get("/?q=" + Browser.escape("停班停課")).body) == [f.id("rumour")])
            #expect(listedIDs(try await b.get("/?q=" + Browser.escape("淹水") + "&county=" + Browser.escape("新北市")).body) == [f.id("flood")])
            #expect(listedIDs(try await b.get("/?q=" + Browser.escape("火山爆發")).body).isEmpty)
            let item = try await b.get("/items/\(id)")
            #expect(item.body.contains("您已鎖定此項目"))
            let other = Browser(client)
            try await other.login("mod2")
            #expect(try await other.get("/items/\(id)").body.contains("mod 正在處理此項目"))
            let r = try await b.post(
                "/items/\(id)/decision",
                form: [
                    ("_csrf", item.csrf ?? ""), ("decision", "approve"), ("channels_present", "1"),
                    ("channels", "community-feed"), ("public_text", "【已查證】台21線那瑪夏段坍方，請改道。"),
                ])
            #expect(r.status == .seeOther)
            #expect(!listedIDs(try await b.get("/").body).contains(id))
        }
        #expect(try await f.database.item(id: id).state == "approved")
        let outbox = try await f.database.publications(postID: id)
        #expect(outbox.map(\.channel) == ["community-feed"] && outbox.first?.status == "pending")
        let audit = try await f.database.auditEntries(postId: id)
        #expect(audit.map(\.action) == ["approve", "claim"])
        #expect(audit.first?.actor == "mod" && audit.first?.after?.contains("【已查證】") == true)
        // One transaction wrote the review, the post's state, the outbox row and the audit line: PostgreSQL stamps
        // each row with the id of the transaction that wrote it (xmin). The claims were transactions of their own.
        func writers(_ sql: String) async throws -> Int {
            await Int(try TestPostgres.psql(url, "SELECT COUNT(DISTINCT x) FROM (\(sql)) AS t")) ?? -1
        }
        let decision = """
            SELECT xmin::text AS x FROM review WHERE postId = \(id)
            UNION ALL SELECT xmin::text FROM post WHERE id = \(id)
            UNION ALL SELECT xmin::text FROM publication WHERE postId = \(id)
            UNION ALL SELECT xmin::text FROM audit WHERE postId = \(id) AND action = 'approve'
            """
        await #expect(try writers(decision) == 1)
        await #expect(try writers(decision + " UNION ALL SELECT xmin::text FROM audit WHERE postId = \(id) AND action = 'claim'") == 2)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)),
          .enabled(if: TestPaths.executable("/usr/bin/curl"), "/usr/bin/curl is not installed (apt-get install -y curl)"))
    func sieveUserAndSieveServeWorkOnPostgreSQL() async throws {
        let url = try #require(try await TestPostgres.freshDatabase("sieveUserAndSieveServeWorkOnPostgreSQL"))
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        let dir = TempDir()
        let port = try freeLoopbackPort()
        let config = dir.write("sieve.toml", "database = \"\(url)\"\n[server]\nport = \(port)\nsecure_cookies = false\nbcrypt_cost = 4\n")
        @Sendable func sieve(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
            try await runProcess(TestPaths.sieveBinary, args + ["--config", config], cwd: dir.url, stdin: stdin)
        }
        let add = try await sieve(["user", "add", "amy", "--role", "moderator"], stdin: "amy-password-1\n")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try await sieve(["user", "add", "amy", "--role", "admin"], stdin: "amy-password-2\n").stderr.contains("already exists"))
        let tokenRun = try await sieve(["user", "token", "amy", "--label", "smoke"])
        #expect(tokenRun.status == 0, "\(tokenRun.stderr)")
        let token = tokenRun.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await sieve(["user", "list"]).stdout.hasPrefix("amy\tmoderator\t"))
        let db = try await AppDatabase(path: url)
        #expect(try await db.auditEntries(action: "user_add").count == 1)
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://news.example/")])["news"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://news.example/"),
            posts: [ExtractedPost(externalID: "1", text: "台9線蘇花路廊坍方，雙向封閉。")])
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map { ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: [], model: "t"), 1) })

        // `sieve serve` with its scheduler: on PostgreSQL it takes no run lock.
        let child = try ChildProcess.start(TestPaths.sieveBinary, ["serve", "--config", config], cwd: dir.url, stderrPath: dir.path("serve.log"))
        let process = child.process
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        @Sendable func get(_ path: String, _ extra: [String] = []) async throws -> ProcessResult {
            try await runProcess(curl, ["-s", "-w", "\n%{http_code}"] + extra + [base + path], cwd: dir.url, timeout: 30)
        }
        var up = false
        for _ in 0..<300 where !up {
            up = (try? await get("/healthz"))?.stdout.hasSuffix("200") == true
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        let log = { (try? String(contentsOfFile: dir.path("serve.log"), encoding: .utf8)) ?? "" }
        #expect(up, "sieve serve did not answer: \(log())")
        #expect(try await get("/readyz").stdout.hasSuffix("200"))
        let api = try await get("/api/v1/queue", ["-H", "Authorization: Bearer \(token)"])
        #expect(api.stdout.hasSuffix("200") && api.stdout.contains("台9線蘇花路廊坍方"), "\(api.stdout)")
        // A browser's login: the form's token, then the session cookie, then the queue and a search.
        let jar = dir.path("cookies")
        let form = try await get("/login", ["-c", jar])
        let csrf = form.stdout.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" } ?? ""
        let login = try await get("/login", ["-b", jar, "-c", jar, "--data", "_csrf=\(csrf)&name=amy&password=amy-password-1&next=/"])
        #expect(login.stdout.hasSuffix("303"), "\(login.stdout)")
        let page = try await get("/", ["-b", jar])
        #expect(page.stdout.contains("審核佇列") && page.stdout.contains("台9線蘇花路廊坍方"))
        let search = try await get("/?q=" + Browser.escape("坍方"), ["-b", jar])
        #expect(search.stdout.contains("data-id=\"\(posts[0].id)\""))
        #expect(try await db.auditEntries(action: "login").first?.actor == "amy")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!files.contains { $0.hasSuffix(".lock") }, "\(files)")

        process.interrupt()
        await child.exited()
        #expect(process.terminationStatus == 0, Comment(rawValue: log()))
        #expect(!log().contains("serving without the scheduler"), Comment(rawValue: log()))
    }
}
