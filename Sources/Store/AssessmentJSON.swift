import SieveCore

/// The assessment's JSON columns (`types`, `places`, `reasons`, `details`) written and read by hand.
///
/// Every post is assessed once and read back once by the cross-reference stage, so these columns are on the
/// burst's hot path: with Foundation's `JSONEncoder`/`JSONDecoder` they took about a fifth of a worker's CPU
/// (BENCHMARKS.md, "Store v2"). The text written is byte for byte what `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes (`AssessmentJSONTests` compares them), so rows written before and after read
/// the same everywhere, including PostgreSQL's own `jsonb` functions. Reading accepts any JSON of the right shape
/// (other key orders, escapes, unknown keys, white space), as `JSONDecoder` did.
enum AssessmentJSON {
    // MARK: - Writing

    static func encode(_ strings: [String]) -> String {
        var w = Writer()
        w.array(strings) { w, s in w.string(s) }
        return w.text
    }

    static func encode(_ places: [PlaceMention]) -> String {
        var w = Writer()
        w.array(places) { w, p in w.place(p) }
        return w.text
    }

    static func encode(_ d: AssessmentDetails) -> String {
        var w = Writer()
        // Sorted keys: disasterLabel, emicType, people, reasonNotes, rumourLabel, times (absent optionals omitted).
        w.byte(UInt8(ascii: "{"))
        var none = true
        if let label = d.disasterLabel {
            w.key("disasterLabel", first: true)
            w.string(label)
            none = false
        }
        if let type = d.emicType {
            w.key("emicType", first: none)
            w.string(type)
            none = false
        }
        w.key("people", first: none)
        w.array(d.people) { w, p in
            w.byte(UInt8(ascii: "{"))
            var first = true
            if let count = p.count {
                w.key("count", first: true)
                w.int(count)
                first = false
            }
            w.key("kind", first: first)
            w.string(p.kind)
            w.key("surface", first: false)
            w.string(p.surface)
            w.byte(UInt8(ascii: "}"))
        }
        if let notes = d.reasonNotes {
            w.key("reasonNotes", first: false)
            w.array(notes) { w, n in w.note(n) }
        }
        if let label = d.rumourLabel {
            w.key("rumourLabel", first: false)
            w.string(label)
        }
        w.key("times", first: false)
        w.array(d.times) { w, t in
            w.byte(UInt8(ascii: "{"))
            w.key("granularity", first: true)
            w.string(t.granularity)
            w.key("start", first: false)
            w.string(t.start)
            w.key("surface", first: false)
            w.string(t.surface)
            w.byte(UInt8(ascii: "}"))
        }
        w.byte(UInt8(ascii: "}"))
        return w.text
    }

    struct Writer {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(256) }

        var text: String { String(decoding: bytes, as: UTF8.self) }

        mutating func byte(_ b: UInt8) { bytes.append(b) }

