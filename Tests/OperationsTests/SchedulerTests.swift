import Foundation
import Operations
import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// The scheduler planning and running real jobs against a temp SQLite file and a loopback server.
@Suite("Scheduler", .serialized)
struct SchedulerTests {
    let dir = TempDir()

    func config(_ base: String, publish: PublishSettings?, backup: BackupSettings?) throws -> SieveConfig {
        var news = SourceConfig(name: "news", kind: .rss, url: base + "/news", allowPrivate: true, respectRobots: false)
        news.schedule = try Schedule.parse("*/10 * * * *")
        let board = SourceConfig(name: "board", kind: .rss, url: base + "/board", interval: 3600, allowPrivate: true, respectRobots: false)
        var c = SieveConfig(
            database: dir.path("ops.sqlite"), crawler: Ops.crawler, sources: [news, board],
            channels: [ChannelConfig(name: "feed", kind: .atom)])
        c.channels[0].path = dir.path("public/community.atom")
        c.publish = publish
        c.backup = backup
        return c
    }

    @Test func aPassRunsEveryDueJobAndPlansTheNext() async throws {
        let server = try TestHTTPServer { req, conn in
            switch req.path {
            case "/news": conn.respond(status: 200, body: Ops.rss("news", items: 3))
            case "/board": conn.respond(status: 200, body: Ops.rss("board", items: 2))
            default: conn.respond(status: 404, body: "")
            }
        }
        defer { server.stop() }
        let c = try config(
            server.baseURL, publish: PublishSettings(schedule: .every(seconds: 300)),
            backup: BackupSettings(schedule: try Schedule.parse("@hourly"), dir: dir.path("backups"), keep: 2))
        let database = try await AppDatabase(path: c.database)
        let scheduler = Scheduler(config: c, database: database, scorer: Ops.classifier, logger: Ops.quiet)

        let before = try await scheduler.jobs()
        #expect(before.map(\.name) == ["crawl:news", "crawl:board", "publish", "backup"])
        #expect(before.allSatisfy { $0.lastRun == nil && $0.nextRun <= Date() }, "nothing ran yet: all due")

        let started = Date()
        let outcomes = await scheduler.runDue()
        #expect(outcomes.map(\.job) == ["crawl", "classify", "xref", "publish", "backup"])
        for o in outcomes { #expect(o.result == .ok, "\(o.job): \(o.message)") }
        #expect(outcomes.first?.message.contains("5 new post(s)") == true, "\(outcomes.first?.message ?? "")")
        #expect(try await database.postCount() == 5)
        #expect(try await database.queue(limit: 100).count == 5)
        let backups = Backups.list(dir: dir.path("backups"), stem: "ops")
        #expect(backups.count == 1)
        #expect(try Ops.integrity(backups[0].path) == "ok")
        #expect(try Ops.count(backups[0].path, "SELECT COUNT(*) FROM post") == 5)

        // Next runs: the cron source at its next tenth minute after its fetch, the interval source an hour after,
        // publish five minutes after this pass, the backup at the next full hour after the backup's time.
        let after = try await scheduler.jobs()
        let byName = Dictionary(uniqueKeysWithValues: after.map { ($0.name, $0) })
        let newsLast = try #require(byName["crawl:news"]?.lastRun)
        #expect(newsLast >= started.addingTimeInterval(-1))
        let cron = try CronExpression.parse("*/10 * * * *")
        #expect(byName["crawl:news"]?.nextRun == cron.next(after: newsLast))
        let boardLast = try #require(byName["crawl:board"]?.lastRun)
        #expect(byName["crawl:board"]?.nextRun == boardLast.addingTimeInterval(3600))
        let publishLast = try #require(byName["publish"]?.lastRun)
        #expect(byName["publish"]?.nextRun == publishLast.addingTimeInterval(300))
        // The last run is the newer of the backup file's stamp (whole seconds) and this process's start of the job.
        let backupLast = try #require(byName["backup"]?.lastRun)
        #expect(abs(backupLast.timeIntervalSince(backups[0].date)) < 2)
        let nextHour = (backups[0].date.timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3600
        #expect(byName["backup"]?.nextRun.timeIntervalSince1970 == nextHour)
        // Nothing is due again as of the pass (checked at the pass's start, not the wall clock: under load the pass
        // can take over a minute and cross the cron source's tenth minute, which would make it due again, rightly).
        #expect(after.allSatisfy { $0.nextRun > started }, "nothing due right after the pass")
        #expect(await scheduler.runDue(now: started).isEmpty)

        // An approved post is delivered by the next publish pass and counted.
        let top = try #require(try await database.queue(limit: 1).first)
        _ = try await database.review(postID: top.id, decision: .approve, reviewer: "test", note: nil, channels: ["feed"])
        let later = publishLast.addingTimeInterval(300)
        let published = await scheduler.runDue(now: later)
        // (crawl:news may be due too when a tenth minute passed.)
        let publish = try #require(published.first { $0.job == "publish" })
        #expect(publish.message.hasPrefix("1 delivered"), "\(publish.message)")
        #expect(try String(contentsOfFile: dir.path("public/community.atom"), encoding: .utf8).contains("post/\(top.id)"))
    }

    @Test func withNoJobsTheServiceStillRunsUntilStopped() async throws {
        let c = SieveConfig(database: dir.path("idle.sqlite"))
        let scheduler = Scheduler(config: c, database: try await AppDatabase(path: c.database), scorer: Ops.classifier, logger: Ops.quiet)
        #expect(try await scheduler.jobs().isEmpty)
        let returned = Locked(false)
        let task = Task {
            try await scheduler.run()
            returned.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!returned.withLock { $0 }, "returning early would end the service group it runs in")
        scheduler.stop.trigger()
        try await task.value
        #expect(returned.withLock { $0 })
    }

    @Test func backupRetentionKeepsTheNewest() async throws {
        let database = try await AppDatabase(path: dir.path("keep.sqlite"))
        let ids = try await database.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])
        try await Ops.insertPosts(database, sourceID: ids["s"]!, batch: 0, count: 3)
        let t0 = Date(timeIntervalSince1970: 1_789_000_000)
        for i in 0..<5 {
            let outcome = try await Backups.run(database: database, dir: dir.path("b"), keep: 3, now: t0.addingTimeInterval(Double(i) * 3600))
            #expect(outcome.removed.count == (i < 3 ? 0 : 1))
        }
        let kept = Backups.list(dir: dir.path("b"), stem: "keep")
        #expect(kept.map(\.date) == [4, 3, 2].map { t0.addingTimeInterval(Double($0) * 3600) })
        #expect(kept[0].path.hasSuffix("keep-" + Backups.stamp(t0.addingTimeInterval(4 * 3600)) + ".sqlite"))
        // Files that are not our backups are left alone.
        _ = FileManager.default.createFile(atPath: dir.path("b/notes.txt"), contents: Data("x".utf8))
        _ = try await Backups.run(database: database, dir: dir.path("b"), keep: 1, now: t0.addingTimeInterval(5 * 3600))
        #expect(Backups.list(dir: dir.path("b"), stem: "keep").count == 1)
        #expect(FileManager.default.fileExists(atPath: dir.path("b/notes.txt")))
    }

