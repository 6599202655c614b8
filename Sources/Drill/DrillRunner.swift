import Classifier
import Crawler
import Foundation
import Hummingbird
import Logging
import NIOCore
import Pipeline
import SieveCore
import Store

/// How `sieve drill run` plays a scenario.
public struct DrillOptions: Sendable {
    /// Scenario seconds per wall-clock second (60: a 24-hour night in 24 minutes).
    public var speed: Double = 1
    /// The scenario clock at offset 0 (default: the scenario's own start, so real records keep their dates).
    public var start: Date? = nil
    /// Play from this offset …
    public var from: TimeInterval = 0
    /// … up to this one (default: the scenario's duration). A short slice for tests.
    public var until: TimeInterval? = nil
    /// Seconds between two rounds of crawl → classify → cross-reference (wall clock).
    public var tick: TimeInterval = 0.25
    /// After the last event fell due, how long to wait (wall clock) for it to reach the store.
    public var settle: TimeInterval = 10

    public init() {}
}

/// What a run did; `sieve drill run` prints it and the benchmark records it.
public struct DrillRunSummary: Sendable, Codable {
    public var scenario: String
    public var speed: Double
    public var events: Int
    public var posts: Int
    public var officialRecords: Int
    /// Events due in the played window that reached the store.
    public var arrived: Int
    /// How late events reached the store after falling due (wall seconds): median, 95th percentile, worst.
    public var latencyMedian: Double
    public var latencyP95: Double
    public var latencyMax: Double
    /// Events that arrived more than a second after they fell due.
    public var late: Int
    public var wallSeconds: Double
    public var rounds: Int
    /// Sources that failed in some round (source: last error).
    public var failures: [String: String]
}

/// Replays a scenario into an exercise store through the real pipeline: a loopback server shows the world as it is
/// at the scenario clock; each round crawls it, imports the official records, classifies and cross-references.
public final class DrillRunner: Sendable {
    public let scenario: Scenario
    public let database: AppDatabase
    public let scorer: PostClassifier
    public let options: DrillOptions
    let logger: Logger

    public init(scenario: Scenario, database: AppDatabase, scorer: PostClassifier, options: DrillOptions, logger: Logger) {
        var s = scenario
        if let start = options.start { s.start = start }
        self.scenario = s
        self.database = database
        self.scorer = scorer
        self.options = options
        self.logger = logger
    }

    /// The events as the store keeps them.
    static func records(_ events: [ScenarioEvent]) -> [ExerciseEventRecord] {
        events.map { e in
            ExerciseEventRecord(
                eventID: e.id, kind: e.kind.rawValue, offset: e.offset, channel: e.channel, truth: e.truth?.rawValue,
                expect: e.expect?.rawValue, note: e.note, origin: e.origin, text: e.text)
        }
    }

