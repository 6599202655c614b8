import ArgumentParser
import Drill
import Foundation
import SieveCore
import Store

struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Exercises: replay a scenario (typhoon, flood, earthquake, tsunami) into an isolated exercise store and score the team.",
        discussion: """
            A drill never touches the production database: `drill run` writes only into an exercise store (a new file \
            by default), marks everything as an exercise (CAP status Exercise, 【演習】 on every published item) and \
            the publisher delivers from it only to channels with `exercise = true`. Serve the exercise store with \
            `sieve serve --database EXERCISE_STORE` for the moderators: every page shows the exercise banner.
            """,
        subcommands: [DrillList.self, DrillCheck.self, DrillRun.self, DrillReportCommand.self, DrillControl.self])
}

/// Finds a scenario by name (in the Drills folder) or path, and reads its imports.
struct ScenarioOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of the real records scenarios import (default: $SIEVE_DATA, else the nearest shared/data).")
    var data: String?

    static func folder() -> String? { Resources.locate(.drills)?.path }

    func load(_ nameOrPath: String, resolve: Bool = true) throws -> Scenario {
        var path = nameOrPath
        if !nameOrPath.hasSuffix(".toml") {
            guard let folder = Self.folder() else {
                throw CLIError.config("no Drills folder found (set SIEVE_DRILLS, or pass the scenario file's path)")
            }
            path = "\(folder)/\(nameOrPath).toml"
            guard FileManager.default.fileExists(atPath: path) else {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted() ?? []
                throw CLIError.config("no scenario \"\(nameOrPath)\" in \(folder) (there: \(names.joined(separator: ", ")))")
            }
        }
        do {
            let scenario = try Scenario.load(path: path)
            return resolve ? try scenario.resolved(dataFolder: DrillData.folder(explicit: data, scenarioFile: path)) : scenario
        } catch {
            throw CLIError.config(error.description)
        }
    }
}

struct DrillList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The scenarios, one a line: name, kind, length, events, title.")

    @OptionGroup var scenarios: ScenarioOptions

    func run() async throws {
        try await runCLI {
            guard let folder = ScenarioOptions.folder() else { throw CLIError.config("no Drills folder found (set SIEVE_DRILLS)") }
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
            for f in files {
                let path = "\(folder)/\(f)"
                do {
                    let s = try Scenario.load(path: path)
                    let resolved = try? s.resolved(dataFolder: DrillData.folder(explicit: scenarios.data, scenarioFile: path))
                    let events = resolved.map { "\($0.events.count) events" } ?? "\(s.events.count) events + imports (data folder missing)"
                    print("\(s.name)  \(s.kind.rawValue)  \(Int(s.duration / 3600))h  \(events)  \(s.title)")
                } catch {
                    print("\(f.dropLast(5))  ✗ \(error)")
                }
            }
        }
    }
}

