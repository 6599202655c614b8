import ArgumentParser
import Classifier
import Foundation
import Incidents
import Imaging
import SieveCore
import Store

struct Rumours: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The known-rumour memory: import debunked claims, list what is known and how far it spread.",
        subcommands: [RumoursImport.self, RumoursAdd.self, RumoursList.self])
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
            let database = try await global.openDatabase(config, mode: .create)
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
            let database = try await global.openDatabase(config, mode: .existing)
            let list = try await database.knownRumours().sorted { $0.spreadCount != $1.spreadCount ? $0.spreadCount > $1.spreadCount : $0.id > $1.id }
            if list.isEmpty { print("no known rumours (import some with `sieve rumours import`, or reject posts as rumour)") }
            for r in list.prefix(limit) {
                print("#\(r.id)  \(r.verdict)  seen \(r.spreadCount)×  \(r.origin)  \(r.claim.replacingOccurrences(of: "\n", with: " ").prefix(60))\(r.url.map { "  \($0)" } ?? "")")
            }
        }
    }
}

struct RumoursAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a debunked claim — text, a picture, or both — to the known-rumour memory, as a moderator's rejection does.",
        discussion: """
            With --image, the picture's perceptual hashes are stored: the same
            picture re-shared (resized, recompressed, cropped, inside a screenshot)
            is recognised. Its OCR text becomes the claim when no TEXT is given.
            A claim already known gets the picture and the note added. Posts
            waiting in the queue are checked again.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The picture the rumour travels as.")
    var image: String?

    @Option(name: .long, help: "What is true instead: the one line a tipline answers with.")
    var note: String

    @Option(name: .long, help: "Verdict (RUMOR, MISLEADING, NOT_RUMOR …).")
    var verdict = "RUMOR"

    @Option(name: .long, help: "Where the fact-check is published.")
    var url: String?

    @Option(name: .long, help: "Tesseract languages for --image.")
    var ocrLanguages = OCR.Settings().languages

    @Argument(help: "The claim's text (- for stdin).")
    var text: String?

    func run() async throws {
        try await runCLI {
            guard text != nil || image != nil else { throw CLIError.config("give the claim's TEXT, --image FILE, or both") }
            let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !note.isEmpty else { throw CLIError.config("--note is empty: say what is true instead") }
            let claimText = try readText(text)?.trimmingCharacters(in: .whitespacesAndNewlines)
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .create)
            let picture = try await readPicture(image, languages: ocrLanguages, views: true)
            let ocrText = picture?.ocr?.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let claim: String
            if let claimText, !claimText.isEmpty {
                claim = claimText
            } else if let ocrText, !ocrText.isEmpty {
                claim = ocrText
            } else if let picture {
                // A photo without text: the claim is the picture itself.
                claim = "(圖片 \(picture.hashes[0].hex))"
            } else {
                throw CLIError.config("the claim's text is empty")
            }
            let added = try await database.addKnownRumour(NewKnownRumour(
                claim: claim, verdict: verdict, note: note, url: url, origin: "cli",
                image: picture.map { .init(hashes: $0.views.map(\.description), ocrText: ocrText, width: $0.width, height: $0.height) }))
            var line = "rumour #\(added.id) \(added.isNew ? "added" : "updated"): \(claim.replacingOccurrences(of: "\n", with: " ").prefix(60))"
            if let picture { line += "  picture \(picture.width)×\(picture.height) hash \(picture.hashes[0].hex)" }
            print(line)
        }
    }
}
