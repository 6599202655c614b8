import Foundation
import SieveCore
import TOMLKit

/// A drill scenario: a timeline of official incidents and social posts, each post with its ground truth, written
/// by hand in TOML (`Drills/README.md` documents the format) and, optionally, filled from real records with
/// `[[import]]` tables read when the scenario is loaded (the records themselves are never copied into the file).
public struct Scenario: Sendable {
    /// The file it was read from (errors and `sieve drill list` name it).
    public var file: String
    /// Short id, `[a-z0-9-]`, e.g. `typhoon-danas-2025`.
    public var name: String
    public var title: String
    public var kind: Kind
    /// The scenario clock at offset 0 (the real event's time, so imported records keep their dates).
    public var start: Date
    public var duration: TimeInterval
    public var description: String
    /// Where the events come from, for the after-action report and the scenario list.
    public var sources: [String]
    public var imports: [ScenarioImport]
    /// Hand-written events, then imported ones once `resolve` ran; sorted by offset.
    public var events: [ScenarioEvent]

    public enum Kind: String, Sendable, CaseIterable {
        case typhoon, flood, earthquake, tsunami, other
    }
}

/// One thing that happens at `offset` seconds after the scenario's start.
public struct ScenarioEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A public social post (crawled from the replay server's feeds).
        case post
        /// An official EMIC disaster report.
        case emic
        /// A CAP alert (CAP 1.2; its status becomes Exercise in the replay).
        case cap
        /// A CWA earthquake report.
        case quake
        /// An official work/school closure notice for a county.
        case closure
    }

    /// What a post really is.
    public enum Truth: String, Sendable, CaseIterable {
        /// A real report of a disaster (approve it, or escalate it to the EOC).
        case report
        /// Misinformation (reject it).
        case rumour
        /// Neither: chatter, opinion, off-topic (reject it).
        case noise
    }

    /// The decision a trained moderator should take on a post.
    public enum Decision: String, Sendable, CaseIterable {
        case approve, reject, escalate
    }

    /// Unique within the scenario (given with `id`, or `e<line>` for hand-written events, `emic-<CASE_ID>` for
    /// imported ones).
    public var id: String
    public var offset: TimeInterval
    public var kind: Kind
    /// Posts: the channel it appears on (`ptt`, `dcard`, `threads` …): one replay feed per channel.
    public var channel: String?
    public var author: String?
    public var title: String?
    public var text: String
    public var truth: Truth?
    public var expect: Decision?
    /// For the trainer: why this is the truth (shown in the after-action report).
    public var note: String?
    public var county: String?
    public var town: String?
    public var location: String?
    public var lat: Double?
    public var lon: Double?
    /// EMIC main type (`積淹水災情` …), CAP event (`颱風` …).
    public var type: String?
    /// EMIC sub-type.
    public var subtype: String?
    /// CAP: severity (Extreme, Severe, Moderate, Minor), urgency, certainty; how long the alert lasts.
    public var severity: String?
    public var urgency: String?
    public var certainty: String?
    public var expiresAfter: TimeInterval?
    /// CAP: an area polygon ("lat,lon lat,lon …", closed) or a circle ("lat,lon radius_km").
    public var polygon: String?
    public var circle: String?
    /// Quake: magnitude, depth (km), intensity per county ("臺北市" = "4級").
    public var magnitude: Double?
    public var depth: Double?
    public var intensities: [String: String]
    /// Closure: the notice for the county ("明天停止上班、停止上課。"), for the day `day` (yyyy-mm-dd, Taipei).
    public var day: String?
    /// EMIC: people injured, dead, trapped; serious (IS_SERIOUS).
    public var injured: Int
    public var dead: Int
    public var trapped: Int
    public var serious: Bool
    /// Where the event came from: "hand-written" or the real record it was derived from.
    public var origin: String
    /// The line in the scenario file (hand-written events) for errors.
    public var line: Int?

    public init(id: String, offset: TimeInterval, kind: Kind, text: String, origin: String = "hand-written") {
        self.id = id
        self.offset = offset
        self.kind = kind
        self.text = text
        self.origin = origin
        intensities = [:]
        injured = 0
        dead = 0
        trapped = 0
        serious = false
    }
}

