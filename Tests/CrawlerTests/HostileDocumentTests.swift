import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

/// Hostile XML and HTML: every document is parsed within `XMLBudget` or refused by name. Each of these ran out of
/// memory, or silently lost posts, before the budget existed.
@Suite("Hostile documents: entity bombs, depth, size")
struct HostileDocumentTests {
    /// An RSS feed with `count` nested internal entities (each ten of the one before) referenced from a description.
    static func laughs(levels: Int = 9, inAttribute: Bool = false) -> String {
        var entities = [#"<!ENTITY lol0 "lol">"#]
        for i in 1..<levels {
            entities.append(#"<!ENTITY lol\#(i) "\#(String(repeating: "&lol\(i - 1);", count: 10))">"#)
        }
        let use = inAttribute
            ? #"<item><guid isPermaLink="false" note="&lol\#(levels - 1);">x</guid><description>y</description></item>"#
            : "<item><title>x</title><description>&lol\(levels - 1);</description></item>"
        return """
            <?xml version="1.0"?>
            <!DOCTYPE rss [
            \(entities.joined(separator: "\n"))
            ]>
            <rss version="2.0"><channel><title>t</title>\(use)</channel></rss>
            """
    }

    func refusal(_ xml: String) -> String? {
        do {
            _ = try FeedAdapter().extract(Data(xml.utf8), url: "https://hostile.example/feed", headers: [:])
            return nil
        } catch {
            return error.description
        }
    }

    /// The issue's 1.3 KB file: nine levels, ~3 GB expanded. Refused before anything is expanded.
    @Test(.timeLimit(.minutes(1))) func billionLaughsIsRefusedByName() throws {
        let xml = Self.laughs()
        #expect(xml.utf8.count < 1400)
        let message = try #require(refusal(xml))
        #expect(message.contains("feed refused"), "\(message)")
        #expect(message.contains("entity expansion"), "\(message)")
        #expect(message.hasPrefix("https://hostile.example/feed"), "\(message)")
    }

    /// libxml2 expands an entity once while it parses an attribute value: the bomb must be stopped before parsing.
    @Test(.timeLimit(.minutes(1))) func entityBombInAnAttributeIsRefused() throws {
        let message = try #require(refusal(Self.laughs(inAttribute: true)))
        #expect(message.contains("entity expansion"), "\(message)")
    }

    /// Many references to one large entity ("quadratic blowup"): each is small, together they are gigabytes.
    @Test(.timeLimit(.minutes(1))) func quadraticBlowupIsRefused() throws {
        let big = String(repeating: "A", count: 100_000)
        let xml = """
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "\(big)">]>
            <rss version="2.0"><channel><title>t</title><item><description>\(String(repeating: "&a;", count: 50_000))</description></item></channel></rss>
            """
        let message = try #require(refusal(xml))
        #expect(message.contains("entity expansion"), "\(message)")
    }

    /// Small internal entities, as feedparser's own corpus uses them, still work.
    @Test func harmlessInternalEntitiesStillExpand() throws {
        let xml = """
            <!DOCTYPE rss [<!ENTITY id "tag:example.com,">]>
            <rss version="2.0"><channel><item><guid isPermaLink='false'>&id;2006-05-04:/blog/</guid><description>ok</description></item></channel></rss>
            """
        let posts = try FeedAdapter().extract(Data(xml.utf8), url: "https://e.example/", headers: [:]).posts
        #expect(posts.map(\.externalID) == ["tag:example.com,2006-05-04:/blog/"])
    }

    /// External entities are never loaded (no XXE): the file's content does not appear.
    @Test func externalEntitiesAreNotLoaded() throws {
        let dir = TempDir()
        let secret = dir.write("secret.txt", "TOP-SECRET-VALUE")
        let xml = """
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://\(secret)">]>
            <rss version="2.0"><channel><item><title>t</title><description>before &xxe; after</description></item></channel></rss>
            """
        let posts = try FeedAdapter().extract(Data(xml.utf8), url: "https://e.example/", headers: [:]).posts
        #expect(posts.count == 1)
        #expect(!posts[0].text.contains("TOP-SECRET"))
    }

    @Test func entityLoopIsAnError() throws {
        let xml = """
            <!DOCTYPE rss [<!ENTITY a "&b;"><!ENTITY b "&a;">]>
            <rss version="2.0"><channel><item><description>&a;</description></item></channel></rss>
            """
        #expect(refusal(xml) != nil)
    }

    @Test(.timeLimit(.minutes(1))) func absurdNestingAndMarkupAreRefused() throws {
        let deep = "<rss version=\"2.0\"><channel><item><description>" + String(repeating: "<x>", count: 20_000)
            + String(repeating: "</x>", count: 20_000) + "</description></item></channel></rss>"
        let deepMessage = try #require(refusal(deep))
        #expect(deepMessage.contains("levels deep"), "\(deepMessage)")
        let tags = "<rss version=\"2.0\"><channel><item><description>" + String(repeating: "<a/>", count: XMLBudget.maxMarkup + 1)
            + "</description></item></channel></rss>"
        let tagsMessage = try #require(refusal(tags))
        #expect(tagsMessage.contains("tags"), "\(tagsMessage)")
    }

    /// 120,000 items in 9.5 MB took 6.5 s to become posts (budget: 2 s): the first `FeedParser.maxEntries` are read
    /// and the rest named in a warning; the CAP importer's own cap counts the whole feed.
    @Test(.timeLimit(.minutes(1))) func aFeedOfAbsurdlyManyItemsIsReadUpToTheCapWithAWarning() throws {
        let n = FeedParser.maxEntries + 5
        let xml = "<rss version=\"2.0\"><channel><title>t</title>"
            + (0..<n).map { "<item><title>t\($0)</title><description>汐止淹水 \($0)</description></item>" }.joined()
            + "</channel></rss>"
        let r = try FeedAdapter().extract(Data(xml.utf8), url: "https://e.example/feed.xml", headers: [:])
        #expect(r.posts.count == FeedParser.maxEntries)
        #expect(r.posts.last?.title == "t\(FeedParser.maxEntries - 1)")
        #expect(r.warnings == ["https://e.example/feed.xml: \(n) entries in one feed; the first \(FeedParser.maxEntries) were read"])
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
            + (0..<n).map { "<entry><id>e\($0)</id><title>t</title></entry>" }.joined() + "</feed>"
        let parsed = try FeedParser.parse(Data(atom.utf8), url: "https://e.example/atom.xml")
        #expect(parsed.entries.count == FeedParser.maxEntries && parsed.omittedEntries == 5)
    }

    /// A 10 MB page of 180,000 posts built a 283 MB tree (budget: 256 MB): a page with more than
    /// `XMLBudget.maxPageMarkup` tags is refused by name, while a feed of the same markup still parses.
    @Test(.timeLimit(.minutes(1))) func aPageOfAbsurdlyManyTagsIsRefused() throws {
        let html = "<html><body>" + String(repeating: "<article class=\"post\"><div class=\"body\">x</div></article>", count: XMLBudget.maxPageMarkup / 4 + 1) + "</body></html>"
        do {
            _ = try HTMLExtractor.extract(Data(html.utf8), url: "https://e.example/wide", rules: rules)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("tags, more than the \(XMLBudget.maxPageMarkup)"), "\(error)")
        }
    }

    /// The same budget holds for sitemaps and CAP (every XML parse goes through one function).
    @Test(.timeLimit(.minutes(1))) func sitemapsAreHeldToTheSameBudget() throws {
        let xml = Self.laughs().replacingOccurrences(of: "<rss version=\"2.0\"><channel><title>t</title>", with: "<urlset><url><loc>")
            .replacingOccurrences(of: "</channel></rss>", with: "</loc></url></urlset>")
        #expect(throws: AdapterError.self) {
            _ = try Adapters.named("sitemap")!.extract(Data(xml.utf8), url: "https://e.example/sitemap.xml", headers: [:])
        }
    }