struct DrillCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate a scenario file (and the records it imports); exit 2 with file:line on a mistake.")

    @OptionGroup var scenarios: ScenarioOptions

    @Argument(help: "Scenario name or .toml file.")
    var scenario: String

    func run() async throws {
        try await runCLI {
            let s = try scenarios.load(scenario)
            let posts = s.events.filter { $0.kind == .post }
            let truths = Dictionary(grouping: posts, by: { $0.truth?.rawValue ?? "?" }).mapValues(\.count)
            let official = Dictionary(grouping: s.events.filter { $0.kind != .post }, by: \.kind.rawValue).mapValues(\.count)
            print("✓ \(s.file): \(s.name) (\(s.kind.rawValue), \(Int(s.duration / 60)) min from \(TaipeiTime.rfc3339(s.start)))")
            print("  \(posts.count) posts: " + truths.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            print("  \(s.events.count - posts.count) official records: " + official.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for source in s.sources { print("  source: \(source)") }
        }
    }
}

struct DrillRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a scenario through the real pipeline into an exercise store (never the production database).",
        discussion: """
            The replay server (loopback) shows the world as it is at the scenario clock; every round crawls it, \
            imports the official records, classifies and cross-references. --speed 60 plays a 24-hour night in 24 \
            minutes. Pause, change the speed or inject an event while it runs with `sieve drill control` or the web \
            app's /drill page.
            """)

    @OptionGroup var scenarios: ScenarioOptions

    @Argument(help: "Scenario name (see `sieve drill list`) or .toml file.")
    var scenario: String

    @Option(name: .long, help: "The production config (its database is refused as an exercise store).")
    var config: String = "sieve.toml"

    @Option(name: .long, help: "The exercise store: a new SQLite file or postgres:// URL (default: exercise-<scenario>.sqlite).")
    var database: String?

    @Option(name: .long, help: "Scenario seconds per second.")
    var speed: Double = 1

    @Option(name: .long, help: "The scenario clock's start (RFC 3339, or \"now\"; default: the scenario's own start).")
    var start: String?

    @Option(name: .long, help: "Play from this offset (\"+2:00\", \"90m\").")
    var from: String?

    @Option(name: .long, help: "Stop at this offset (a slice; default: the scenario's end).")
    var until: String?

    @Flag(name: .long, help: "Print one JSON object (the run's figures) at the end.")
    var json = false

    @Flag(name: .long, help: "Log every fetch and step to stderr.")
    var verbose = false

    func validate() throws {
        guard speed > 0, speed <= 3600 else { throw ValidationError("--speed must be between 0 and 3600, got \(speed)") }
    }

    static func offset(_ text: String?, _ name: String) throws -> TimeInterval? {
        guard let text else { return nil }
        guard let v = ScenarioOffset.parse(text) else { throw CLIError.config("\(name): \"\(text)\" is not an offset (\"+1:30\", \"90m\")") }
        return v
    }

    func run() async throws {
        try await runCLI {
            let s = try scenarios.load(scenario)
            let production = try? SieveConfig.load(path: config, required: false)
            let path = database ?? "exercise-\(s.name).sqlite"
            if let prod = production?.database, Self.same(prod, path, relativeTo: config) {
                throw CLIError.config("--database \(path) is the production database named in \(config): a drill needs its own exercise store")
            }
            var options = DrillOptions()
            options.speed = speed
            if let start {
                guard let d = start == "now" ? Date() : ISO8601DateFormatter().date(from: start) else {
                    throw CLIError.config("--start: \"\(start)\" is not a time (RFC 3339 with its offset, or now)")
                }
                options.start = d
            }
            options.from = try Self.offset(from, "--from") ?? 0
            options.until = try Self.offset(until, "--until")
            let store: AppDatabase
            do { store = try await AppDatabase(path: path, mode: .create) } catch { throw CLIError.failure("\(error)") }
            var global = GlobalOptions()
            global.verbose = verbose
            let runner = DrillRunner(scenario: s, database: store, scorer: try loadScorer(), options: options, logger: global.makeLogger())
            let end = min(options.until ?? s.duration, s.duration)
            FileHandle.standardError.write(
                Data("sieve: drill \(s.name) into \(store.path) at \(String(format: "%g", speed))× (\(Int((end - options.from) / speed)) s of wall time)\n".utf8))
            // Ctrl-C / SIGTERM: finish the round, mark the drill finished, print the figures.
            let stop = StopFlag()
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { stop.set() }
                source.resume()
                sources.append(source)
            }
            defer { sources.forEach { $0.cancel() } }
            let summary: DrillRunSummary
            do {
                summary = try await runner.run(shouldStop: { stop.isSet }, progress: { offset, due in
                    if !json && isatty(STDOUT_FILENO) != 0 {
                        print(String(format: "\r  +%02d:%02d  %d event(s) due", Int(offset) / 3600, Int(offset) % 3600 / 60, due), terminator: "")
                        fflush(nil)
                    }
                })
            } catch let error as DrillError {
                throw CLIError.failure(error.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                if isatty(STDOUT_FILENO) != 0 { print("") }
                print("drill \(summary.scenario): \(summary.events) event(s) (\(summary.posts) posts, \(summary.officialRecords) official), \(summary.arrived) arrived")
                print(String(format: "  lateness after falling due: median %.2f s, p95 %.2f s, worst %.2f s; %d late by more than 1 s", summary.latencyMedian, summary.latencyP95, summary.latencyMax, summary.late))
                for (source, error) in summary.failures.sorted(by: { $0.key < $1.key }) { print("  ✗ \(source): \(error)") }
                print("serve it to the moderators: sieve serve --database \(path)   report: sieve drill report --database \(path)")
            }
            if !summary.failures.isEmpty { throw ExitCode(1) }
        }
    }

    static func same(_ a: String, _ b: String, relativeTo config: String) -> Bool {
        if a == b { return true }
        guard !a.contains("://"), !b.contains("://") else { return false }
        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return absolute(a) == absolute(b)
    }
}

/// Set once (never cleared): the stop request of a long command.
final class StopFlag: Sendable {
    private let flag = Locked(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

struct DrillReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "The after-action report of an exercise store: JSON (--json) and a printable HTML page.")

    @Option(name: .long, help: "The exercise store.")
    var database: String

