import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

@Suite("Feed parsing")
struct FeedParserTests {
    @Test func demoRSSFeed() throws {
        let url = TestPaths.demoCorpus.appendingPathComponent("feeds/township-news.rss")
        let feed = try FeedParser.parse(try Data(contentsOf: url), url: url.absoluteString)
        #expect(feed.format == .rss)
        #expect(feed.entries.count >= 6)
        for e in feed.entries {
            #expect(e.id != nil)
            #expect(e.link?.hasPrefix("http") == true)
            #expect(e.publishedDate != nil)
        }
    }

    @Test func demoAtomFeed() throws {
        let url = TestPaths.demoCorpus.appendingPathComponent("feeds/community-voices.atom")
        let feed = try FeedParser.parse(try Data(contentsOf: url), url: url.absoluteString)
        #expect(feed.format == .atom10)
        #expect(feed.entries.count >= 6)
        #expect(feed.entries.contains { ($0.content ?? $0.summary)?.plainText.contains("停班停課") == true })
        for e in feed.entries { #expect(e.publishedDate != nil) }
    }

    @Test func malformedFeedNamesTheLine() throws {
        let xml = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<title>x</title>\n<item><title>broken</item>\n</channel></rss>"
        do {
            _ = try FeedParser.parse(Data(xml.utf8), url: "http://example.org/feed")
            Issue.record("expected an error")
        } catch {
            guard case .malformedXML(let url, let line, let message) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(url == "http://example.org/feed")
            #expect(line == 5)
            #expect(!message.isEmpty)
            #expect(error.description.contains("http://example.org/feed:5"))
        }
    }

    @Test func htmlErrorPageIsNotAFeed() throws {
        let html = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
        #expect(throws: FeedError.notAFeed(url: "http://example.org/rss", root: "html")) {
            try FeedParser.parse(Data(html.utf8), url: "http://example.org/rss")
        }
        // Well-formed XHTML without a doctype is caught by its root element.
        #expect(throws: FeedError.notAFeed(url: "u", root: "html")) {
            try FeedParser.parse(Data("<?xml version='1.0'?><html><body/></html>".utf8), url: "u")
        }
        #expect(throws: FeedError.notAFeed(url: "u", root: "svg")) {
            try FeedParser.parse(Data("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8), url: "u")
        }
        #expect(throws: FeedError.empty(url: "u")) { try FeedParser.parse(Data("  \n".utf8), url: "u") }
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let dir = TempDir()
        let secret = dir.write("secret.txt", "TOP-SECRET")
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://\(secret)">]>
            <rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><guid>1</guid></item></channel></rss>
            """
        let feed = try? FeedParser.parse(Data(xml.utf8), url: "u")
        #expect(feed?.entries.first?.title?.value.contains("TOP-SECRET") != true)
    }

    @Test func big5FeedDeclaredInXML() throws {
        // 「颱風」 in Big5 is BB E4 AD B7.
        var data = Data("<?xml version=\"1.0\" encoding=\"big5\"?><rss version=\"2.0\"><channel><title>".utf8)
        data.append(contentsOf: [0xBB, 0xE4, 0xAD, 0xB7])
        data.append(Data("</title></channel></rss>".utf8))
        let feed = try FeedParser.parse(data, url: "u")
        #expect(feed.title?.value == "颱風")
    }

    @Test func dates() {
        let cases: [(String, TimeInterval)] = [
            ("Thu, 01 Jan 2004 19:48:21 GMT", 1_072_986_501),
            ("2003-12-31T10:14:55Z", 1_072_865_695),
            ("2003-12-31T18:14:55+08:00", 1_072_865_695),
            ("Sun, 14 Sep 2026 21:30:00 +0800", 1_789_392_600),
            ("2003-12-31T10:14:55.250Z", 1_072_865_695.25),
        ]
        for (text, expected) in cases {
            #expect(FeedDateParser.parse(text)?.timeIntervalSince1970 == expected, "\(text)")
        }
        #expect(FeedDateParser.parse("not a date") == nil)
        #expect(FeedDateParser.parse("2026-13-45") == nil)
    }

    /// Pictures attached to entries: RSS enclosures and Media RSS of an image type, Atom enclosure links (relative
    /// ones resolved); audio enclosures, non-http URLs and repeats are not pictures.
    @Test func picturesAreReadFromEnclosuresAndMediaRSS() throws {
        let rss = """
            <?xml version="1.0"?>
            <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
            <item><guid>1</guid><title>淹水照片</title>
              <enclosure url="https://img.example.tw/a.jpg" length="1000" type="image/jpeg"/>
              <enclosure url="https://img.example.tw/podcast.mp3" length="1000" type="audio/mpeg"/>
              <media:content url="https://img.example.tw/b.png" medium="image"/>
              <media:group><media:content url="https://img.example.tw/c.webp" type="image/webp"/></media:group>
              <media:content url="https://img.example.tw/a.jpg" type="image/jpeg"/>
              <enclosure url="file:///etc/passwd" type="image/png"/>
            </item>
            <item><guid>2</guid><title>沒有圖片</title></item>
            </channel></rss>
            """
        let feed = try FeedParser.parse(Data(rss.utf8), url: "https://news.example.tw/rss")
        #expect(feed.entries[0].pictures == ["https://img.example.tw/a.jpg", "https://img.example.tw/b.png", "https://img.example.tw/c.webp"])
        #expect(feed.entries[1].pictures.isEmpty)
        let atom = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://voices.example.tw/feed/"><title>v</title><id>urn:v</id>
            <entry><id>urn:1</id><title>x</title><updated>2026-09-14T12:00:00Z</updated>
              <link rel="alternate" href="https://voices.example.tw/1"/>
              <link rel="enclosure" type="image/jpeg" href="../media/1.jpg"/>
            </entry></feed>
            """
        let entry = try FeedParser.parse(Data(atom.utf8), url: "https://voices.example.tw/feed/").entries[0]
        #expect(entry.pictures == ["https://voices.example.tw/media/1.jpg"])
        #expect(entry.link == "https://voices.example.tw/1")
        #expect(FeedAdapter.post(from: entry).pictures == ["https://voices.example.tw/media/1.jpg"])
    }
}
