import Classifier
import Drill
import Foundation
import Logging
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

enum DrillFixture {
    static let classifier: PostClassifier = {
        let lexicon = try! Lexicon.load(directory: TestPaths.lexicons)
        let models = (try? ModelSet.load(directory: TestPaths.packageRoot.appendingPathComponent("Models").path)) ?? ModelSet()
        return PostClassifier(lexicon: lexicon, models: models)
    }()

    static let logger = Logger(label: "drill-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A 20-minute night written by hand (no shared data needed): an alert, closure notices, reports and rumours.
    static let night = """
        [scenario]
        name = "short-night"
        title = "短短的颱風夜"
        kind = "typhoon"
        start = "2025-07-06T18:00:00+08:00"
        duration = "20m"

        [[event]]
        id = "cap-1"
        at = "+0:01"
        kind = "cap"
        type = "颱風"
        title = "颱風陸上警報：臺南市"
        text = "颱風暴風圈進入臺南市，嚴防強風豪雨。"
        county = "臺南市"

        [[event]]
        id = "closure-yunlin"
        at = "+0:02"
        kind = "closure"
        county = "雲林縣"
        text = "明天照常上班、照常上課。"

        [[event]]
        id = "report-1"
        at = "+0:04"
        channel = "ptt"
        text = "安南區海佃路一段淹水及腰，有位阿嬤受困在一樓，請求救援"
        truth = "report"
        expect = "escalate"

        [[event]]
        id = "report-2"
        at = "+0:06"
        channel = "facebook"
        text = "新營區民治路的電線桿被強風吹倒，整條路不能通行"
        truth = "report"

        [[event]]
        id = "rumour-1"
        at = "+0:08"
        channel = "ptt"
        text = "網傳雲林縣明天停班停課！大家不用去上班了"
        truth = "rumour"

        [[event]]
        id = "noise-1"
        at = "+0:10"
        channel = "threads"
        text = "颱風天就是要吃泡麵配韓劇"
        truth = "noise"

        [[event]]
        id = "emic-1"
        at = "+0:12"
        kind = "emic"
        county = "臺南市"
        town = "新營區"
        type = "民生、基礎設施災情"
        text = "民治路電線桿倒塌，道路中斷"
        """

    /// A production store's queued post (stored and assessed the way the pipeline does).
    static func queuedPost(_ db: AppDatabase, _ text: String) async throws -> Int64 {
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://example.org/feed")])["news"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://example.org/feed"),
            posts: [ExtractedPost(externalID: "1", url: "https://example.org/1", title: nil, published: Date(), text: text)])
        let fresh = try await db.postsToAssess()
        try await db.saveAssessments(fresh.map {
            ($0.id, Assessment(disaster: 0.9, rumour: 0.05, types: ["other"], places: [], reasons: [], model: "test"), 1.0)
        })
        return try #require(fresh.first?.id)
    }

    static func run(_ text: String = night, database: AppDatabase, speed: Double = 600, from: TimeInterval = 0, until: TimeInterval? = nil)
        async throws -> DrillRunSummary
    {
        var options = DrillOptions()
        options.speed = speed
        options.from = from
        options.until = until
        options.settle = 20
        let scenario = try Scenario.parse(text, file: "night.toml")
        return try await DrillRunner(scenario: scenario, database: database, scorer: classifier, options: options, logger: logger).run()
    }
}

@Suite("Drills: replay through the real pipeline into an exercise store")
struct DrillRunTests {
    let dir = TempDir()

