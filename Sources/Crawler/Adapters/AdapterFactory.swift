import Foundation
import SieveCore

/// Which adapter reads a response, from the source's kind and the URL's role in the crawl.
public enum AdapterFactory {
    public enum Role: Sendable { case listing, item }

    public static func adapter(for source: SourceConfig, role: Role) -> any SourceAdapter {
        switch source.kind {
        case .feed, .rss, .atom:
            return FeedAdapter()
        case .html:
            if role == .item, let article = source.rules?.article { return HTMLArticleAdapter(fields: article) }
            return HTMLListAdapter(rules: source.rules ?? HTMLRules())
        case .sitemap:
            if role == .item, let article = source.rules?.article { return HTMLArticleAdapter(fields: article) }
            return Adapters.named(source.kind.rawValue)!
        case .jsonfeed, .ptt, .mastodon, .telegram, .dcard:
            return Adapters.named(source.kind.rawValue)!
        case .cap, .cwa, .emic, .closures:
            // Official sources are imported as incidents (Pipeline.importOfficial), never crawled for posts.
            return FeedAdapter()
        }
    }
}
