import Foundation
import Net
import SieveCore

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
///
/// Items become posts: id (numbers are coerced to strings as the spec asks; an item without one falls back to its
/// url), url (else `external_url`), title, `content_text` (else `content_html` as plain text, else `summary`),
/// `date_published` (else `date_modified`; RFC 3339), the first of `authors` (1.1) or `author` (1.0), the item's or
/// the feed's `language`, tags in `extra["tags"]`. The feed's `next_url` is followed as a `.page`. A body whose
/// `version` is not a JSON Feed version, or without an `items` array, is an `AdapterError`.
public struct JSONFeedAdapter: SourceAdapter {
    public static let name = "jsonfeed"

    public init() {}

    /// A string, or a number the spec says to coerce to a string.
    struct Loose: Decodable {
        var value: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                value = s
            } else if let i = try? c.decode(Int64.self) {
                value = String(i)
            } else if let d = try? c.decode(Double.self) {
                value = String(d)
            } else {
                throw DecodingError.typeMismatch(
                    String.self, .init(codingPath: c.codingPath, debugDescription: "expected a string or a number"))
            }
        }
    }

    struct Author: Decodable {
        var name: String?
        var url: String?
    }

    struct Item: Decodable {
        var id: Loose?
        var url: String?
        var external_url: String?
        var title: String?
        var content_html: String?
        var content_text: String?
        var summary: String?
        var date_published: String?
        var date_modified: String?
        var authors: [Author]?
        var author: Author?
        var tags: [String]?
        var language: String?
        var image: String?
    }

    struct Feed: Decodable {
        var version: String
        var title: String?
        var home_page_url: String?
        var feed_url: String?
        var next_url: String?
        var language: String?
        var authors: [Author]?
        var author: Author?
        var items: [Item]
    }

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        let json = try AdapterJSON.object(body, url: url)
        guard let object = json as? [String: Any] else {
            throw AdapterError(url: url, message: "a JSON Feed is an object, found \(type(of: json))")
        }
        guard let version = object["version"] as? String else {
            throw AdapterError(url: url, message: "no \"version\": not a JSON Feed")
        }
        guard version.hasPrefix("https://jsonfeed.org/version/") || version.hasPrefix("http://jsonfeed.org/version/")
        else {
            throw AdapterError(url: url, message: "\"version\" is \"\(version)\", not a JSON Feed version URL")
        }
        let number = version.split(separator: "/").last.map(String.init) ?? ""
        guard number.hasPrefix("1") else {
            throw AdapterError(url: url, message: "JSON Feed version \(number) is not supported (1.0 and 1.1 are)")
        }
        guard object["items"] is [Any] else {
            throw AdapterError(url: url, message: "a JSON Feed needs an \"items\" array")
        }
        let feed = try AdapterJSON.decode(Feed.self, from: body, url: url, what: "not a valid JSON Feed")

        let base = feed.feed_url ?? url
        let feedAuthor = feed.authors?.first?.name ?? feed.author?.name
        var result = AdapterResult()
        var seen = Set<String>()
        for (i, item) in feed.items.enumerated() {
            let link = (item.url ?? item.external_url).map { AdapterURL.resolve($0, against: base) }
            let text: String
            if let t = item.content_text.map(HTMLText.tidy), !t.isEmpty {
                text = t
            } else if let h = item.content_html.map(HTMLText.plainText(fromHTML:)), !h.isEmpty {
                text = h
            } else if let s = item.summary.map(HTMLText.tidy), !s.isEmpty {
                text = s
            } else {
                text = HTMLText.tidy(item.title ?? "")
            }
            guard !text.isEmpty else {
                result.warnings.append("\(url): items[\(i)] has no content_text, content_html, summary or title; skipped")
                continue
            }
            let given = item.id?.value.trimmingCharacters(in: .whitespacesAndNewlines)
            let id = (given?.isEmpty == false ? given : nil) ?? link ?? stableHash(item.title ?? "", text)
            if given?.isEmpty != false { result.warnings.append("\(url): items[\(i)] has no id; using \(id)") }
            guard seen.insert(id).inserted else {
                result.warnings.append("\(url): items[\(i)] repeats id \(id); skipped")
                continue
            }
            let dateString = item.date_published ?? item.date_modified
            let published = dateString.flatMap { FeedDateParser.parse($0) }
            if let d = dateString, published == nil {
                result.warnings.append("\(url): items[\(i)] has an unreadable date \"\(d)\"")
            }
            var extra: [String: String] = [:]
            if let tags = item.tags, !tags.isEmpty { extra["tags"] = tags.joined(separator: ",") }
            if let m = item.date_modified { extra["modified"] = m }
            if let e = item.external_url { extra["externalURL"] = e }
            if let image = item.image { extra["image"] = image }
            result.posts.append(
                ExtractedPost(
                    externalID: id, url: link, title: item.title.map(HTMLText.tidy), author: item.authors?.first?.name
                        ?? item.author?.name ?? feedAuthor, published: published, text: text,
                    language: item.language ?? feed.language, extra: extra))
        }
        if let next = feed.next_url, !next.isEmpty {
            result.follow.append(FollowLink(url: AdapterURL.resolve(next, against: url), role: .page))
        }
        return result
    }
}
