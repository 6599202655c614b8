import Foundation
import SieveCore

/// A place name from the gazetteer.
public struct PlaceEntry: Sendable, Equatable {
    public var canonical: String
    public var level: String
    public var parent: String?
}

/// The project's lexicons (`Lexicons/`): tokenizer words, gazetteer, disaster vocabulary, rumour cues, closures.
public struct Lexicon: Sendable {
    /// Every word the tokenizer must keep whole.
    public private(set) var words: Set<String> = []
    /// surface form → entries (several for names like 東區 that exist in more than one county)
    public private(set) var places: [String: [PlaceEntry]] = [:]
    /// word → [(type, weight)]
    public private(set) var disaster: [String: [(type: String, weight: Double)]] = [:]
    public private(set) var rumourCues: [String: Double] = [:]
    /// phrase → "closure" | "normal"
    public private(set) var closures: [String: String] = [:]
    /// cue word → disaster-type cue group (`type_cues.tsv`), features for the type model
    public private(set) var typeCues: [String: String] = [:]
    public private(set) var source: String = "(empty)"

    public init() {}

    /// Errors name the file and line.
    public struct LoadError: Error, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var message: String
        public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
    }

    /// Loads every lexicon file in `directory`. Missing optional files are fine; malformed lines are errors.
    public static func load(directory: URL) throws(LoadError) -> Lexicon {
        var lex = Lexicon()
        lex.source = directory.path
        for f in try rows(directory.appendingPathComponent("places.tsv"), minFields: 3) {
            lex.places[f[0], default: []].append(PlaceEntry(canonical: f[2], level: f[1], parent: f.count > 3 && !f[3].isEmpty ? f[3] : nil))
            lex.words.insert(f[0])
        }
        for f in try rows(directory.appendingPathComponent("disaster.tsv"), minFields: 2) {
            lex.disaster[f[0], default: []].append((f[1], f.count > 2 ? Double(f[2]) ?? 1 : 1))
            lex.words.insert(f[0])
        }
        for f in try rows(directory.appendingPathComponent("rumour.tsv"), minFields: 1) {
            lex.rumourCues[f[0]] = f.count > 1 ? Double(f[1]) ?? 1 : 1
            lex.words.insert(f[0])
        }
        for f in try rows(directory.appendingPathComponent("closure.tsv"), minFields: 2) {
            lex.closures[f[0]] = f[1]
            lex.words.insert(f[0])
        }
        for f in try rows(directory.appendingPathComponent("landmarks.tsv"), minFields: 2) {
            // Landmarks are places of level "landmark" whose county (when one) is the parent.
            lex.places[f[0], default: []].append(PlaceEntry(canonical: f[0], level: "landmark", parent: f.count > 2 ? f[2] : nil))
            lex.words.insert(f[0])
        }
        lex.typeCues = try loadTypeCues(directory: directory)
        for f in try rows(directory.appendingPathComponent("words.txt"), minFields: 1) {
            lex.words.insert(f[0])
        }
        lex.addSimplifiedForms()
        return lex
    }

    /// Only `type_cues.tsv` (word<TAB>group): what training the type model needs, without the gazetteer.
    /// A word listed twice must name the same group.
    public static func loadTypeCues(directory: URL) throws(LoadError) -> [String: String] {
        let url = directory.appendingPathComponent("type_cues.tsv")
        var cues: [String: String] = [:]
        for f in try rows(url, minFields: 2) {
            if let old = cues[f[0]], old != f[1] {
                throw LoadError(file: url.path, message: "「\(f[0])」 is listed under both \(old) and \(f[1])")
            }
            cues[f[0]] = f[1]
        }
        return cues
    }

    /// The project's type cues, or a clear error when `Lexicons/` cannot be found.
    public static func standardTypeCues() throws(LoadError) -> [String: String] {
        guard let dir = locateDirectory() else {
            throw LoadError(file: "Lexicons/", message: Resources.notFoundMessage(.lexicons))
        }
        return try loadTypeCues(directory: dir)
    }

    /// Every Traditional entry also answers to its Simplified form (ICU's character-for-character folding), so a
    /// rumour written in Simplified Chinese meets the same vocabulary, and the tokenizer keeps those forms whole too.
    mutating func addSimplifiedForms() {
        func fold<V>(_ map: inout [String: V]) {
            for (key, value) in map {
                let f = Normalizer.simplified(key)
                if f != key && map[f] == nil {
                    map[f] = value
                    words.insert(f)
                }
            }
        }
        fold(&places)
        fold(&disaster)
        fold(&rumourCues)
        fold(&closures)
    }

    /// Adds a runtime word list (one word per line, optional frequency after whitespace).
    public mutating func addWords(file: URL) throws(LoadError) {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw LoadError(file: file.path, message: "word list not found")
        }
        for f in try Self.rows(file, minFields: 1, separator: { $0 == "\t" || $0 == " " }) { words.insert(f[0]) }
    }

    /// Adds words given directly (tests, runtime additions).
    public mutating func addWords(_ list: [String]) {
        for w in list where !w.isEmpty { words.insert(Normalizer.normalize(w)) }
    }

    static func rows(_ url: URL, minFields: Int, separator: (Character) -> Bool = { $0 == "\t" }) throws(LoadError)
        -> [[String]]
    {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw LoadError(file: url.path, message: "unreadable or not UTF-8")
        }
        var out: [[String]] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: separator).map {
                Normalizer.normalize(String($0)).trimmingCharacters(in: .whitespaces)
            }
            guard fields.count >= minFields, !fields[0].isEmpty else {
                throw LoadError(file: url.path, line: i + 1, message: "expected \(minFields) tab-separated field(s)")
            }
            out.append(fields)
        }
        return out
    }

    /// Finds the `Lexicons/` folder: $SIEVE_LEXICONS, an installation's share folder, the source tree
    /// (`Resources`).
    public static func locateDirectory() -> URL? { Resources.locate(.lexicons) }

    /// The project's lexicons, or a clear error when they cannot be found.
    public static func standard() throws(LoadError) -> Lexicon {
        guard let dir = locateDirectory() else {
            throw LoadError(file: "Lexicons/", message: Resources.notFoundMessage(.lexicons))
        }
        return try load(directory: dir)
    }
}
