import ArgumentParser
import Foundation
import Imaging
import Logging
import Moderation
import Observability
import Operations
import Pipeline
import Publisher
import ServiceLifecycle
import SieveCore
import Tipline
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the moderation web app (queue, items, dashboard, audit log, JSON API).",
        discussion: """
            Binds to [server] host/port from the config (default 127.0.0.1:8080); --host/--port override them.
            Create accounts first with `sieve user add NAME --role admin|moderator|eoc`. The session cookie is
            Secure by default: for plain http on localhost set `secure_cookies = false` under [server].
            SIGHUP re-reads the config file (channels, sources, schedules, [server] settings) without dropping a
            request; a config that does not load is refused and the running one stays. Changing `database`, the
            address or `login_concurrency` needs a restart. Every response carries an X-Request-Id (the one a proxy
            sent, when well-formed), also on the log lines about that request.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Address to bind (overrides [server] host).")
    var host: String?

    @Option(name: .long, help: "Port (overrides [server] port).")
    var port: Int?

    @Option(name: .long, help: "Without [publish] in the config: deliver the outbox every this many seconds (0: never; leave it to `sieve publish`).")
    var publishEvery: Double = 10

    @Flag(name: .long, help: "Log every request (method, path, status, duration, request id) at notice level.")
    var accessLog = false

    @Flag(name: .long, help: "Serve only: no scheduler (crawling, imports, classification, cross-reference, backups stay with `sieve run`/`sieve schedule`/workers).")
    var noScheduler = false

    func validate() throws {
        if publishEvery < 0 { throw ValidationError("--publish-every must be ≥ 0, got \(publishEvery)") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be 1…65535, got \(port)") }
        if let host, host.isEmpty { throw ValidationError("--host must not be empty") }
    }

    /// The tipline's answer to one message: a picture is decoded, hashed and read (OCR; without Tesseract it still
    /// matches by its hash), then the text, the picture's hashes and what it says are checked together.
    static func tiplineAnswering(cache: TipCheckerCache, ocr: OCR, moreURL: String?, logger: Logger) -> TiplineAnswering {
        { message, language, now in
            var reading: PictureReading?
            if let picture = message.picture {
                do {
                    reading = try await PictureReading.read(picture, ocr: ocr)
                } catch ImageError.ocrUnavailable(let reason) {
                    logger.warning("tipline: OCR unavailable (\(reason)); matching the picture by its hash only")
                    reading = try? await PictureReading.read(picture, ocr: nil)
                } catch {
                    logger.info("tipline: a picture could not be read: \(error)")
                }
                if reading == nil, message.text == nil {
                    return TiplineAnswer(verdict: TiplineAnswer.unreadable, lines: [Messages.text("tip.picture.unreadable", language)], matchKey: nil)
                }
            }
            let pictureText = reading?.ocr?.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let answer = try await cache.checker(now: now).check(
                text: message.text, imageHashes: reading?.hashes ?? [], ocrText: pictureText, now: now)
            return TiplineAnswer(
                verdict: answer.verdict.rawValue, lines: answer.lines(language, moreURL: moreURL),
                matchKey: answer.verdict == .unverified ? nil : answer.matches.first.map { "\($0.kind.rawValue):\($0.id)" },
                pictureText: pictureText?.isEmpty == false ? pictureText : nil,
                pictureKey: reading?.hashes.first.map { "image:\($0.description)" })
        }
    }

    func run() async throws {
        try await runCLI {
            // SIGHUP is trapped before anything can announce readiness: `systemctl reload` right after start must
            // reload, not kill.
            let hangups = await UnixSignalsSequence(trapping: .sighup)
            let config = try global.loadConfig(required: false)
            // PostgreSQL: the pools run as the first service of the server's group (see `buildApplication`).
            let database = try await global.openDatabase(config, mode: .create, pools: .serviceGroup)
            var logger = global.makeLogger()
            logger.logLevel = global.verbose ? .info : .notice
            let live = LiveConfig(config)
            // The tipline (`[tipline]`): each forwarded message checked with what the Store held at most a minute ago;
            // pictures read with the process's Tesseract engines (one per core, shared with the crawl stage) and hashed.
            var tipline: TiplineAnswering? = nil
            if let settings = config.tipline {
                let cache = TipCheckerCache(database: database, scorer: try loadScorer(), maxAge: 60)
                tipline = Self.tiplineAnswering(cache: cache, ocr: Pipeline.ocr, moreURL: settings.publicURL, logger: logger)
            }
            let app = ModerationApp(
                database: database, live: live, search: SearchIndex.standard(), logger: logger, accessLog: accessLog, tipline: tipline)
            let h = host ?? config.server.host, p = port ?? config.server.port
            do {
                var services: [any Service] = []
                // The scheduler runs every job on its schedule (see `sieve schedule`) and holds the run lock meanwhile.
                var lock: RunLock?
                // An exercise store is fed by `sieve drill run` alone: the production config's crawl and import jobs
                // would fill it with real posts.
                let drill = try await database.exercise()
                if let drill, !noScheduler {
                    FileHandle.standardError.write(Data("sieve: \(database.path) is the exercise store of the drill \"\(drill.scenario)\": serving without the scheduler (`sieve drill run` feeds it)\n".utf8))
                }
                if !noScheduler && drill == nil {
                    do {
                        // PostgreSQL: no lock file; work is claimed row by row.
                        lock = database.sharesWork ? nil : try RunLock(databasePath: config.database)
                        services.append(Scheduler(live: live, database: database, scorer: try loadScorer(), logger: logger))
                    } catch {
                        FileHandle.standardError.write(Data("sieve: \(error); serving without the scheduler\n".utf8))
                    }
                }
                defer { withExtendedLifetime(lock) {} }
                // Several machines on one PostgreSQL: long batches keep their claims.
                if database.sharesWork { services.append(LeaseKeeper(database: database, lease: 120, logger: logger)) }
                // Tipline follow-ups ("通知我"): one message each once a moderator decides the claim.
                if let t = config.tipline, t.hasLine || t.hasTelegram {
                    services.append(TipFollowUpService(database: database, live: live, logger: logger))
                }
                SieveMetrics.bootstrap()
                if config.publish == nil && publishEvery > 0 {
                    services.append(PublisherService(
                        database: database, live: live, interval: .milliseconds(Int(publishEvery * 1000)), logger: logger))
                }
                let overrideDatabase = global.database
                services.append(ConfigReloader(path: global.config, live: live, signals: hangups, logger: logger) { c in
                    if let overrideDatabase { c.database = overrideDatabase }
                })
                let shownDatabase = database.path
                try await app.buildApplication(host: h, port: p, services: services, storeConnections: database.connections) { address in
                    FileHandle.standardError.write(Data("sieve: serving http://\(address)/ (database \(shownDatabase)); Ctrl-C stops\n".utf8))
                }.runService()
            } catch {
                throw CLIError.failure("cannot serve on \(h):\(p): \(error)")
            }
        }
    }
}
