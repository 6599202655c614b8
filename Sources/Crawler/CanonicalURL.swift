import Foundation

/// URL canonicalisation, so one page is one frontier entry however it is linked: scheme and host lower-cased,
/// default ports dropped, an empty path made "/", the fragment removed, tracking parameters (utm_*, fbclid, gclid …)
/// removed and the remaining query parameters sorted. Percent-escapes are upper-cased; nothing else is decoded.
public enum CanonicalURL {
    static let tracking: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref_src", "spm", "si", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "__twitter_impression",
    ]

    public static func canonicalize(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var c = URLComponents(string: trimmed), let scheme = c.scheme?.lowercased() else { return trimmed }
        guard scheme == "http" || scheme == "https" else { return trimmed }
        c.scheme = scheme
        c.host = c.host?.lowercased()
        if (scheme == "http" && c.port == 80) || (scheme == "https" && c.port == 443) { c.port = nil }
        c.fragment = nil
        if c.percentEncodedPath.isEmpty { c.percentEncodedPath = "/" }
        c.percentEncodedPath = upperEscapes(c.percentEncodedPath)
        if let items = c.percentEncodedQueryItems {
            let kept = items.filter { item in
                let name = item.name.lowercased()
                return !name.hasPrefix("utm_") && !tracking.contains(name)
            }
            .map { URLQueryItem(name: upperEscapes($0.name), value: $0.value.map(upperEscapes)) }
            .enumerated()
            .sorted { ($0.element.name, $0.element.value ?? "", $0.offset) < ($1.element.name, $1.element.value ?? "", $1.offset) }
            .map(\.element)
            c.percentEncodedQueryItems = kept.isEmpty ? nil : kept
        }
        return c.string ?? trimmed
    }

    /// "scheme://host:port" of a URL ("" for file: and unparsable URLs): the unit of politeness and robots.txt.
    public static func hostKey(_ url: String) -> String {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), let host = c.host?.lowercased(),
            scheme == "http" || scheme == "https"
        else { return "" }
        let port = c.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    static func upperEscapes(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out = ""
        var chars = Array(s)[...]
        while let ch = chars.first {
            chars = chars.dropFirst()
            if ch == "%", chars.count >= 2, chars[chars.startIndex].isHexDigit, chars[chars.startIndex + 1].isHexDigit {
                out.append("%")
                out.append(contentsOf: String(chars.prefix(2)).uppercased())
                chars = chars.dropFirst(2)
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