    /// A short slice of each shipped scenario at --speed 60, end to end: every event due in the slice reaches the
    /// exercise store, none before its time; posts are classified and cross-referenced.
    @Test(
        .enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent"),
        arguments: ["typhoon-danas-2025", "flood-meiyu-2026", "earthquake-central-2025", "tsunami-east-2025"])
    func aSliceOfEachScenarioRunsAtSixtyTimes(_ name: String) async throws {
        let data = try #require(TestPaths.sharedData("emic/emic_cases_dev.csv")).deletingLastPathComponent().deletingLastPathComponent().path
        let scenario = try Scenario.load(path: TestPaths.packageRoot.appendingPathComponent("Drills/\(name).toml").path).resolved(dataFolder: data)
        // The busiest five minutes of the night (most events), at 60×: five seconds of wall time.
        let offsets = scenario.events.map(\.offset)
        let from = offsets.max { a, b in offsets.filter { $0 >= a && $0 < a + 300 }.count < offsets.filter { $0 >= b && $0 < b + 300 }.count }!
        var options = DrillOptions()
        options.speed = 60
        options.from = from
        options.until = from + 300
        options.settle = 20
        let db = try await AppDatabase(path: dir.path("\(name).sqlite"))
        let summary = try await DrillRunner(scenario: scenario, database: db, scorer: DrillFixture.classifier, options: options, logger: DrillFixture.logger).run()
        #expect(summary.failures.isEmpty, "\(summary.failures)")
        let events = try await db.exerciseEvents().filter { $0.offset >= options.from && $0.offset <= options.until! }
        #expect(events.count >= 2 && summary.arrived == events.count, "\(summary.arrived) of \(events.count)")
        for e in events {
            let due = try #require(e.dueAt, "\(e.eventID) never fell due")
            let seen = try #require(e.seenAt, "\(e.eventID) never reached the store")
            #expect(seen.timeIntervalSince(due) > -0.05, "\(e.eventID) was there before its time")
        }
        let signals = try await db.exerciseSignals()
        let posts = events.filter { $0.kind == "post" }
        #expect(!posts.isEmpty && posts.allSatisfy { signals[$0.eventID]?.disaster != nil }, "posts not classified")
        #expect(try await db.exercise()?.state == .finished)
        print("drill slice \(name): \(events.count) events, lateness median \(summary.latencyMedian) s, p95 \(summary.latencyP95) s, max \(summary.latencyMax) s, \(summary.rounds) rounds")
    }

