import Foundation
import Operations
import Pipeline
import Store
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `sieve schedule` as a process: --list, --once, and SIGTERM in the middle of a crawl.
@Suite("sieve schedule", .serialized)
struct ScheduleCLITests {
    let dir = TempDir()
    var sieve: URL { TestPaths.sieveBinary }

    func writeConfig(_ base: String, sources: Int, extra: String = "") -> String {
        var toml = """
            database = "s.sqlite"
            [crawler]
            per_host_concurrency = 1
            per_host_delay = 0
            max_attempts = 1
            timeout = 10

            """
        for i in 0..<sources {
            toml += """
                [[source]]
                name = "s\(i)"
                kind = "rss"
                url = "\(base)/s\(i)"
                allow_private = true
                respect_robots = false
                schedule = "*/10 * * * *"

                """
        }
        return dir.write("sieve.toml", toml + extra)
    }

    @Test func listShowsEveryJobAndOnceRunsWhatIsDue() async throws {
        let server = try TestHTTPServer { req, conn in conn.respond(status: 200, body: Ops.rss(String(req.path.dropFirst()), items: 2)) }
        defer { server.stop() }
        let config = writeConfig(server.baseURL, sources: 2, extra: "[backup]\nschedule = \"@daily\"\ndir = \"backups\"\nkeep = 3\n")
        let list = try await runProcess(sieve, ["schedule", "--list", "--config", config], cwd: dir.url)
        #expect(list.status == 0, Comment(rawValue: list.stderr))
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("job") == true)
        #expect(lines.contains { $0.hasPrefix("crawl:s0") && $0.contains("cron \"*/10 * * * *\"") && $0.contains("never") && $0.hasSuffix("due now") })
        #expect(lines.contains { $0.hasPrefix("backup") && $0.contains("cron \"@daily\"") })

        let beforeOnce = Date()
        let once = try await runProcess(sieve, ["schedule", "--once", "--config", config], cwd: dir.url)
        #expect(once.status == 0, Comment(rawValue: once.stdout + once.stderr))
        #expect(once.stdout.contains("✓ crawl (ok"))
        #expect(once.stdout.contains("4 new post(s)"))
        #expect(once.stdout.contains("✓ backup (ok"))
        // Each job logged one JSON line with its name, duration and outcome.
        let finished = once.stderr.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["msg"] as? String == "job finished" }
        #expect(finished.compactMap { $0["job"] as? String } == ["crawl", "classify", "xref", "backup"])
        #expect(finished.allSatisfy { $0["outcome"] as? String == "ok" && Int($0["duration_ms"] as? String ?? "") != nil })

        let after = try await runProcess(sieve, ["schedule", "--list", "--config", config], cwd: dir.url)
        let s0 = after.stdout.split(separator: "\n").first { $0.hasPrefix("crawl:s0") }.map(String.init) ?? ""
        let again = try await runProcess(sieve, ["schedule", "--once", "--config", config], cwd: dir.url)
        // The crawl runs every tenth minute: when the clock passed one (08:59:58 → 09:00:01) since the run above,
        // the job is rightly due again; on a loaded machine these steps can take long enough for that.
        let tenth = { (d: Date) in Int(d.timeIntervalSince1970) / 600 }
        if tenth(beforeOnce) == tenth(Date()) {
            #expect(!s0.contains("never") && !s0.contains("due now"), "\(s0)")
            #expect(s0.range(of: #"T\d\d:\d0:00\+08:00$"#, options: .regularExpression) != nil, "next run on a tenth minute: \(s0)")
            #expect(again.stdout.contains("nothing due"))
        } else {
            #expect(!s0.contains("never"), "\(s0)")
            #expect(again.stdout.contains("✓ crawl (ok") || again.stdout.contains("nothing due"), "\(again.stdout)")
        }

        // The lock: a run holds it, schedule exits 3.
        let lock = try RunLock(databasePath: dir.path("s.sqlite"))
        let locked = try await runProcess(sieve, ["schedule", "--once", "--config", config], cwd: dir.url)
        #expect(locked.status == 3)
        withExtendedLifetime(lock) {}
    }

    @Test func sigtermMidCrawlExitsZeroWithNothingHalfWritten() async throws {
        // Twenty sources on one host, one request at a time, each answered after 0.6 s: a crawl of about 12 s.
        let server = try TestHTTPServer { req, conn in
            usleep(600_000)
            conn.respond(status: 200, body: Ops.rss(String(req.path.dropFirst()), items: 3))
        }
        defer { server.stop() }
        let config = writeConfig(server.baseURL, sources: 20)
        let database = dir.path("s.sqlite")
        _ = try await AppDatabase(path: database)  // so the test can watch it from the start

        let child = try ChildProcess.start(sieve, ["schedule", "--config", config], cwd: dir.url, stderrPath: dir.path("stderr.log"))
        let process = child.process
        defer { if process.isRunning { process.interrupt() } }

        await waitUntil(timeout: 60) { try Ops.count(database, "SELECT COUNT(*) FROM document") >= 1 }
        kill(process.processIdentifier, SIGTERM)
        let signalled = Date()
        #expect(try Ops.count(database, "SELECT COUNT(*) FROM document") >= 1, "the crawl never started")
        await child.exited()
        let log = (try? String(contentsOfFile: dir.path("stderr.log"), encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, Comment(rawValue: log))
        // It exits (a generous bound: a busy test run delays process start-up and reaping); that it stopped at
        // the next fetch boundary is shown by the pages it never fetched, below.
        #expect(Date().timeIntervalSince(signalled) < 60, Comment(rawValue: log))
        #expect(log.contains("shutdown requested"))
        #expect(log.contains("stopped early for shutdown"))
        #expect(log.contains("scheduler stopped"))

        let documents = try Ops.count(database, "SELECT COUNT(*) FROM document")
        #expect(documents >= 1 && documents < 20, "stopped mid-crawl: \(documents) of 20 pages")
        #expect(try Ops.integrity(database) == "ok")
        #expect(try Ops.count(database, "SELECT COUNT(*) FROM frontier WHERE state = 'inflight'") == 0)
        #expect(try Ops.count(database, "SELECT COUNT(*) FROM post") == 3 * documents, "each stored page has all its posts")
        // A later one-shot run picks up exactly where it stopped.
        let resume = try await runProcess(sieve, ["run", "--config", config], cwd: dir.url)
        #expect(resume.status == 0, Comment(rawValue: resume.stdout + resume.stderr))
        #expect(try Ops.count(database, "SELECT COUNT(*) FROM post") == 60)
    }
}
