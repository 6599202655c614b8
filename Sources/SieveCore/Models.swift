import Foundation

/// What a source is and which adapter turns its responses into posts.
public enum SourceKind: String, Sendable, Codable, CaseIterable {
    /// RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed: the format is detected from the body.
    case feed
    case rss
    case atom
    case jsonfeed
    /// sitemaps.org XML (index or urlset, gzip or not); the pages it lists are read with [source.article] rules.
    case sitemap
    /// HTML pages through XPath rules.
    case html
    /// ptt.cc web BBS board index (needs the over18 cookie for some boards).
    case ptt
    /// Mastodon public or hashtag timeline (/api/v1/timelines/…).
    case mastodon
    /// Telegram public channel preview (t.me/s/NAME).
    case telegram
    /// Dcard forum/post JSON.
    case dcard
    /// Official: CAP 1.2 alerts (a CAP file, or an NCDR-style Atom feed linking to CAP files).
    case cap
    /// Official: CWA earthquake reports, typhoon tracks and weather warnings (open-data JSON).
    case cwa
    /// Official: EMIC disaster reports (CSV, or the tab-separated export with a title line).
    case emic
    /// Official: work/school closure notices (the DGPA notice page, or a county/date/status table).
    case closures

    /// Official sources become incidents (cross-reference evidence), not posts.
    public var isOfficial: Bool {
        switch self {
        case .cap, .cwa, .emic, .closures: return true
        default: return false
        }
    }
}

/// XPath expressions for the fields of one post, evaluated relative to the post's node.
public struct HTMLFields: Sendable, Equatable, Codable {
    public var id: String?
    public var title: String?
    public var link: String?
    public var author: String?
    public var published: String?
    public var text: String

    public init(
        id: String? = nil, title: String? = nil, link: String? = nil, author: String? = nil, published: String? = nil,
        text: String
    ) {
        self.id = id
        self.title = title
        self.link = link
        self.author = author
        self.published = published
        self.text = text
    }
}

/// XPath rules that turn an HTML page into posts: posts listed on the page itself (`item` + fields), links to
/// item pages (`follow`, read with `article` fields), and pagination (`next`).
public struct HTMLRules: Sendable, Equatable, Codable {
    /// Selects each post on a listing page.
    public var item: String?
    public var fields: HTMLFields?
    /// Selects links to item pages (each page one post, read with `article`).
    public var follow: String?
    /// Selects the link to the next listing page.
    public var next: String?
    /// Fields of an item page; evaluated against the whole page.
    public var article: HTMLFields?

    public init(
        item: String? = nil, fields: HTMLFields? = nil, follow: String? = nil, next: String? = nil,
        article: HTMLFields? = nil
    ) {
        self.item = item
        self.fields = fields
        self.follow = follow
        self.next = next
        self.article = article
    }

    /// Posts listed on the page: `item` selects each, the fields are read inside it.
    public init(
        item: String, id: String? = nil, title: String? = nil, link: String? = nil, author: String? = nil,
        published: String? = nil, text: String
    ) {
        self.init(
            item: item, fields: HTMLFields(id: id, title: title, link: link, author: author, published: published, text: text))
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
    /// `schedule`: an interval or a cron expression, instead of `interval` (see Schedule.swift).
    public var schedule: Schedule? = nil
    public var rules: HTMLRules?
    /// Lets the crawler connect to private, loopback and link-local addresses (off: SSRF guard).
    public var allowPrivate: Bool
    /// Cookie header sent with every request to this source ("over18=1" for PTT's adult-gated boards).
    public var cookies: String?
    /// Proxy for this source (overrides [crawler].proxy).
    public var proxy: String?
    /// Listing pages to follow per crawl (pagination depth).
    public var maxPages: Int
    /// Item pages to fetch per crawl.
    public var maxItems: Int
    /// Obey robots.txt (http/https only).
    public var respectRobots: Bool

    public init(
        name: String, kind: SourceKind, url: String, interval: Int = 900, rules: HTMLRules? = nil,
        allowPrivate: Bool = false, cookies: String? = nil, proxy: String? = nil, maxPages: Int = 3,
        maxItems: Int = 200, respectRobots: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.interval = interval
        self.rules = rules
        self.allowPrivate = allowPrivate
        self.cookies = cookies
        self.proxy = proxy
        self.maxPages = maxPages
        self.maxItems = maxItems
        self.respectRobots = respectRobots
    }
}

public enum ChannelKind: String, Sendable, Codable, CaseIterable {
    /// An Atom 1.0 feed file.
    case atom
    /// A JSON Feed 1.1 file.
    case jsonfeed
    /// A GeoJSON FeatureCollection file (RFC 7946; coordinates longitude first).
    case geojson
    /// A KML 2.2 file.
    case kml
    /// CAP 1.2 messages for the EOC: one XML file per message plus an Atom index, in the folder `path`.
    case cap
    /// Mastodon `POST /api/v1/statuses` (Idempotency-Key; deletable).
    case mastodon
    /// Telegram Bot API `sendMessage` (deletable with deleteMessage).
    case telegram
    /// LINE Messaging API broadcast, or push when `to` is set (X-Line-Retry-Key).
    case line
    /// Facebook Page feed (Graph API `/{page-id}/feed`).
    case facebook
    /// Discord webhook (`?wait=true`).
    case discord
    /// Slack incoming webhook.
    case slack
    /// Our own JSON webhook, signed HMAC-SHA256 over "timestamp.body" (the EOC's endpoint).
    case webhook

