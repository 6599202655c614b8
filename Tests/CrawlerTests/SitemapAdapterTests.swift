import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Sitemap adapter")
struct SitemapAdapterTests {
    let adapter = SitemapAdapter()

    static let urlsetLinks = [
        FollowLink(url: "https://news.example.tw/2026/09/14/xizhi-flood-kangning-street", role: .item, lastModified: "2026-09-14T22:05:00+08:00"),
        FollowLink(url: "https://news.example.tw/2026/09/14/namasia-landslide-route-21", role: .item, lastModified: "2026-09-14"),
        FollowLink(url: "https://news.example.tw/search?q=%E5%81%9C%E7%8F%AD&date=2026-09-14", role: .item),
        FollowLink(url: "https://news.example.tw/2026/09/15/work-and-school-as-usual", role: .item),
    ]

    /// Runs a shell command (the tests that call it are enabled only with /bin/sh and gzip).
    @discardableResult
    func shell(_ command: String) async throws -> ProcessResult {
        let r = try await runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", command])
        try #require(r.status == 0, "\(command): \(r.stderr)")
        return r
    }

    var fixtures: String { TestPaths.packageRoot.appendingPathComponent("Tests/CrawlerTests/Fixtures").path }

    @Test func sitemapIndexListsSitemapsAsPages() throws {
        let r = try adapter.extract(try fixture("sitemap-index.xml"), url: "https://news.example.tw/sitemap.xml", headers: [:])
        #expect(r.posts.isEmpty)
        #expect(r.warnings.isEmpty)
        #expect(r.follow == [
            FollowLink(url: "https://news.example.tw/sitemaps/disaster-2026-09.xml", role: .page, lastModified: "2026-09-14T22:15:00+08:00"),
            FollowLink(url: "https://news.example.tw/sitemaps/disaster-2026-08.xml.gz", role: .page, lastModified: "2026-08-31"),
            FollowLink(url: "https://news.example.tw/sitemaps/sitemap.php?section=typhoon&year=2025", role: .page),
        ])
    }

    @Test func urlsetListsItems() throws {
        let r = try adapter.extract(try fixture("sitemap-urlset.xml"), url: "https://news.example.tw/sitemaps/disaster-2026-09.xml", headers: [:])
        #expect(r.posts.isEmpty)
        #expect(r.follow == Self.urlsetLinks)
        #expect(r.warnings == ["https://news.example.tw/sitemaps/disaster-2026-09.xml: 1 <url> entries without <loc> skipped"])
    }

    @Test(.enabled(if: TestPaths.gzip, "/bin/sh or gzip is absent")) func gzippedSitemapIsDecompressed() async throws {
        let dir = TempDir()
        try await shell("gzip -c '\(fixtures)/sitemap-urlset.xml' > '\(dir.path("urlset.xml.gz"))'")
        let gz = try Data(contentsOf: dir.url.appendingPathComponent("urlset.xml.gz"))
        #expect(gz.prefix(2) == Data([0x1f, 0x8b]))
        let r = try adapter.extract(gz, url: "https://news.example.tw/sitemaps/disaster-2026-09.xml.gz", headers: [:])
        #expect(r.follow == Self.urlsetLinks)
        // Concatenated gzip members are one stream (gzip -c a b > c), here two text sitemaps.
        dir.write("a.txt", "https://news.example.tw/a\n")
        dir.write("b.txt", "https://news.example.tw/b\n")
        try await shell("cd '\(dir.url.path)' && gzip -c a.txt > ab.gz && gzip -c b.txt >> ab.gz")
        let ab = try adapter.extract(try Data(contentsOf: dir.url.appendingPathComponent("ab.gz")), url: "https://news.example.tw/s.txt.gz", headers: [:])
        #expect(ab.follow.map(\.url) == ["https://news.example.tw/a", "https://news.example.tw/b"])
    }

    @Test(.enabled(if: TestPaths.gzip, "/bin/sh or gzip is absent")) func gzipBombStopsAtTheCap() async throws {
        let dir = TempDir()
        // 64 MiB of zeros compress to about 64 KB; the default cap is 50 MiB (sitemaps.org's limit).
        try await shell("head -c 67108864 /dev/zero | gzip -c > '\(dir.path("bomb.gz"))'")
        let bomb = try Data(contentsOf: dir.url.appendingPathComponent("bomb.gz"))
        #expect(bomb.count < 200_000)
        let url = "https://evil.example/sitemap.xml.gz"
        #expect {
            try adapter.extract(bomb, url: url, headers: [:])
        } throws: { error in
            guard let e = error as? AdapterError else { return false }
            return e.url == url && e.message.contains("more than 52428800 bytes")
        }
        // A smaller cap stops an ordinary sitemap too; exactly at the cap is fine.
        let xml = try fixture("sitemap-urlset.xml")
        try await shell("gzip -c '\(fixtures)/sitemap-urlset.xml' > '\(dir.path("u.gz"))'")
        let gz = try Data(contentsOf: dir.url.appendingPathComponent("u.gz"))
        #expect(throws: AdapterError.self) { try SitemapAdapter(maxDecompressedBytes: xml.count - 1).extract(gz, url: url, headers: [:]) }
        #expect(try SitemapAdapter(maxDecompressedBytes: xml.count).extract(gz, url: url, headers: [:]).follow == Self.urlsetLinks)
    }

    @Test(.enabled(if: TestPaths.gzip, "/bin/sh or gzip is absent")) func brokenGzipIsAnError() async throws {
        let dir = TempDir()
        try await shell("gzip -c '\(fixtures)/sitemap-urlset.xml' > '\(dir.path("u.gz"))'")
        let gz = try Data(contentsOf: dir.url.appendingPathComponent("u.gz"))
        let url = "https://news.example.tw/s.xml.gz"
        var corrupt = gz
        corrupt[corrupt.endIndex - 8] ^= 0xFF  // the CRC-32 in the trailer
        for (body, needle) in [
            (gz.prefix(gz.count / 2), "truncated"), (corrupt, "corrupt"), (Data([0x1f, 0x8b, 0x08]), "truncated"),
            (Data([0x1f, 0x8b, 0xff, 0xff, 0, 0]), "corrupt"),
        ] {
            #expect {
                try adapter.extract(Data(body), url: url, headers: [:])
            } throws: { error in
                guard let e = error as? AdapterError else { return false }
                return e.url == url && e.message.contains(needle)
            }
        }
    }

    @Test func textSitemap() throws {
        let body = "\u{FEFF}https://news.example.tw/a\r\n\r\nhttps://news.example.tw/b?x=1&y=2\n"
        let r = try adapter.extract(Data(body.utf8), url: "https://news.example.tw/sitemap.txt", headers: [:])
        #expect(r.follow == [
            FollowLink(url: "https://news.example.tw/a", role: .item), FollowLink(url: "https://news.example.tw/b?x=1&y=2", role: .item),
        ])
    }

    @Test func notASitemap() {
        let url = "https://news.example.tw/sitemap.xml"
        let cases: [(String, String)] = [
            ("<?xml version=\"1.0\"?>\n<urlset>\n  <url><loc>https://a</loc></url>\n  <url>\n</urlset>", "line 5"),
            ("<urlset><url><loc>https://a</url></urlset>", "not well-formed"),
            ("<html><body><p>Not Found</p></body></html>", "HTML page"),
            ("<rss version=\"2.0\"><channel/></rss>", "<rss>"),
            ("not a sitemap\nhttps://a", "line 1"),
            ("   ", "empty"),
        ]
        for (body, needle) in cases {
            #expect {
                try adapter.extract(Data(body.utf8), url: url, headers: [:])
            } throws: { error in
                guard let e = error as? AdapterError else { return false }
                return e.url == url && e.message.contains(needle)
            }
        }
    }

    @Test func externalEntitiesAreNotLoaded() throws {
        let dir = TempDir()
        let secret = dir.write("secret.txt", "https://leak.example/secret")
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE urlset [<!ENTITY x SYSTEM "file://\(secret)">]>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url><url><loc>https://ok.example/</loc></url></urlset>
            """
        let r = try adapter.extract(Data(xml.utf8), url: "https://news.example.tw/sitemap.xml", headers: [:])
        #expect(!r.follow.contains { $0.url.contains("leak") })
        #expect(r.follow.last == FollowLink(url: "https://ok.example/", role: .item))
    }
}
