import CLibXML2
import Foundation
import SieveCore

/// A text construct as the feed gave it: its value and whether it is text, html or xhtml.
public struct FeedText: Sendable, Equatable {
    public var value: String
    /// "text/plain", "text/html" or "application/xhtml+xml" (feedparser's names).
    public var type: String

    public init(value: String, type: String) {
        self.value = value
        self.type = type
    }

    /// Plain text for classification: markup removed, entities decoded, whitespace tidied.
    public var plainText: String {
        type == "text/plain" ? HTMLText.tidy(value) : HTMLText.plainText(fromHTML: value)
    }
}

public struct FeedEntry: Sendable, Equatable {
    public var id: String?
    public var title: FeedText?
    public var link: String?
    public var published: String?
    public var updated: String?
    public var created: String?
    public var author: String?
    public var summary: FeedText?
    public var content: FeedText?
    /// Atom `<source>`: the feed an entry was copied from (aggregators, reposts).
    public var source: FeedSource?
    /// Pictures attached to the entry (absolute URLs, in order, no repeats): RSS `<enclosure>` and Atom
    /// `<link rel="enclosure">` of an image type, Media RSS `<media:content>` of medium or type image.
    public var pictures: [String] = []

    public var publishedDate: Date? { (published ?? updated ?? created).flatMap { FeedDateParser.parse($0) } }

    mutating func addPicture(_ url: String) {
        if !pictures.contains(url) { pictures.append(url) }
    }
}

/// The original feed of a copied Atom entry.
public struct FeedSource: Sendable, Equatable {
    public var id: String?
    public var title: FeedText?
    public var link: String?
    public var updated: String?
}

public struct ParsedFeed: Sendable, Equatable {
    public enum Format: String, Sendable { case rss, rdf, atom10, atom03 }
    public var format: Format
    public var id: String?
    public var title: FeedText?
    public var link: String?
    public var updated: String?
    public var published: String?
    public var created: String?
    public var entries: [FeedEntry]
    /// Entries beyond `FeedParser.maxEntries`, counted but not read (the caller names them in a warning).
    public var omittedEntries = 0
}

/// Why a body could not be read as a feed.
public enum FeedError: Error, CustomStringConvertible, Equatable, Sendable {
    case malformedXML(url: String, line: Int, message: String)
    /// Over `XMLBudget` (entity expansion, depth, size): hostile or absurd, not merely broken.
    case refused(url: String, line: Int, reason: String)
    case notAFeed(url: String, root: String)
    case empty(url: String)

    public var description: String {
        switch self {
        case .malformedXML(let url, let line, let message):
            return "\(url):\(line): not well-formed XML: \(message)"
        case .refused(let url, let line, let reason):
            return "\(url)\(line > 0 ? ":\(line)" : ""): feed refused: \(reason)"
        case .notAFeed(let url, let root):
            if root.lowercased() == "html" {
                return "\(url): an HTML page, not a feed (an error or login page served in place of the feed?)"
            }
            return "\(url): root element <\(root)> is not RSS, RDF or Atom"
        case .empty(let url):
            return "\(url): empty body, no feed"
        }
    }
}

/// RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 with libxml2 (DTDs and external entities are never loaded).
public enum FeedParser {
    static let atom10 = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let dcterms = "http://purl.org/dc/terms/"
    static let contentNS = "http://purl.org/rss/1.0/modules/content/"

