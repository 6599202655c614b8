import Foundation
import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// The `sieve` executable end to end, on real files and a real loopback server.
@Suite("sieve run, end to end", .serialized)
struct PipelineTests {
    let dir = TempDir()
    var sieve: URL { TestPaths.sieveBinary }

    func run(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(sieve, args, cwd: dir.url, stdin: stdin)
    }

    static func rss(_ feed: Int, items: Int) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>feed \(feed)</title>"
        for i in 0..<items {
            s += "<item><guid>f\(feed)-i\(i)</guid><title>第\(feed)來源 第\(i)則 土石流</title>"
            s += "<link>https://news.example/\(feed)/\(i)</link><description>新北市汐止區淹水 \(feed)-\(i)</description>"
            s += "<pubDate>Sun, 14 Sep 2026 21:\(String(format: "%02d", i % 60)):00 +0800</pubDate></item>"
        }
        return s + "</channel></rss>"
    }

    @Test func demoRunQueuesTheRumourAndTheReports() async throws {
        let config = TestPaths.packageRoot.appendingPathComponent("sieve.demo.toml").path
        let first = try await run(["run", "--config", config, "--database", dir.path("demo.sqlite")])
        #expect(first.status == 1, "the demo's broken-feed source fails on purpose: \(first.stdout) \(first.stderr)")
        #expect(first.stdout.contains("broken-feed"))
        let q = try await run(["queue", "--json", "--limit", "100", "--database", dir.path("demo.sqlite")])
        #expect(q.status == 0, Comment(rawValue: q.stderr))
        let items = try #require(try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [[String: Any]])
        #expect(items.count >= 15)
        for item in items {
            for key in ["id", "text", "source", "url", "published", "scores", "reasons"] {
                #expect(item[key] != nil, "missing \(key)")
            }
        }
        func score(_ item: [String: Any], _ key: String) -> Double { (item["scores"] as? [String: Any])?[key] as? Double ?? -1 }
        let rumours = items.filter { ($0["text"] as? String ?? "").contains("停班停課") && score($0, "rumour") >= 0.8 }
        #expect(!rumours.isEmpty)
        let landslide = items.filter { ($0["types"] as? [String] ?? []).contains("landslide") && score($0, "disaster") >= 0.8 }
        let trapped = items.filter { ($0["types"] as? [String] ?? []).contains("trapped") }
        #expect(!landslide.isEmpty)
        #expect(!trapped.isEmpty)

        // A second run adds nothing.
        let before = try await AppDatabase(path: dir.path("demo.sqlite")).postCount()
        let second = try await run(["run", "--config", config, "--database", dir.path("demo.sqlite")])
        #expect(second.stdout.contains(" 0 new post(s)"))
        #expect(try await AppDatabase(path: dir.path("demo.sqlite")).postCount() == before)

        // Approve the top real report, reject the rumour, publish.
        let top = try #require(landslide.first?["id"] as? Int)
        let approve = try await run(["review", "\(top)", "approve", "--note", "已確認", "--config", config, "--database", dir.path("demo.sqlite")])
        #expect(approve.status == 0, Comment(rawValue: approve.stderr))
        let reject = try await run(["review", "\(rumours[0]["id"] as! Int)", "reject", "--note", "謠言", "--database", dir.path("demo.sqlite")])
        #expect(reject.status == 0, Comment(rawValue: reject.stderr))
        let publish = try await run(["publish", "--config", config, "--database", dir.path("demo.sqlite")])
        #expect(publish.status == 0, Comment(rawValue: publish.stdout + publish.stderr))
        let feed = try String(contentsOfFile: dir.path("public/community.atom"), encoding: .utf8)
        #expect(feed.contains("tag:sieve.local,2026:post/\(top)"))
        #expect(!feed.contains("停班停課"))
    }

    @Test func aSecondConcurrentRunExitsAtOnce() async throws {
        let cfg = dir.write("sieve.toml", "database = \"x.sqlite\"\n[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"file:nothing.xml\"\n")
        let lock = try RunLock(databasePath: dir.path("x.sqlite"))
        let started = Date()
        let r = try await run(["run", "--config", cfg])
        #expect(r.status == 3)
        #expect(r.stderr.contains("another sieve run holds"))
        #expect(Date().timeIntervalSince(started) < 10)
        withExtendedLifetime(lock) {}
    }

    @Test func configTypoExitsTwoWithFileLineAndKey() async throws {
        let cfg = dir.write("sieve.toml", "database = \"x.sqlite\"\n\n[[source]]\nname = \"a\"\nkidn = \"rss\"\nurl = \"https://e.org\"\n")
        let r = try await run(["run", "--config", cfg])
        #expect(r.status == 2)
        #expect(r.stderr.contains("sieve.toml:5: source[1].kidn: unknown key (did you mean `kind`?)"), Comment(rawValue: r.stderr))
        #expect(r.stderr.split(separator: "\n").count == 1)
        let missing = try await run(["run", "--config", dir.path("nope.toml")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.toml: config file not found"))
    }

    @Test func badSourcesFailAloneWithClearMessages() async throws {
        let server = try TestHTTPServer { req, conn in
            switch req.path {
            case "/good.xml": conn.respond(status: 200, headers: ["Content-Type": "application/rss+xml"], body: Self.rss(1, items: 3))
            case "/malformed.xml": conn.respond(status: 200, body: "<?xml version=\"1.0\"?>\n<rss><channel><item><title>x</channel>")
            case "/error-page.xml":
                conn.respond(status: 200, headers: ["Content-Type": "text/html"], body: "<!DOCTYPE html><html><body>維護中</body></html>")
            default: conn.respond(status: 404, body: "no")
            }
        }
        defer { server.stop() }
        var toml = "database = \"bad.sqlite\"\n[crawler]\ntimeout = 5\nper_host_delay = 0\nper_host_concurrency = 4\n"
        for name in ["good", "malformed", "error-page", "gone"] {
            toml += "[[source]]\nname = \"\(name)\"\nkind = \"rss\"\nurl = \"\(server.baseURL)/\(name).xml\"\nallow_private = true\n"
        }
        let cfg = dir.write("sieve.toml", toml)
        let r = try await run(["run", "--config", cfg])
        #expect(r.status == 1)
        #expect(r.stdout.contains("✓ good: 3 post(s), 3 new"))
        #expect(r.stdout.contains("/malformed.xml:2: not well-formed XML"), Comment(rawValue: r.stdout))
        #expect(r.stdout.contains("/error-page.xml: an HTML page, not a feed"))
        #expect(r.stdout.contains("/gone.xml: HTTP 404"))
        let db = try await AppDatabase(path: dir.path("bad.sqlite"))
        #expect(try await db.postCount() == 3)
        let failed = try await db.sources().filter { $0.lastStatus == "failed" }.map(\.name).sorted()
        #expect(failed == ["error-page", "gone", "malformed"])
        #expect(try await db.documents(sourceName: "gone").first?.status == 404)
    }

    @Test func aRunKilledMidwayLosesAndDoublesNothing() async throws {
        let sources = 40, items = 5
        // The first 16 feeds answer at once; later ones are held until the run has been killed, so the kill lands
        // mid-crawl however loaded the machine is (a fixed delay was not enough in parallel runs).
        let answered = Locked(0)
        let released = Locked(false)
        let server = try TestHTTPServer { req, conn in
            guard let n = Int(req.path.split(separator: "/").last ?? "") else { return conn.respond(status: 404, body: "") }
            if answered.withLock({ $0 += 1; return $0 }) > 16 {
                let deadline = Date().addingTimeInterval(60)
                while !released.withLock({ $0 }) && Date() < deadline { usleep(10_000) }
            }
            conn.respond(status: 200, body: Self.rss(n, items: items))
        }
        defer { server.stop() }
        var toml = "database = \"kill.sqlite\"\n[crawler]\nper_host_delay = 0\nper_host_concurrency = 8\n"
        for i in 0..<sources {
            toml += "[[source]]\nname = \"s\(i)\"\nkind = \"rss\"\nurl = \"\(server.baseURL)/feed/\(i)\"\nallow_private = true\n"
        }
        let cfg = dir.write("sieve.toml", toml)

        let p = Process()
        p.executableURL = sieve
        p.arguments = ["run", "--config", cfg]
        p.currentDirectoryURL = dir.url
        let log = dir.path("killed-run.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = logHandle
        p.standardError = logHandle
        let child = ChildProcess(p)
        try child.run()
        await waitUntil(timeout: 20) { server.requests.count >= 18 }
        kill(p.processIdentifier, SIGKILL)
        await child.exited()
        released.withLock { $0 = true }
        #expect(p.terminationReason == .uncaughtSignal,
            Comment(rawValue: "the run ended by itself (\(p.terminationStatus)) after \(server.requests.count) requests: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")))

        let partial = try await AppDatabase(path: dir.path("kill.sqlite")).postCount()
        #expect(partial < sources * items, "the kill should land before the crawl finishes")

        let rerun = try await run(["run", "--config", cfg])
        #expect(rerun.status == 0, Comment(rawValue: rerun.stdout + rerun.stderr))
        let db = try await AppDatabase(path: dir.path("kill.sqlite"))
        let posts = try await db.posts()
        #expect(posts.count == sources * items)
        #expect(Set(posts.map(\.url)).count == sources * items)
        #expect(try await db.postCount(state: .fetched) == 0)
        #expect(try await db.queue(limit: 1000).count == sources * items)
        print("killed run: \(partial) posts stored before SIGKILL, \(posts.count) after the re-run")
    }
}
