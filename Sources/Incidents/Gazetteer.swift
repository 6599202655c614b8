import Classifier
import Foundation
import SieveCore

/// Counties, townships and villages found in structured place text ("苗栗縣頭屋鄉", "高雄市茄萣區莒光路三段137號",
/// "臺南 新營"), over the project's gazetteer (Lexicons/places.tsv).
public struct Gazetteer: Sendable {
    let entries: [String: [PlaceEntry]]
    let maxLength: Int
    /// Canonical township → its counties (some names, like 東區 or 信義區, exist in several).
    let townshipCounties: [String: [String]]
    public let counties: Set<String>

    public init(lexicon: Lexicon) {
        var entries: [String: [PlaceEntry]] = [:]
        var townshipCounties: [String: [String]] = [:]
        var counties: Set<String> = []
        for (surface, list) in lexicon.places {
            let kept = list.filter { $0.level == "county" || $0.level == "township" }
            guard !kept.isEmpty else { continue }
            entries[surface] = kept
            for e in kept {
                if e.level == "county" { counties.insert(e.canonical) }
                if e.level == "township", let parent = e.parent, !(townshipCounties[e.canonical]?.contains(parent) ?? false) {
                    townshipCounties[e.canonical, default: []].append(parent)
                }
            }
        }
        self.entries = entries
        self.townshipCounties = townshipCounties
        self.counties = counties
        self.maxLength = entries.keys.map(\.count).max() ?? 0
    }

    public struct Resolved: Sendable, Equatable {
        public var county: String?
        public var township: String?
        public var village: String?
    }

    /// The first county and township named in `text` (township checked against the county when both appear);
    /// `countyHint` picks among townships of the same name.
    public func resolve(_ text: String, countyHint: String? = nil) -> Resolved {
        let chars = Array(text)
        var foundCounty: String?
        var townships: [PlaceEntry] = []
        var i = 0
        while i < chars.count {
            var matched = 0
            var len = min(maxLength, chars.count - i)
            while len >= 2 {
                if let list = entries[String(chars[i..<(i + len)])] {
                    if foundCounty == nil, let c = list.first(where: { $0.level == "county" }) { foundCounty = c.canonical }
                    let ts = list.filter { $0.level == "township" }
                    if !ts.isEmpty && townships.isEmpty { townships = ts }
                    matched = len
                    break
                }
                len -= 1
            }
            i += max(matched, 1)
        }
        var result = Resolved(county: foundCounty ?? countyHint, township: nil, village: nil)
        let county = result.county
        if let t = townships.first(where: { county != nil && $0.parent == county }) ?? (townships.count == 1 || county == nil ? townships.first : nil) {
            result.township = t.canonical
            if result.county == nil { result.county = t.parent }
        }
        result.village = VillageExtractor.extract(text).first
        return result
    }

    /// The canonical county for a name or short form ("台北市", "北市", "臺北").
    public func county(named name: String) -> String? {
        entries[name]?.first(where: { $0.level == "county" })?.canonical
    }

    /// Whether `township` (canonical) lies in `county`.
    public func township(_ township: String, isIn county: String) -> Bool {
        townshipCounties[township]?.contains(county) ?? false
    }
}

/// Taiwan administrative codes as CAP-TWP (`Taiwan_Geocode_100`, `Taiwan_Geocode_103`) and CWA use them: 2-digit
/// (municipalities) or 5-digit county codes, 7-digit township codes that start with their county's code,
/// village codes "TOWNSHIP-NNN". Counties are built in; townships are resolved from the area's own description
/// or from a code list loaded with `load(csv:)` (name,code rows such as the DGBAS table).
public struct GeocodeTable: Sendable {
    public static let countyCodes: [String: String] = [
        "63": "臺北市", "64": "高雄市", "65": "新北市", "66": "臺中市", "67": "臺南市", "68": "桃園市",
        "10002": "宜蘭縣", "10003": "桃園市", "10004": "新竹縣", "10005": "苗栗縣", "10007": "彰化縣",
        "10008": "南投縣", "10009": "雲林縣", "10010": "嘉義縣", "10013": "屏東縣", "10014": "臺東縣",
        "10015": "花蓮縣", "10016": "澎湖縣", "10017": "基隆市", "10018": "新竹市", "10020": "嘉義市",
        "09007": "連江縣", "09020": "金門縣",
        // Pre-2010 county codes of today's municipalities.
        "10001": "新北市", "10006": "臺中市", "10011": "臺南市", "10012": "高雄市",
    ]

    /// Township code → (county, township), from a loaded list.
    public private(set) var townships: [String: (county: String, township: String)] = [:]

    public init() {}

    /// Normalises a code as written: "10005.0" → "10005", "9020" → "09020", "6300100" stays.
    public static func normalise(_ code: String) -> String {
        var c = code.trimmingCharacters(in: .whitespaces)
        if c.hasSuffix(".0") { c.removeLast(2) }
        if let dash = c.firstIndex(of: "-") { c = String(c[..<dash]) }  // village → its township
        if c.count == 4, c.hasPrefix("9") { c = "0" + c }
        if c.count == 6, c.hasPrefix("9") { c = "0" + c }
        return c
    }