        mutating func key(_ k: StaticString, first: Bool) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            k.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func array<T>(_ items: [T], _ each: (inout Writer, T) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                each(&self, item)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func int(_ n: Int) { bytes.append(contentsOf: String(n).utf8) }

        /// A JSON string as `JSONEncoder` writes it: `"` and `\` escaped, control characters as `\n`-style
        /// escapes or `\u00XX`, `/` and everything else (all of Unicode) as is.
        mutating func string(_ s: String) {
            bytes.append(UInt8(ascii: "\""))
            // Runs that need no escape (nearly all of a post's text) are copied whole.
            let copied: Void? = s.utf8.withContiguousStorageIfAvailable { utf8 in
                var run = 0
                for (i, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                    escape(b)
                    run = i + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
            }
            if copied == nil { for b in s.utf8 { escape(b) } }
            bytes.append(UInt8(ascii: "\""))
        }

        /// One byte of a string, escaped when it must be.
        mutating func escape(_ b: UInt8) {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }

        mutating func place(_ p: PlaceMention) {
            // Sorted keys: county, level, name, surface.
            bytes.append(UInt8(ascii: "{"))
            var first = true
            if let county = p.county {
                key("county", first: true)
                string(county)
                first = false
            }
            key("level", first: first)
            string(p.level)
            key("name", first: false)
            string(p.name)
            key("surface", first: false)
            string(p.surface)
            bytes.append(UInt8(ascii: "}"))
        }

        /// An object of `d`'s entries in sorted key order, each value written by `each`.
        mutating func object<V>(_ d: [String: V], _ each: (inout Writer, V) -> Void) {
            bytes.append(UInt8(ascii: "{"))
            for (i, k) in d.keys.sorted(by: Self.keyOrder).enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(k)
                bytes.append(UInt8(ascii: ":"))
                each(&self, d[k]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }

        /// `JSONEncoder`'s `.sortedKeys` order.
        static func keyOrder(_ a: String, _ b: String) -> Bool { a < b }

        mutating func note(_ n: ReasonNote) {
            // Sorted keys: args, names, parts, template.
            bytes.append(UInt8(ascii: "{"))
            key("args", first: true)
            object(n.args) { w, v in w.string(v) }
            if let names = n.names {
                key("names", first: false)
                object(names) { w, v in w.string(v) }
            }
            if let parts = n.parts {
                key("parts", first: false)
                object(parts) { w, part in w.note(part) }
            }
            key("template", first: false)
            string(n.template)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    // MARK: - Reading

    struct Malformed: Error, CustomStringConvertible {
        var what: String
        var offset: Int
        var description: String { "malformed assessment JSON at byte \(offset): \(what)" }
    }

    /// A parsed JSON value.
    indirect enum Value {
        case string(String), number(Double), bool(Bool), null
        case array([Value])
        case object([(String, Value)])

        var isNull: Bool { if case .null = self { return true } else { return false } }

        subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.last { $0.0 == key }?.1
        }
    }

    static func strings(_ json: String) throws -> [String] {
        try array(parse(json), "an array of strings") { v in try string(v, "a string") }
    }

    static func places(_ json: String) throws -> [PlaceMention] {
        try array(parse(json), "an array of places") { v in try place(v) }
    }

    /// `withNotes: false` passes over the reason notes without building them (the cross-reference reads every due
    /// post's assessment and never shows its reasons; the notes are most of the column).
    static func details(_ json: String, withNotes: Bool = true) throws -> AssessmentDetails {
        let v = try parse(json, skipping: withNotes ? nil : "reasonNotes")
        guard case .object = v else { throw Malformed(what: "expected an object", offset: 0) }
        let times = try array(v["times"] ?? .null, "times") { t in
            TimeMention(surface: try string(t["surface"], "times.surface"), start: try string(t["start"], "times.start"),
                        granularity: try string(t["granularity"], "times.granularity"))
        }
        let people = try array(v["people"] ?? .null, "people") { p in
            PeopleMention(kind: try string(p["kind"], "people.kind"), count: try optionalInt(p["count"], "people.count"),
                          surface: try string(p["surface"], "people.surface"))
        }
        var notes: [ReasonNote]? = nil
        if let n = v["reasonNotes"], !n.isNull { notes = try array(n, "reasonNotes") { try note($0) } }
        return AssessmentDetails(
            times: times, people: people, reasonNotes: notes,
            disasterLabel: try optionalString(v["disasterLabel"], "disasterLabel"),
            rumourLabel: try optionalString(v["rumourLabel"], "rumourLabel"),
            emicType: try optionalString(v["emicType"], "emicType"))
    }

    static func place(_ v: Value) throws -> PlaceMention {
        PlaceMention(
            surface: try string(v["surface"], "place.surface"), name: try string(v["name"], "place.name"),
            level: try string(v["level"], "place.level"), county: try optionalString(v["county"], "place.county"))
    }

    static func note(_ v: Value) throws -> ReasonNote {
        guard case .object = v else { throw Malformed(what: "a reason note is not an object", offset: 0) }
        var parts: [String: ReasonNote]? = nil
        if let p = v["parts"], !p.isNull {
            guard case .object(let members) = p else { throw Malformed(what: "reason note parts are not an object", offset: 0) }
            var d: [String: ReasonNote] = [:]
            for (k, part) in members { d[k] = try note(part) }
            parts = d
        }
        var names: [String: String]? = nil
        if let n = v["names"], !n.isNull { names = try dictionary(n, "reason note names") }
        return ReasonNote(try string(v["template"], "reason note template"), try dictionary(v["args"] ?? .null, "reason note args"), names: names, parts: parts)
    }

    static func array<T>(_ v: Value, _ what: String, _ each: (Value) throws -> T) throws -> [T] {
        guard case .array(let items) = v else { throw Malformed(what: "\(what): expected an array", offset: 0) }
        return try items.map(each)
    }

    static func string(_ v: Value?, _ what: String) throws -> String {
        guard case .string(let s)? = v else { throw Malformed(what: "\(what): expected a string", offset: 0) }
        return s
    }

    static func optionalString(_ v: Value?, _ what: String) throws -> String? {
        guard let v, !v.isNull else { return nil }
        return try string(v, what)
    }

    static func optionalInt(_ v: Value?, _ what: String) throws -> Int? {
        guard let v, !v.isNull else { return nil }
        guard case .number(let d) = v, let n = Int(exactly: d) else { throw Malformed(what: "\(what): expected an integer", offset: 0) }
        return n
    }

    static func dictionary(_ v: Value, _ what: String) throws -> [String: String] {
        guard case .object(let members) = v else { throw Malformed(what: "\(what): expected an object", offset: 0) }
        var d: [String: String] = [:]
        for (k, value) in members { d[k] = try string(value, "\(what).\(k)") }
        return d
    }

    /// `skipping`: a key of the top-level object whose value is passed over (read as null).
    static func parse(_ json: String, skipping: String? = nil) throws -> Value {
        var json = json
        return try json.withUTF8 { buffer throws -> Value in
            var p = Parser(bytes: buffer, skipKey: skipping)
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            guard p.i == buffer.count else { throw Malformed(what: "text after the value", offset: p.i) }
            return v
        }
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var skipKey: String? = nil
        var i = 0

        /// Passes over one value (strings with their escapes, nested arrays and objects) without building it.
        mutating func skipValue() throws {
            let start = i
            var nesting = 0
            repeat {
                guard i < bytes.count else { throw Malformed(what: "unterminated value", offset: start) }
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    i += 1
                    while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    guard i < bytes.count else { throw Malformed(what: "unterminated string", offset: start) }
                case UInt8(ascii: "["), UInt8(ascii: "{"): nesting += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    nesting -= 1
                    guard nesting >= 0 else { throw Malformed(what: "unexpected \"\(Character(UnicodeScalar(bytes[i])))\"", offset: i) }
                case UInt8(ascii: ",") where nesting == 0: return
                default: break
                }
                i += 1
            } while nesting > 0 || (i < bytes.count && ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[i]))
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ b: UInt8) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == b else { throw Malformed(what: "expected \"\(Character(UnicodeScalar(b)))\"", offset: i) }
            i += 1
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < 64 else { throw Malformed(what: "nested too deeply", offset: i) }
            skipSpace()
            guard i < bytes.count else { throw Malformed(what: "unexpected end", offset: i) }
            switch bytes[i] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw Malformed(what: "unterminated array", offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw Malformed(what: "expected \",\" or \"]\"", offset: i)
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, Value)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw Malformed(what: "expected a key", offset: i) }
                    let k = try string()
                    try expect(UInt8(ascii: ":"))
                    if depth == 0, let skipKey, k == skipKey {
                        skipSpace()
                        try skipValue()
                        members.append((k, .null))
                    } else {
                        members.append((k, try value(depth: depth + 1)))
                    }
                    skipSpace()
                    guard i < bytes.count else { throw Malformed(what: "unterminated object", offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw Malformed(what: "expected \",\" or \"}\"", offset: i)
                }
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count, word.withUTF8Buffer({ w in (0..<n).allSatisfy { bytes[i + $0] == w[$0] } }) else {
                throw Malformed(what: "expected \(word)", offset: i)
            }
            i += n
        }

        mutating func number() throws -> Double {
            let start = i
            while i < bytes.count, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")
                || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")
            {
                i += 1
            }
            guard i > start, let d = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) else {
                throw Malformed(what: "expected a value", offset: start)
            }
            return d
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw Malformed(what: "short \\u escape", offset: i) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: throw Malformed(what: "bad \\u escape", offset: i)
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// A string starting at the opening quote.
        mutating func string() throws -> String {
            i += 1
            let start = i
            // Fast path: no escapes.
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < bytes.count else { throw Malformed(what: "unterminated string", offset: start) }
            if bytes[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            }
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                guard b == UInt8(ascii: "\\") else {
                    out.append(b)
                    i += 1
                    continue
                }
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Malformed(what: "unpaired surrogate", offset: i) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw Malformed(what: "unpaired surrogate", offset: i) }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw Malformed(what: "bad escape", offset: i - 1)
                }
            }
            throw Malformed(what: "unterminated string", offset: start)
        }
    }
}
