import ArgumentParser
import Classifier
import Foundation
import Incidents
import SieveCore
import Store

struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "Official incidents: import CAP alerts, CWA reports, EMIC reports and closure notices; list them.",
        subcommands: [IncidentsImport.self, IncidentsList.self])
}

struct IncidentsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import official incidents from files or URLs (the format is detected when --format is omitted).",
        discussion: """
            cap: a CAP 1.2 file or an Atom/RSS feed linking to CAP files (only status=Actual counts; Update and Cancel
            act on the alerts they reference). cwa: CWA earthquake reports, typhoon tracks, weather warnings (JSON).
            emic: EMIC disaster reports (CSV, or the tab-separated export with a title line). closures: the official
            停班停課 notice page or a county,date,status table. Exit 1 if any input could not be read.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "cap, cwa, emic or closures (detected when omitted).")
    var format: String?

    @Option(name: .long, help: "A name,code list of township geocodes (e.g. DGBAS area codes) to resolve CAP township codes.")
    var geocodes: String?

    @Flag(name: .long, help: "Allow URLs on loopback/private addresses (the SSRF guard refuses them otherwise).")
    var allowPrivate = false

    @Option(name: .long, help: "\"Now\" for notices that say 今天/明天 (RFC 3339; default: the current time).")
    var now: String?

    @Argument(help: "Files or http(s)/file URLs.")
    var inputs: [String]

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .create)
            var fmt: IncidentFormat?
            if let format {
                guard let f = IncidentFormat(rawValue: format.lowercased()) else {
                    throw CLIError.config("--format \(format): expected one of \(IncidentFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                fmt = f
            }
            let reference = try parseNow(now)
            let lexicon = try loadLexicon()
            let gazetteer = Gazetteer(lexicon: lexicon)
            var table = GeocodeTable()
            if let geocodes { try loadGeocodes(&table, geocodes, gazetteer) }
            var importer = IncidentImporter(gazetteer: gazetteer, geocodes: table, client: .init(settings: config.crawler))
            importer.fetchOptions.allowPrivate = allowPrivate
            var failed = 0
            for input in inputs {
                let outcome = await importOne(importer, input, fmt, reference, database)
                switch outcome {
                case .success(let line): print(line)
                case .failure(let message):
                    failed += 1
                    FileHandle.standardError.write(Data("sieve: \(message)\n".utf8))
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    enum Outcome {
        case success(String)
        case failure(String)
    }

    func importOne(_ importer: IncidentImporter, _ input: String, _ format: IncidentFormat?, _ reference: Date, _ database: AppDatabase) async -> Outcome {
        let parsed: ParsedIncidents
        do {
            parsed = try await importer.read(input, format: format, reference: reference)
        } catch {
            return .failure(error.description)
        }
        let summary: IncidentImportSummary
        do {
            summary = try await database.saveIncidents(parsed.incidents)
        } catch {
            return .failure("\(input): \(error.description)")
        }
        let warnings = parsed.warnings + summary.warnings
        for w in warnings.prefix(20) { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        if warnings.count > 20 { FileHandle.standardError.write(Data("warning: … and \(warnings.count - 20) more\n".utf8)) }
        for s in parsed.skipped.prefix(10) { FileHandle.standardError.write(Data("skipped: \(s)\n".utf8)) }
        var line = "\(input): \(parsed.incidents.count) record(s): \(summary.inserted) new, \(summary.updated) updated, \(summary.unchanged) unchanged"
        if summary.superseded > 0 { line += ", \(summary.superseded) superseded" }
        if summary.cancelled > 0 { line += ", \(summary.cancelled) cancelled" }
        if !parsed.skipped.isEmpty { line += "; \(parsed.skipped.count) skipped (not Actual, or no incidents)" }
        if !warnings.isEmpty { line += "; \(warnings.count) warning(s)" }
        return .success(line)
    }

    func loadGeocodes(_ table: inout GeocodeTable, _ path: String, _ gazetteer: Gazetteer) throws {
        do { try table.load(csv: path, gazetteer: gazetteer) } catch { throw CLIError.config(error.description) }
    }
}

struct IncidentsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List official incidents, newest first.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Only incidents in force now (not cancelled, superseded or expired).")
    var active = false

    @Option(name: .long, help: "Only this kind: cap, quake, typhoon, warning, emic, closure.")
    var kind: String?

    @Option(name: .long, help: "At most this many.")
    var limit = 50

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            var kinds: Set<IncidentKind>?
            if let kind {
                guard let k = IncidentKind(rawValue: kind) else {
                    throw CLIError.config("--kind \(kind): expected one of \(IncidentKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kinds = [k]
            }
            let list = try await database.incidents(kinds: kinds, activeAt: active ? Date() : nil, limit: limit)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .custom { date, enc in
                    var c = enc.singleValueContainer()
                    try c.encode(TaipeiTime.rfc3339(date))
                }
                for i in list { print(String(decoding: (try? encoder.encode(i)) ?? Data(), as: UTF8.self)) }
                return
            }
            if list.isEmpty {
                print(active ? "no active incidents" : "no incidents (import some with `sieve incidents import`)")
                return
            }
            let now = Date()
            for i in list {
                let state = i.isActive(at: now) ? "active" : (i.state == "active" ? "expired" : i.state)
                let what = (i.headline ?? i.event ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
                print("\(String(i.id ?? 0).padding(toLength: 6, withPad: " ", startingAt: 0)) \(i.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(TaipeiTime.rfc3339(i.sent))  \(i.externalID)  \(i.type ?? "-")  \(i.areaSummary)  \(what.prefix(50))")
            }
        }
    }
}

func loadLexicon() throws -> Lexicon {
    do { return try Lexicon.standard() } catch { throw CLIError.config(error.description) }
}

func parseNow(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let d = OfficialTime.parseISO(text)?.date else { throw CLIError.config("--now \(text): expected an RFC 3339 time such as 2025-07-27T18:00:00+08:00") }
    return d
}
