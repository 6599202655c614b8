import Foundation

/// The languages Sieve speaks. Traditional Chinese is the default; the moderators' app is in Traditional Chinese and
/// English; the public page (and, later, channel messages) also in Vietnamese, Indonesian, Thai and Filipino for new
/// immigrants — generated from structured fields (type, place, time, verdict), never by machine-translating posts.
public enum Language: String, CaseIterable, Sendable, Codable {
    case zhHant = "zh-TW"
    case en
    case vi
    case id
    case th
    case fil

    /// The `lang` attribute of the page.
    public var htmlLang: String { self == .zhHant ? "zh-Hant-TW" : rawValue }
    /// The language's own name, for the switcher.
    public var nativeName: String {
        switch self {
        case .zhHant: "中文"
        case .en: "English"
        case .vi: "Tiếng Việt"
        case .id: "Bahasa Indonesia"
        case .th: "ภาษาไทย"
        case .fil: "Filipino"
        }
    }

    /// `?lang=` first (zh-TW, zh-Hant, zh, en, vi, id, th, fil; tl and in as aliases), then the best of
    /// `Accept-Language` by q-value, then Traditional Chinese. Only `among` are chosen.
    public static func negotiate(query: String?, acceptLanguage: String?, among: [Language] = Language.allCases) -> Language {
        if let query, let l = match(query), among.contains(l) { return l }
        guard let header = acceptLanguage else { return .zhHant }
        var best: (Language, Double)? = nil
        for part in header.split(separator: ",").prefix(20) {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first, let l = match(tag), among.contains(l) else { continue }
            var q = 1.0
            for f in fields.dropFirst() where f.hasPrefix("q=") { q = Double(f.dropFirst(2)) ?? 0 }
            if q > 0, q > (best?.1 ?? 0) { best = (l, q) }
        }
        return best?.0 ?? .zhHant
    }

    /// The language a tag names (zh, zh-TW, zh-Hant, en-US, vi, id, in, th, fil, tl …); nil for others.
    public static func match(_ tag: String) -> Language? {
        let t = tag.lowercased()
        let primary = t.split(separator: "-").first.map(String.init) ?? t
        switch primary {
        case "zh": return .zhHant
        case "en": return .en
        case "vi": return .vi
        case "id", "in": return .id
        case "th": return .th
        case "fil", "tl": return .fil
        default: return nil
        }
    }
}