    @Test func stoppingMidCrawlFinishesFetchesUnderWayAndLeavesNothingHalfDone() async throws {
        // Twenty-four sources on one slow host, one at a time: a crawl of about 12 s.
        let server = try TestHTTPServer { req, conn in
            usleep(500_000)
            conn.respond(status: 200, body: Ops.rss(String(req.path.dropFirst()), items: 2))
        }
        defer { server.stop() }
        var crawler = Ops.crawler
        crawler.perHostConcurrency = 1
        let sources = (0..<24).map { SourceConfig(name: "s\($0)", kind: .rss, url: server.baseURL + "/s\($0)", allowPrivate: true, respectRobots: false) }
        let c = SieveConfig(database: dir.path("stop.sqlite"), crawler: crawler, sources: sources)
        let database = try await AppDatabase(path: c.database)
        let scheduler = Scheduler(config: c, database: database, scorer: Ops.classifier, logger: Ops.quiet)
        let task = Task { try await scheduler.run() }
        // Stop once the crawl has stored something (observed progress, not wall time).
        await waitUntil(timeout: 30) { try Ops.count(c.database, "SELECT COUNT(*) FROM document") >= 1 }
        scheduler.stop.trigger()
        let atStop = try Ops.count(c.database, "SELECT COUNT(*) FROM document")
        try await task.value
        // Counted, not timed: after the stop only the fetch under way (one at a time on this host) may finish.
        let documents = try Ops.count(c.database, "SELECT COUNT(*) FROM document")
        #expect(documents <= atStop + 1, "stopped at the next fetch boundary (\(atStop) stored at the stop, \(documents) at the end)")
        #expect(documents >= 1 && documents < 24)
        #expect(try Ops.count(c.database, "SELECT COUNT(*) FROM frontier WHERE state = 'inflight'") == 0)
        #expect(try Ops.count(c.database, "SELECT COUNT(*) FROM post") == 2 * documents, "every stored page has both its posts")
        #expect(try Ops.integrity(c.database) == "ok")
        // The rest is still due: a restarted scheduler fetches it at once.
        let restarted = Scheduler(config: c, database: database, scorer: Ops.classifier, logger: Ops.quiet)
        let due = try await restarted.jobs().filter { $0.nextRun <= Date() }
        #expect(due.count == 24 - documents)
    }
}
