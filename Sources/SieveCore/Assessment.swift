import Foundation

/// A place named in a post, resolved against the gazetteer.
public struct PlaceMention: Sendable, Equatable, Codable, Hashable {
    /// The words as written ("北市", "那瑪夏區").
    public var surface: String
    /// The canonical name ("臺北市").
    public var name: String
    /// "county", "township" or "address".
    public var level: String
    /// The enclosing county for townships, when known.
    public var county: String?

    public init(surface: String, name: String, level: String, county: String? = nil) {
        self.surface = surface
        self.name = name
        self.level = level
        self.county = county
    }
}

/// A time expression resolved against the post's time (Taipei).
public struct TimeMention: Sendable, Equatable, Codable {
    public var surface: String
    /// Start of the period meant, RFC 3339 with +08:00.
    public var start: String
    /// "day", "part-of-day" or "minute".
    public var granularity: String

    public init(surface: String, start: String, granularity: String) {
        self.surface = surface
        self.start = start
        self.granularity = granularity
    }
}

/// People harmed or in danger, as the post states them.
public struct PeopleMention: Sendable, Equatable, Codable {
    /// "trapped", "injured", "dead", "missing", "evacuated"
    public var kind: String
    /// The number given, when one is.
    public var count: Int?
    public var surface: String

    public init(kind: String, count: Int?, surface: String) {
        self.kind = kind
        self.count = count
        self.surface = surface
    }
}

/// The classifier's verdict on one post, with the reasons a moderator can read.
public struct Assessment: Sendable, Equatable, Codable {
    /// 0…1: how likely the post reports a real disaster situation.
    public var disaster: Double
    /// 0…1: how likely the post is a rumour / chain message.
    public var rumour: Double
    /// Disaster types, strongest first (e.g. "landslide", "flood").
    public var types: [String]
    public var places: [PlaceMention]
    /// Human-readable reasons, most important first.
    public var reasons: [String]
    /// The same reasons as data, one per line of `reasons` (empty for assessments made before they existed and for
    /// reasons written by hand), so a page can show them in its reader's language.
    public var reasonNotes: [ReasonNote] = []
    /// Which model/rules produced this ("lexicon-v0").
    public var model: String
    /// Time expressions resolved against the post's time.
    public var times: [TimeMention] = []
    /// Casualties, trapped, missing or evacuated people mentioned.
    public var people: [PeopleMention] = []
    /// What a moderator is shown instead of the bare number: 災情通報, 非災情 or 不確定 (the calibrated model is
    /// unsure); nil when no calibrated model made the score.
    public var disasterLabel: String? = nil
    /// 像謠言, 非謠言, 不確定 as `disasterLabel`, or 待查證 (check it: flagged although under 0.5, `Calibration.flag`).
    public var rumourLabel: String? = nil
    /// The EMIC disaster main type the type model chose (路樹災情, 積淹水災情 …), when it was trained on EMIC types.
    public var emicType: String? = nil

    public init(
        disaster: Double, rumour: Double, types: [String], places: [PlaceMention], reasons: [String], model: String,
        times: [TimeMention] = [], people: [PeopleMention] = []
    ) {
        self.times = times
        self.people = people
        self.disaster = disaster
        self.rumour = rumour
        self.types = types
        self.places = places
        self.reasons = reasons
        self.model = model
    }

    // `reasonNotes` is not part of the JSON others read (`sieve classify --json`, the API): `reasons` is.
    enum CodingKeys: String, CodingKey {
        case disaster, rumour, types, places, reasons, model, times, people, disasterLabel, rumourLabel, emicType
    }
}

extension PlaceMention {
    /// "臺北市", "新北市汐止區", or the address as written.
    public var display: String {
        guard let county, county != name, level != "address" else { return name }
        return county + name
    }
}

/// How a model score is written for a moderator, the same on the web pages and in `sieve queue`.
public enum ScoreText {
    /// "0.95": two decimals (without String(format:), which is slow on the pages' hot path); "—" for none.
    public static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "—" }
        let hundredths = Int((abs(v) * 100).rounded())
        let frac = hundredths % 100
        return (v < 0 && hundredths > 0 ? "-" : "") + "\(hundredths / 100)." + (frac < 10 ? "0\(frac)" : "\(frac)")
    }

    /// 不確定 when the calibrated model abstained, 待查證 and the number when a rumour score is in the model's flag
    /// band, else the number (`label`: the assessment's disasterLabel or rumourLabel).
    public static func shown(_ v: Double?, label: String?, _ lang: Language = .zhHant) -> String {
        switch label {
        case "不確定": Messages.app("不確定", lang)
        case "待查證": Messages.app("待查證", lang) + " " + number(v)
        default: number(v)
        }
    }
}