    /// The whole hand-written night: the closure notice contradicts the rumour, the alert (status Exercise) is an
    /// incident in the exercise store, and the report's figures match the decisions taken.
    @Test func aNightIsScoredAgainstItsGroundTruth() async throws {
        let db = try await AppDatabase(path: dir.path("night.sqlite"))
        let summary = try await DrillFixture.run(database: db)
        #expect(summary.arrived == 7 && summary.failures.isEmpty, "\(summary)")
        let incidents = try await db.incidents()
        #expect(incidents.contains { $0.externalID == "cap-1" } && incidents.contains { $0.kind == .closure })
        let signals = try await db.exerciseSignals()
        #expect(signals["rumour-1"]?.verdict == "contradicted", "\(String(describing: signals["rumour-1"]))")
        let events = Dictionary(uniqueKeysWithValues: try await db.exerciseEvents().map { ($0.eventID, $0) })
        func post(_ id: String) throws -> Int64 { try #require(events[id]?.postID) }
        // amy: escalates the trapped grandmother (right), approves the rumour (wrong); bo: approves report-2, rejects noise.
        try await db.review(postID: try post("report-1"), decision: .escalate, reviewer: "amy", note: nil, channels: [])
        try await db.review(postID: try post("rumour-1"), decision: .approve, reviewer: "amy", note: nil, channels: [])
        try await db.review(postID: try post("report-2"), decision: .approve, reviewer: "bo", note: nil, channels: [])
        try await db.review(postID: try post("noise-1"), decision: .reject, reviewer: "bo", note: nil, channels: [], reason: .notDisaster)
        let report = try await DrillReport.build(database: db)
        #expect(report.team.decisions == 4 && report.team.correct == 3)
        #expect(report.team.rumoursPassed == 1 && report.team.rumoursCaught == 0)
        #expect(report.team.leadsEscalated == 1 && report.team.reportsApproved == 2 && report.team.noiseRejected == 1)
        #expect(report.moderators.map(\.name).sorted() == ["amy", "bo"])
        #expect(report.moderators.first { $0.name == "bo" }?.scores.correct == 2)
        #expect(report.undecided == 0)
        #expect(report.team.medianSeconds != nil)
        #expect(report.pipeline.rumours == 1 && report.pipeline.rumoursFlagged == 1)
        let json = try report.json()
        let decoded = try JSONDecoder().decode(DrillReport.self, from: Data(json.utf8))
        #expect(decoded.decisions.count == 4 && decoded.decisions.filter { !$0.correct }.map(\.event) == ["rumour-1"])
        let html = report.html()
        #expect(html.contains("【演習】") && html.contains("amy") && html.contains("<svg") && html.contains("放行謠言"))
    }

    /// While it runs, the trainer injects a post on a channel the scenario did not have, then ends the drill: the
    /// post reaches the store through its own new feed, and the run stops without playing the rest.
    @Test func aTrainerInjectsAPostAndEndsTheDrill() async throws {
        let db = try await AppDatabase(path: dir.path("live.sqlite"))
        let run = Task { try await DrillFixture.run(database: db, speed: 30) }  // 20 scenario minutes: 40 s unless ended
        var clock: ExerciseInfo? = nil
        for _ in 0..<200 where clock == nil {
            clock = try await db.exercise()
            if clock == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        var info = try #require(clock)
        let injected = ExerciseEventRecord(
            eventID: "inject-1", kind: "post", offset: info.offset(at: Date()), channel: "line-group", truth: "rumour", expect: "reject",
            note: "injected", origin: "injected", text: "網傳水庫今晚潰堤，快往高處跑")
        #expect(try await db.injectExerciseEvent(injected))
        var arrived = false
        for _ in 0..<200 where !arrived {
            arrived = try await db.exerciseEvents().contains { $0.eventID == "inject-1" && $0.postID != nil }
            if !arrived { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(arrived, "the injected post never reached the store")
        info = try #require(try await db.exercise())
        info.baseOffset = info.offset(at: Date())
        info.baseWall = Date()
        info.state = .finished
        let told = Date()
        try await db.updateExercise(info)
        let summary = try await run.value
        // Measured from the order, not from the start: a loaded machine may take long to deliver the injected post,
        // but a drill that ignored the order would play on to its 40 s.
        let afterOrder = Date().timeIntervalSince(told)
        #expect(afterOrder < 8 && summary.wallSeconds < 39, "\(afterOrder) s after the order (\(summary.wallSeconds) s in all): the drill did not end when told")
        #expect(try await db.exerciseEvents().first { $0.eventID == "inject-1" }?.seenAt != nil)
    }

    /// A drill never writes into a production store (one with posts and no drill), nor continues another drill's.
    @Test func aProductionStoreIsRefused() async throws {
        let db = try await AppDatabase(path: dir.path("prod.sqlite"))
        _ = try await DrillFixture.queuedPost(db, "颱風")
        await #expect {
            _ = try await DrillFixture.run(database: db)
        } throws: { error in
            "\(error)".contains("not an exercise store")
        }
        #expect(try await db.exercise() == nil)
        let other = try await AppDatabase(path: dir.path("other.sqlite"))
        _ = try await DrillFixture.run(database: other, until: 120)
        await #expect {
            _ = try await DrillFixture.run(DrillFixture.night.replacingOccurrences(of: "short-night", with: "another-night"), database: other)
        } throws: { error in
            "\(error)".contains("holds the drill \"short-night\"")
        }
    }

    /// `sieve run`, `crawl`, `worker` and `schedule` refuse an exercise store (they would mix the configured sources
    /// into the drill); `sieve drill run` refuses the production database named in the config.
    @Test func theCLIKeepsProductionAndExerciseApart() async throws {
        let db = try await AppDatabase(path: dir.path("ex.sqlite"))
        _ = try await DrillFixture.run(database: db, until: 60)
        let config = dir.write("sieve.toml", "database = \"\(dir.path("prod.sqlite"))\"\n[[source]]\nname = \"news\"\nkind = \"rss\"\nurl = \"https://example.org/feed\"\n")
        for command in [["run"], ["crawl"], ["worker", "--once"], ["schedule", "--once"]] {
            let r = try await runProcess(TestPaths.sieveBinary, command + ["--config", config, "--database", dir.path("ex.sqlite")])
            #expect(r.status == 2 && r.stderr.contains("is the exercise store of the drill \"short-night\""), "\(command): \(r.stderr)")
        }
        let scenario = dir.write("night.toml", DrillFixture.night)
        let r = try await runProcess(TestPaths.sieveBinary, ["drill", "run", scenario, "--config", config, "--database", dir.path("prod.sqlite")])
        #expect(r.status == 2 && r.stderr.contains("is the production database named in"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("prod.sqlite")))
    }

    /// With production channels configured, a drill contacts none of them: the publisher delivers an exercise
    /// store's items only to `exercise = true` channels, each message marked 【演習】, CAP files status Exercise;
    /// and a production store never feeds the exercise channels.
    @Test func aDrillWithProductionChannelsConfiguredContactsNoneOfThem() async throws {
        let production = try CountingServer()
        let exercise = try CountingServer()
        func api(_ name: String, _ kind: ChannelKind, _ url: String, exercise: Bool) -> ChannelConfig {
            var c = ChannelConfig(name: name, kind: kind, url: url, tokenEnv: "SECRET", allowPrivate: true)
            c.exercise = exercise
            c.timeout = 5
            c.ratePerMinute = 60_000
            return c
        }
        var productionFeed = ChannelConfig(name: "community-feed", kind: .atom, path: dir.path("public/community.atom"), title: "正式")
        productionFeed.exercise = false
        var drillCAP = ChannelConfig(name: "drill-cap", kind: .cap, path: dir.path("drill/cap"), title: "演習 CAP")
        drillCAP.exercise = true
        let channels = [
            api("mastodon-tw", .mastodon, production.url, exercise: false), api("eoc-hook", .webhook, production.url + "/eoc", exercise: false),
            productionFeed, api("drill-hook", .webhook, exercise.url + "/drill", exercise: true), drillCAP,
        ]
        let db = try await AppDatabase(path: dir.path("drill.sqlite"))
        _ = try await DrillFixture.run(database: db)
        let events = Dictionary(uniqueKeysWithValues: try await db.exerciseEvents().map { ($0.eventID, $0) })
        for (id, decision) in [("report-1", ReviewDecision.escalate), ("report-2", .approve)] {
            try await db.review(postID: try #require(events[id]?.postID), decision: decision, reviewer: "amy", note: nil, channels: channels.map(\.name))
        }
        let publisher = OutboxPublisher(database: db, channels: channels, environment: ["SECRET": "s3cret"])
        let report = await publisher.deliverPending(DeliveryOptions(maxWait: 5))
        #expect(production.requests.isEmpty, "production was contacted: \(production.requests)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("public/community.atom")))
        #expect(report.excludedChannels.count == 3, "\(report.excludedChannels)")
        let sent = exercise.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(!sent.isEmpty && sent.allSatisfy { $0.contains("【演習】") }, "\(sent)")
        let capFiles = (try? FileManager.default.contentsOfDirectory(atPath: dir.path("drill/cap")))?.filter { $0.hasSuffix(".xml") && $0 != "index.xml" } ?? []
        #expect(!capFiles.isEmpty)
        for f in capFiles {
            let xml = try String(contentsOfFile: dir.path("drill/cap/\(f)"), encoding: .utf8)
            #expect(xml.contains("<status>Exercise</status>") && !xml.contains("<status>Actual</status>"), "\(f)")
        }
        // The other way round: a production store's approvals never reach the exercise channels.
        let prod = try await AppDatabase(path: dir.path("prod.sqlite"))
        let post = try await DrillFixture.queuedPost(prod, "新營區電線桿倒塌")
        try await prod.review(postID: post, decision: .approve, reviewer: "amy", note: nil, channels: ["drill-hook"])
        let before = exercise.requests.count
        let r2 = await OutboxPublisher(database: prod, channels: channels.filter(\.exercise), environment: ["SECRET": "s3cret"]).deliverPending(DeliveryOptions(maxWait: 1))
        #expect(exercise.requests.count == before && r2.delivered == 0)
    }
}

/// A loopback HTTP endpoint that answers 200 to everything and remembers each request.
final class CountingServer: Sendable {
    let server: TestHTTPServer
    var url: String { server.baseURL }
    var requests: [TestRequest] { server.requests }

    init() throws {
        server = try TestHTTPServer { _, connection in
            connection.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{\"id\":\"1\",\"url\":\"https://example.org/1\"}")
        }
    }
}

/// The after-action report in headless Chromium (Tests/ui/drill_ui.py): it renders with its charts and no serious or
/// critical axe-core violation; the web app on an exercise store shows the banner and withholds the public page.
@Test(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python").path),
        "needs .venv-ui (`make ui-env`: selenium, axe-core-python, chromium)"))
func drillReportAndBannerInARealBrowser() async throws {
    let python = TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python")
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/ui/drill_ui.py").path
    let r = try await runProcess(python, [script, "--sieve", TestPaths.sieveBinary.path], timeout: 240)
    if r.status == 77 {
        print(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return
    }
    #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    #expect(r.stdout.contains("drill-ui: 5 passed, 0 serious or critical axe violations"), "\(r.stdout)\n\(r.stderr)")
}
