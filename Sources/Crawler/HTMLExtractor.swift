import CLibXML2
import Foundation
import SieveCore

/// Why an HTML page could not be turned into posts.
public enum ExtractionError: Error, CustomStringConvertible, Equatable, Sendable {
    case unparsable(url: String)
    case badXPath(url: String, rule: String, expression: String)
    case noItems(url: String, expression: String)

    public var description: String {
        switch self {
        case .unparsable(let url): return "\(url): could not be parsed as HTML"
        case .badXPath(let url, let rule, let expression):
            return "\(url): rules.\(rule) is not a valid XPath expression: \(expression)"
        case .noItems(let url, let expression):
            return "\(url): rules.item \(expression) matched nothing (page layout changed, or an error page?)"
        }
    }
}

/// Extracts posts from an HTML page with XPath rules (libxml2's forgiving HTML parser).
public enum HTMLExtractor {
    static let taipei = TimeZone(identifier: "Asia/Taipei")!

    public static func extract(_ data: Data, url: String, rules: HTMLRules, encoding: String? = nil)
        throws(ExtractionError) -> [ExtractedPost]
    {
        silenceLibXML()
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_RECOVER.rawValue
            | HTML_PARSE_NONET.rawValue)
        let doc: htmlDocPtr? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            return htmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), url, encoding, options)
        }
        guard let doc else { throw .unparsable(url: url) }
        defer { xmlFreeDoc(doc) }
        guard let ctx = xmlXPathNewContext(doc) else { throw .unparsable(url: url) }
        defer { xmlXPathFreeContext(ctx) }

        // Compile every rule first so a typo is reported even when the page has no items.
        var compiled: [String: xmlXPathCompExprPtr] = [:]
        defer { compiled.values.forEach { xmlXPathFreeCompExpr($0) } }
        let named: [(String, String?)] = [
            ("item", rules.item), ("id", rules.id), ("title", rules.title), ("link", rules.link),
            ("author", rules.author), ("published", rules.published), ("text", rules.text),
        ]
        for (rule, expression) in named {
            guard let expression else { continue }
            guard let c = xmlXPathCompile(expression) else {
                throw .badXPath(url: url, rule: rule, expression: expression)
            }
            compiled[rule] = c
        }

        guard let itemResult = xmlXPathCompiledEval(compiled["item"], ctx) else {
            throw .badXPath(url: url, rule: "item", expression: rules.item)
        }
        defer { xmlXPathFreeObject(itemResult) }
        let items = nodes(itemResult)
        guard !items.isEmpty else { throw .noItems(url: url, expression: rules.item) }

        let pageBase = XML.base(xmlDocGetRootElement(doc) ?? items[0]) ?? url
        var posts: [ExtractedPost] = []
        for item in items {
            func value(_ rule: String) -> String? {
                guard let expr = compiled[rule] else { return nil }
                ctx.pointee.node = item
                guard let obj = xmlXPathCompiledEval(expr, ctx) else { return nil }
                defer { xmlXPathFreeObject(obj) }
                let v = stringValue(obj)
                return v?.isEmpty == true ? nil : v
            }
            guard let text = value("text") else { continue }
            let title = value("title")
            let link = value("link").map { XML.resolve($0, base: pageBase) }
            let published = value("published").flatMap { FeedDateParser.parse($0, defaultZone: taipei) }
            let id = value("id") ?? link ?? stableHash(title ?? "", text)
            posts.append(
                ExtractedPost(
                    externalID: id, url: link, title: title, author: value("author"), published: published, text: text))
        }
        return posts
    }

    static func nodes(_ obj: xmlXPathObjectPtr) -> [XMLNodePtr] {
        guard obj.pointee.type == XPATH_NODESET, let set = obj.pointee.nodesetval else { return [] }
        let count = Int(set.pointee.nodeNr)
        guard count > 0, let tab = set.pointee.nodeTab else { return [] }
        return (0..<count).compactMap { tab[$0] }
    }

    /// The first node's visible text, or a string/number result.
    static func stringValue(_ obj: xmlXPathObjectPtr) -> String? {
        switch obj.pointee.type {
        case XPATH_NODESET:
            guard let first = nodes(obj).first else { return nil }
            return HTMLText.text(of: first)
        case XPATH_STRING:
            return XML.string(obj.pointee.stringval).map(HTMLText.tidy)
        case XPATH_NUMBER:
            let d = obj.pointee.floatval
            return d == d.rounded() ? String(Int(d)) : String(d)
        case XPATH_BOOLEAN:
            return obj.pointee.boolval != 0 ? "true" : "false"
        default:
            return nil
        }
    }
}

/// A stable id for items that have none: FNV-1a 64 over the given strings.
func stableHash(_ parts: String...) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for part in parts {
        for b in part.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        h ^= 0xff
        h = h &* 0x100_0000_01b3
    }
    return "h:" + String(h, radix: 16)
}

/// libxml2 prints XPath and parser errors to stderr by default; Sieve reports them itself.
/// The handlers are per thread in a threaded libxml2, so this is called before each use.
func silenceLibXML() {
    xmlSetStructuredErrorFunc(nil) { _, _ in }
}