    /// Channels that are files Sieve writes rather than remote APIs it calls.
    public var isFile: Bool {
        switch self {
        case .atom, .jsonfeed, .geojson, .kml, .cap: return true
        default: return false
        }
    }
}

/// Which moderator decisions a channel receives.
public enum ChannelEvent: String, Sendable, Codable, CaseIterable {
    /// Approved items (the default).
    case approved
    /// Escalated items, as leads for the EOC.
    case escalated
}

/// One `[[channel]]`: somewhere approved items (or EOC leads) are published.
public struct ChannelConfig: Sendable, Equatable {
    public var name: String
    public var kind: ChannelKind
    /// Output path for file channels (resolved against the working directory); empty for API channels.
    public var path: String
    public var title: String
    /// API base URL (Mastodon instance, Telegram/LINE/Graph API base) or the webhook URL.
    public var url: String?
    /// Name of the environment variable holding the token (the webhook's HMAC secret).
    public var tokenEnv: String?
    /// A file holding only the token (resolved against the config's folder).
    public var tokenFile: String?
    /// Where the URL is the credential (Slack, Discord, signed webhooks): the environment variable holding it …
    public var urlEnv: String?
    /// … or a file holding only it (resolved against the config's folder).
    public var urlFile: String?
    /// A Mustache template file overriding the channel kind's default message.
    public var template: String?
    /// Longest message the channel accepts (defaults per kind).
    public var maxLength: Int?
    /// Telegram chat id or @channelname.
    public var chatID: String?
    /// LINE push target (user, group or room id); broadcast when absent.
    public var to: String?
    /// Facebook Page id.
    public var pageID: String?
    /// Mastodon visibility (public, unlisted, private, direct).
    public var visibility: String
    public var events: [ChannelEvent]
    /// Requests per minute at most (nil: the kind's default).
    public var ratePerMinute: Double?
    /// Attempts before a delivery is dead-lettered.
    public var maxAttempts: Int
    /// Consecutive failures that open the channel's circuit breaker …
    public var circuitBreakerFailures: Int
    /// … for this long (seconds).
    public var circuitBreakerSeconds: Double
    /// Seconds for one API call.
    public var timeout: Double
    /// Lets the publisher reach private and loopback addresses (an on-premises EOC endpoint; tests).
    public var allowPrivate: Bool
    /// Hashtags added to every message ("#颱風").
    public var hashtags: [String]
    /// A channel for drills only (`exercise = true`): the publisher delivers to it only from an exercise store,
    /// and delivers from an exercise store to nothing else.
    public var exercise: Bool = false
    /// Where the channel was configured ("sieve.toml:31"), for error messages.
    public var location: String?