    public static func parse(_ data: Data, url: String, encoding: String? = nil) throws(FeedError) -> ParsedFeed {
        let trimmedStart = data.prefix(512).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        guard !trimmedStart.isEmpty else { throw .empty(url: url) }
        let head = String(decoding: trimmedStart.prefix(256), as: UTF8.self).lowercased()
        if head.hasPrefix("<!doctype html") || head.hasPrefix("<html") { throw .notAFeed(url: url, root: "html") }

        let doc: xmlDocPtr
        switch XML.parseStrict(data, url: url, encoding: encoding) {
        case .success(let d): doc = d
        case .failure(let f) where f.refused: throw .refused(url: url, line: f.line, reason: f.message)
        case .failure(let f): throw .malformedXML(url: url, line: f.line, message: f.message)
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { throw .empty(url: url) }
        let name = XML.localName(root)
        let ns = XML.namespace(root)
        switch (name, ns) {
        case ("feed", atom10): return parseAtom(root, format: .atom10)
        case ("feed", atom03): return parseAtom(root, format: .atom03)
        case ("feed", nil): return parseAtom(root, format: .atom10)
        case ("rss", _): return parseRSS(root, format: .rss)
        case ("RDF", _): return parseRSS(root, format: .rdf)
        default: throw .notAFeed(url: url, root: name)
        }
    }

    // MARK: Atom

    static func atomText(_ node: XMLNodePtr) -> FeedText {
        let type = (XML.attribute(node, "type") ?? "text").lowercased()
        let mode = XML.attribute(node, "mode")?.lowercased()
        switch type {
        case "xhtml", "application/xhtml+xml":
            // The content is a single xhtml:div whose children are the value.
            let divs = XML.children(node).filter { XML.localName($0) == "div" }
            let value = divs.count == 1 ? XML.innerXML(divs[0]) : XML.innerXML(node)
            return FeedText(value: value.trimmingCharacters(in: .whitespacesAndNewlines), type: "application/xhtml+xml")
        case "html", "text/html":
            return FeedText(value: XML.text(node), type: "text/html")
        default:
            if mode == "xml" { return FeedText(value: XML.innerXML(node), type: "text/html") }
            // RFC 4287 §4.1.3.3: other media types carry Base64 (Atom 0.3: mode="base64").
            let isTextual = type == "text" || type.hasPrefix("text/") || type.hasSuffix("+xml") || type.hasSuffix("/xml")
            if mode == "base64" || !isTextual {
                let compact = XML.text(node).filter { !$0.isWhitespace }
                if let data = Data(base64Encoded: compact), let decoded = String(data: data, encoding: .utf8) {
                    return FeedText(value: decoded, type: type == "text" || !isTextual ? "text/html" : type)
                }
            }
            if type.hasPrefix("text/") && type != "text/plain" { return FeedText(value: XML.text(node), type: type) }
            return FeedText(value: XML.text(node), type: "text/plain")
        }
    }

    static func atomLink(_ node: XMLNodePtr) -> String? {
        let links = XML.children(node).filter { XML.localName($0) == "link" && isAtom($0) }
        let alternate = links.first { l in
            (XML.attribute(l, "rel") ?? "alternate") == "alternate" && XML.attribute(l, "href") != nil
        }
        if let link = alternate, let href = XML.attribute(link, "href") {
            return XML.resolve(href.trimmingCharacters(in: .whitespaces), base: XML.base(link))
        }
        // Some feeds put the URL in the element's text instead of href.
        let textual = links.first { (XML.attribute($0, "rel") ?? "alternate") == "alternate" }
        let text = textual.map { XML.text($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return text.isEmpty ? nil : XML.resolve(text, base: XML.base(textual!))
    }

    static func isAtom(_ node: XMLNodePtr) -> Bool {
        let ns = XML.namespace(node)
        return ns == atom10 || ns == atom03 || ns == nil
    }

    /// Entries read from one document: real feeds hold tens or hundreds; 120,000 items (9.5 MB) took 6.5 s to turn
    /// into posts, beyond the hostile-input budget (2 s per 10 MB), so the rest are counted, not read.
    public static let maxEntries = 10_000

    static func parseAtom(_ root: XMLNodePtr, format: ParsedFeed.Format) -> ParsedFeed {
        var feed = ParsedFeed(format: format, entries: [])
        feed.link = atomLink(root)
        for child in XML.children(root) {
            let name = XML.localName(child)
            let ns = XML.namespace(child)
            if ns == dc || ns == dcterms {
                applyDublinCore(name, XML.text(child), updated: &feed.updated, published: &feed.published, created: &feed.created)
                continue
            }
            guard isAtom(child) else { continue }
            switch name {
            case "id": feed.id = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
            case "title": feed.title = atomText(child)
            case "updated", "modified": feed.updated = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
            case "published", "issued": feed.published = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
            case "created": feed.created = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
            case "entry":
                if feed.entries.count < maxEntries { feed.entries.append(parseAtomEntry(child)) } else { feed.omittedEntries += 1 }
            default: break
            }
        }
        return feed
    }

    static func parseAtomEntry(_ node: XMLNodePtr) -> FeedEntry {
        var e = FeedEntry()
        e.link = atomLink(node)
        for child in XML.children(node) {
            let name = XML.localName(child)
            let ns = XML.namespace(child)
            if ns == dc || ns == dcterms {
                if name == "creator" { e.author = e.author ?? XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines) }
                applyDublinCore(name, XML.text(child), updated: &e.updated, published: &e.published, created: &e.created)
                continue
            }
            if let picture = picture(child) { e.addPicture(picture) }
            guard isAtom(child) else { continue }
            let trimmed = { XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines) }
            switch name {
            case "id": e.id = trimmed()
            case "title": e.title = atomText(child)
            case "updated", "modified": e.updated = trimmed()
            case "published", "issued": e.published = trimmed()
            case "created": e.created = trimmed()
            case "summary": e.summary = atomText(child)
            case "content": if e.content == nil { e.content = atomText(child) }
            case "source":
                let f = parseAtom(child, format: .atom10)
                e.source = FeedSource(id: f.id, title: f.title, link: f.link, updated: f.updated)
            case "author":
                if e.author == nil, let n = XML.children(child).first(where: { XML.localName($0) == "name" }) {
                    e.author = XML.text(n).trimmingCharacters(in: .whitespacesAndNewlines)
                }
            default: break
            }
        }
        return e
    }

    // MARK: RSS / RDF

    static func parseRSS(_ root: XMLNodePtr, format: ParsedFeed.Format) -> ParsedFeed {
        var feed = ParsedFeed(format: format, entries: [])
        var itemNodes: [XMLNodePtr] = []
        let channels = XML.children(root).filter { XML.localName($0) == "channel" }
        for channel in channels {
            for child in XML.children(channel) {
                let name = XML.localName(child)
                let ns = XML.namespace(child)
                if ns == dc || ns == dcterms {
                    if feed.title == nil { feed.title = dcTitle(name, child) }
                    applyDublinCore(name, XML.text(child), updated: &feed.updated, published: &feed.published, created: &feed.created)
                    continue
                }
                if ns == atom10 {
                    if name == "link", feed.link == nil, (XML.attribute(child, "rel") ?? "alternate") == "alternate",
                        let href = XML.attribute(child, "href")
                    {
                        feed.link = XML.resolve(href, base: XML.base(child))
                    }
                    continue
                }
                switch name {
                case "title": feed.title = FeedText(value: XML.text(child), type: "text/plain")
                case "link":
                    let text = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !text.isEmpty { feed.link = XML.resolve(text, base: XML.base(child)) }
                case "lastBuildDate": feed.updated = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
                case "pubDate": feed.published = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
                case "item": itemNodes.append(child)
                default: break
                }
            }
        }
        // RSS 0.9/1.0 keep items beside the channel.
        itemNodes += XML.children(root).filter { XML.localName($0) == "item" }
        feed.entries = itemNodes.prefix(maxEntries).map(parseRSSItem)
        feed.omittedEntries = max(0, itemNodes.count - maxEntries)
        return feed
    }

    static func parseRSSItem(_ node: XMLNodePtr) -> FeedEntry {
        var e = FeedEntry()
        var guidIsPermalink = false
        var guid: String?
        var description: FeedText?
        for child in XML.children(node) {
            let name = XML.localName(child)
            let ns = XML.namespace(child)
            let trimmed = { XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines) }
            if let picture = picture(child) { e.addPicture(picture) }
            if ns == dc || ns == dcterms {
                if name == "creator" && e.author == nil { e.author = trimmed() }
                if e.title == nil { e.title = dcTitle(name, child) }
                applyDublinCore(name, XML.text(child), updated: &e.updated, published: &e.published, created: &e.created)
                continue
            }
            if ns == contentNS {
                if name == "encoded" { e.content = FeedText(value: XML.text(child), type: "text/html") }
                continue
            }
            if ns == atom10 {
                if name == "link", e.link == nil, (XML.attribute(child, "rel") ?? "alternate") == "alternate",
                    let href = XML.attribute(child, "href")
                {
                    e.link = XML.resolve(href, base: XML.base(child))
                }
                continue
            }
            switch name {
            case "title": e.title = FeedText(value: XML.text(child), type: "text/plain")
            case "link":
                let t = trimmed()
                if !t.isEmpty { e.link = XML.resolve(t, base: XML.base(child)) }
            case "guid":
                guid = trimmed()
                let permalink = (XML.attribute(child, "isPermaLink") ?? "true").lowercased()
                guidIsPermalink = permalink != "false"
            case "description": description = FeedText(value: XML.text(child), type: "text/html")
            case "pubDate": e.published = trimmed()
            case "author": if e.author == nil { e.author = trimmed() }
            case "source":
                e.source = FeedSource(
                    title: FeedText(value: XML.text(child), type: "text/plain"), link: XML.attribute(child, "url"))
            default: break
            }
        }
        if e.id == nil, let about = XML.attribute(node, "about", namespace: rdf) { e.id = about }
        if let guid, !guid.isEmpty {
            e.id = guid
            if e.link == nil && guidIsPermalink { e.link = XML.resolve(guid, base: XML.base(node)) }
        }
        e.summary = description
        return e
    }

