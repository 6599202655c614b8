import Foundation
import SieveCore
import Store
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A webhook receiver that honours idempotency keys, as a real one should: a repeated key is acknowledged with
/// the first answer and has no second effect. It counts both.
final class IdempotentWebhook: @unchecked Sendable {  // private state under `lock`; `server` is set once, before requests come
    private let lock = NSLock()
    private var effects: [String: Int64] = [:]  // idempotency key → post id
    private var repeats = 0
    private var requests = 0
    var server: TestHTTPServer!

    init(delay: useconds_t) throws {
        server = try TestHTTPServer { [unowned self] req, conn in
            usleep(delay)  // a slow platform: a kill lands while requests are in flight
            guard req.method == "POST", let key = req.headers["x-sieve-idempotency-key"], !key.isEmpty,
                req.headers["x-sieve-signature"] != nil, let json = req.json,
                let item = json["item"] as? [String: Any], let post = (item["id"] as? NSNumber)?.int64Value
            else {
                return conn.respond(status: 400, body: "{\"error\":\"missing idempotency key, signature or item.id\"}")
            }
            self.lock.lock()
            self.requests += 1
            if self.effects[key] != nil { self.repeats += 1 } else { self.effects[key] = post }
            let id = self.effects.count
            self.lock.unlock()
            conn.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{\"id\":\"\(id)\"}")
        }
    }

    var snapshot: (effects: [String: Int64], repeats: Int, requests: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (effects, repeats, requests)
    }
}

@Suite("sieve worker: three workers on one PostgreSQL, one killed", .serialized)
struct WorkerKillTests {
    static let sourceCount = 10
    static let pagesPerSource = 5
    static let itemsPerPage = 10

