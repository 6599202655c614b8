import Foundation
import Net
import SieveCore

/// RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (libxml2) and JSON Feed (when the body is JSON), detected from the body.
public struct FeedAdapter: SourceAdapter {
    public static let name = "feed"

    public init() {}

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{"), let json = Adapters.named("jsonfeed") {
            return try json.extract(body, url: url, headers: headers)
        }
        do {
            // Decoded to UTF-8 first (BOM, header, XML declaration, Big5 …), so libxml2 is told UTF-8.
            let utf8 = Charset.decode(body, headerCharset: Charset.fromContentType(headers["content-type"])).utf8
            let feed = try FeedParser.parse(utf8, url: url, encoding: "UTF-8")
            let warnings = feed.omittedEntries > 0
                ? ["\(url): \(feed.entries.count + feed.omittedEntries) entries in one feed; the first \(FeedParser.maxEntries) were read"] : []
            return AdapterResult(posts: feed.entries.map(Self.post(from:)), warnings: warnings)
        } catch {
            throw AdapterError(url: url, message: error.description)
        }
    }

    public static func post(from entry: FeedEntry) -> ExtractedPost {
        let title = entry.title?.plainText
        let body = (entry.content ?? entry.summary)?.plainText ?? ""
        let text = body.isEmpty ? (title ?? "") : body
        let id = entry.id ?? entry.link ?? stableHash(title ?? "", text)
        return ExtractedPost(
            externalID: id, url: entry.link, title: title, author: entry.author, published: entry.publishedDate,
            text: text, pictures: entry.pictures)
    }
}

/// An HTML listing page read with a source's XPath rules: posts on the page, item links, the next page.
public struct HTMLListAdapter: SourceAdapter {
    public static let name = "html"
    public let rules: HTMLRules

    public init(rules: HTMLRules) { self.rules = rules }

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        do {
            let utf8 = Charset.decode(body, headerCharset: Charset.fromContentType(headers["content-type"])).utf8
            return try HTMLExtractor.extract(utf8, url: url, rules: rules, encoding: "UTF-8")
        } catch {
            throw AdapterError(url: url, message: error.description)
        }
    }
}

/// An item page (from an HTML listing or a sitemap) read with a source's `[source.article]` fields.
public struct HTMLArticleAdapter: SourceAdapter {
    public static let name = "article"
    public let fields: HTMLFields

    public init(fields: HTMLFields) { self.fields = fields }

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        do {
            let utf8 = Charset.decode(body, headerCharset: Charset.fromContentType(headers["content-type"])).utf8
            let post = try HTMLExtractor.extractArticle(utf8, url: url, fields: fields, encoding: "UTF-8")
            return AdapterResult(
                posts: post.map { [$0] } ?? [],
                warnings: post == nil ? ["article.text matched nothing on this page"] : [])
        } catch {
            throw AdapterError(url: url, message: error.description)
        }
    }
}