    /// The county of a code ("10005", "1000512", "6500900", "63", "63000000").
    public static func county(of code: String) -> String? {
        let c = normalise(code)
        guard !c.isEmpty, c.allSatisfy(\.isNumber) else { return nil }
        if let name = countyCodes[c] { return name }
        if c.hasPrefix("6"), c.count >= 2, let name = countyCodes[String(c.prefix(2))] { return name }
        if c.count >= 5, let name = countyCodes[String(c.prefix(5))] { return name }
        return nil
    }

    /// County and (when known) township of a code; nil when even the county is unknown.
    public func resolve(_ code: String) -> (county: String, township: String?)? {
        let c = Self.normalise(code)
        if let t = townships[c] { return (t.county, t.township) }
        guard let county = Self.county(of: c) else { return nil }
        return (county, nil)
    }

    /// Loads township codes from "name,code" rows whose names hold county and township ("苗栗縣頭屋鄉,1000512";
    /// an "NNN:" prefix on the name is ignored; village rows are skipped).
    public mutating func load(csv path: String, gazetteer: Gazetteer) throws(IncidentImportError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IncidentImportError(source: path, message: "cannot read geocode list")
        }
        var line = 0
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            let fields = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard fields.count >= 2, !fields[1].contains("-"), fields[1].allSatisfy(\.isNumber), fields[1].count == 7 else { continue }
            var name = fields[0]
            if let colon = name.firstIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            let county = Self.county(of: fields[1])
            let r = gazetteer.resolve(name, countyHint: county)
            if let county, let t = r.township { townships[fields[1]] = (county, t) }
        }
        if townships.isEmpty {
            throw IncidentImportError(source: path, line: line, message: "no township codes (expected name,code rows such as 苗栗縣頭屋鄉,1000512)")
        }
    }
}

/// Sieve's disaster types for what official sources call things.
public enum IncidentTypes {
    /// EMIC main type (and sub-type) → Sieve type; nil for the catch-all.
    public static func emic(main: String, sub: String) -> String? {
        switch sub {
        case "電力停電", "電線（桿）毀損", "電線掉落、垂落", "變電所、電廠受災", "電線短路、起火": return "power_outage"
        case "自來水停水": return "water_outage"
        case "請求（協助）疏散撤離": return "evacuation"
        case "救護送醫案件": return "casualty"
        case "溪水暴漲": return "flood"
        case "人員落水": return "rescue"
        case "邊坡坍方", "道路落石", "土石流阻斷": return "landslide"
        default: break
        }
        switch main {
        case "路樹災情": return "tree_down"
        case "積淹水災情", "水利設施災情": return "flood"
        case "土石災情": return "landslide"
        case "建物毀損", "廣告招牌災情": return "building_damage"
        case "道路、隧道災情", "橋梁災情", "鐵路、高鐵捷運災情", "車輛、交通事故": return "road_blocked"
        case "火災": return "fire"
        default: return nil
        }
    }

    static let keywords: [(String, String)] = [
        ("地震", "earthquake"), ("海嘯", "flood"), ("颱風", "typhoon"), ("土石流", "landslide"), ("崩塌", "landslide"),
        ("坍方", "landslide"), ("洩洪", "flood"), ("淹水", "flood"), ("積淹水", "flood"), ("豪雨", "flood"),
        ("大雨", "flood"), ("河川", "flood"), ("水位", "flood"), ("停水", "water_outage"), ("停電", "power_outage"),
        ("撤離", "evacuation"), ("疏散", "evacuation"), ("火災", "fire"), ("火警", "fire"), ("封閉", "road_blocked"),
        ("道路", "road_blocked"), ("強風", "typhoon"),
    ]

    static let capEventCodes: [String: String] = [
        "ReservoirDis": "flood", "flood": "flood", "rainfall": "flood", "typhoon": "typhoon", "earthquake": "earthquake",
        "tsunami": "flood", "debrisFlow": "landslide", "workSchlClos": "closure", "highWater": "flood",
        "roadClose": "road_blocked", "waterSupply": "water_outage", "powerOutage": "power_outage", "fire": "fire",
        "evacuation": "evacuation",
    ]

    /// From a CAP event code value or event/headline text.
    public static func fromText(eventCodes: [String], text: String) -> String? {
        for code in eventCodes {
            if let t = capEventCodes[code] ?? capEventCodes.first(where: { $0.key.caseInsensitiveCompare(code) == .orderedSame })?.value {
                return t == "closure" ? nil : t
            }
        }
        return keywords.first { text.contains($0.0) }?.1
    }

    /// How well a post's types fit an incident's type: 1 same, partial for related ones, 0.5 when either is unknown.
    public static func compatibility(_ postTypes: [String], _ incidentType: String?) -> Double {
        guard let it = incidentType, !postTypes.isEmpty else { return 0.5 }
        var best = 0.15
        for (rank, t) in postTypes.prefix(3).enumerated() {
            let s = t == it ? 1.0 : related(t, it)
            best = max(best, s * (rank == 0 ? 1 : 0.85))
        }
        return best
    }

