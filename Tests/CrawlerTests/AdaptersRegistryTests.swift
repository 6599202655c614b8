import Crawler
import Foundation
import Testing

@Suite("Adapter registry")
struct AdaptersRegistryTests {
    @Test func everyNameResolvesToItsAdapter() throws {
        #expect(Adapters.all == ["ptt", "dcard", "mastodon", "telegram", "jsonfeed", "sitemap"])
        for name in Adapters.all {
            let adapter = try #require(Adapters.named(name))
            #expect(type(of: adapter).name == name)
        }
        #expect(Adapters.named("nope") == nil)
        #expect(Adapters.named("PTT") == nil)
    }
}
