import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

@Suite("HTML pages by XPath rules")
struct HTMLExtractorTests {
    let rules = HTMLRules(
        item: "//article[@class='post']", id: "@id", title: ".//h2[@class='title']",
        link: ".//a[@class='permalink']/@href", author: ".//span[@class='author']", published: ".//time/@datetime",
        text: ".//div[@class='body']")

    @Test func demoVillageBoard() throws {
        let url = TestPaths.demoCorpus.appendingPathComponent("pages/village-board.html")
        let posts = try HTMLExtractor.extract(try Data(contentsOf: url), url: "https://board.example/village/", rules: rules).posts
        #expect(posts.count >= 5)
        for p in posts {
            #expect(p.externalID.hasPrefix("p-"))
            #expect(p.url?.hasPrefix("https://board.example/") == true)
            #expect(p.published != nil)
            #expect(!p.text.isEmpty)
            #expect(!p.text.contains("<"))
        }
    }

    @Test func entitiesAndBreaksBecomeText() throws {
        let html = """
            <html><body><div class="x"><article class="post" id="a1"><div class="body"><p>颱風&amp;豪雨</p>淹水<br>及膝<script>alert(1)</script></div>
            <time datetime="2026/09/14 22:10">晚上</time></article></div></body></html>
            """
        let posts = try HTMLExtractor.extract(Data(html.utf8), url: "http://h.example/", rules: rules).posts
        #expect(posts.count == 1)
        #expect(posts[0].text == "颱風&豪雨\n淹水\n及膝")
        // Times without a zone are Taipei time.
        #expect(posts[0].published?.timeIntervalSince1970 == 1_789_395_000)
        #expect(posts[0].url == nil)
    }

    @Test func badXPathIsNamed() {
        var bad = rules
        bad.fields?.title = "//h2[@class="
        #expect(throws: ExtractionError.badXPath(url: "u", rule: "title", expression: "//h2[@class=")) {
            try HTMLExtractor.extract(Data("<html><body><article class='post'><div class='body'>x</div></article></body></html>".utf8), url: "u", rules: bad)
        }
    }

    @Test func pageWithoutItemsSaysSo() {
        #expect(throws: ExtractionError.noItems(url: "u", expression: rules.item!)) {
            try HTMLExtractor.extract(Data("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8), url: "u", rules: rules)
        }
    }

    @Test func listPageFollowsArticlesAndPagination() throws {
        let list = """
            <html><head><base href="https://news.example/typhoon/"></head><body>
            <ul><li><a class="a" href="2026/0914/landslide.html?utm_source=x">坍方</a></li>
            <li><a class="a" href="/typhoon/2026/0914/flood.html">淹水</a></li></ul>
            <a rel="next" href="?page=2">下一頁</a></body></html>
            """
        let rules = HTMLRules(follow: "//a[@class='a']/@href", next: "//a[@rel='next']/@href", article: HTMLFields(title: "//h1", text: "//article"))
        let r = try HTMLExtractor.extract(Data(list.utf8), url: "https://news.example/typhoon/index.html", rules: rules)
        #expect(r.posts.isEmpty)
        #expect(r.follow == [
            FollowLink(url: "https://news.example/typhoon/2026/0914/landslide.html?utm_source=x", role: .item),
            FollowLink(url: "https://news.example/typhoon/2026/0914/flood.html", role: .item),
            FollowLink(url: "https://news.example/typhoon/?page=2", role: .page),
        ])
        let article = "<html><body><h1>台21線坍方</h1><article><p>那瑪夏區坍方。</p></article></body></html>"
        let post = try #require(try HTMLExtractor.extractArticle(Data(article.utf8), url: "https://news.example/a", fields: rules.article!))
        #expect(post.title == "台21線坍方")
        #expect(post.text == "那瑪夏區坍方。")
        #expect(post.externalID == "https://news.example/a")
    }

    @Test func garbageBytesAreRefusedOrYieldNothing() {
        var bytes = [UInt8](repeating: 0, count: 4096)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        let data = Data(bytes), url = "https://x.example/garbage"
        // Not a feed: an error that names the document.
        do {
            _ = try FeedParser.parse(data, url: url)
            Issue.record("4 KB of noise parsed as a feed")
        } catch {
            #expect("\(error)".contains(url), "\(error)")
        }
        // As an HTML page (libxml2 recovers almost anything): refused by name, or nothing made up from the noise.
        switch Result(catching: { () throws(ExtractionError) -> AdapterResult in try HTMLExtractor.extract(data, url: url, rules: rules) }) {
        case .success(let r): #expect(r.posts.isEmpty && r.follow.isEmpty, "\(r)")
        case .failure(let e): #expect("\(e)".contains(url), "\(e)")
        }
    }
}