    static let relatedPairs: [Set<String>: Double] = [
        ["tree_down", "road_blocked"]: 0.7, ["tree_down", "power_outage"]: 0.5, ["landslide", "road_blocked"]: 0.8,
        ["flood", "rescue"]: 0.6, ["flood", "trapped"]: 0.6, ["flood", "evacuation"]: 0.6, ["landslide", "evacuation"]: 0.6,
        ["earthquake", "building_damage"]: 0.7, ["earthquake", "casualty"]: 0.5, ["earthquake", "trapped"]: 0.5,
        ["casualty", "trapped"]: 0.6, ["casualty", "rescue"]: 0.6, ["trapped", "rescue"]: 0.8,
        ["power_outage", "water_outage"]: 0.4, ["building_damage", "casualty"]: 0.5, ["fire", "casualty"]: 0.5,
        ["landslide", "trapped"]: 0.5, ["road_blocked", "trapped"]: 0.4, ["building_damage", "tree_down"]: 0.4,
    ]

    static func related(_ a: String, _ b: String) -> Double {
        if a == "typhoon" || b == "typhoon" {
            return ["earthquake", "fire"].contains(a == "typhoon" ? b : a) ? 0.1 : 0.5
        }
        return relatedPairs[[a, b]] ?? 0.1
    }
}

/// A reason an import could not be read, naming the file or URL and, when known, the line.
public struct IncidentImportError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int?
    public var message: String

    public init(source: String, line: Int? = nil, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { "\(source)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Times as official sources write them.
public enum OfficialTime {

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TaipeiTime.zone
        return c
    }()

    /// ISO 8601 / RFC 3339 with an offset, a `Z`, or no zone (read as Taipei). `note` says what was unusual.
    public static func parseISO(_ text: String) -> (date: Date, note: String?)? {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = Array(s.unicodeScalars)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= scalars.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard let d = Int(String(scalars[i])) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard scalars.count >= 19, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
            let mi = num(14, 2), let se = num(17, 2), scalars[4] == "-", scalars[7] == "-",
            scalars[10] == "T" || scalars[10] == " ", scalars[13] == ":", scalars[16] == ":"
        else { return nil }
        var i = 19
        if i < scalars.count, scalars[i] == "." { i += 1; while i < scalars.count, scalars[i].properties.numericType != nil { i += 1 } }
        var zone: TimeZone = TaipeiTime.zone
        var note: String?
        let rest = String(String.UnicodeScalarView(scalars[i...]))
        if rest == "Z" || rest == "z" {
            zone = TimeZone(identifier: "UTC")!
            note = "time \(s) ends in Z; CAP 1.2 wants an offset such as +08:00 (read as UTC)"
        } else if rest.isEmpty {
            note = "time \(s) has no zone (read as Taipei time)"
        } else if rest.count == 6, let sign = rest.first, sign == "+" || sign == "-",
            let oh = Int(rest.dropFirst().prefix(2)), let om = Int(rest.suffix(2))
        {
            zone = TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (oh * 3600 + om * 60)) ?? TaipeiTime.zone
        } else {
            return nil
        }
        var comps = DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
        comps.timeZone = zone
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        guard let date = cal.date(from: comps) else { return nil }
        return (date, note)
    }

    /// EMIC's "2025/7/6 下午 08:57:00" (also "2025/7/6 20:57:00", "2025/07/06 08:57", "2025-07-06 20:57:00"), Taipei.
    public static func parseEMIC(_ text: String) -> Date? {
        var s = text.trimmingCharacters(in: .whitespaces)
        var pm: Bool?
        if s.contains("下午") { pm = true }
        if s.contains("上午") { pm = false }
        s = s.replacingOccurrences(of: "下午", with: " ").replacingOccurrences(of: "上午", with: " ")
        let parts = s.split(whereSeparator: { $0 == " " })
        guard let datePart = parts.first else { return nil }
        let ymd = datePart.split(whereSeparator: { $0 == "/" || $0 == "-" }).compactMap { Int($0) }
        guard ymd.count == 3 else { return nil }
        var hms = [0, 0, 0]
        if parts.count > 1 {
            let t = parts[1].split(separator: ":").compactMap { Int($0) }
            for (k, v) in t.prefix(3).enumerated() { hms[k] = v }
        }
        if let pm {
            if pm && hms[0] < 12 { hms[0] += 12 }
            if !pm && hms[0] == 12 { hms[0] = 0 }
        }
        let year = ymd[0] < 1000 ? ymd[0] + 1911 : ymd[0]  // ROC years (民國) too
        return calendar.date(from: DateComponents(year: year, month: ymd[1], day: ymd[2], hour: hms[0], minute: hms[1], second: hms[2]))
    }

    /// yyyy-MM-dd of a date in Taipei.
    public static func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    public static func addDays(_ n: Int, to date: Date) -> Date {
        calendar.date(byAdding: .day, value: n, to: date) ?? date.addingTimeInterval(Double(n) * 86400)
    }
}
