import Foundation

/// A parsed robots.txt (RFC 9309), matched the way Google's reference parser does: groups by user-agent product
/// token (case-insensitive), rules merged across groups for the same agent, `*` and `$` in patterns, the longest
/// matching pattern wins and Allow wins ties, non-ASCII pattern bytes percent-encoded, `/robots.txt` always allowed.
public struct RobotsTxt: Sendable, Equatable {
    struct Rule: Sendable, Equatable {
        var allow: Bool
        var pattern: [UInt8]
    }

    struct Group: Sendable, Equatable {
        var agents: [String]  // lower-cased product tokens; "*" for the global group
        var rules: [Rule] = []
        var crawlDelay: Double?
    }

    var groups: [Group] = []
    public private(set) var sitemaps: [String] = []

    /// Allows everything (a 4xx robots.txt, per RFC 9309 §2.3.1.3).
    public static let allowAll = RobotsTxt()
    /// Disallows everything (robots.txt unreachable or 5xx, §2.3.1.4).
    public static let disallowAll: RobotsTxt = {
        var r = RobotsTxt()
        r.groups = [Group(agents: ["*"], rules: [Rule(allow: false, pattern: Array("/".utf8))])]
        return r
    }()

    public init() {}

    /// Parses robots.txt bytes. Never fails: lines it cannot read are skipped.
    public init(_ data: Data) {
        var bytes = [UInt8](data.prefix(500 * 1024))  // RFC 9309 §2.5: parse at least 500 KiB
        // Skip a (possibly partial) UTF-8 byte order mark.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var skip = 0
        while skip < 3 && skip < bytes.count && bytes[skip] == bom[skip] { skip += 1 }
        bytes.removeFirst(skip)

        var current: Group? = nil
        var lastWasAgent = false
        func flush() {
            if let g = current { groups.append(g) }
            current = nil
        }
        for line in Self.lines(bytes) {
            guard let (key, value) = Self.keyValue(line) else { continue }
            switch key {
            case .userAgent:
                if !lastWasAgent { flush() }
                if current == nil { current = Group(agents: []) }
                current!.agents.append(Self.productToken(value))
                lastWasAgent = true
            case .allow, .disallow:
                lastWasAgent = false
                guard current != nil else { continue }  // rules before any user-agent belong to no group
                if value.isEmpty { continue }  // "Disallow:" with no path disallows nothing
                let pattern = Self.escapePattern(value)
                current!.rules.append(Rule(allow: key == .allow, pattern: pattern))
                // "Allow: /dir/index.html" also allows "/dir/" (what a server answers for it), as Google does.
                if key == .allow, let dir = Self.indexDirectory(pattern) {
                    current!.rules.append(Rule(allow: true, pattern: dir))
                }
            case .crawlDelay:
                lastWasAgent = false
                if current != nil, let d = Double(String(decoding: value, as: UTF8.self)), d >= 0 { current!.crawlDelay = d }
            case .sitemap:
                // Sitemaps are not part of any group and don't end one.
                sitemaps.append(String(decoding: value, as: UTF8.self))
            }
        }
        flush()
    }

    public init(_ text: String) { self.init(Data(text.utf8)) }

    /// Whether `userAgent` (its product token: "Sieve" for "Sieve/0.1 (+…)") may fetch `url`.
    public func isAllowed(_ url: String, userAgent: String) -> Bool {
        let path = Self.pathParamsQuery(url)
        if path == Array("/robots.txt".utf8) { return true }
        let rules = rulesFor(userAgent)
        var bestAllow = -1, bestDisallow = -1
        for rule in rules where Self.matches(path, rule.pattern) {
            let len = rule.pattern.count
            if rule.allow { bestAllow = max(bestAllow, len) } else { bestDisallow = max(bestDisallow, len) }
        }
        if bestDisallow < 0 { return true }
        return bestAllow >= bestDisallow
    }

    /// Crawl-delay for this agent (its own group, else `*`), in seconds.
    public func crawlDelay(userAgent: String) -> Double? {
        let (specific, global) = matchingGroups(userAgent)
        return (specific.isEmpty ? global : specific).compactMap(\.crawlDelay).first
    }

    func matchingGroups(_ userAgent: String) -> ([Group], [Group]) {
        let token = Self.productToken(Array(userAgent.utf8))
        let specific = groups.filter { g in !token.isEmpty && g.agents.contains(token) }
        let global = groups.filter { $0.agents.contains("*") }
        return (specific, global)
    }

    func rulesFor(_ userAgent: String) -> [Rule] {
        let (specific, global) = matchingGroups(userAgent)
        return (specific.isEmpty ? global : specific).flatMap(\.rules)
    }

    // MARK: parsing

