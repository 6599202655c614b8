import ArgumentParser
import CCurl
import Classifier
import Foundation
import Imaging
import Net
import Publisher
import SieveCore
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// `sieve doctor`: checks an installation the way an operator would before trusting it with a typhoon night.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an installation: resources, system libraries, database and schema, config, channel secrets, clock, disk.",
        discussion: """
            One line per check: ok, warn (works, but look at it) or FAIL (Sieve will not work as configured).
            Secrets are checked for presence only and never printed. Exit 0 when nothing failed, 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print one JSON object instead of lines.")
    var json = false

    @Flag(name: .long, help: "Also run SQLite's full integrity check (reads the whole file).")
    var deep = false

    struct Check: Encodable {
        enum Status: String, Encodable { case ok, warn, fail }
        var name: String
        var status: Status
        var detail: String
    }

    func run() async throws {
        var checks: [Check] = []
        func add(_ name: String, _ status: Check.Status, _ detail: String) { checks.append(Check(name: name, status: status, detail: detail)) }

        // Configuration first: the database and the channels come from it.
        var config = SieveConfig()
        if FileManager.default.fileExists(atPath: global.config) {
            do {
                config = try SieveConfig.load(path: global.config, required: true)
                add("config", .ok, "\(global.config): \(config.sources.count) source(s), \(config.channels.count) channel(s)")
            } catch {
                add("config", .fail, error.description)
            }
        } else {
            add("config", .warn, "\(global.config) not found: running on defaults (`sieve init --config \(global.config)` writes a starter)")
        }
        if let database = global.database { config.database = database }

        resources(add)
        libraries(add)
        await database(config.database, add)
        channels(config, add)
        sso(config, add)
        tipline(config, add)
        clock(add)

        let failed = checks.filter { $0.status == .fail }.count
        let warned = checks.filter { $0.status == .warn }.count
        if json {
            struct Report: Encodable {
                var ok: Bool
                var failed: Int
                var warnings: Int
                var checks: [Check]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Report(ok: failed == 0, failed: failed, warnings: warned, checks: checks))
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = checks.map(\.name.count).max() ?? 0
            for c in checks {
                let status = c.status == .fail ? "FAIL" : c.status.rawValue
                print(status.padding(toLength: 5, withPad: " ", startingAt: 0) + c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.detail)
            }
            print(failed == 0 ? "\(checks.count) checks: all passed\(warned > 0 ? " (\(warned) warning(s))" : "")" : "\(failed) of \(checks.count) checks FAILED")
        }
        if failed > 0 { throw ExitCode(1) }
    }

    func resources(_ add: (String, Check.Status, String) -> Void) {
        if let dir = Resources.locate(.lexicons) {
            do {
                let lexicon = try Lexicon.load(directory: dir)
                add("resources.lexicons", .ok, "\(dir.path): \(lexicon.places.count) place names, \(lexicon.words.count) words")
            } catch {
                add("resources.lexicons", .fail, error.description)
            }
        } else {
            add("resources.lexicons", .fail, Resources.notFoundMessage(.lexicons))
        }
        if let dir = Resources.locate(.models) {
            do {
                let set = try ModelSet.load(directory: dir.path)
                let names = [("disaster", set.disaster), ("rumour", set.rumour), ("type", set.type)].filter { $0.1 != nil }.map(\.0)
                add("resources.models", names.count == 3 ? .ok : .warn,
                    "\(dir.path): \(names.isEmpty ? "no models" : names.joined(separator: ", "))\(names.count == 3 ? "" : " (the missing ones fall back to the lexicon rules)")")
            } catch {
                add("resources.models", .fail, error.description)
            }
        } else {
            add("resources.models", .warn, Resources.notFoundMessage(.models) + " — classifying with the lexicon rules only")
        }
        let essay = SegmentationDictionary.defaultEssayPath
        if FileManager.default.isReadableFile(atPath: essay) {
            add("resources.segmentation", .ok, essay)
        } else {
            add("resources.segmentation", .warn, "\(essay) not found (apt-get install rime-essay, or set SIEVE_ESSAY): words are split by ICU and the lexicons only")
        }
        if let cache = SegmentationDictionary.defaultCacheDirectory {
            let writable = Self.writableFolder(cache.path)
            add("resources.cache", writable ? .ok : .warn,
                writable ? cache.path : "\(cache.path) is not writable: the segmentation dictionary is rebuilt at every start (about a second); set CACHE_DIRECTORY or XDG_CACHE_HOME")
        } else {
            add("resources.cache", .warn, "no cache folder (neither CACHE_DIRECTORY, XDG_CACHE_HOME nor HOME is set)")
        }
    }

    func libraries(_ add: (String, Check.Status, String) -> Void) {
        let curl = SystemLibraries.curl
        add("library.curl", SystemLibraries.curlHasTLS ? .ok : .fail, SystemLibraries.curlHasTLS ? curl : "\(curl): built without TLS, cannot fetch https://")
        add("library.libxml2", .ok, SystemLibraries.libxml2)
        let sqlite = AppDatabase.sqliteLibraryVersion
        // RETURNING and UPSERT … DO UPDATE with RETURNING need 3.35.
        let parts = sqlite.split(separator: ".").compactMap { Int($0) }
        let recent = parts.count >= 2 && (parts[0], parts[1]) >= (3, 35)
        add("library.sqlite", recent ? .ok : .fail, recent ? sqlite : "\(sqlite): Sieve needs SQLite 3.35 or newer (RETURNING)")
        add("library.icu", .ok, SystemLibraries.icu)
        // OCR reads pictures for `sieve check` and `sieve rumours add --image`; everything else works without it.
        let languages = OCR.Settings().languages
        if let reason = OCR.unavailable() {
            add("library.tesseract", .warn, "\(OCR.versions): \(reason); pictures are hashed but not read")
        } else {
            add("library.tesseract", .ok, "\(OCR.versions), languages \(languages)")
        }
    }

    func database(_ location: String, _ add: (String, Check.Status, String) -> Void) async {
        let postgres = PostgresLocation.isPostgresURL(location)
        let shown = postgres ? PostgresLocation.redact(location) : location
        if !postgres {
            let folder = URL(fileURLWithPath: location).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                add("database", .fail, "\(shown): the folder \(folder) does not exist (create it, or start the systemd service: StateDirectory=sieve creates /var/lib/sieve)")
                return
            }
            if !Self.writableFolder(folder) {
                add("database", .fail, "\(shown): the folder \(folder) is not writable by this user (SQLite writes its WAL and lock files beside the database)")
            }
            disk(folder: folder, database: location, add)
            guard FileManager.default.fileExists(atPath: location) else {
                add("database.schema", .warn, "\(shown) does not exist yet (`sieve migrate` creates it; `sieve run` and `sieve serve` do too)")
                return
            }
        }
        do {
            let status = try await AppDatabase.migrationStatus(path: location)
            if !status.unknown.isEmpty {
                add("database.schema", .fail, "\(shown): written by a newer Sieve (migrations \(status.unknown.joined(separator: ", ")) unknown to this binary); upgrade sieve")
            } else if !status.pending.isEmpty {
                add("database.schema", .warn, "\(shown): \(status.applied.count) migration(s) applied, \(status.pending.count) pending (\(status.pending.joined(separator: ", "))); `sieve migrate` applies them")
            } else {
                add("database.schema", .ok, "\(shown): reachable, schema current (\(status.applied.last ?? "none"), \(status.applied.count) migrations)")
            }
        } catch {
            add("database.schema", .fail, error.description)
            return
        }
        if postgres {
            do {
                let advice = try await AppDatabase.postgresServerSettings(url: location).advice
                add("database.settings", advice.ok ? .ok : .warn, "\(shown): \(advice.text)")
            } catch {
                add("database.settings", .warn, "\(shown): cannot read the server's settings: \(error.description)")
            }
        }
        if deep && !postgres {
            do {
                let inspection = try AppDatabase.inspect(path: location)
                add("database.integrity", inspection.integrity == "ok" ? .ok : .fail, "\(shown): integrity \(inspection.integrity), \(inspection.posts) posts")
            } catch {
                add("database.integrity", .fail, error.description)
            }
        }
    }

    /// Free space beside the SQLite file: the database grows, and `sieve backup` writes a copy of it.
    func disk(folder: String, database: String, _ add: (String, Check.Status, String) -> Void) {
        var fs = statvfs()
        guard statvfs(folder, &fs) == 0 else {
            add("disk", .warn, "\(folder): cannot read free space (\(String(cString: strerror(errno))))")
            return
        }
        let free = Int64(fs.f_bavail) * Int64(fs.f_frsize)
        let size = ((try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? nil).map(Int64.init) ?? 0
        let wal = ((try? FileManager.default.attributesOfItem(atPath: database + "-wal")[.size] as? Int) ?? nil).map(Int64.init) ?? 0
        let needed = max(Int64(1) << 30, 2 * (size + wal))
        let text = "\(folder): \(Self.bytes(free)) free, database \(Self.bytes(size + wal))"
        if free < 100 << 20 {
            add("disk", .fail, text + " (under 100 MiB: writes will soon fail)")
        } else if free < needed {
            add("disk", .warn, text + " (keep at least \(Self.bytes(needed)): room for the database to grow and for a backup copy)")
        } else {
            add("disk", .ok, text)
        }
    }

    func channels(_ config: SieveConfig, _ add: (String, Check.Status, String) -> Void) {
        for channel in config.channels {
            let name = "channel.\(channel.name)"
            do {
                let token = try ChannelSecrets.token(for: channel)
                let url = try ChannelSecrets.url(for: channel)
                var what: [String] = []
                if token != nil { what.append("token present (\(channel.tokenEnv.map { "$\($0)" } ?? channel.tokenFile ?? ""), not shown)") }
                if channel.urlEnv != nil || channel.urlFile != nil, url != nil { what.append("secret URL present (not shown)") }
                add(name, .ok, "\(channel.kind.rawValue)" + (what.isEmpty ? ": no secret needed" : ": " + what.joined(separator: ", ")))
            } catch {
                add(name, .fail, error.description)
            }
        }
    }

    /// `[oidc]`: the client secret is there (never shown). Whether the provider answers is checked by the first
    /// sign-in (the web app logs and audits why one fails).
    func sso(_ config: SieveConfig, _ add: (String, Check.Status, String) -> Void) {
        guard let sso = config.oidc else { return }
        do {
            let secret = try sso.clientSecret()
            let source = sso.clientSecretEnv.map { "$\($0)" } ?? sso.clientSecretFile ?? ""
            let roles = ["admin", "moderator", "eoc"].filter { sso.roles[$0]?.isEmpty == false }.joined(separator: ", ")
            add(
                "oidc", .ok,
                "\(sso.issuer), client \(sso.clientID): "
                    + (secret == nil ? "public client (PKCE only)" : "client secret present (\(source), not shown)")
                    + "; roles from claim \(sso.roleClaim) → \(roles)" + (sso.localLogin ? "; local accounts too" : "; single sign-on only"))
        } catch {
            add("oidc", .fail, error.description)
        }
    }

    /// `[tipline]`: each configured platform's secrets and the salt are there (never shown).
    func tipline(_ config: SieveConfig, _ add: (String, Check.Status, String) -> Void) {
        guard let t = config.tipline else { return }
        var checks: [(String, () throws -> String)] = [("tipline.salt", { _ = try t.salt(); return "salt present (not shown)" })]
        if t.hasLine {
            checks.append(("tipline.line", {
                _ = try t.lineChannelSecret()
                _ = try t.lineAccessToken()
                return "channel secret and access token present (not shown); webhook POST /tipline/line; replies via \(t.lineAPI)"
            }))
        }
        if t.hasTelegram {
            checks.append(("tipline.telegram", {
                _ = try t.telegramSecretToken()
                _ = try t.telegramBotToken()
                return "secret token and bot token present (not shown); webhook POST /tipline/telegram; replies via \(t.telegramAPI)"
            }))
        }
        for (name, check) in checks {
            do {
                add(name, .ok, try check())
            } catch {
                add(name, .fail, "\(error)")
            }
        }
    }

    func clock(_ add: (String, Check.Status, String) -> Void) {
        guard let taipei = TimeZone(identifier: "Asia/Taipei") else {
            add("clock.timezone", .fail, "the Asia/Taipei time zone is unknown (install tzdata): schedules and displayed times use it")
            return
        }
        let now = Date()
        let formatter = DateFormatter()
        formatter.timeZone = taipei
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        add("clock.timezone", .ok, "Taipei time \(formatter.string(from: now)); system zone \(TimeZone.current.identifier)")
        if Calendar(identifier: .gregorian).component(.year, from: now) < 2025 {
            add("clock.time", .fail, "the system clock says \(now): it is wrong (certificates, schedules and leases depend on it)")
        }
        var esterror = 0
        let state = sieve_clock_synchronised(&esterror)
        if state < 0 {
            add("clock.sync", .warn, "cannot read the clock's synchronisation state (\(String(cString: strerror(-state)))); check NTP by other means")
        } else if state == 0 {
            add("clock.sync", .warn, "the system clock is not synchronised (NTP): leases between machines and schedules assume it is")
        } else {
            add("clock.sync", .ok, "synchronised (estimated error \(esterror) µs)")
        }
    }

    static func writableFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return isDirectory.boolValue && access(path, W_OK) == 0 }
        // A folder that does not exist yet is fine when its parent lets us create it.
        return access(URL(fileURLWithPath: path).deletingLastPathComponent().path, W_OK) == 0
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }
}
