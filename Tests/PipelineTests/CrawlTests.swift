@testable import Crawler
import Foundation
@testable import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// The crawl stage against a real loopback server that misbehaves on purpose.
@Suite("Crawl: politeness, incremental fetching, hostile servers", .serialized)
struct CrawlTests {
    let dir = TempDir()

    static func rss(_ items: [(id: String, text: String)], title: String? = nil) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title>"
        for i in items {
            s += "<item><guid>\(i.id)</guid><title>\(title ?? i.id)</title><link>https://news.example/\(i.id)</link><description>\(i.text)</description></item>"
        }
        return s + "</channel></rss>"
    }

    func config(_ sources: [SourceConfig], crawler: CrawlerSettings = CrawlerSettings(
        connectTimeout: 1, totalTimeout: 4, maxBodyBytes: 1 << 20, concurrency: 16, perHostConcurrency: 16, perHostDelay: 0,
        maxAttempts: 2)
    ) async throws -> (SieveConfig, AppDatabase) {
        let c = SieveConfig(database: dir.path("crawl.sqlite"), crawler: crawler, sources: sources)
        return (c, try await AppDatabase(path: c.database))
    }

    func source(_ name: String, _ url: String, kind: SourceKind = .rss, rules: HTMLRules? = nil) -> SourceConfig {
        SourceConfig(name: name, kind: kind, url: url, rules: rules, allowPrivate: true, maxPages: 5)
    }

    @Test func hostileResponsesEndInNamedErrorsAndTheCrawlGoesOn() async throws {
        let fiveMB = String(repeating: "淹水", count: 5 << 20 / 6)
        let server = try TestHTTPServer { req, conn in
            let host = (req.headers["host"] ?? "").split(separator: ":").first.map(String.init) ?? ""
            if req.path == "/robots.txt" {
                if host == "robots500.test" { return conn.respond(status: 500, body: "oops") }
                return conn.respond(status: 404, body: "")
            }
            switch req.path {
            case "/good": conn.respond(status: 200, body: Self.rss([("g1", "土石流"), ("g2", "停電")]))
            case "/drip":
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss>")
                for _ in 0..<20 { usleep(700_000); guard conn.write("x") else { return } }
            case "/reset":
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss version=\"2.0\"><channel>")
                usleep(100_000)
                conn.reset()
            case "/endless":
                conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = String(repeating: "y", count: 8192)
                while conn.write(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") {}
            case "/loop": conn.respond(status: 302, headers: ["Location": "/loop"], body: "")
            case "/error-page": conn.respond(status: 200, headers: ["Content-Type": "text/html"], body: "<!DOCTYPE html><html><body>503</body></html>")
            case "/invalid-xml": conn.respond(status: 200, body: "<rss version=\"2.0\"><channel><item><title>a & b</title></item></channel></rss>")
            case "/wrong-charset":
                conn.respond(status: 200, headers: ["Content-Type": "application/rss+xml; charset=big5"], body: Self.rss([("w1", "颱風天淹水")]))
            case "/one-line": conn.respond(status: 200, body: Self.rss([("long", fiveMB)]))
            case "/feed": conn.respond(status: 200, body: Self.rss([("r1", "robots")]))
            default: conn.respond(status: 404, body: "")
            }
        }
        defer { server.stop() }
        let base = server.baseURL
        var settings = CrawlerSettings(
            connectTimeout: 1, totalTimeout: 6, maxBodyBytes: 12 << 20, concurrency: 16, perHostConcurrency: 16,
            perHostDelay: 0, maxAttempts: 1)
        settings.maxBodyBytes = 12 << 20
        let (c, db) = try await config(
            [
                source("good", base + "/good"), source("drip", base + "/drip"), source("reset", base + "/reset"),
                source("endless", base + "/endless"), source("loop", base + "/loop"),
                source("error-page", base + "/error-page"), source("invalid-xml", base + "/invalid-xml"),
                source("wrong-charset", base + "/wrong-charset"), source("one-line", base + "/one-line"),
                source("robots500", "http://robots500.test:\(server.port)/feed"),
            ], crawler: settings)
        var pipeline = Pipeline(config: c, database: db)
        pipeline.fetchOptions.resolve = ["robots500.test:\(server.port):127.0.0.1"]
        let summary = try await pipeline.crawl()
        let errors = Dictionary(uniqueKeysWithValues: summary.results.map { ($0.name, $0.error ?? "") })
        print("hostile crawl errors: \(errors)")
        #expect(errors["good"] == "")
        #expect(errors["drip"]?.contains(base + "/drip: timed out") == true, "\(errors["drip"] ?? "")")
        #expect(errors["reset"]?.contains(base + "/reset: connection broke mid-transfer") == true, "\(errors["reset"] ?? "")")
        #expect(errors["endless"]?.contains(base + "/endless: body larger than") == true, "\(errors["endless"] ?? "")")
        #expect(errors["loop"]?.contains(base + "/loop: more than 5 redirects") == true)
        #expect(errors["error-page"]?.contains(base + "/error-page: an HTML page, not a feed") == true)
        #expect(errors["invalid-xml"]?.contains(base + "/invalid-xml:1: not well-formed XML") == true, "\(errors["invalid-xml"] ?? "")")
        #expect(errors["wrong-charset"] == "")
        #expect(errors["one-line"] == "")
        #expect(errors["robots500"]?.contains("robots.txt unreachable") == true, "\(errors["robots500"] ?? "")")
        let posts = try await db.posts()
        #expect(Set(posts.map(\.externalID)) == ["g1", "g2", "w1", "long"])
        #expect(posts.first { $0.externalID == "w1" }?.text == "颱風天淹水")
        #expect((posts.first { $0.externalID == "long" }?.text.count ?? 0) > 1_000_000)
        // robots.txt said 500: the feed itself was never requested.
        #expect(!server.requests.contains { $0.path == "/feed" })
    }

    @Test func conditionalGetAndContentHashSkipUnchangedPages() async throws {
        let server = try TestHTTPServer { req, conn in
            switch req.path {
            case "/etag":
                if req.headers["if-none-match"] == "\"v1\"" { return conn.respond(status: 304, body: "") }
                conn.respond(status: 200, headers: ["ETag": "\"v1\""], body: Self.rss([("e1", "a")]))
            case "/lastmod":
                if req.headers["if-modified-since"] == "Sun, 14 Sep 2026 12:00:00 GMT" { return conn.respond(status: 304, body: "") }
                conn.respond(status: 200, headers: ["Last-Modified": "Sun, 14 Sep 2026 12:00:00 GMT"], body: Self.rss([("l1", "b")]))
            case "/plain": conn.respond(status: 200, body: Self.rss([("p1", "c")]))
            default: conn.respond(status: 404, body: "")
            }
        }
        defer { server.stop() }
        let (c, db) = try await config([
            source("etag", server.baseURL + "/etag"), source("lastmod", server.baseURL + "/lastmod"),
            source("plain", server.baseURL + "/plain"),
        ])
        let first = try await Pipeline(config: c, database: db).crawl()
        #expect(first.stats.newPosts == 3)
        let second = try await Pipeline(config: c, database: db).crawl()
        #expect(second.failed.isEmpty)
        #expect(second.stats.newPosts == 0)
        #expect(second.stats.unchanged == 3)
        #expect(try await db.documents(sourceName: "etag").map(\.status) == [200, 304])
        #expect(try await db.documents(sourceName: "lastmod").map(\.status) == [200, 304])
        #expect(try await db.documents(sourceName: "plain").map(\.status) == [200, 200])
        #expect(server.requests.filter { $0.path == "/etag" }.last?.headers["if-none-match"] == "\"v1\"")
    }

    @Test func repostsOfOneRumourBecomeOneCluster() async throws {
        let rumour = "緊急通知！網傳明天全台停班停課，人事行政總處已經證實，請大家快分享給親朋好友知道"
        let server = try TestHTTPServer { _, conn in
            conn.respond(status: 200, body: Self.rss([
                ("a", rumour),
                ("b", rumour.replacingOccurrences(of: "！", with: "!!!")),
                ("c", "【" + rumour + "】"),
                ("d", "新北市汐止區康寧街淹水及腰，一家五口受困二樓等待救援"),
            ], title: "轉傳"))
        }
        defer { server.stop() }
        let (c, db) = try await config([source("s", server.baseURL + "/x")])
        let summary = try await Pipeline(config: c, database: db).crawl()
        #expect(summary.stats.nearDuplicates == 2)
        let posts = try await db.posts()
        let root = try #require(posts.first { $0.externalID == "a" })
        #expect(root.clusterSize == 3)
        #expect(posts.filter { $0.duplicateOf == root.id }.map(\.externalID).sorted() == ["b", "c"])
        #expect(posts.first { $0.externalID == "d" }?.duplicateOf == nil)
    }

    @Test func listPagesFollowArticlesPaginationAndPerHostDelay() async throws {
        let server = try TestHTTPServer { req, conn in
            let path = req.path
            if path == "/robots.txt" { return conn.respond(status: 200, body: "User-agent: *\nDisallow: /private/\n") }
            if path.hasPrefix("/list") {
                let page = Int(path.split(separator: "=").last ?? "1") ?? 1
                var html = "<html><body>"
                for i in 1...3 { html += "<a class='a' href='/article/\(page)-\(i)?utm_source=x#top'>\(i)</a>" }
                html += "<a class='a' href='/private/secret'>s</a>"
                if page < 3 { html += "<a rel='next' href='/list?page=\(page + 1)'>next</a>" }
                return conn.respond(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: html + "</body></html>")
            }
            if path.hasPrefix("/article/") {
                let id = path.dropFirst("/article/".count).split(separator: "?").first ?? ""
                return conn.respond(status: 200, body: "<html><body><h1>文章 \(id)</h1><article>內容 \(id) 土石流</article></body></html>")
            }
            conn.respond(status: 404, body: "")
        }
        defer { server.stop() }
        let rules = HTMLRules(follow: "//a[@class='a']/@href", next: "//a[@rel='next']/@href", article: HTMLFields(title: "//h1", text: "//article"))
        var settings = CrawlerSettings(concurrency: 8, perHostConcurrency: 2, perHostDelay: 0.05, maxAttempts: 2)
        settings.totalTimeout = 5
        let (c, db) = try await config([source("board", server.baseURL + "/list?page=1", kind: .html, rules: rules)], crawler: settings)
        let summary = try await Pipeline(config: c, database: db).crawl()
        let posts = try await db.posts()
        #expect(posts.count == 9, "\(summary.results)")
        #expect(Set(posts.compactMap(\.url)).count == 9)
        #expect(posts.allSatisfy { $0.url?.contains("utm_source") == false })
        // robots.txt kept us out of /private/.
        #expect(!server.requests.contains { $0.path.hasPrefix("/private") })
        #expect(summary.results.first?.error?.contains("disallowed by robots.txt") == true)
        // A second crawl fetches the list pages again but no article twice.
        _ = try await Pipeline(config: c, database: db).crawl()
        let articleFetches = server.requests.filter { $0.path.hasPrefix("/article/") }.map(\.path)
        #expect(articleFetches.count == Set(articleFetches).count)
        #expect(try await db.posts().count == 9)
    }

    @Test func retryAfterIsHonouredAndTheRetrySucceeds() async throws {
        let hits = Locked(0)
        let server = try TestHTTPServer { req, conn in
            guard req.path == "/busy" else { return conn.respond(status: 404, body: "") }
            let n = hits.withLock { $0 += 1; return $0 }
            if n == 1 { return conn.respond(status: 429, headers: ["Retry-After": "1"], body: "slow down") }
            conn.respond(status: 200, body: Self.rss([("ok", "fine")]))
        }
        defer { server.stop() }
        var settings = CrawlerSettings(perHostDelay: 0, maxAttempts: 3)
        settings.totalTimeout = 5
        let (c, db) = try await config([source("busy", server.baseURL + "/busy")], crawler: settings)
        let started = Date()
        let summary = try await Pipeline(config: c, database: db).crawl()
        #expect(summary.failed.isEmpty, "\(summary.results)")
        #expect(Date().timeIntervalSince(started) >= 1.0)
        #expect(try await db.posts().map(\.externalID) == ["ok"])
        #expect(try await db.documents().map(\.status) == [429, 200])
    }
}

@Suite("robots.txt location")
struct RobotsURLTests {
    @Test func onlyDefaultPortsAreDropped() {
        #expect(RobotsGate.robotsURL(hostKey: "https://www.ptt.cc:443") == "https://www.ptt.cc/robots.txt")
        #expect(RobotsGate.robotsURL(hostKey: "http://e.org:80") == "http://e.org/robots.txt")
        // A port that merely contains "443" or "80" is kept whole (this once sent robots.txt requests astray).
        #expect(RobotsGate.robotsURL(hostKey: "http://127.0.0.1:44380") == "http://127.0.0.1:44380/robots.txt")
        #expect(RobotsGate.robotsURL(hostKey: "http://127.0.0.1:8080") == "http://127.0.0.1:8080/robots.txt")
        #expect(RobotsGate.robotsURL(hostKey: "https://e.org:8443") == "https://e.org:8443/robots.txt")
    }
}
