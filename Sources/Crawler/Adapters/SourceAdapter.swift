import Foundation
import SieveCore

/// A link an adapter wants fetched next, with the same adapter.
public struct FollowLink: Sendable, Equatable {
    public enum Role: String, Sendable {
        /// Another listing page (pagination: PTT's 上頁, Mastodon's Link: rel="next", a sitemap in an index).
        case page
        /// A single item whose page holds the post (a PTT article, an HTML article, a Dcard post).
        case item
    }
    public var url: String
    public var role: Role
    /// The source's own last-modified stamp for the target when the listing gives one (a sitemap's `<lastmod>`),
    /// exactly as written; lets a scheduler skip unchanged items.
    public var lastModified: String?

    public init(url: String, role: Role, lastModified: String? = nil) {
        self.url = url
        self.role = role
        self.lastModified = lastModified
    }
}

/// What one response yielded.
public struct AdapterResult: Sendable, Equatable {
    public var posts: [ExtractedPost]
    public var follow: [FollowLink]
    /// Problems that did not stop extraction (an invalid push date, a truncated article …).
    public var warnings: [String]

    public init(posts: [ExtractedPost] = [], follow: [FollowLink] = [], warnings: [String] = []) {
        self.posts = posts
        self.follow = follow
        self.warnings = warnings
    }
}

/// Why a response could not be read by an adapter. Always names the URL.
public struct AdapterError: Error, CustomStringConvertible, Equatable, Sendable {
    public var url: String
    public var message: String

    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    /// "URL: message", or the message alone when it already starts with the URL ("URL:LINE: …").
    public var description: String { message.hasPrefix(url) ? message : "\(url): \(message)" }
}

/// Turns one fetched response into posts and links to follow. Adapters are pure: no I/O.
public protocol SourceAdapter: Sendable {
    /// The adapter's name as used in config and `sieve extract --adapter`.
    static var name: String { get }
    /// `url` is the response's final URL (for resolving relative links); `headers` are lower-cased.
    func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult
}