    /// A paginated JSON Feed per source (`next_url` links page k to k+1), each page answered slowly.
    static func feedServer() throws -> TestHTTPServer {
        try TestHTTPServer { req, conn in
            if req.path == "/robots.txt" { return conn.respond(status: 404, body: "") }
            let parts = req.path.split(separator: "/")  // /s3/p2
            guard parts.count == 2, let s = Int(parts[0].dropFirst()), let p = Int(parts[1].dropFirst()),
                (1...sourceCount).contains(s), (1...pagesPerSource).contains(p)
            else { return conn.respond(status: 404, body: "") }
            usleep(250_000)
            var items: [[String: Any]] = []
            for i in 1...itemsPerPage {
                let n = (p - 1) * itemsPerPage + i
                items.append([
                    "id": "s\(s)-\(n)", "url": "https://news.example/s\(s)/\(n)", "title": "花蓮 第\(s)-\(n)則",
                    "content_text": "花蓮縣秀林鄉台8線 \(s)-\(n) 土石流坍方，道路中斷，有人受困等待救援。",
                    "date_published": "2026-09-01T0\(s % 10):\(String(format: "%02d", n % 60)):00+08:00",
                ])
            }
            var feed: [String: Any] = ["version": "https://jsonfeed.org/version/1.1", "title": "s\(s)", "items": items]
            if p < pagesPerSource { feed["next_url"] = "/s\(s)/p\(p + 1)" }
            let body = try! JSONSerialization.data(withJSONObject: feed)
            conn.respond(status: 200, headers: ["Content-Type": "application/feed+json"], body: body)
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)),
          .enabled(if: TestPaths.sieveBuilt, Comment(rawValue: TestPaths.sieveNotBuilt)))
    func killedWorkerLosesNothingAndNothingIsDoneTwice() async throws {
        let binary = TestPaths.sieveBinary
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let dir = TempDir()
        let feeds = try Self.feedServer()
        defer { feeds.stop() }
        let webhook = try IdempotentWebhook(delay: 60_000)
        defer { webhook.server.stop() }

        var toml = """
            database = "\(url)"

            [crawler]
            concurrency = 4
            per_host_concurrency = 4
            per_host_delay = 0
            max_attempts = 3

            [[channel]]
            name = "eoc-hook"
            kind = "webhook"
            url = "\(webhook.server.baseURL)/hook"
            allow_private = true
            rate_per_minute = 60000
            timeout = 5
            token_file = "\(dir.write("secrets/hook", "s3cret-hook\n"))"

            """
        for s in 1...Self.sourceCount {
            toml += """

                [[source]]
                name = "s\(s)"
                kind = "jsonfeed"
                url = "\(feeds.baseURL)/s\(s)/p1"
                interval = 3600
                allow_private = true
                max_pages = \(Self.pagesPerSource + 2)

                """
        }
        let config = dir.write("sieve.toml", toml)

        // Items a moderator already approved for the EOC webhook: the publish stage has work from the start.
        let db = try await AppDatabase(path: url)
        let seeded = 30
        let ids = try await db.syncSources([SourceConfig(name: "earlier", kind: .rss, url: "https://earlier.example/rss")])
        try await db.recordFetch(
            DocumentRecord(sourceId: ids["earlier"]!, url: "https://earlier.example/rss", status: 200),
            posts: (1...seeded).map { ExtractedPost(externalID: "e\($0)", title: "earlier \($0)", text: "台北市停電 \($0)") })
        let earlier = try await db.leasePostsToAssess(limit: 100)
        try await db.saveAssessments(earlier.map {
            ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["outage"], places: [], reasons: [], model: "t"), 1.0)
        })
        for p in earlier { try await db.review(postID: p.id, decision: .approve, reviewer: "mod", note: nil, channels: ["eoc-hook"]) }

        let workers = try (0..<3).map { _ in
            try Self.startWorker(binary, [
                "--config", config, "--stages", "crawl,classify,xref,publish", "--once", "--batch", "5", "--lease", "3", "--idle", "0.3",
            ])
        }
        // Kill the first worker once the crawl is well under way (observed progress, not wall time), while
        // fetches, claims and deliveries are in flight.
        let pagesTotal = Self.sourceCount * Self.pagesPerSource
        let deadline = Date().addingTimeInterval(90)
        while feeds.requests.count < pagesTotal / 4 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(workers[0].0.isRunning, "the first worker should still be working when killed")
        kill(workers[0].0.processIdentifier, SIGKILL)
        let killedAt = feeds.requests.count
        let survivors = Array(workers.dropFirst())
        await waitUntil(timeout: 150) { !survivors.contains(where: { $0.2.isRunning }) }
        for (p, _, child) in workers where child.isRunning { p.terminate() }
        for (_, _, child) in workers { await child.exited() }
        #expect(workers[0].0.terminationReason == .uncaughtSignal)
        for (p, out, _) in survivors {
            let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationReason == .exit && p.terminationStatus == 0, "survivor: \(log)")
        }

        // Nothing lost: every item of every page is stored, once ((source, external id) is unique).
        let crawled = Self.sourceCount * Self.pagesPerSource * Self.itemsPerPage
        #expect(try await db.posts().count == crawled + seeded)
        // Every post assessed once and cross-referenced; no work left and no claim left behind.
        #expect(try await db.postCount(state: .fetched) == 0)
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM assessment") == "\(crawled + seeded)")
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM xref") == "\(crawled)")
        #expect(try await db.pendingWork(channels: ["eoc-hook"]) == PendingWork())
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM post WHERE claimedBy IS NOT NULL") == "0")
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM frontier WHERE state <> 'done'") == "0")
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM frontier") == "\(pagesTotal)")
        // Published exactly once: one effect per approved item on the idempotent webhook, every delivery settled.
        let hook = webhook.snapshot
        #expect(hook.effects.count == seeded)
        #expect(Set(hook.effects.values) == Set(earlier.map(\.id)))
        let rows = try await db.publications()
        #expect(rows.count == seeded && rows.allSatisfy { $0.status == "delivered" })
        #expect(Set(rows.map(\.idempotencyKey)) == Set(hook.effects.keys))
        let refetched = try await TestPostgres.psql(url, "SELECT count(*) - count(DISTINCT url) FROM document")
        print("three workers, one SIGKILLed after \(killedAt) of \(pagesTotal) page fetches: \(feeds.requests.count) fetches in all (\(refetched) page(s) fetched again after the kill), webhook \(hook.requests) request(s), \(hook.repeats) repeat(s) of an idempotency key absorbed")
    }

    /// SIGTERM shuts `sieve worker`'s service group down gracefully: the worker finishes its batch and gives back
    /// its leases, then the store's pools (the group's first service) close; the process exits 0 and says it stopped.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)),
          .enabled(if: TestPaths.sieveBuilt, Comment(rawValue: TestPaths.sieveNotBuilt)))
    func sigtermStopsAWorkerGracefully() async throws {
        let binary = TestPaths.sieveBinary
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let dir = TempDir()
        let config = dir.write("sieve.toml", "database = \"\(url)\"\n")
        let db = try await AppDatabase(path: url)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://s.example/rss")])
        try await db.recordFetch(
            DocumentRecord(sourceId: ids["s"]!, url: "https://s.example/rss", status: 200),
            posts: (1...40).map { ExtractedPost(externalID: "p\($0)", title: "t\($0)", text: "台北市停電 \($0)") })

        let (p, out, child) = try Self.startWorker(binary, ["--config", config, "--stages", "classify,xref", "--batch", "5", "--idle", "0.2"])
        // Once the worker has classified everything (observed in the database), it idles; then SIGTERM.
        let classified = await waitUntil(timeout: 120) {
            (try? Self.syncPsql(url, "SELECT count(*) FROM assessment")) == "40"
        }
        #expect(classified)
        #expect(child.isRunning, "a worker without --once keeps running")
        kill(p.processIdentifier, SIGTERM)
        await child.exited()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationReason == .exit && p.terminationStatus == 0, "\(log)")
        #expect(log.contains("stopped: "), "\(log)")
        await #expect(try TestPostgres.psql(url, "SELECT count(*) FROM post WHERE claimedBy IS NOT NULL") == "0")
    }

    /// `sieve worker` with `arguments`, its output (stdout and stderr) in one pipe.
    static func startWorker(_ binary: URL, _ arguments: [String]) throws -> (Process, Pipe, ChildProcess) {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["worker"] + arguments
        p.currentDirectoryURL = TestPaths.packageRoot
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let child = ChildProcess(p)
        try child.run()
        return (p, out, child)
    }

    /// psql from a synchronous condition (`waitUntil`'s closure).
    static func syncPsql(_ url: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SIEVE_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql")
        p.arguments = ["-X", "-q", "-A", "-t", url, "-c", sql]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