    /// Runs to the end of the window (or until `shouldStop`); `progress` gets the scenario offset after each round.
    public func run(
        shouldStop: @escaping @Sendable () -> Bool = { false }, progress: @escaping @Sendable (TimeInterval, Int) -> Void = { _, _ in }
    ) async throws -> DrillRunSummary {
        let end = min(options.until ?? scenario.duration, scenario.duration)
        guard options.speed > 0, options.from < end else {
            throw DrillError("nothing to play: --from \(Int(options.from)) s is not before the end \(Int(end)) s, or --speed is not positive")
        }
        var clock = ExerciseInfo(
            scenario: scenario.name, title: scenario.title, scenarioStart: scenario.start, speed: options.speed, baseWall: Date(),
            baseOffset: options.from, state: .running, endOffset: end)
        do {
            try await database.beginExercise(clock, events: Self.records(scenario.events))
        } catch {
            throw DrillError("\(error)")
        }
        let timeline = ReplayTimeline(scenario: scenario, clock: clock)
        let address = AddressBox()
        let app = Application(
            router: ReplayServer.router(timeline: timeline, base: { address.base }),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "sieve-drill-replay"),
            onServerRunning: { channel in address.set(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "sieve.drill.replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        // Binding a loopback port is instant; on a loaded machine (a test suite on two cores) the scheduling is not.
        let base = try await address.wait(timeout: 60)
        // The clock starts now that the world can be served (so the first events are not late by the setup).
        clock.baseWall = Date()
        try await database.updateExercise(clock)
        await timeline.setClock(clock)
        let started = clock.baseWall
        let config = Self.config(scenario: scenario, base: base, database: database.path)
        var pipeline = Pipeline(config: config, database: database, logger: logger)
        pipeline.exercise = true
        pipeline.retryHorizon = 1
        var due: Set<String> = []
        var seen: Set<String> = []
        var failures: [String: String] = [:]
        var rounds = 0
        var lastDue = started
        let inWindow = scenario.events.filter { $0.offset >= options.from && $0.offset <= end }
        let knownIDs = Set(scenario.events.map(\.id))
        var injectedIDs: Set<String> = []
        var linked: Set<String> = []
        var lastProcessed = Date.distantPast
        while !shouldStop() {
            let roundStart = Date()
            // A trainer may have paused, changed the speed or injected an event (web app or `sieve drill control`).
            if let stored = try? await database.exercise(), stored != clock {
                clock = stored
                await timeline.setClock(stored)
            }
            if let stored = try? await database.exerciseEvents() {
                let fresh = stored.filter { !knownIDs.contains($0.eventID) && !injectedIDs.contains($0.eventID) }
                if !fresh.isEmpty {
                    injectedIDs.formUnion(fresh.map(\.eventID))
                    await timeline.add(fresh.compactMap(Self.event(from:)))
                    // A post on a channel the scenario did not have: its feed becomes a source too.
                    let known = Set(pipeline.config.sources.map(\.name))
                    if fresh.contains(where: { $0.kind == "post" && !known.contains("drill-\($0.channel ?? "")") }) {
                        var replaced = Pipeline(config: Self.config(scenario: await timeline.scenario, base: base, database: database.path), database: database, logger: logger)
                        replaced.exercise = true
                        replaced.retryHorizon = 1
                        pipeline = replaced
                    }
                }
            }
            let offset = clock.offset(at: roundStart)
            let nowScenario = scenario.time(offset)
            // What fell due since the last round, at the wall time the clock reached it.
            let visible = await timeline.visible(now: roundStart)
            var newlyDue: [(id: String, at: Date)] = []
            for e in visible where e.offset >= options.from && !due.contains(e.id) {
                due.insert(e.id)
                let at = e.offset <= options.from ? started : clock.wallTime(of: e.offset)
                newlyDue.append((e.id, at))
                lastDue = max(lastDue, at)
            }
            try await database.markExerciseEvents(due: newlyDue, seen: [])
            // Only the sources with something new to fetch (the replay knows), the official ones and the social ones
            // side by side: a quiet round costs no request, a busy one the time of the slower half.
            let officialNew = visible.filter { $0.kind != .post && !seen.contains($0.id) }
            let officialNames = Set(officialNew.map { Self.sourceName(for: $0) })
            let postNames = Set(visible.filter { $0.kind == .post && !linked.contains($0.id) }.map { Self.sourceName(for: $0) })
            let stages = pipeline
            let fetchStart = Date()
            async let imported: (results: [OfficialImportResult], seconds: Double)? =
                officialNames.isEmpty ? nil : Self.timed { try await stages.importOfficial(force: true, only: officialNames, lexicon: scorer.rules.lexicon, now: nowScenario) }
            async let crawled: (results: CrawlSummary, seconds: Double)? = postNames.isEmpty ? nil : Self.timed { try await stages.crawl(only: postNames, force: true) }
            let (importTimed, crawlTimed) = try await (imported, crawled)
            let (results, summary) = (importTimed?.results, crawlTimed?.results)
            let fetchSeconds = Date().timeIntervalSince(fetchStart)
            if let results {
                for r in results { if let e = r.error { failures[r.name] = e } }
                let ok = Set(results.filter { $0.error == nil }.map(\.name))
                let at = Date()
                let done = officialNew.filter { ok.contains(Self.sourceName(for: $0)) }.map(\.id)
                seen.formUnion(done)
                try await database.markExerciseEvents(due: [], seen: done.map { ($0, at) })
            }
            for r in summary?.results ?? [] { if let e = r.error { failures[r.name] = e } }
            // Classification and the cross-reference (which may rebuild its index after new incidents) wait for a
            // quiet round: not when the next event falls due within the next half second, so its fetch is not
            // held up behind them (the schedule is kept to ±1 s) — unless they have waited 3 s (the moderators'
            // queue must keep up too); at the end they run once more.
            let nextDue = await timeline.nextOffset(after: clock.offset(at: Date()))
            if clock.state != .running || Date().timeIntervalSince(lastProcessed) > 3
                || nextDue.map({ clock.wallTime(of: $0).timeIntervalSinceNow > 0.5 }) ?? true
            {
                lastProcessed = Date()
                _ = try await Pipeline.classify(database: database, scorer: scorer)
                _ = try await Pipeline.crossReference(database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer, now: nowScenario)
            }
            let processSeconds = Date().timeIntervalSince(lastProcessed)
            try await database.linkExercisePosts()
            linked = Set(try await database.exerciseEvents().filter { $0.postID != nil }.map(\.eventID))
            let roundSeconds = Date().timeIntervalSince(roundStart)
            if roundSeconds > 0.5 {
                // A slow round is what makes an event late: say where the time went (shown with --verbose).
                logger.info("drill round took \(String(format: "%.2f", roundSeconds)) s", metadata: [
                    "import": "\(officialNames.sorted()) \(String(format: "%.2f", importTimed?.seconds ?? 0)) s",
                    "crawl": "\(postNames.count) feeds \(String(format: "%.2f", crawlTimed?.seconds ?? 0)) s",
                    "fetch": "\(String(format: "%.2f", fetchSeconds)) s",
                    "classify+xref": "\(String(format: "%.2f", lastProcessed >= roundStart ? processSeconds : 0)) s",
                ])
            }
            rounds += 1
            progress(offset, due.count)
            if clock.state == .finished { break }
            if offset >= end {
                // Everything due has been played; wait until it is all in (or the settle time is up).
                let stored = try await database.exerciseEvents()
                let missing = stored.filter { $0.dueAt != nil && $0.seenAt == nil && $0.offset >= options.from && $0.offset <= end }
                if missing.isEmpty || Date().timeIntervalSince(lastDue) > options.settle { break }
            }
            let elapsed = Date().timeIntervalSince(roundStart)
            if elapsed < options.tick { try? await Task.sleep(for: .seconds(options.tick - elapsed)) }
        }
        _ = try await Pipeline.classify(database: database, scorer: scorer)
        _ = try await Pipeline.crossReference(
            database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer, now: scenario.time(min(clock.offset(at: Date()), end)))
        clock.state = .finished
        clock.baseOffset = min(clock.offset(at: Date()), end)
        clock.baseWall = Date()
        try? await database.updateExercise(clock)
        let stored = try await database.exerciseEvents().filter { $0.offset >= options.from && $0.offset <= end }
        let lat = stored.compactMap { e -> Double? in
            guard let d = e.dueAt, let s = e.seenAt else { return nil }
            return s.timeIntervalSince(d)
        }.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count - 1) * p))] }
        return DrillRunSummary(
            scenario: scenario.name, speed: options.speed, events: inWindow.count + injectedIDs.count,
            posts: inWindow.filter { $0.kind == .post }.count, officialRecords: inWindow.filter { $0.kind != .post }.count,
            arrived: lat.count, latencyMedian: pct(0.5), latencyP95: pct(0.95), latencyMax: lat.last ?? 0,
            late: lat.filter { abs($0) > 1 }.count, wallSeconds: Date().timeIntervalSince(started), rounds: rounds, failures: failures)
    }

    /// The drill source that serves `event` (see `config`).
    static func timed<T: Sendable>(_ body: () async throws -> T) async rethrows -> (results: T, seconds: Double) {
        let start = Date()
        let value = try await body()
        return (value, Date().timeIntervalSince(start))
    }

    static func sourceName(for event: ScenarioEvent) -> String {
        switch event.kind {
        case .post: return "drill-\(event.channel ?? "")"
        case .emic: return "drill-emic"
        case .cap: return "drill-cap"
        case .quake: return "drill-cwa"
        case .closure: return "drill-closures"
        }
    }

    /// An injected event back from the store (posts only carry what scoring needs).
    static func event(from r: ExerciseEventRecord) -> ScenarioEvent? {
        guard let kind = ScenarioEvent.Kind(rawValue: r.kind) else { return nil }
        var e = ScenarioEvent(id: r.eventID, offset: r.offset, kind: kind, text: r.text, origin: r.origin)
        e.channel = r.channel
        e.truth = r.truth.flatMap(ScenarioEvent.Truth.init(rawValue:))
        e.expect = r.expect.flatMap(ScenarioEvent.Decision.init(rawValue:))
        e.note = r.note
        return e
    }

    /// The sources of the drill: one feed per social channel and one per official format the scenario uses, all
    /// on the replay server (loopback, so `allow_private`), no politeness delay (the server is ours).
    static func config(scenario: Scenario, base: String, database: String) -> SieveConfig {
        var crawler = CrawlerSettings()
        crawler.perHostDelay = 0
        crawler.perHostConcurrency = 8
        crawler.connectTimeout = 5
        crawler.totalTimeout = 20
        crawler.maxAttempts = 2
        var sources: [SourceConfig] = []
        let channels = Set(scenario.events.compactMap { $0.kind == .post ? $0.channel : nil }).sorted()
        for c in channels {
            sources.append(SourceConfig(name: "drill-\(c)", kind: .atom, url: "\(base)/social/\(c).atom", interval: 1, allowPrivate: true, maxPages: 1, maxItems: 500))
        }
        let kinds = Set(scenario.events.map(\.kind))
        if kinds.contains(.emic) { sources.append(SourceConfig(name: "drill-emic", kind: .emic, url: "\(base)/official/emic.csv", interval: 1, allowPrivate: true)) }
        if kinds.contains(.cap) { sources.append(SourceConfig(name: "drill-cap", kind: .cap, url: "\(base)/official/cap.atom", interval: 1, allowPrivate: true)) }
        if kinds.contains(.quake) { sources.append(SourceConfig(name: "drill-cwa", kind: .cwa, url: "\(base)/official/cwa.json", interval: 1, allowPrivate: true)) }
        if kinds.contains(.closure) {
            sources.append(SourceConfig(name: "drill-closures", kind: .closures, url: "\(base)/official/closures.csv", interval: 1, allowPrivate: true))
        }
        return SieveConfig(database: database, crawler: crawler, sources: sources)
    }
}

public struct DrillError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The replay server's address, once it is bound.
final class AddressBox: Sendable {
    private let port = Locked<Int?>(nil)

    func set(_ p: Int) { port.withLock { $0 = p } }

    var base: String { "http://127.0.0.1:\(port.withLock { $0 } ?? 0)" }

    func wait(timeout: TimeInterval) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let p = port.withLock({ $0 }), p > 0 { return "http://127.0.0.1:\(p)" }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DrillError("the replay server did not start within \(Int(timeout)) s")
    }
}
