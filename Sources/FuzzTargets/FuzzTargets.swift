import Classifier
import Crawler
import Foundation
import Maps
import GRDB
import Imaging
import Incidents
import Moderation
import Net
import Publisher
import SieveCore
import Store

/// Every parser and decoder that sees bytes from outside, as one function each: a fuzzing entry point
/// (`sieve-fuzz`, libFuzzer) and the body of the corpus-replay test. A target returns normally for any input —
/// errors are expected and swallowed — and traps (a finding) only where the code has a real hole: a crash, an
/// out-of-range access, an overflow, or a broken invariant checked here (a search expression SQLite refuses).
public enum FuzzTargets {
    public typealias Target = @Sendable (Data) -> Void

    /// Target names, in `make fuzz` order.
    public static var names: [String] { all.map(\.0) }

    public static func named(_ name: String) -> Target? { all.first { $0.0 == name }?.1 }

    /// Inputs that take each target down its main paths once (see `LLVMFuzzerInitialize`); made afresh on each call,
    /// so nothing of them outlives the warm-up.
    public static var warmUp: [Data] {
        [
            Data(),
            Data("網傳明天停班停課 晚間11時40分 9/14 下午三點 汐止區康寧街137號 3人受困 台21線 Mon, 14 Sep 2026 22:10:00 +0800".utf8),
            Data(#"<?xml version="1.0"?><rss version="2.0"><channel><item><title>t</title><description>&lt;p&gt;淹水&lt;/p&gt;</description></item></channel></rss>"#.utf8),
            Data(#"<html><body><article class="post" id="a"><h2>t</h2><div class="body"><p>淹水</p></div><time datetime="2026-09-14T22:10:00+08:00">x</time></article></body></html>"#.utf8),
            Data(#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_text":"淹水"}]}"#.utf8),
        ]
    }

    static let all: [(String, Target)] = [
        ("feed", feed), ("jsonfeed", adapter("jsonfeed")), ("sitemap", adapter("sitemap")), ("html", html),
        ("article", article), ("ptt", adapter("ptt")), ("dcard", adapter("dcard")), ("mastodon", adapter("mastodon")),
        ("telegram", adapter("telegram")), ("cap", cap), ("cwa", cwa), ("emic", emic), ("closures", closures),
        ("robots", robots), ("charset", charset), ("config", config), ("model", model), ("search", search), ("image", image),
        ("form", form), ("webhook-signature", webhookSignature), ("dates", dates), ("classify", classify),
        ("boundaries", boundaries),
    ]

    // MARK: Crawler

    static let feed: Target = { data in
        _ = try? FeedAdapter().extract(data, url: "https://fuzz.example/feed", headers: ["content-type": "application/xml"])
    }

    static func adapter(_ name: String) -> Target {
        let adapter = Adapters.named(name)!
        return { data in _ = try? adapter.extract(data, url: "https://fuzz.example/\(name)", headers: [:]) }
    }

    static let rules = HTMLRules(
        item: "//article[@class='post'] | //div[contains(@class,'post')]", id: "@id", title: ".//h2", link: ".//a/@href",
        author: ".//*[@class='author']", published: ".//time/@datetime", text: ".//*[@class='body'] | .//p")

    static let html: Target = { data in
        var r = rules
        r.follow = "//a[@class='story']/@href"
        r.next = "//a[@rel='next']/@href"
        _ = try? HTMLListAdapter(rules: r).extract(data, url: "https://fuzz.example/board", headers: ["content-type": "text/html"])
    }

    static let article: Target = { data in
        _ = try? HTMLArticleAdapter(fields: HTMLFields(title: "//h1", text: "//article | //body"))
            .extract(data, url: "https://fuzz.example/a/1", headers: [:])
        // Feed entries' HTML goes through the same text extraction.
        _ = HTMLText.plainText(fromHTML: String(decoding: data.prefix(1 << 16), as: UTF8.self))
    }

    static let robots: Target = { data in
        let robots = RobotsTxt(data)
        for path in ["/", "/a/b?c=d", "/%E9%A2%B1", "/*", "/private/x.html$"] {
            _ = robots.isAllowed("https://fuzz.example" + path, userAgent: "Sieve/0.1")
        }
        _ = robots.sitemaps
    }

    static let charset: Target = { data in
        let split = data.firstIndex(of: 0x0A) ?? data.startIndex
        let header = String(decoding: data[data.startIndex..<split], as: UTF8.self)
        let body = data[split...]
        _ = Charset.decode(Data(body), headerCharset: Charset.fromContentType(header))
        _ = parseRetryAfter(header)
    }

    static let dates: Target = { data in
        let text = String(decoding: data.prefix(256), as: UTF8.self)
        if let d = FeedDateParser.parse(text) { _ = TaipeiTime.rfc3339(PlausibleDate.storable(d)) }
        if let d = OfficialTime.parseEMIC(text) { _ = TaipeiTime.rfc3339(d) }
        if let d = OfficialTime.parseISO(text) { _ = TaipeiTime.rfc3339(d.date) }
        _ = TimeExtractor.extract(text, reference: Date(timeIntervalSince1970: 1_789_394_400))
    }

    // MARK: Official incidents

    /// The gazetteer and lexicon, loaded once per process (from the source checkout's Lexicons/).
    static let lexicon: Lexicon = (try? Lexicon.standard()) ?? Lexicon()
    static let gazetteer = Gazetteer(lexicon: lexicon)

    static let cap: Target = { data in _ = try? CAPParser(gazetteer: gazetteer).parse(data, source: "fuzz.cap") }
    static let cwa: Target = { data in _ = try? CWAParser(gazetteer: gazetteer).parse(data, source: "fuzz.json") }
    static let emic: Target = { data in _ = try? EMICParser(gazetteer: gazetteer).parse(data, source: "fuzz.csv") }
    static let closures: Target = { data in
        _ = try? ClosureParser(gazetteer: gazetteer).parse(data, source: "fuzz.html", reference: Date(timeIntervalSince1970: 1_789_394_400))
    }

    // MARK: Configuration and models

    /// A township boundary file (GeoJSON or TopoJSON), read, simplified and drawn.
    static let boundaries: Target = { data in
        guard let b = try? Boundaries.parse(data, path: "fuzz.json") else { return }
        _ = MapDrawing.svg(
            MapBase(b),
            MapDrawing.Options(
                counts: Dictionary(b.townships.prefix(3).map { ($0.county + "|" + $0.name, PlaceCounts(pending: 2)) }, uniquingKeysWith: { a, _ in a }),
                title: "fuzz", townshipLink: { t, _ in t.name }, clusterLink: { _ in "/" }, countyLink: { $0 }))
    }

    static let config: Target = { data in
        let text = String(decoding: data, as: UTF8.self)
        _ = try? SieveConfig.parse(text, file: "fuzz.toml")
    }

    static let model: Target = { data in
        guard let m = try? NaiveBayesModel.decode(data, path: "fuzz.nbm") else { return }
        _ = m.classes
    }

    // MARK: The web app's inputs

    static let searchIndex = SearchIndex.standard()
    /// An FTS5 table in memory: every expression the query parser produces must be one SQLite accepts.
    static let fts: DatabaseQueue? = {
        let q = try? DatabaseQueue()
        try? q?.write { db in try db.execute(sql: "CREATE VIRTUAL TABLE t USING fts5(tokens, tokenize = 'unicode61')") }
        return q
    }()

    static let search: Target = { data in
        let query = String(decoding: data.prefix(4096), as: UTF8.self)
        guard let expression = searchIndex.matchExpression(query) else { return }
        _ = try? FullTextSearch.tsquery(expression)
        guard let fts else { return }
        do {
            _ = try fts.read { db in try Row.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH ?", arguments: [expression]) }
        } catch {
            // A moderator's search would be a 500: the query parser let through something FTS5 cannot read.
            fatalError("search: FTS5 refused the expression \(expression.debugDescription) made from \(query.debugDescription): \(error)")
        }
    }

    static let form: Target = { data in
        let text = String(decoding: data.prefix(1 << 16), as: UTF8.self)
        let f = FormData(text)
        _ = f["next"]
        _ = f.all("channel")
        _ = f.text("note")
        _ = ModerationApp.safeLocalPath(f["next"] ?? text)
        _ = WebContext.clientIP(peer: "127.0.0.1", forwardedFor: text, trusted: [IPRange("127.0.0.1")!])
        _ = IPRange(String(text.prefix(64)))
        _ = Charset.fromContentType(text)
        // The tipline form's multipart body (public, no account): its boundary from the first line, the rest parsed.
        let firstLine = data.prefix { $0 != 0x0D && $0 != 0x0A }
        if firstLine.starts(with: Data("--".utf8)), let b = MultipartForm.boundary("multipart/form-data; boundary=" + String(decoding: firstLine.dropFirst(2), as: UTF8.self)) {
            if let m = MultipartForm(data, boundary: b) { _ = FormData(pairs: m.fields)["text"] }
        }
        _ = MultipartForm.boundary(text)
    }

    static let webhookSignature: Target = { data in
        // Headers on the first two lines, the body after them.
        let lines = data.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        let timestamp = lines.count > 0 ? String(decoding: lines[0], as: UTF8.self) : ""
        let signature = lines.count > 1 ? String(decoding: lines[1], as: UTF8.self) : ""
        let body = lines.count > 2 ? Data(lines[2]) : Data()
        do {
            try WebhookSignature.verify(
                secret: "fuzz-secret", timestamp: timestamp, signature: signature, body: body,
                now: Date(timeIntervalSince1970: 1_789_394_400))
            // Accepted: then it must really be the signature of this body.
            let expected = "sha256=" + ChannelAPI.signature(secret: "fuzz-secret", timestamp: timestamp, body: body)
            if signature.lowercased() != expected { fatalError("webhook-signature: accepted a wrong signature \(signature)") }
        } catch {}
    }

    /// A forwarded or crawled picture: header probe, decode (with the pixel limits), trim and every hash. A decoded
    /// picture must have the size its header promised, and every hash the number of bits its kind has.
    static let image: Target = { data in
        guard let picture = try? GrayImage.decode(data) else { return }
        if let size = try? GrayImage.probe(data), size.width != picture.width || size.height != picture.height {
            // Leptonica reads multi-frame files' first frame; a mismatch elsewhere is a finding.
            if !(data.starts(with: [0x47, 0x49, 0x46]) || data.starts(with: [0x49, 0x49]) || data.starts(with: [0x4D, 0x4D])) {
                fatalError("image: header said \(size), decoded \(picture.width)×\(picture.height)")
            }
        }
        for kind in PerceptualHash.Kind.allCases where PerceptualHash.hash(picture, kind: kind).words.count * 64 != kind.bits {
            fatalError("image: a \(kind) hash of the wrong size")
        }
        _ = PerceptualHash.views(picture)
    }

    // MARK: Posts as the classifier sees them

    static let classifier = PostClassifier(lexicon: lexicon, models: (try? ModelSet.load(directory: ModelSet.locateDirectory() ?? "Models")) ?? ModelSet())

    static let classify: Target = { data in
        let text = String(decoding: data.prefix(1 << 15), as: UTF8.self)
        _ = classifier.assess(title: nil, text: text, published: Date(timeIntervalSince1970: 1_789_394_400))
    }
}
