import Foundation

/// Where an official incident came from.
public enum IncidentKind: String, Sendable, Codable, CaseIterable {
    /// A CAP 1.2 alert (NCDR, WRA, CWA … through the CAP-TWP profile).
    case cap
    /// A CWA earthquake report.
    case quake
    /// A CWA tropical-cyclone track or warning.
    case typhoon
    /// An EMIC disaster report (a case filed with the Emergency Management Information Cloud).
    case emic
    /// A work/school closure notice for one county and one day.
    case closure
    /// A CWA weather warning (豪雨特報, 陸上強風特報 …) for one county.
    case warning
}

/// A point, latitude first as CAP writes it.
public struct GeoPoint: Sendable, Codable, Equatable, Hashable {
    public var lat: Double
    public var lon: Double
    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }
}

/// A CAP circle: centre and radius in kilometres.
public struct GeoCircle: Sendable, Codable, Equatable {
    public var center: GeoPoint
    public var radiusKm: Double
    public init(center: GeoPoint, radiusKm: Double) {
        self.center = center
        self.radiusKm = radiusKm
    }
}

/// One area an incident covers: a county, optionally a township and village, as resolved from geocodes or
/// names; `geocode` keeps the code as given even when it could not be resolved.
public struct IncidentArea: Sendable, Codable, Equatable {
    public var county: String?
    public var township: String?
    public var village: String?
    public var description: String?
    public var geocode: String?

    public init(county: String?, township: String? = nil, village: String? = nil, description: String? = nil, geocode: String? = nil) {
        self.county = county
        self.township = township
        self.village = village
        self.description = description
        self.geocode = geocode
    }
}

/// Work/school status a closure notice announces for a county and day.
public enum ClosureStatus: String, Sendable, Codable {
    /// Work and school suspended (停止上班、停止上課).
    case closed
    /// Work and school go on (照常上班、照常上課).
    case normal
    /// Some of it suspended (only school, only some townships, only the afternoon …).
    case partial
}

/// What an incident says beyond its place and time.
public struct IncidentDetails: Sendable, Codable, Equatable {
    public var magnitude: Double?
    public var depthKm: Double?
    /// CWA shaking intensity by county (1…7; 5弱/5強 are 5, 6弱/6強 are 6).
    public var intensities: [String: Int]?
    public var closure: ClosureStatus?
    /// Closure day, yyyy-MM-dd (Taipei).
    public var closureDate: String?
    public var typhoonName: String?
    /// Casualty and rescue counts (EMIC): injured, dead, trapped, missing, sheltered.
    public var people: [String: Int]?
    public var subType: String?
    public var severity: String?
    public var urgency: String?
    public var certainty: String?
    public var caseStatus: String?

    public init() {}
}

/// An official incident: something an authority announced or recorded.
public struct Incident: Sendable, Codable, Equatable {
    public var id: Int64?
    public var kind: IncidentKind
    /// The id as its source gives it: CAP `identifier`, EMIC `CASE_ID`, CWA `EarthquakeNo`, closure county+day.
    public var externalID: String
    public var sender: String?
    /// CAP msgType (Alert, Update, Cancel) or nil.
    public var msgType: String?
    /// "active", "cancelled" or "superseded" (an expired incident stays "active"; `isActive` checks `expires`).
    public var state: String
    /// The source's own label ("水庫洩洪", "路樹災情", "地震報告").
    public var event: String?
    /// Sieve's disaster type (same vocabulary as the classifier), when one applies.
    public var type: String?
    public var headline: String?
    public var description: String?
    public var sent: Date
    public var effective: Date?
    public var expires: Date?
    public var areas: [IncidentArea]
    /// A street address as given ("高雄市茄萣區莒光路三段137號").
    public var address: String?
    public var point: GeoPoint?
    public var polygons: [[GeoPoint]]
    public var circles: [GeoCircle]
    /// CAP references ("sender,identifier,sent").
    public var references: [String]
    public var details: IncidentDetails
    public var url: String?
    /// Problems met while reading it (unknown geocode, `Z` time …); kept with the incident.
    public var warnings: [String]

    public init(
        kind: IncidentKind, externalID: String, sent: Date, state: String = "active", event: String? = nil,
        type: String? = nil, headline: String? = nil, description: String? = nil, areas: [IncidentArea] = []
    ) {
        self.kind = kind
        self.externalID = externalID
        self.sent = sent
        self.state = state
        self.event = event
        self.type = type
        self.headline = headline
        self.description = description
        self.areas = areas
        self.polygons = []
        self.circles = []
        self.references = []
        self.details = IncidentDetails()
        self.warnings = []
    }

    /// Active now: not cancelled or superseded, and not past `expires`.
    public func isActive(at now: Date = Date()) -> Bool {
        state == "active" && (expires.map { $0 > now } ?? true)
    }

    public var counties: Set<String> { Set(areas.compactMap(\.county)) }

    /// One line for lists: "cap WRA_… 水庫洩洪 苗栗縣頭屋鄉 2014-05-14T20:10:00+08:00".
    public var areaSummary: String {
        let names = areas.map { a in (a.county ?? "") + (a.township ?? "") + (a.village ?? "") }.filter { !$0.isEmpty }
        if names.isEmpty {
            let d = areas.compactMap(\.description).first ?? "-"
            return d.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let unique = names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return unique.prefix(4).joined(separator: "、") + (unique.count > 4 ? " …(\(unique.count))" : "")
    }
}

/// The cross-reference verdict on a post.
public enum XrefVerdict: String, Sendable, Codable {
    case corroborated
    case contradicted
    case unconfirmed
}

/// One incident a post was matched to.
public struct IncidentMatch: Sendable, Codable, Equatable {
    public var incidentID: Int64
    /// The incident's id as its source gives it.
    public var externalID: String
    public var kind: IncidentKind
    public var score: Double
    public var summary: String
    public var reasons: [String]

    public init(incidentID: Int64, externalID: String, kind: IncidentKind, score: Double, summary: String, reasons: [String]) {
        self.incidentID = incidentID
        self.externalID = externalID
        self.kind = kind
        self.score = score
        self.summary = summary
        self.reasons = reasons
    }
}

/// A known rumour a post repeats.
public struct KnownRumourMatch: Sendable, Codable, Equatable {
    public var rumourID: Int64
    public var similarity: Double
    public var verdict: String
    public var claim: String
    public var url: String?

    public init(rumourID: Int64, similarity: Double, verdict: String, claim: String, url: String?) {
        self.rumourID = rumourID
        self.similarity = similarity
        self.verdict = verdict
        self.claim = claim
        self.url = url
    }
}

/// What the cross-reference found for one post, with the explanation shown to the moderator.
public struct XrefResult: Sendable, Codable, Equatable {
    public var verdict: XrefVerdict
    public var score: Double
    public var matches: [IncidentMatch]
    public var knownRumour: KnownRumourMatch?
    /// Why, line by line, as data (rendered per language with `XrefNote.render`).
    public var explanation: [XrefNote]

    public init(verdict: XrefVerdict, score: Double, matches: [IncidentMatch], knownRumour: KnownRumourMatch?, explanation: [XrefNote]) {
        self.verdict = verdict
        self.score = score
        self.matches = matches
        self.knownRumour = knownRumour
        self.explanation = explanation
    }

    /// The explanation in `language`, one line per note.
    public func lines(_ language: Language = .zhHant) -> [String] { explanation.map { $0.render(language) } }
}
