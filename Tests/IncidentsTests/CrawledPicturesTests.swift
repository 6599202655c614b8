import Crawler
import Foundation
import Imaging
import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// Pictures in crawled posts (feed enclosures here; Telegram photos and Mastodon images reach the same code): read
/// by the crawl stage for new posts only, within the picture size limit, their words classified and
/// cross-referenced with the post, their hashes matched against known rumours' pictures.
@Suite("Crawled posts' pictures", .serialized)
struct CrawledPicturesTests {
    let dir = TempDir()
    static let known = "網傳明天全台停班停課，請大家轉傳，人事行政總處沒有公告"

    static func feed(_ base: String, more: Bool) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>轉傳群組</title>
        \(more ? "<item><guid>later</guid><title>又一張</title><description>再傳一次</description><enclosure url=\"\(base)/pics/later.jpg\" length=\"1\" type=\"image/jpeg\"/></item>" : "")
        <item><guid>screenshot</guid><title>大家看這個</title><description>是真的嗎？</description>
          <enclosure url="\(base)/pics/chat.png" length="1" type="image/png"/></item>
        <item><guid>photo</guid><title></title><description></description>
          <enclosure url="\(base)/pics/photo.jpg" length="1" type="image/jpeg"/></item>
        <item><guid>big</guid><title>大圖</title><description>河堤潰堤了</description>
          <enclosure url="\(base)/pics/big.jpg" length="1" type="image/jpeg"/></item>
        <item><guid>broken</guid><title></title><description></description>
          <enclosure url="\(base)/pics/missing.png" length="1" type="image/png"/></item>
        </channel></rss>
        """
    }

    /// The chat picture is a photo-like image without words.
    @Test func picturesOfNewPostsAreReadMatchedAndNotFetchedTwice() async throws {
        try await crawlPictures(screenshot: false)
    }

    /// The chat picture is a rendered screenshot of the known rumour's words: OCR makes them the post's words.
    @Test(.enabled(if: Renderer.available, "the screenshot needs .venv (make pyenv: Pillow) and Noto CJK fonts (make deps)"))
    func aScreenshotsWordsMatchTheKnownRumour() async throws {
        try await crawlPictures(screenshot: true)
    }

    func crawlPictures(screenshot: Bool) async throws {
        let photo = GrayImage(width: 480, height: 360, pixels: photoPixels(width: 480, height: 360, seed: 21))
        let chat: Data
        if screenshot {
            try await Renderer.render(["chat", Self.known, "--font", "noto-sans", "--size", "28", "--out", dir.path("chat.png"), "--seed", "2"])
            chat = try Data(contentsOf: URL(fileURLWithPath: dir.path("chat.png")))
        } else {
            chat = try GrayImage(width: 320, height: 200, pixels: photoPixels(width: 320, height: 200, seed: 5)).encoded(as: .png)
        }
        // The photo as a rumour knows it (PNG), and as the feed carries it (re-shared: JPEG quality 40).
        let forwarded = try photo.encoded(as: .jpeg(quality: 40))
        let big = Data([0xFF, 0xD8] + [UInt8](repeating: 9, count: 300_000))
        let feedCalls = Locked(0)
        let server = try TestHTTPServer { req, conn in
            switch req.path {
            case "/robots.txt": conn.respond(status: 404, body: "")
            case "/feed":
                // The second fetch finds one more post.
                let more = feedCalls.withLock { $0 += 1; return $0 } > 1
                conn.respond(status: 200, headers: ["Content-Type": "application/rss+xml"], body: Self.feed("http://" + (req.headers["host"] ?? ""), more: more))
            case "/pics/later.jpg": conn.respond(status: 200, headers: ["Content-Type": "image/jpeg"], body: forwarded)
            case "/pics/chat.png": conn.respond(status: 200, headers: ["Content-Type": "image/png"], body: chat)
            case "/pics/photo.jpg": conn.respond(status: 200, headers: ["Content-Type": "image/jpeg"], body: forwarded)
            case "/pics/big.jpg": conn.respond(status: 200, headers: ["Content-Type": "image/jpeg"], body: big)
            default: conn.respond(status: 404, body: "")
            }
        }
        defer { server.stop() }
        var crawler = CrawlerSettings(connectTimeout: 2, totalTimeout: 10, perHostDelay: 0, maxAttempts: 1)
        crawler.maxPictureBytes = 200_000
        let config = SieveConfig(
            database: dir.path("pictures.sqlite"), crawler: crawler,
            sources: [SourceConfig(name: "group", kind: .rss, url: server.baseURL + "/feed", allowPrivate: true)])
        let db = try await AppDatabase(path: config.database)
        // The known rumours: the photo (by its picture alone) and the screenshot's claim (by its words).
        let reading = try await PictureReading.read(try photo.encoded(as: .png), ocr: nil, views: true)
        try await db.addKnownRumour(NewKnownRumour(
            claim: "(圖片 \(reading.hashes[0].hex))", verdict: "FALSE", note: "2019 年國外的照片", url: nil, origin: "test",
            image: .init(hashes: reading.views.map(\.description), ocrText: nil, width: 480, height: 360)))
        try await db.addKnownRumour(NewKnownRumour(claim: Self.known, verdict: "FALSE", note: nil, url: nil, origin: "test", image: nil))

        let pipeline = Pipeline(config: config, database: db)
        let summary = try await pipeline.crawl()
        #expect(summary.results.first?.error == nil, "\(summary.results)")
        _ = try await Pipeline.classify(database: db, scorer: Fixture.classifier)
        _ = try await Pipeline.crossReference(database: db, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer)

        let posts = Dictionary(uniqueKeysWithValues: try await db.posts().map { ($0.externalID, $0) })
        // A picture that cannot be had (404): the post is kept (nothing lost), with the error.
        #expect(Set(posts.keys) == ["screenshot", "photo", "big", "broken"], "\(posts.keys.sorted())")
        #expect(posts["broken"]?.text == "")
        #expect(posts["broken"]?.extraFields["pictureErrors"]?.contains("missing.png") == true)
        // Over max_picture_bytes: not read, said so; the post keeps its own words.
        #expect(posts["big"]?.text == "河堤潰堤了")
        #expect(posts["big"]?.extraFields["pictureErrors"]?.contains("big.jpg") == true, "\(posts["big"]?.extraFields ?? [:])")
        // The photo without words: its hash matched the known rumour's picture; the cross-reference says so.
        let photoPost = try #require(posts["photo"])
        #expect(photoPost.extraFields["pictureHashes"]?.hasPrefix("dct64:") == true)
        let photoID = try #require(photoPost.id)
        let photoXref = try #require(try await db.crossReference(postID: photoID))
        #expect(photoXref.knownRumour?.claim.hasPrefix("(圖片") == true, "\(photoXref)")
        #expect(photoXref.verdict == .contradicted)
        #expect(photoXref.explanation.first?.key == "xref.rumour.picture")
        if screenshot {
            // The screenshot's words are the post's words too, and they are the known rumour.
            let shot = try #require(posts["screenshot"])
            #expect(shot.text.hasPrefix("是真的嗎？\n〔圖片文字〕"), "\(shot.text)")
            #expect(shot.text.contains("停班停課"), "\(shot.text)")
            let shotID = try #require(shot.id)
            let x = try #require(try await db.crossReference(postID: shotID))
            #expect(x.knownRumour?.claim == Self.known, "\(x)")
        }
        // Fetched again with one post more: only the new post's picture is fetched.
        let before = server.requests.filter { $0.path.hasPrefix("/pics/") }.map(\.path)
        #expect(before.sorted() == ["/pics/big.jpg", "/pics/chat.png", "/pics/missing.png", "/pics/photo.jpg"])
        _ = try await Pipeline(config: config, database: db).crawl()
        let after = server.requests.filter { $0.path.hasPrefix("/pics/") }.map(\.path)
        #expect(Array(after.dropFirst(before.count)) == ["/pics/later.jpg"], "\(after)")
    }
}
