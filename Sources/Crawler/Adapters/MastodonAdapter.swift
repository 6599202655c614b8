import Foundation
import Net
import SieveCore

/// Mastodon's public and hashtag timelines (`/api/v1/timelines/public`, `/api/v1/timelines/tag/:hashtag`): a JSON
/// array of Status entities; a single Status (`/api/v1/statuses/:id`) is accepted too.
///
/// Each status becomes a post with id "mastodon:<instance host>:<status id>" (ids are per instance, so the host is
/// the instance that was asked). Text is the HTML content as plain text, one line per paragraph or `<br>`, with
/// the content warning (`spoiler_text`) as its first line. A boost (reblog) becomes the boosted status — its id,
/// author, text and time — with the booster in `extra["boostedBy"]`, so a status seen both boosted and directly
/// is one post.
///
/// Paging: the `Link` response header's `rel="next"` URL (older statuses) is followed as a `.page`; with no
/// `Link` header at all, the next page is this URL with `max_id` = the smallest id on the page. An empty page
/// has no next page.
public struct MastodonAdapter: SourceAdapter {
    public static let name = "mastodon"

    public init() {}

    struct Account: Decodable {
        var id: String?
        var acct: String?
        var username: String?
        var display_name: String?
        var url: String?
    }

    struct Tag: Decodable {
        var name: String
    }

    struct Media: Decodable {
        var type: String?
        var url: String?
        var description: String?
    }

    struct Status: Decodable {
        var id: String
        var created_at: String?
        var url: String?
        var uri: String?
        var content: String?
        var spoiler_text: String?
        var language: String?
        var visibility: String?
        var sensitive: Bool?
        var in_reply_to_id: String?
        var account: Account?
        var tags: [Tag]?
        var media_attachments: [Media]?
        var reblog: Boxed?
    }

    /// A reblogged status (recursion needs a reference).
    final class Boxed: Decodable {
        let status: Status
        init(from decoder: any Decoder) throws { status = try Status(from: decoder) }
    }

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        let json = try AdapterJSON.object(body, url: url)
        let statuses: [Status]
        if let object = json as? [String: Any] {
            if let error = object["error"] {
                throw AdapterError(url: url, message: "Mastodon API error: \(error)")
            }
            statuses = [try AdapterJSON.decode(Status.self, from: body, url: url, what: "not a Mastodon status")]
        } else if json is [Any] {
            statuses = try AdapterJSON.decode([Status].self, from: body, url: url, what: "not Mastodon statuses")
        } else {
            throw AdapterError(url: url, message: "expected a JSON array of statuses, found \(type(of: json))")
        }

        let host = URLComponents(string: url)?.host?.lowercased()
        var result = AdapterResult()
        var seen = Set<String>()
        for status in statuses {
            let post = makePost(status, instance: host, url: url)
            if seen.insert(post.externalID).inserted { result.posts.append(post) }
        }

        if let link = headers["link"] {
            if let next = Self.linkHeader(link)["next"] {
                result.follow.append(FollowLink(url: AdapterURL.resolve(next, against: url), role: .page))
            }
        } else if let smallest = statuses.map(\.id).min(by: Self.idLess),
            let next = AdapterURL.setting("max_id", to: smallest, in: url, removing: ["min_id"])
        {
            result.follow.append(FollowLink(url: next, role: .page))
        }
        return result
    }

    func makePost(_ entry: Status, instance: String?, url: String) -> ExtractedPost {
        let status = entry.reblog?.status ?? entry
        var extra: [String: String] = [:]
        if entry.reblog != nil {
            extra["boostedBy"] = entry.account?.acct
            extra["boostID"] = entry.id
        }
        if let name = status.account?.display_name, !name.isEmpty { extra["displayName"] = name }
        if let v = status.visibility { extra["visibility"] = v }
        if status.sensitive == true { extra["sensitive"] = "true" }
        if let tags = status.tags, !tags.isEmpty { extra["tags"] = tags.map(\.name).joined(separator: ",") }
        if let r = status.in_reply_to_id { extra["inReplyTo"] = r }
        if let media = status.media_attachments, !media.isEmpty {
            extra["media"] = media.compactMap(\.url).joined(separator: " ")
        }

        var lines: [String] = []
        if let cw = status.spoiler_text.map(HTMLText.tidy), !cw.isEmpty {
            lines.append(cw)
            extra["spoiler"] = cw
        }
        let content = HTMLText.plainText(fromHTML: status.content ?? "")
        if !content.isEmpty { lines.append(content) }
        // Image descriptions carry the words of a text-only photo post.
        let alts = (status.media_attachments ?? []).compactMap(\.description).map(HTMLText.tidy).filter { !$0.isEmpty }
        if content.isEmpty { lines.append(contentsOf: alts) }

        let host = instance ?? status.uri.flatMap { URLComponents(string: $0)?.host } ?? "unknown"
        return ExtractedPost(
            externalID: "mastodon:\(host):\(status.id)", url: status.url ?? status.uri, title: nil,
            author: status.account?.acct, published: status.created_at.flatMap { FeedDateParser.parse($0) },
            text: lines.joined(separator: "\n"), language: status.language, extra: extra,
            pictures: (status.media_attachments ?? []).filter { $0.type == "image" }.compactMap(\.url)
                .filter { $0.lowercased().hasPrefix("https://") || $0.lowercased().hasPrefix("http://") })
    }

    /// Numeric ids compare as numbers (they are snowflakes as strings); others as strings.
    static func idLess(_ a: String, _ b: String) -> Bool {
        if a.allSatisfy(\.isASCIIDigitCharacter), b.allSatisfy(\.isASCIIDigitCharacter), a.count != b.count {
            return a.count < b.count
        }
        return a < b
    }

    /// RFC 8288 `Link`: `<url>; rel="next", <url>; rel="prev"` → ["next": url, "prev": url].
    static func linkHeader(_ value: String) -> [String: String] {
        var out: [String: String] = [:]
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let target = String(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
            // Parameters run to the next "<" that starts a link (commas may appear inside quoted values).
            let end = rest.firstIndex(of: "<") ?? rest.endIndex
            let params = rest[..<end]
            rest = rest[end...]
            for param in params.split(separator: ";") {
                let kv = param.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel" else { continue }
                let rels = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: " \t,\""))
                for rel in rels.split(separator: " ") where out[rel.lowercased()] == nil {
                    out[rel.lowercased()] = target
                }
            }
        }
        return out
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
