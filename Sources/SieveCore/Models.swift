import Foundation

/// What a source is and how its responses are turned into posts.
public enum SourceKind: String, Sendable, Codable, CaseIterable {
    case rss
    case atom
    case html
}

/// XPath rules that turn an HTML page into posts. Every expression except `item` is evaluated relative to
/// the item node; `text()`/attribute results and element string values are both accepted.
public struct HTMLRules: Sendable, Equatable, Codable {
    public var item: String
    public var id: String?
    public var title: String?
    public var link: String?
    public var author: String?
    public var published: String?
    public var text: String

    public init(
        item: String, id: String? = nil, title: String? = nil, link: String? = nil, author: String? = nil,
        published: String? = nil, text: String
    ) {
        self.item = item
        self.id = id
        self.title = title
        self.link = link
        self.author = author
        self.published = published
        self.text = text
    }
}

/// One `[[source]]` of the configuration.
public struct SourceConfig: Sendable, Equatable {
    public var name: String
    public var kind: SourceKind
    /// Absolute URL (http, https or file). Relative `file:` URLs were resolved against the config's folder.
    public var url: String
    /// How often the source should be polled (seconds).
    public var interval: Int
    public var rules: HTMLRules?

    public init(name: String, kind: SourceKind, url: String, interval: Int = 900, rules: HTMLRules? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.interval = interval
        self.rules = rules
    }
}

public enum ChannelKind: String, Sendable, Codable, CaseIterable {
    /// An Atom 1.0 feed file.
    case atom
}

/// One `[[channel]]`: somewhere approved items are published.
public struct ChannelConfig: Sendable, Equatable {
    public var name: String
    public var kind: ChannelKind
    /// Output path (resolved against the working directory).
    public var path: String
    public var title: String

    public init(name: String, kind: ChannelKind, path: String, title: String) {
        self.name = name
        self.kind = kind
        self.path = path
        self.title = title
    }
}

/// Fetching limits shared by every source.
public struct CrawlerSettings: Sendable, Equatable {
    public var userAgent: String
    public var connectTimeout: Double
    public var totalTimeout: Double
    public var maxBodyBytes: Int
    public var maxRedirects: Int

    public static let defaultUserAgent =
        "Sieve/0.1 (+https://github.com/sieve-disaster/sieve; disaster-information crawler)"

    public init(
        userAgent: String = CrawlerSettings.defaultUserAgent, connectTimeout: Double = 10, totalTimeout: Double = 30,
        maxBodyBytes: Int = 10 << 20, maxRedirects: Int = 5
    ) {
        self.userAgent = userAgent
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
    }
}

/// A reply/comment/push under a post (PTT 推文, Dcard comments, Mastodon replies).
public struct Reply: Sendable, Equatable, Codable {
    /// "推", "噓", "→" on PTT; "comment" elsewhere.
    public var kind: String
    public var author: String?
    public var text: String
    public var published: Date?
    /// The time exactly as the page wrote it ("09/15 01:23"), kept when it cannot be resolved to a date.
    public var rawTime: String?

    public init(kind: String, author: String?, text: String, published: Date? = nil, rawTime: String? = nil) {
        self.kind = kind
        self.author = author
        self.text = text
        self.published = published
        self.rawTime = rawTime
    }
}

/// A post extracted from a source, before it is stored.
public struct ExtractedPost: Sendable, Equatable {
    /// Stable id within its source (feed guid/id, HTML rule id, or a hash of the link/text).
    public var externalID: String
    public var url: String?
    public var title: String?
    public var author: String?
    public var published: Date?
    public var text: String
    public var language: String?
    public var replies: [Reply]
    /// Adapter-specific fields worth keeping: PTT board and IP, warnings such as the oversized-article notice,
    /// Mastodon visibility, Dcard forum …
    public var extra: [String: String]

    public init(
        externalID: String, url: String? = nil, title: String? = nil, author: String? = nil, published: Date? = nil,
        text: String, language: String? = nil, replies: [Reply] = [], extra: [String: String] = [:]
    ) {
        self.externalID = externalID
        self.url = url
        self.title = title
        self.author = author
        self.published = published
        self.text = text
        self.language = language
        self.replies = replies
        self.extra = extra
    }
}

/// A human decision on a queued item.
public enum ReviewDecision: String, Sendable, Codable, CaseIterable {
    case approve
    case reject
    case escalate
}

/// Where a post is in its life.
public enum PostState: String, Sendable, Codable, CaseIterable {
    /// Stored, not yet assessed.
    case fetched
    /// Assessed and waiting for a moderator.
    case queued
    case approved
    case rejected
    case escalated
}
