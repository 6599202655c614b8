import ArgumentParser
import Classifier
import Foundation
import Pipeline
import SieveCore

struct Classify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assess posts: stored ones (default), or lines/rows from --input as JSON lines.",
        discussion: """
            Without --input, assesses every stored post that has no assessment yet and puts it in the queue.
            With --input FILE (or - for stdin), reads plain text lines (or, with --text-col, a TSV/CSV with a header)
            and writes one JSON object per line: disaster and rumour (0–1), type, types, places, times, people,
            reasons. --model DIR picks the models (default: the shipped Models/).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Directory with disaster.nbm, rumour.nbm, type.nbm.")
    var model: String?

    @Option(name: .long, help: "Read posts from FILE (- for stdin) instead of the database.")
    var input: String?

    @Option(name: .long, help: "With --input: the text column of a TSV/CSV file.")
    var textCol: String?

    @Option(name: .long, help: "Reference time for 今晚/明天 … (RFC 3339; default now).")
    var now: String?

    func run() async throws {
        try await runCLI {
            let scorer = try loadScorer(models: model)
            guard let input else {
                let config = try global.loadConfig(required: false)
                let database = try await global.openDatabase(config, mode: .existing)
                let n = try await Pipeline.classify(database: database, scorer: scorer)
                print("classified \(n) post(s) with \(scorer.model)")
                return
            }
            var reference = Date()
            if let now {
                guard let d = ISO8601DateFormatter().date(from: now) else { throw CLIError.config("--now: not an RFC 3339 time: \(now)") }
                reference = d
            }
            let texts = try readTexts(input)
            var out = ""
            for text in texts {
                out += ClassifyJSON.line(scorer.assess(title: nil, text: text, published: reference)) + "\n"
                if out.utf8.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out = ""
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    func column(_ path: String, _ name: String) throws -> [String] {
        do {
            return try LabelledData.rows(path: path, textColumn: name)
        } catch {
            throw CLIError.config(error.description)
        }
    }

    func readTexts(_ input: String) throws -> [String] {
        if let textCol {
            guard input != "-" else { throw CLIError.config("--text-col needs a file, not stdin") }
            return try column(input, textCol)
        }
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: input) else { throw CLIError.config("\(input): cannot read file") }
            data = d
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            .filter { !$0.isEmpty }
    }
}

enum ClassifyJSON {
    static func line(_ a: Assessment) -> String {
        let obj: [String: Any] = [
            "disaster": a.disaster, "rumour": a.rumour, "type": a.types.first ?? NSNull(), "types": a.types,
            "places": a.places.map { p -> [String: Any] in
                ["surface": p.surface, "name": p.name, "level": p.level, "county": p.county ?? NSNull()]
            },
            "times": a.times.map { ["surface": $0.surface, "start": $0.start, "granularity": $0.granularity] },
            "people": a.people.map { p -> [String: Any] in ["kind": p.kind, "count": p.count ?? NSNull(), "surface": p.surface] },
            "reasons": a.reasons, "model": a.model,
            "disaster_label": a.disasterLabel ?? NSNull(), "rumour_label": a.rumourLabel ?? NSNull(),
            "emic_type": a.emicType ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
