import ArgumentParser
import Classifier
import Foundation
import Incidents
import Store

struct Rumours: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The known-rumour memory: import debunked claims, list what is known and how far it spread.",
        subcommands: [RumoursImport.self, RumoursList.self])
}

struct RumoursImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import fact-checked claims from a CSV/TSV with a header: claim (or text), verdict (e.g. Cofacts RUMOR/NOT_RUMOR), url.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "CSV or TSV file.")
    var file: String

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config, mode: .create)
            let parsed = try readClaims()
            for w in parsed.warnings.prefix(20) { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            let added = try await database.addKnownRumours(parsed.claims, origin: "import:\((file as NSString).lastPathComponent)")
            print("\(file): \(parsed.claims.count) claim(s), \(added) new; \(parsed.warnings.count) row(s) skipped")
        }
    }

    func readClaims() throws -> RumourFile {
        do { return try RumourFile.read(path: file) } catch { throw CLIError.config(error.description) }
    }
}

struct RumoursList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List known rumours, most spread first.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "At most this many.")
    var limit = 50

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config, mode: .existing)
            let list = try await database.knownRumours().sorted { $0.spreadCount != $1.spreadCount ? $0.spreadCount > $1.spreadCount : $0.id > $1.id }
            if list.isEmpty { print("no known rumours (import some with `sieve rumours import`, or reject posts as rumour)") }
            for r in list.prefix(limit) {
                print("#\(r.id)  \(r.verdict)  seen \(r.spreadCount)×  \(r.origin)  \(r.claim.replacingOccurrences(of: "\n", with: " ").prefix(60))\(r.url.map { "  \($0)" } ?? "")")
            }
        }
    }
}
