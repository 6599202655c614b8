import Foundation
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

@Suite("Atom feed publisher")
struct AtomFeedTests {
    let dir = TempDir()

    /// A database with one approved item whose text is hostile to XML.
    func approvedDatabase() async throws -> AppDatabase {
        let db = try await AppDatabase(path: dir.path("p.sqlite"))
        let ids = try await db.syncSources([SourceConfig(name: "board", kind: .html, url: "https://e.org/")])
        try await db.recordFetch(
            DocumentRecord(sourceId: ids["board"]!, url: "https://e.org/"),
            posts: [
                ExtractedPost(
                    externalID: "1", url: "https://e.org/1?a=1&b=2", title: "土石流 <script>alert(1)</script>",
                    published: Date(timeIntervalSince1970: 1_789_392_600),
                    text: "台21線坍方 & 交通中斷 \u{1} ]]> </content>"),
                ExtractedPost(externalID: "2", text: "not approved"),
            ])
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map {
            ($0.id, Assessment(disaster: 0.9, rumour: 0, types: ["landslide"], places: [PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市")], reasons: [], model: "t"), 1)
        })
        try await db.review(postID: posts[0].id, decision: .approve, reviewer: "m", note: "已向公路局確認", channels: ["feed"])
        return db
    }

    @Test func writesAWellFormedFeedAndMarksPublished() async throws {
        let db = try await approvedDatabase()
        let channel = ChannelConfig(name: "feed", kind: .atom, path: dir.path("out/feed.atom"), title: "已查證")
        let report = await OutboxPublisher(database: db, channels: [channel]).deliverPending()
        #expect(report.setupErrors.isEmpty)
        #expect(report.channels["feed"]?.delivered == 1)
        let xml = try String(contentsOfFile: dir.path("out/feed.atom"), encoding: .utf8)
        #expect(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""))
        #expect(xml.contains("+08:00"))
        #expect(xml.contains("&lt;script&gt;"))
        #expect(!xml.contains("\u{1}"))
        #expect(xml.contains("那瑪夏區") && xml.contains("已向公路局確認"))
        #expect(!xml.contains("not approved"))
        #expect(try await db.publications().allSatisfy { $0.status == "delivered" })
        // A second run has nothing to do; the feed keeps its item.
        let again = await OutboxPublisher(database: db, channels: [channel]).deliverPending()
        #expect(again.channels["feed"]?.delivered == 0)
        #expect(try await db.publishableItems(channel: "feed").count == 1)
    }

    @Test(.enabled(
        if: TestPaths.executable(TestPaths.packageRoot.appendingPathComponent(".venv/bin/python").path),
        ".venv/bin/python with feedparser is absent (`make pyenv` installs it)"))
    func feedparserReadsItWithoutBozo() async throws {
        let python = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python")
        let db = try await approvedDatabase()
        let channel = ChannelConfig(name: "feed", kind: .atom, path: dir.path("feed.atom"), title: "已查證")
        _ = await OutboxPublisher(database: db, channels: [channel]).deliverPending()
        let script = """
            import sys, feedparser
            d = feedparser.parse(sys.argv[1])
            assert not d.bozo, d.bozo_exception
            e = d.entries[0]
            print(len(d.entries), e.title, e.link, e.published_parsed is not None, e.id)
            """
        let r = try await runProcess(python, ["-c", script, dir.path("feed.atom")])
        #expect(r.status == 0, Comment(rawValue: r.stderr))
        #expect(r.stdout.hasPrefix("1 土石流 <script>alert(1)</script> https://e.org/1?a=1&b=2 True tag:sieve.local,2026:post/"), Comment(rawValue: r.stdout))
    }

    @Test func unwritablePathIsReportedAndRetried() async throws {
        let db = try await approvedDatabase()
        let channel = ChannelConfig(name: "feed", kind: .atom, path: "/proc/forbidden/feed.atom", title: "x")
        // A backoff of at least 30 s: even a slow machine's next claim in this run finds nothing due yet.
        let report = await OutboxPublisher(database: db, channels: [channel]).deliverPending(DeliveryOptions(baseDelay: 60))
        #expect(report.channels["feed"]?.lastError?.contains("/proc/forbidden/feed.atom") == true)
        let pub = try #require(try await db.publications().first)
        #expect(pub.status == "failed")
        #expect(pub.attempts == 1)
        #expect(pub.lastError != nil)
        #expect(pub.nextAttemptAt > Date())
    }
}
