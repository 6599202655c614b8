import Foundation
import Logging
import SieveCore

/// What one source produced: the response it came from and the posts in it.
public struct SourceHarvest: Sendable {
    public var source: SourceConfig
    public var response: FetchResponse
    public var posts: [ExtractedPost]
    /// FNV-1a 64 of the body, to tell unchanged pages apart.
    public var bodyHash: String
}

/// Why a source produced nothing: the fetch failed or the body could not be read.
public enum SourceError: Error, CustomStringConvertible, Sendable {
    case fetch(FetchError)
    case feed(FeedError)
    case extraction(ExtractionError)
    case missingRules(source: String)

    public var description: String {
        switch self {
        case .fetch(let e): return e.description
        case .feed(let e): return e.description
        case .extraction(let e): return e.description
        case .missingRules(let source): return "source \(source): html sources need [source.rules]"
        }
    }

    /// Status code when the server answered with an error.
    public var httpStatus: Int? {
        if case .fetch(.httpStatus(_, let status)) = self { return status }
        return nil
    }
}

/// Fetches one source and turns its response into posts with the adapter its kind names.
public struct SourceCrawler: Sendable {
    public let client: HTTPClient
    public var options: FetchOptions

    public init(client: HTTPClient, options: FetchOptions = .init()) {
        self.client = client
        self.options = options
    }

    public func harvest(_ source: SourceConfig) async throws(SourceError) -> SourceHarvest {
        let response: FetchResponse
        do {
            response = try await client.fetch(source.url, options: options)
        } catch {
            throw .fetch(error)
        }
        let posts = try Self.extract(source: source, response: response)
        return SourceHarvest(source: source, response: response, posts: posts, bodyHash: fnv1a64Hex(response.body))
    }

    /// Runs the adapter for `source.kind` over a response already fetched.
    public static func extract(source: SourceConfig, response: FetchResponse) throws(SourceError) -> [ExtractedPost] {
        let charset = response.declaredCharset.flatMap { $0.lowercased() == "utf-8" ? nil : $0 }
        switch source.kind {
        case .rss, .atom:
            do {
                let feed = try FeedParser.parse(response.body, url: response.finalURL, encoding: charset)
                return feed.entries.map(Self.post(from:))
            } catch {
                throw .feed(error)
            }
        case .html:
            guard let rules = source.rules else { throw .missingRules(source: source.name) }
            do {
                return try HTMLExtractor.extract(response.body, url: response.finalURL, rules: rules, encoding: charset)
            } catch {
                throw .extraction(error)
            }
        }
    }

    static func post(from entry: FeedEntry) -> ExtractedPost {
        let title = entry.title?.plainText
        let body = (entry.content ?? entry.summary)?.plainText ?? ""
        let text = body.isEmpty ? (title ?? "") : body
        let id = entry.id ?? entry.link ?? stableHash(title ?? "", text)
        return ExtractedPost(
            externalID: id, url: entry.link, title: title, author: entry.author, published: entry.publishedDate,
            text: text)
    }
}

func fnv1a64Hex(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return "fnv1a64:" + String(h, radix: 16)
}