/// Real records read into the scenario when it is loaded.
public struct ScenarioImport: Sendable, Equatable {
    /// Only EMIC's open-data disaster reports so far.
    public var kind: String
    /// Relative to the data folder (`--data`, `$SIEVE_DATA`, or the nearest `shared/data`).
    public var file: String
    /// The public page the file comes from and its licence (provenance; not fetched).
    public var url: String?
    public var licence: String?
    /// The window of report times taken (scenario offsets follow the real times).
    public var from: Date
    public var to: Date
    /// Only these counties (all when empty).
    public var counties: [String]
    /// At most this many reports, spread evenly over the window.
    public var limit: Int
    /// Share of the reports that also appear as official EMIC records (the rest only as posts).
    public var official: Double
    /// Keep reports marked as exercises (（演練）): a scenario built from a national drill's records needs them.
    public var exercises: Bool
    /// Seed for the deterministic choices (which reports, which channel, which wording).
    public var seed: UInt64
    public var line: Int?
}

/// A problem in a scenario file, with its file, line and key (the config's error type: the same one-line form).
public typealias ScenarioError = ConfigError

extension Scenario {
    /// Reads a scenario file (hand-written events only; `resolve(dataFolder:)` adds the imported ones).
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(file: path, message: "cannot read the scenario file (no such file or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ScenarioError(file: path, message: "not valid UTF-8") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        try TOMLPrecheck.check(text, file: file)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ScenarioError(file: file, line: error.source.begin.line, message: "TOML syntax: \(error.description)")
        } catch {
            throw ScenarioError(file: file, message: "TOML syntax: \(error)")
        }
        let reader = ScenarioReader(file: file, locator: TOMLLocator(text: text))
        return try reader.read(root)
    }

    /// The scenario clock at `offset`.
    public func time(_ offset: TimeInterval) -> Date { start.addingTimeInterval(offset) }

    /// Events that count for scoring: posts with a ground truth.
    public var scoredPosts: [ScenarioEvent] { events.filter { $0.kind == .post && $0.truth != nil } }
}

/// Reads the TOML tables, naming the line and key of every mistake.
struct ScenarioReader {
    let file: String
    let locator: TOMLLocator