    public init(
        name: String, kind: ChannelKind, path: String = "", title: String = "Sieve", url: String? = nil,
        tokenEnv: String? = nil, tokenFile: String? = nil, template: String? = nil, maxLength: Int? = nil,
        chatID: String? = nil, to: String? = nil, pageID: String? = nil, visibility: String = "public",
        events: [ChannelEvent] = [.approved], ratePerMinute: Double? = nil, maxAttempts: Int = 8,
        circuitBreakerFailures: Int = 5, circuitBreakerSeconds: Double = 300, timeout: Double = 15,
        allowPrivate: Bool = false, hashtags: [String] = [], location: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.path = path
        self.title = title
        self.url = url
        self.tokenEnv = tokenEnv
        self.tokenFile = tokenFile
        self.template = template
        self.maxLength = maxLength
        self.chatID = chatID
        self.to = to
        self.pageID = pageID
        self.visibility = visibility
        self.events = events
        self.ratePerMinute = ratePerMinute
        self.maxAttempts = maxAttempts
        self.circuitBreakerFailures = circuitBreakerFailures
        self.circuitBreakerSeconds = circuitBreakerSeconds
        self.timeout = timeout
        self.allowPrivate = allowPrivate
        self.hashtags = hashtags
        self.location = location
    }

    /// Where it was configured, or its name.
    public var display: String { location.map { "\($0): channel \"\(name)\"" } ?? "channel \"\(name)\"" }
}

/// Fetching limits shared by every source.
public struct CrawlerSettings: Sendable, Equatable {
    public var userAgent: String
    public var connectTimeout: Double
    public var totalTimeout: Double
    public var maxBodyBytes: Int
    public var maxRedirects: Int
    /// Transfers in flight across all hosts.
    public var concurrency: Int
    /// Transfers in flight per host.
    public var perHostConcurrency: Int
    /// Minimum seconds between requests to one host (a robots.txt Crawl-delay can raise it, up to maxCrawlDelay).
    public var perHostDelay: Double
    /// Cap on robots.txt Crawl-delay, so one host cannot stall a typhoon-night crawl.
    public var maxCrawlDelay: Double
    /// Attempts per URL before it is given up (transient errors back off exponentially with jitter).
    public var maxAttempts: Int
    /// Consecutive failures after which a host is left alone for `circuitBreakerSeconds`.
    public var circuitBreakerFailures: Int
    public var circuitBreakerSeconds: Double
    public var proxy: String?
    /// Pictures read (OCR and a perceptual hash) per fetched page, over its new posts; 0 turns picture reading off.
    /// Each picture is fetched within `maxPictureBytes` and `totalTimeout`, under the SSRF guard.
    public var picturesPerPage: Int = 10
    /// Pictures read per post (the first ones).
    public var picturesPerPost: Int = 2
    public var maxPictureBytes: Int = 5 << 20

    public static let defaultUserAgent =
        "Sieve/0.1 (+https://github.com/sieve-disaster/sieve; disaster-information crawler; contact: see URL)"

    public init(
        userAgent: String = CrawlerSettings.defaultUserAgent, connectTimeout: Double = 10, totalTimeout: Double = 30,
        maxBodyBytes: Int = 10 << 20, maxRedirects: Int = 5, concurrency: Int = 32, perHostConcurrency: Int = 2,
        perHostDelay: Double = 1.0, maxCrawlDelay: Double = 30, maxAttempts: Int = 4, circuitBreakerFailures: Int = 5,
        circuitBreakerSeconds: Double = 300, proxy: String? = nil
    ) {
        self.userAgent = userAgent
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
        self.concurrency = concurrency
        self.perHostConcurrency = perHostConcurrency
        self.perHostDelay = perHostDelay
        self.maxCrawlDelay = maxCrawlDelay
        self.maxAttempts = maxAttempts
        self.circuitBreakerFailures = circuitBreakerFailures
        self.circuitBreakerSeconds = circuitBreakerSeconds
        self.proxy = proxy
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
    /// Pictures the post carries (absolute http(s) URLs, in order): Telegram photos, Mastodon image attachments,
    /// feed enclosures. The crawl stage reads those of new posts (OCR and a perceptual hash).
    public var pictures: [String]

    public init(
        externalID: String, url: String? = nil, title: String? = nil, author: String? = nil, published: Date? = nil,
        text: String, language: String? = nil, replies: [Reply] = [], extra: [String: String] = [:], pictures: [String] = []
    ) {
        self.pictures = pictures
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
    /// Approved, published, then withdrawn (`sieve retract`).
    case retracted
}