    @Option(name: .long, help: "Where to write the HTML report (default: drill-report-<scenario>.html).")
    var html: String?

    @Flag(name: .long, help: "Print the report as JSON on stdout.")
    var json = false

    func run() async throws {
        try await runCLI {
            let store: AppDatabase
            do { store = try await AppDatabase(path: database, mode: .existing) } catch { throw CLIError.failure("\(error)") }
            let report: DrillReport
            do { report = try await DrillReport.build(database: store) } catch let e as DrillError { throw CLIError.failure(e.description) }
            let out = html ?? "drill-report-\(report.scenario).html"
            do { try Data(report.html().utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw CLIError.failure("cannot write \(out): \(error.localizedDescription)")
            }
            if json {
                print(try report.json())
            } else {
                let t = report.team
                print("drill \(report.scenario) (\(report.state)): \(t.decisions) decision(s), \(t.correct) right; rumours caught \(t.rumoursCaught), passed \(t.rumoursPassed); reports approved \(t.reportsApproved); leads escalated \(t.leadsEscalated), missed \(t.leadsMissed); \(report.undecided) undecided")
                for m in report.moderators {
                    let s = m.scores
                    print("  \(m.name): \(s.decisions) decision(s), \(s.correct) right" + (s.medianSeconds.map { String(format: ", median %.0f s", $0) } ?? ""))
                }
            }
            FileHandle.standardError.write(Data("sieve: wrote \(out)\n".utf8))
        }
    }
}

struct DrillControl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "The trainer's controls of a running drill: pause, resume, speed N, finish, or inject a post.",
        discussion: """
            sieve drill control --database X pause
            sieve drill control --database X speed 120
            sieve drill control --database X inject --channel ptt --truth rumour --text "網傳明天停班停課"
            The running `sieve drill run` picks the change up within a round (half a second).
            """)

    @Option(name: .long, help: "The exercise store.")
    var database: String

    @Argument(help: "pause, resume, speed, finish or inject.")
    var action: String

    @Argument(help: "The new speed (for `speed`).")
    var value: Double?

    @Option(name: .long, help: "inject: the channel the post appears on.")
    var channel = "ptt"

    @Option(name: .long, help: "inject: report, rumour or noise.")
    var truth = "rumour"

    @Option(name: .long, help: "inject: the post's text.")
    var text: String?

    @Option(name: .long, help: "inject: what the trainer expects (approve, reject, escalate; default from --truth).")
    var expect: String?

    func run() async throws {
        try await runCLI {
            let store: AppDatabase
            do { store = try await AppDatabase(path: database, mode: .existing) } catch { throw CLIError.failure("\(error)") }
            guard var info = try await store.exercise() else { throw CLIError.failure("\(database) is not an exercise store") }
            let now = Date()
            let offset = info.offset(at: now)
            switch action {
            case "pause":
                info.baseOffset = offset
                info.baseWall = now
                info.state = .paused
            case "resume":
                info.baseWall = now
                info.state = .running
            case "speed":
                guard let value, value > 0, value <= 3600 else { throw CLIError.config("speed: give a speed between 0 and 3600") }
                info.baseOffset = offset
                info.baseWall = now
                info.speed = value
            case "finish":
                info.baseOffset = offset
                info.baseWall = now
                info.state = .finished
            case "inject":
                guard let text, !text.isEmpty else { throw CLIError.config("inject: --text is required") }
                guard ScenarioEvent.Truth(rawValue: truth) != nil else { throw CLIError.config("inject: --truth must be report, rumour or noise") }
                let expected = expect ?? (truth == "report" ? "approve" : "reject")
                guard ScenarioEvent.Decision(rawValue: expected) != nil else { throw CLIError.config("inject: --expect must be approve, reject or escalate") }
                let id = "inject-\(Int(now.timeIntervalSince1970 * 1000) % 100_000_000)"
                let record = ExerciseEventRecord(
                    eventID: id, kind: "post", offset: offset, channel: channel, truth: truth, expect: expected, note: "injected by the trainer",
                    origin: "injected", text: text)
                guard try await store.injectExerciseEvent(record) else { throw CLIError.failure("an event \(id) exists already; try again") }
                print("injected \(id) at +\(Int(offset) / 60) min on \(channel)")
                return
            default:
                throw CLIError.config("unknown action \"\(action)\" (expected pause, resume, speed, finish or inject)")
            }
            try await store.updateExercise(info)
            print("drill \(info.scenario): \(info.state.rawValue) at +\(Int(offset) / 60) min, speed \(String(format: "%g", info.speed))×")
        }
    }
}