    func error(_ context: String, _ key: String?, _ display: String, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: locator.line(context: context, key: key), key: display, message: message)
    }

    func read(_ root: TOMLTable) throws(ScenarioError) -> Scenario {
        for key in root.keys where !["scenario", "import", "event"].contains(key) {
            throw error("", key, key, "unknown table or key; a scenario has [scenario], [[import]] and [[event]]")
        }
        guard let s = root["scenario"]?.table else {
            throw ScenarioError(file: file, line: 1, key: "scenario", message: "missing the [scenario] table (name, title, kind, start, duration)")
        }
        let ctx = "scenario"
        try checkKeys(s, ["name", "title", "kind", "start", "duration", "description", "sources"], ctx, "scenario")
        let name = try string(s, "name", ctx, "scenario", required: true)!
        guard name.range(of: "^[a-z0-9][a-z0-9-]{0,63}$", options: .regularExpression) != nil else {
            throw error(ctx, "name", "scenario.name", "\"\(name)\" is not a name (lower-case letters, digits and -, at most 64)")
        }
        let kindText = try string(s, "kind", ctx, "scenario", required: true)!
        guard let kind = Scenario.Kind(rawValue: kindText) else {
            throw error(ctx, "kind", "scenario.kind", "unknown kind \"\(kindText)\" (expected \(Scenario.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let start = try time(s, "start", ctx, "scenario", required: true)!
        let durationText = try string(s, "duration", ctx, "scenario", required: true)!
        guard let duration = parseIntervalSeconds(durationText) else {
            throw error(ctx, "duration", "scenario.duration", "\"\(durationText)\" is not a duration (e.g. \"24h\", \"90m\")")
        }
        var scenario = Scenario(
            file: file, name: name, title: try string(s, "title", ctx, "scenario", required: true)!, kind: kind, start: start,
            duration: TimeInterval(duration), description: try string(s, "description", ctx, "scenario") ?? "",
            sources: try strings(s, "sources", ctx, "scenario"), imports: [], events: [])
        for (i, value) in (root["import"]?.array.map(Array.init) ?? []).enumerated() {
            let ctx = "import#\(i + 1)"
            guard let t = value.table else { throw error(ctx, nil, "import[\(i + 1)]", "expected a table ([[import]])") }
            scenario.imports.append(try readImport(t, ctx: ctx, display: "import[\(i + 1)]"))
        }
        var seen: Set<String> = []
        for (i, value) in (root["event"]?.array.map(Array.init) ?? []).enumerated() {
            let ctx = "event#\(i + 1)"
            guard let t = value.table else { throw error(ctx, nil, "event[\(i + 1)]", "expected a table ([[event]])") }
            let event = try readEvent(t, ctx: ctx, display: "event[\(i + 1)]", duration: scenario.duration)
            guard seen.insert(event.id).inserted else {
                throw error(ctx, "id", "event[\(i + 1)].id", "\"\(event.id)\" is used by an earlier event")
            }
            scenario.events.append(event)
        }
        if scenario.events.isEmpty && scenario.imports.isEmpty {
            throw ScenarioError(file: file, key: "event", message: "no [[event]] and no [[import]]: the scenario is empty")
        }
        scenario.events.sort { ($0.offset, $0.line ?? 0) < ($1.offset, $1.line ?? 0) }
        return scenario
    }

    func readImport(_ t: TOMLTable, ctx: String, display: String) throws(ScenarioError) -> ScenarioImport {
        try checkKeys(t, ["kind", "file", "url", "licence", "from", "to", "counties", "limit", "official", "exercises", "seed"], ctx, display)
        let kind = try string(t, "kind", ctx, display, required: true)!
        guard kind == "emic" else { throw error(ctx, "kind", "\(display).kind", "unknown import kind \"\(kind)\" (expected emic)") }
        let from = try time(t, "from", ctx, display, required: true)!
        let to = try time(t, "to", ctx, display, required: true)!
        guard to > from else { throw error(ctx, "to", "\(display).to", "must be after `from`") }
        let limit = try integer(t, "limit", ctx, display) ?? 200
        guard (1...100_000).contains(limit) else { throw error(ctx, "limit", "\(display).limit", "must be between 1 and 100000") }
        let official = try number(t, "official", ctx, display) ?? 0.5
        guard (0...1).contains(official) else { throw error(ctx, "official", "\(display).official", "must be between 0 and 1") }
        return ScenarioImport(
            kind: kind, file: try string(t, "file", ctx, display, required: true)!, url: try string(t, "url", ctx, display),
            licence: try string(t, "licence", ctx, display), from: from, to: to, counties: try strings(t, "counties", ctx, display),
            limit: limit, official: official, exercises: try bool(t, "exercises", ctx, display) ?? false,
            seed: UInt64(try integer(t, "seed", ctx, display) ?? 1), line: locator.line(context: ctx))
    }

    static let eventKeys = [
        "id", "at", "kind", "channel", "author", "title", "text", "truth", "expect", "note", "county", "town", "location", "lat", "lon",
        "type", "subtype", "severity", "urgency", "certainty", "expires", "polygon", "circle", "magnitude", "depth", "intensity", "day",
        "injured", "dead", "trapped", "serious",
    ]

    func readEvent(_ t: TOMLTable, ctx: String, display: String, duration: TimeInterval) throws(ScenarioError) -> ScenarioEvent {
        try checkKeys(t, Self.eventKeys, ctx, display)
        let line = locator.line(context: ctx)
        let kindText = try string(t, "kind", ctx, display) ?? "post"
        guard let kind = ScenarioEvent.Kind(rawValue: kindText) else {
            throw error(ctx, "kind", "\(display).kind", "unknown kind \"\(kindText)\" (expected \(ScenarioEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let atText = try string(t, "at", ctx, display, required: true)!
        guard let offset = Self.offset(atText) else {
            throw error(ctx, "at", "\(display).at", "\"\(atText)\" is not an offset from the start (\"+1:30\", \"+01:30:15\", \"90m\")")
        }
        guard offset <= duration else {
            throw error(ctx, "at", "\(display).at", "\(atText) is after the scenario's end (duration \(Int(duration / 60)) min)")
        }
        let id = try string(t, "id", ctx, display) ?? "e\(line ?? 0)"
        guard id.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$", options: .regularExpression) != nil else {
            throw error(ctx, "id", "\(display).id", "\"\(id)\" is not an id (letters, digits, . _ -)")
        }
        let text = try string(t, "text", ctx, display) ?? ""
        var e = ScenarioEvent(id: id, offset: offset, kind: kind, text: text)
        e.line = line
        e.channel = try string(t, "channel", ctx, display)
        e.author = try string(t, "author", ctx, display)
        e.title = try string(t, "title", ctx, display)
        e.note = try string(t, "note", ctx, display)
        e.county = try string(t, "county", ctx, display)
        e.town = try string(t, "town", ctx, display)
        e.location = try string(t, "location", ctx, display)
        e.lat = try number(t, "lat", ctx, display)
        e.lon = try number(t, "lon", ctx, display)
        e.type = try string(t, "type", ctx, display)
        e.subtype = try string(t, "subtype", ctx, display)
        e.severity = try string(t, "severity", ctx, display)
        e.urgency = try string(t, "urgency", ctx, display)
        e.certainty = try string(t, "certainty", ctx, display)
        e.polygon = try string(t, "polygon", ctx, display)
        e.circle = try string(t, "circle", ctx, display)
        e.magnitude = try number(t, "magnitude", ctx, display)
        e.depth = try number(t, "depth", ctx, display)
        e.day = try string(t, "day", ctx, display)
        e.injured = try integer(t, "injured", ctx, display) ?? 0
        e.dead = try integer(t, "dead", ctx, display) ?? 0
        e.trapped = try integer(t, "trapped", ctx, display) ?? 0
        e.serious = try bool(t, "serious", ctx, display) ?? false
        if let exp = try string(t, "expires", ctx, display) {
            guard let s = parseIntervalSeconds(exp) else { throw error(ctx, "expires", "\(display).expires", "\"\(exp)\" is not a duration (\"6h\")") }
            e.expiresAfter = TimeInterval(s)
        }
        if let value = t["intensity"] {
            guard let table = value.table else { throw error(ctx, "intensity", "\(display).intensity", "expected a table of county = \"4級\"") }
            for key in table.keys {
                guard let level = table[key]?.string else {
                    throw error(ctx, "intensity", "\(display).intensity.\(key)", "expected a string like \"5弱\"")
                }
                e.intensities[key] = level
            }
        }
        if let truth = try string(t, "truth", ctx, display) {
            guard let v = ScenarioEvent.Truth(rawValue: truth) else {
                throw error(ctx, "truth", "\(display).truth", "unknown truth \"\(truth)\" (expected report, rumour or noise)")
            }
            e.truth = v
        }
        if let expect = try string(t, "expect", ctx, display) {
            guard let v = ScenarioEvent.Decision(rawValue: expect) else {
                throw error(ctx, "expect", "\(display).expect", "unknown decision \"\(expect)\" (expected approve, reject or escalate)")
            }
            e.expect = v
        }
        // What each kind needs.
        func need(_ key: String, _ present: Bool, _ why: String) throws(ScenarioError) {
            if !present { throw error(ctx, nil, "\(display).\(key)", "missing: a \(kind.rawValue) event needs \(why)") }
        }
        switch kind {
        case .post:
            try need("text", !text.isEmpty, "the text people read")
            try need("channel", e.channel != nil, "the channel it appears on (ptt, dcard, threads …)")
            try need("truth", e.truth != nil, "its ground truth (report, rumour or noise)")
            if e.expect == nil { e.expect = e.truth == .report ? .approve : .reject }
            if e.truth != .report && e.expect != .reject {
                throw error(ctx, "expect", "\(display).expect", "a \(e.truth!.rawValue) should be rejected, not \(e.expect!.rawValue)d")
            }
        case .emic:
            try need("text", !text.isEmpty, "the report's description")
            try need("county", e.county != nil, "a county")
            try need("type", e.type != nil, "the EMIC main type (積淹水災情, 路樹災情 …)")
        case .cap:
            try need("type", e.type != nil, "the CAP event (颱風, 豪雨, 海嘯 …)")
            try need("title", e.title != nil, "a headline")
            try need("county", e.county != nil || e.polygon != nil || e.circle != nil, "an area: county, polygon or circle")
        case .quake:
            try need("magnitude", e.magnitude != nil, "a magnitude")
            try need("lat", e.lat != nil && e.lon != nil, "the epicentre (lat, lon)")
        case .closure:
            try need("county", e.county != nil, "the county")
            try need("text", !text.isEmpty, "the notice (明天停止上班、停止上課。)")
        }
        if let lat = e.lat, !(21...27).contains(lat) { throw error(ctx, "lat", "\(display).lat", "\(lat) is not in Taiwan (21–27)") }
        if let lon = e.lon, !(117...124).contains(lon) { throw error(ctx, "lon", "\(display).lon", "\(lon) is not in Taiwan (117–124)") }
        if let day = e.day, day.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", options: .regularExpression) == nil {
            throw error(ctx, "day", "\(display).day", "\"\(day)\" is not a day (yyyy-mm-dd)")
        }
        return e
    }

    /// "+1:30" (h:mm), "+01:30:15", "90m", "2h", "0".
    static func offset(_ text: String) -> TimeInterval? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("+") { t.removeFirst() }
        if t == "0" { return 0 }
        if t.contains(":") {
            let parts = t.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(parts.count), !parts.contains(where: { $0 == nil || $0! < 0 }) else { return nil }
            let p = parts.map { $0! }
            guard p.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
            return TimeInterval(p[0] * 3600 + p[1] * 60 + (p.count == 3 ? p[2] : 0))
        }
        return parseIntervalSeconds(t).map(TimeInterval.init)
    }

    // MARK: typed keys

    func checkKeys(_ t: TOMLTable, _ allowed: [String], _ ctx: String, _ display: String) throws(ScenarioError) {
        for key in t.keys where !allowed.contains(key) {
            throw error(ctx, key, "\(display).\(key)", "unknown key; allowed here: \(allowed.joined(separator: ", "))")
        }
    }

    func string(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String, required: Bool = false) throws(ScenarioError) -> String? {
        guard let value = t[key] else {
            if required { throw error(ctx, nil, "\(display).\(key)", "missing (required)") }
            return nil
        }
        guard let s = value.string else { throw error(ctx, key, "\(display).\(key)", "expected a string, found \(value.type)") }
        return s
    }

    func strings(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String) throws(ScenarioError) -> [String] {
        guard let value = t[key] else { return [] }
        guard let array = value.array else { throw error(ctx, key, "\(display).\(key)", "expected a list of strings") }
        var out: [String] = []
        for v in array {
            guard let s = v.string else { throw error(ctx, key, "\(display).\(key)", "expected a list of strings, found \(v.type)") }
            out.append(s)
        }
        return out
    }

    func integer(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String) throws(ScenarioError) -> Int? {
        guard let value = t[key] else { return nil }
        guard let i = value.int else { throw error(ctx, key, "\(display).\(key)", "expected a whole number, found \(value.type)") }
        return i
    }

    func number(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String) throws(ScenarioError) -> Double? {
        guard let value = t[key] else { return nil }
        if let d = value.double { return d }
        if let i = value.int { return Double(i) }
        throw error(ctx, key, "\(display).\(key)", "expected a number, found \(value.type)")
    }

    func bool(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String) throws(ScenarioError) -> Bool? {
        guard let value = t[key] else { return nil }
        guard let b = value.bool else { throw error(ctx, key, "\(display).\(key)", "expected true or false, found \(value.type)") }
        return b
    }

    /// An RFC 3339 time with its offset ("2025-07-06T18:00:00+08:00").
    func time(_ t: TOMLTable, _ key: String, _ ctx: String, _ display: String, required: Bool = false) throws(ScenarioError) -> Date? {
        guard let text = try string(t, key, ctx, display, required: required) else { return nil }
        guard let d = ScenarioTime.parse(text) else {
            throw error(ctx, key, "\(display).\(key)", "\"\(text)\" is not a time with its offset (\"2025-07-06T18:00:00+08:00\")")
        }
        return d
    }
}

enum ScenarioTime {
    static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text.trimmingCharacters(in: .whitespaces))
    }
}

/// Offsets as scenario files and the CLI write them: "+1:30" (h:mm), "+01:30:15", "90m", "2h", "0".
public enum ScenarioOffset {
    public static func parse(_ text: String) -> TimeInterval? { ScenarioReader.offset(text) }
}
