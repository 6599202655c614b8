import Foundation

/// The source adapters by name, as a config's `kind`/`adapter` and `sieve extract --adapter` name them.
public enum Adapters {
    /// Every adapter's name, in a stable order.
    public static let all: [String] = [
        PTTAdapter.name, DcardAdapter.name, MastodonAdapter.name, TelegramAdapter.name, JSONFeedAdapter.name,
        SitemapAdapter.name,
    ]

    /// A fresh adapter with default settings, or nil for an unknown name.
    public static func named(_ name: String) -> (any SourceAdapter)? {
        switch name {
        case PTTAdapter.name: return PTTAdapter()
        case DcardAdapter.name: return DcardAdapter()
        case MastodonAdapter.name: return MastodonAdapter()
        case TelegramAdapter.name: return TelegramAdapter()
        case JSONFeedAdapter.name: return JSONFeedAdapter()
        case SitemapAdapter.name: return SitemapAdapter()
        default: return nil
        }
    }
}
