import ArgumentParser
import Classifier
import Foundation
import Incidents
import Pipeline
import SieveCore
import Store

struct Xref: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cross-reference posts with official incidents: corroborated, contradicted or unconfirmed.",
        discussion: """
            sieve xref              checks every queued post whose check is missing or older than the evidence.
            sieve xref POST_ID      checks one stored post now and explains the verdict.
            sieve xref --input F    reads posts ({"id","text","published"} per line, RFC 3339 time) and writes one JSON
                                    object per line (optional "lat","lon": the post's position): id, verdict, score, matches (best first; id as the source gives it),
                                    known_rumour, explanation. A line that cannot be read gives {"line","error"}.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A stored post's id.")
    var postID: Int64?

    @Option(name: .long, help: "JSON lines of posts to check (- for stdin).")
    var input: String?

    @Flag(name: .long, help: "With POST_ID: print the result as JSON.")
    var json = false

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let scorer = try loadScorer()
            if let input {
                let bad = try await runBatch(input: input, database: database, scorer: scorer)
                if bad > 0 { throw ExitCode(1) }
                return
            }
            if let postID {
                let item = try await database.item(id: postID)
                let assessment = item.assessment ?? scorer.assess(title: item.title, text: item.text, published: item.published)
                let evidence = try await database.evidenceVersion()
                let xref = try await makeReferencer(database: database, scorer: scorer)
                let text = [item.title, item.text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
                let published = item.published ?? item.fetchedAt
                let result = xref.check(text: text, published: published, assessment: assessment)
                if item.assessment != nil {
                    try await database.saveCrossReferences(
                        [(postID, result, xrefPriority(assessment, result, clusterSize: item.clusterSize, published: published, now: Date()))],
                        evidence: evidence)
                }
                if json {
                    print(XrefJSON.line(id: postID, result))
                } else {
                    print("post \(postID): \(result.verdict.rawValue) (score \(String(format: "%.2f", result.score)))")
                    for line in result.lines() { print("  · \(line)") }
                    for m in result.matches { print("  match \(m.kind.rawValue) \(m.externalID) score \(String(format: "%.2f", m.score)): \(m.summary)") }
                }
                return
            }
            let n = try await Pipeline.crossReference(database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer)
            print("cross-referenced \(n) post(s)")
        }
    }

    func makeReferencer(database: AppDatabase, scorer: PostClassifier) async throws -> CrossReferencer {
        try await database.syncRejectedRumours()
        let memory = RumourMemory(rumours: try await database.knownRumours(), tokenizer: scorer.tokenizer)
        return CrossReferencer(incidents: try await database.incidents(), rumours: memory, lexicon: scorer.rules.lexicon)
    }

    /// Batch mode; returns how many lines could not be read.
    func runBatch(input: String, database: AppDatabase, scorer: PostClassifier) async throws -> Int {
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: input) else { throw CLIError.config("\(input): cannot read file") }
            data = d
        }
        let xref = try await makeReferencer(database: database, scorer: scorer)
        var bad = 0
        var out = ""
        var lineNo = 0
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.last == 0x0D ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch XrefJSON.parsePost(Data(line)) {
            case .failure(let message):
                bad += 1
                FileHandle.standardError.write(Data("sieve: \(input):\(lineNo): \(message)\n".utf8))
                out += XrefJSON.errorLine(line: lineNo, message: message) + "\n"
            case .success(let post):
                let a = scorer.assess(title: nil, text: post.text, published: post.published)
                let r = xref.check(text: post.text, published: post.published, assessment: a, location: post.location)
                out += XrefJSON.line(id: post.id, r) + "\n"
            }
            if out.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        return bad
    }
}

enum XrefJSON {
    struct Post {
        var id: Any
        var text: String
        var published: Date
        var location: GeoPoint?
    }

    enum Parsed {
        case success(Post)
        case failure(String)
    }

    static func parsePost(_ data: Data) -> Parsed {
        guard let object = try? JSONSerialization.jsonObject(with: data), let o = object as? [String: Any] else {
            return .failure("not a JSON object")
        }
        guard let id = o["id"], id is String || id is NSNumber else { return .failure("missing \"id\" (a string or number)") }
        guard let text = o["text"] as? String else { return .failure("missing \"text\" (a string)") }
        var published = Date()
        if let p = o["published"] {
            guard let s = p as? String, let d = OfficialTime.parseISO(s)?.date else {
                return .failure("\"published\" is not an RFC 3339 time (\(p))")
            }
            published = d
        }
        var location: GeoPoint?
        if let lat = (o["lat"] as? NSNumber)?.doubleValue, let lon = (o["lon"] as? NSNumber)?.doubleValue {
            guard (-90...90).contains(lat), (-180...180).contains(lon) else { return .failure("\"lat\"/\"lon\" out of range (\(lat), \(lon))") }
            location = GeoPoint(lat: lat, lon: lon)
        }
        return .success(Post(id: id, text: text, published: published, location: location))
    }

    static func line(id: Any, _ r: XrefResult) -> String {
        var o: [String: Any] = [
            "id": id, "verdict": r.verdict.rawValue, "score": r.score, "explanation": r.lines(),
            "notes": r.explanation.map { ["key": $0.key, "args": $0.args] as [String: Any] },
            "matches": r.matches.map { m in
                ["id": m.externalID, "kind": m.kind.rawValue, "score": m.score, "incident_id": m.incidentID, "summary": m.summary, "reasons": m.reasons] as [String: Any]
            },
        ]
        if let k = r.knownRumour {
            o["known_rumour"] = ["id": k.rumourID, "similarity": k.similarity, "verdict": k.verdict, "claim": k.claim, "url": k.url ?? NSNull()] as [String: Any]
        } else {
            o["known_rumour"] = NSNull()
        }
        return encode(o)
    }

    static func errorLine(line: Int, message: String) -> String { encode(["line": line, "error": message]) }

    static func encode(_ o: [String: Any]) -> String {
        guard let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}