    // MARK: HTML

    let rules = HTMLRules(item: "//article[@class='post']", text: ".//div[@class='body']")

    /// A post nested 300 levels deep, and the post after it, are extracted (libxml2 stopped at 256 levels and the
    /// rest of the page was silently lost).
    @Test func deeplyNestedPostsAreAllExtracted() throws {
        let html = "<html><body><article class=\"post\"><div class=\"body\">first</div></article>"
            + String(repeating: "<div>", count: 300) + "<article class=\"post\"><div class=\"body\">deep post</div></article>"
            + String(repeating: "</div>", count: 300) + "<article class=\"post\"><div class=\"body\">after</div></article></body></html>"
        let posts = try HTMLExtractor.extract(Data(html.utf8), url: "https://board.example/", rules: rules).posts
        #expect(posts.map(\.text) == ["first", "deep post", "after"])
    }

    /// Past the budget the page is refused with a named error, never cut short.
    @Test func absurdlyDeepPagesAreRefusedByName() throws {
        let html = "<html><body>" + String(repeating: "<div>", count: XMLBudget.maxDepth + 10)
            + "<article class=\"post\"><div class=\"body\">x</div></article></body></html>"
        #expect {
            _ = try HTMLExtractor.extract(Data(html.utf8), url: "https://board.example/", rules: rules)
        } throws: { error in
            guard let e = error as? ExtractionError, case .refused(let url, let reason) = e else { return false }
            return url == "https://board.example/" && reason.contains("levels deep")
        }
    }

    /// Deep markup inside a feed entry's HTML is turned into text without recursion.
    @Test func deepEntryHTMLBecomesText() {
        let html = String(repeating: "<div>", count: 3000) + "淹水" + String(repeating: "</div>", count: 3000)
        #expect(HTMLText.plainText(fromHTML: html) == "淹水")
    }

    /// Items nested in items made reading a page cost the square of its size (each item's fields are read inside its
    /// subtree): 4,000 nested posts in 100 KB took 80 s. The outermost items are read, the nested ones counted.
    @Test(.timeLimit(.minutes(1))) func nestedItemsAreReadOnceNotSquared() throws {
        let html = "<html><body>" + String(repeating: "<div class=\"post\"><p>x</p>", count: 4000) + "</body></html>"
        let nested = HTMLRules(item: "//div[@class='post']", text: ".//p")
        let result = try HTMLExtractor.extract(Data(html.utf8), url: "https://board.example/", rules: nested)
        #expect(result.posts.count == 1)
        #expect(result.warnings.contains { $0.contains("3999 item(s) nested inside other items") })
        // Side by side they are all read.
        let flat = "<html><body>" + String(repeating: "<div class=\"post\"><p>x</p></div>", count: 4000) + "</body></html>"
        #expect(try HTMLExtractor.extract(Data(flat.utf8), url: "https://board.example/", rules: nested).posts.count == 4000)
    }
}
