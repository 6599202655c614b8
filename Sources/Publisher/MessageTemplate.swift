import Foundation
import Mustache
import SieveCore
import Store

/// A template problem, naming the file and line.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The text a channel posts for one delivery: a Mustache template (the kind's default or the channel's
/// `template` file) rendered with the item, then fitted to the channel's length limit.
public struct MessageTemplate: Sendable {
    public let template: MustacheTemplate
    public let limit: Int?
    public let measure: Truncation.Measure
    public let hashtags: [String]
    /// The channel kind, whose markup the values are escaped for.
    public let kind: ChannelKind

    public init(channel: ChannelConfig) throws(TemplateError) {
        kind = channel.kind
        let source: String
        let origin: String
        if let path = channel.template {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw TemplateError(description: "\(channel.display): cannot read template \(path)")
            }
            source = text
            origin = path
        } else {
            source = Self.defaultTemplate(for: channel.kind)
            origin = "default \(channel.kind.rawValue) template"
        }
        do {
            // Messages are plain text: no HTML escaping of the values.
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(
                description: "\(origin):\(error.context.lineNumber + 1):\(error.context.columnNumber): template syntax: \(error.error) (channel \"\(channel.name)\")")
        } catch {
            throw TemplateError(description: "\(origin): template syntax: \(error) (channel \"\(channel.name)\")")
        }
        limit = channel.maxLength ?? Self.defaultLimit(for: channel.kind)
        measure = Self.measure(for: channel.kind)
        hashtags = channel.hashtags
    }

    public static func defaultLimit(for kind: ChannelKind) -> Int? {
        switch kind {
        case .mastodon: return 500
        case .telegram: return 4096
        case .line: return 5000
        case .facebook: return 63206
        case .discord: return 2000
        case .slack: return 40000
        default: return nil
        }
    }

    static func measure(for kind: ChannelKind) -> Truncation.Measure {
        switch kind {
        case .mastodon: return .mastodon
        case .telegram: return .utf16
        default: return .characters
        }
    }

    /// The shipped templates. `{{text}}` is the part shortened to fit; everything else is kept.
    public static func defaultTemplate(for kind: ChannelKind) -> String {
        switch kind {
        case .slack, .discord:
            return """
                {{#lead}}**【EOC 線索】**{{/lead}}{{#retraction}}**【撤回】**{{/retraction}}**{{headline}}**
                {{#place}}📍 {{place}}{{/place}}{{#time}} · {{time}}{{/time}}{{#types}} · {{types}}{{/types}}
                {{text}}
                {{#note}}審核備註：{{note}}{{/note}}
                {{#url}}{{url}}{{/url}}
                {{hashtags}}
                """
        default:
            return """
                {{#lead}}【EOC 線索】{{/lead}}{{#retraction}}【撤回】{{/retraction}}{{headline}}
                {{#place}}📍 {{place}}{{/place}}{{#time}} · {{time}}{{/time}}{{#types}} · {{types}}{{/types}}
                {{text}}
                {{#note}}審核備註：{{note}}{{/note}}
                {{#url}}{{url}}{{/url}}
                {{hashtags}}
                """
        }
    }

    /// Renders the message for `item`, shortening `{{text}}` (then, if still too long, the whole message) to fit.
    public func render(_ item: PublishableItem, action: OutboxAction) -> String {
        var context = Self.escaped(Self.context(item, action: action, hashtags: hashtags), for: kind)
        let full = Self.tidy(template.render(context))
        guard let limit, measure.count(full) > limit else { return full }
        let text = context["text"] as? String ?? ""
        // Longest text that fits: binary search over its length in characters.
        let chars = Array(text)
        var lo = 0, hi = chars.count
        func attempt(_ n: Int) -> String {
            context["text"] = n == chars.count ? text : Truncation.truncate(text, limit: n + 1, measure: .characters)
            return Self.tidy(template.render(context))
        }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if measure.count(attempt(mid)) <= limit { lo = mid } else { hi = mid - 1 }
        }
        let best = attempt(lo)
        return measure.count(best) <= limit ? best : Truncation.truncate(best, limit: limit, measure: measure)
    }

    /// What templates can use: headline, text, url, place, places, time, published, types, hashtags, note,
    /// source, lead, retraction, people (e.g. "受困 3 人").
    public static func context(_ item: PublishableItem, action: OutboxAction, hashtags extra: [String]) -> [String: Any] {
        let places = placeNames(item)
        var tags = item.types.compactMap { typeHashtags[$0] }
        if let county = item.places.compactMap({ $0.level == "county" ? $0.name : $0.county }).first { tags.append("#" + county) }
        tags.append(contentsOf: extra)
        var seen = Set<String>()
        tags = tags.filter { seen.insert($0).inserted }
        var context: [String: Any] = [
            "headline": headline(item),
            "text": item.text.trimmingCharacters(in: .whitespacesAndNewlines),
            "source": item.source,
            "hashtags": tags.joined(separator: " "),
            "lead": action == .lead,
            "retraction": action == .retract,
        ]
        if let url = item.url, url.hasPrefix("http") { context["url"] = url }
        if !places.isEmpty {
            context["place"] = places.joined(separator: "、")
            context["places"] = places
        }
        if let published = item.published {
            context["time"] = shortTime(published)
            context["published"] = TaipeiTime.rfc3339(published)
        }
        let labels = item.types.compactMap { typeLabels[$0] }
        if !labels.isEmpty { context["types"] = labels.joined(separator: "、") }
        if let note = item.note, !note.isEmpty { context["note"] = note }
        let people = peopleSummary(item.people)
        if !people.isEmpty { context["people"] = people }
        return context
    }

    /// The context with every value made inert in the channel's markup, so a post's text can only ever be text:
    /// Slack reads `<!channel>` as a ping and `<url|text>` as a link whose target is hidden (its `&`, `<`, `>` are
    /// escaped as Slack asks); Discord renders Markdown and `[text](url)` masked links (its Markdown characters get
    /// a backslash). URLs keep their form but have the characters that could close or open markup percent-encoded.
    /// The template's own markup (`**…**`) is not a value and stays.
    static func escaped(_ context: [String: Any], for kind: ChannelKind) -> [String: Any] {
        let text: (String) -> String
        switch kind {
        case .slack:
            text = { s in
                s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;")
            }
        case .discord:
            let special = Set("\\*_~`|[]()<>".unicodeScalars)
            text = { s in
                var out = String.UnicodeScalarView()
                var lineStart = true
                for c in s.unicodeScalars {
                    // `#` makes a heading only at the start of a line.
                    if special.contains(c) || (lineStart && c == "#") { out.append("\\") }
                    out.append(c)
                    if c == "\n" { lineStart = true } else if c != " " { lineStart = false }
                }
                return String(out)
            }
        default:
            return context
        }
        var out = context
        for (key, value) in context {
            if key == "url", let url = value as? String {
                out[key] = Self.inertURL(url)
            } else if let s = value as? String {
                out[key] = text(s)
            } else if let list = value as? [String] {
                out[key] = list.map(text)
            }
        }
        return out
    }

    /// A URL with the characters that could end it or start markup around it percent-encoded.
    static func inertURL(_ url: String) -> String {
        var out = ""
        for c in url.unicodeScalars {
            switch c {
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "|": out += "%7C"
            case "[": out += "%5B"
            case "]": out += "%5D"
            case "(": out += "%28"
            case ")": out += "%29"
            case "\\": out += "%5C"
            case " ", "\n", "\r", "\t": out += "%20"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func tidy(_ s: String) -> String {
        var lines: [String] = []
        for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(trimmed == "" ? "" : String(line))
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    static func headline(_ item: PublishableItem) -> String {
        if let t = item.title?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty { return t }
        let first = item.text.split(separator: "\n").first.map(String.init) ?? item.text
        return Truncation.truncate(first, limit: 40)
    }

    static func placeNames(_ item: PublishableItem) -> [String] {
        var seen = Set<String>()
        return item.places.filter { $0.level != "address" }.map(\.display).filter { seen.insert($0).inserted }
    }

    /// "9/14 22:10" in Taipei time.
    static func shortTime(_ date: Date) -> String {
        let s = TaipeiTime.rfc3339(date)  // 2026-09-14T22:10:00+08:00
        let month = Int(s.dropFirst(5).prefix(2)) ?? 0
        let day = Int(s.dropFirst(8).prefix(2)) ?? 0
        return "\(month)/\(day) \(s.dropFirst(11).prefix(5))"
    }

    static func peopleSummary(_ people: [PeopleMention]) -> String {
        people.map { p in
            let label = peopleLabels[p.kind] ?? p.kind
            return p.count.map { "\(label) \($0) 人" } ?? label
        }.joined(separator: "、")
    }

    public static let typeLabels: [String: String] = [
        "typhoon": "颱風", "flood": "淹水", "landslide": "坍方土石流", "earthquake": "地震", "fire": "火災",
        "power_outage": "停電", "water_outage": "停水", "road_blocked": "道路中斷", "trapped": "受困", "rescue": "救援",
        "evacuation": "撤離", "casualty": "傷亡", "building_damage": "建物受損", "tree_down": "路樹倒塌",
    ]
    static let typeHashtags: [String: String] = [
        "typhoon": "#颱風", "flood": "#淹水", "landslide": "#土石流", "earthquake": "#地震", "fire": "#火災",
        "power_outage": "#停電", "water_outage": "#停水", "road_blocked": "#道路中斷", "trapped": "#受困",
        "rescue": "#救援", "evacuation": "#撤離", "casualty": "#傷亡", "building_damage": "#建物受損",
        "tree_down": "#路樹倒塌",
    ]
    static let peopleLabels: [String: String] = [
        "trapped": "受困", "injured": "受傷", "dead": "死亡", "missing": "失聯", "evacuated": "撤離",
    ]
}