    enum Key { case userAgent, allow, disallow, crawlDelay, sitemap }

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A || bytes[i] == 0x0D {
                out.append(bytes[start..<i])
                if bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { out.append(bytes[start...]) }
        return out
    }

    static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
        return s
    }

    static func keyValue(_ raw: ArraySlice<UInt8>) -> (Key, ArraySlice<UInt8>)? {
        var line = raw
        if let hash = line.firstIndex(of: UInt8(ascii: "#")) { line = line[..<hash] }
        line = trim(line)
        guard !line.isEmpty else { return nil }
        var keyPart: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            keyPart = trim(line[..<colon])
            value = trim(line[(colon + 1)...])
        } else if let space = line.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) {
            // A missing colon ("disallow /") is read as if it were there, like Google's parser.
            keyPart = line[..<space]
            value = trim(line[space...])
            // …but only when the remainder is a single token.
            if value.contains(where: { $0 == 0x20 || $0 == 0x09 }) { return nil }
        } else {
            return nil
        }
        let key = String(decoding: keyPart, as: UTF8.self).lowercased()
        switch key {
        case "user-agent", "useragent", "user agent": return (.userAgent, value)
        case "allow": return (.allow, value)
        case "disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw": return (.disallow, value)
        case "crawl-delay", "crawldelay": return (.crawlDelay, value)
        case "sitemap", "site-map": return (.sitemap, value)
        default: return nil
        }
    }

    /// "FooBot/2.1 (compatible)" → "foobot"; "*" stays "*".
    static func productToken(_ value: some Collection<UInt8>) -> String {
        let v = Array(value)
        if v.first == UInt8(ascii: "*") && (v.count == 1 || v[1] == 0x20 || v[1] == 0x09) { return "*" }
        let token = v.prefix { b in
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
        return String(decoding: token, as: UTF8.self).lowercased()
    }

    /// Percent-encodes bytes ≥ 0x80 and upper-cases existing %xx escapes, so patterns compare with URLs byte-wise.
    static func escapePattern(_ value: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        var i = value.startIndex
        while i < value.endIndex {
            let b = value[i]
            if b == UInt8(ascii: "%"), i + 2 < value.endIndex, isHex(value[i + 1]), isHex(value[i + 2]) {
                out.append(b)
                out.append(upper(value[i + 1]))
                out.append(upper(value[i + 2]))
                i += 3
                continue
            }
            if b >= 0x80 {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    static func indexDirectory(_ pattern: [UInt8]) -> [UInt8]? {
        for suffix in ["/index.html", "/index.htm"] {
            let sfx = Array(suffix.utf8)
            if pattern.count >= sfx.count && Array(pattern.suffix(sfx.count)) == sfx {
                return Array(pattern.dropLast(sfx.count - 1)) + [UInt8(ascii: "$")]
            }
        }
        return nil
    }

    static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    static func upper(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x66) ? b - 32 : b }

    /// The path, params and query of a URL ("/" when empty), with escapes normalised like patterns.
    static func pathParamsQuery(_ url: String) -> [UInt8] {
        var s = Array(url.utf8)[...]
        if let fragment = s.firstIndex(of: UInt8(ascii: "#")) { s = s[..<fragment] }
        // Skip "scheme://authority".
        if let schemeEnd = findSubsequence(s, Array("://".utf8)) {
            s = s[(schemeEnd + 3)...]
            if let pathStart = s.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: ";") }) {
                s = s[pathStart...]
            } else {
                return Array("/".utf8)
            }
        }
        // The URL is compared as given (already percent-encoded by whoever built it): a raw "ツ" does not match
        // a pattern's "%E3%83%84", exactly as in the reference parser.
        var path = Array(s)
        if path.isEmpty { return Array("/".utf8) }
        if path[0] != UInt8(ascii: "/") { path.insert(UInt8(ascii: "/"), at: 0) }
        return path
    }

    static func findSubsequence(_ s: ArraySlice<UInt8>, _ needle: [UInt8]) -> Int? {
        guard s.count >= needle.count else { return nil }
        var i = s.startIndex
        while i + needle.count <= s.endIndex {
            if s[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// `*` matches any run of bytes; a trailing `$` anchors the end; otherwise a prefix match.
    static func matches(_ path: [UInt8], _ pattern: [UInt8]) -> Bool {
        // Positions in `path` that the pattern prefix processed so far can end at (Google's algorithm).
        var positions = [0]
        for (i, p) in pattern.enumerated() {
            if p == UInt8(ascii: "$") && i == pattern.count - 1 {
                return positions.contains(path.count)
            }
            if p == UInt8(ascii: "*") {
                guard let first = positions.first else { return false }
                positions = Array(first...path.count)
            } else {
                var next: [Int] = []
                for pos in positions where pos < path.count && path[pos] == p { next.append(pos + 1) }
                if next.isEmpty { return false }
                positions = next
            }
        }
        return true
    }
}
