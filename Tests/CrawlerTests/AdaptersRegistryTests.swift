import Crawler
import Foundation
import Testing

@Suite("Adapter registry")
struct AdaptersRegistryTests {
    @Test func everyNameResolvesToItsAdapter() throws {
        // "feed" and "html" join the list later; these six must be there.
        for name in ["ptt", "dcard", "mastodon", "telegram", "jsonfeed", "sitemap"] {
            #expect(Adapters.all.contains(name))
        }
        #expect(Set(Adapters.all).count == Adapters.all.count)
        for name in Adapters.all {
            let adapter = try #require(Adapters.named(name))
            #expect(type(of: adapter).name == name)
        }
        #expect(Adapters.named("nope") == nil)
        #expect(Adapters.named("PTT") == nil)
    }
}

@Suite("Adapters on damaged input")
struct AdaptersDamagedInputTests {
    /// Every adapter over pseudo-random bytes and over every fixture cut short at many points: errors are fine,
    /// crashes are not.
    @Test func truncatedAndRandomBodiesDoNotCrash() throws {
        var bodies: [Data] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in [1, 2, 17, 4096] {
            bodies.append(Data((0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }))
        }
        bodies.append(Data([0x1f, 0x8b]))
        let names = [
            "ptt-index.html", "mastodon-public.json", "mastodon-tag.json", "telegram-channel.html", "jsonfeed-1.1.json",
            "jsonfeed-1.0.json", "sitemap-index.xml", "sitemap-urlset.xml",
        ]
        for name in names {
            let data = try fixture(name)
            for cut in stride(from: 0, to: data.count, by: max(1, data.count / 23)) { bodies.append(data.prefix(cut)) }
        }
        for name in Adapters.all {
            let adapter = try #require(Adapters.named(name))
            for body in bodies {
                _ = try? adapter.extract(body, url: "https://example.org/x", headers: ["link": "<"])
            }
        }
    }
}