    static let mediaRSS = "http://search.yahoo.com/mrss/"

    /// The URL of a picture an entry's child element attaches, if it is one: an RSS `<enclosure url type="image/…">`,
    /// an Atom `<link rel="enclosure" type="image/…" href>`, or a Media RSS `<media:content>` whose medium is image
    /// or whose type is image/… (also inside `<media:group>`). Resolved against xml:base; only http(s).
    static func picture(_ child: XMLNodePtr) -> String? {
        let name = XML.localName(child)
        let ns = XML.namespace(child) ?? ""
        var url: String?
        var type = ""
        switch (name, ns) {
        case ("enclosure", ""):
            url = XML.attribute(child, "url")
            type = XML.attribute(child, "type") ?? ""
        case ("link", _) where isAtom(child) && XML.attribute(child, "rel") == "enclosure":
            url = XML.attribute(child, "href")
            type = XML.attribute(child, "type") ?? ""
        case ("content", mediaRSS):
            url = XML.attribute(child, "url")
            type = XML.attribute(child, "medium") == "image" ? "image/" : (XML.attribute(child, "type") ?? "")
        case ("group", mediaRSS):
            return XML.children(child).lazy.compactMap(picture).first
        default: return nil
        }
        guard let raw = url?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty, type.lowercased().hasPrefix("image/") else { return nil }
        let resolved = XML.resolve(raw, base: XML.base(child))
        let lower = resolved.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") ? resolved : nil
    }

    static func dcTitle(_ name: String, _ node: XMLNodePtr) -> FeedText? {
        name == "title" ? FeedText(value: XML.text(node), type: "text/plain") : nil
    }

    static func applyDublinCore(_ name: String, _ value: String, updated: inout String?, published: inout String?, created: inout String?) {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        switch name {
        case "date", "modified": if updated == nil { updated = v }
        case "issued": if published == nil { published = v }
        case "created": if created == nil { created = v }
        default: break
        }
    }
}

