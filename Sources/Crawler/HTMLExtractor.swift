import CLibXML2
import Foundation
import Net
import SieveCore

/// Why an HTML page could not be turned into posts.
public enum ExtractionError: Error, CustomStringConvertible, Equatable, Sendable {
    case unparsable(url: String)
    /// Over `XMLBudget` (nesting, size, markup count): the page is refused by name, never cut short silently.
    case refused(url: String, reason: String)
    case badXPath(url: String, rule: String, expression: String)
    case noItems(url: String, expression: String)

    public var description: String {
        switch self {
        case .unparsable(let url): return "\(url): could not be parsed as HTML"
        case .refused(let url, let reason): return "\(url): page refused: \(reason)"
        case .badXPath(let url, let rule, let expression):
            return "\(url): rules.\(rule) is not a valid XPath expression: \(expression)"
        case .noItems(let url, let expression):
            return "\(url): rules.item \(expression) matched nothing (page layout changed, or an error page?)"
        }
    }
}

/// Extracts posts and links from HTML with XPath rules (libxml2's forgiving HTML parser).
public enum HTMLExtractor {

    /// A listing page: posts selected by `item` (read with `fields`), item pages by `follow`, the next page by `next`.
    public static func extract(_ data: Data, url: String, rules: HTMLRules, encoding: String? = nil)
        throws(ExtractionError) -> AdapterResult
    {
        let page = try Page(data, url: url, encoding: encoding)
        var result = AdapterResult()
        if let item = rules.item, let fields = rules.fields {
            let matched = try page.nodes(item, rule: "item", context: nil)
            if matched.isEmpty && rules.follow == nil { throw .noItems(url: url, expression: item) }
            // Fields are read inside each item, so an item's cost is its subtree: items nested in items (a page can
            // nest thousands) would cost the square of the page. The outermost ones are read; the nested ones are
            // inside their text already, and counted in a warning.
            let items = outermost(matched)
            if items.count < matched.count {
                result.warnings.append("\(url): \(matched.count - items.count) item(s) nested inside other items read as part of them (rules.item \(item))")
            }
            for node in items.prefix(maxItemsPerPage) {
                if let post = try page.post(fields, node: node) { result.posts.append(post) }
            }
            if items.count > maxItemsPerPage {
                result.warnings.append("\(url): \(items.count) items on one page; the first \(maxItemsPerPage) were read")
            }
        }
        if let follow = rules.follow {
            for link in try page.strings(follow, rule: "follow") {
                result.follow.append(FollowLink(url: XML.resolve(link, base: page.base), role: .item))
            }
        }
        if let next = rules.next, let link = try page.strings(next, rule: "next").first {
            result.follow.append(FollowLink(url: XML.resolve(link, base: page.base), role: .page))
        }
        return result
    }

    /// Posts read from one listing page at most.
    public static let maxItemsPerPage = 10_000

    /// The nodes of `nodes` that have no ancestor in `nodes`, in order. Each ancestor is looked at once overall
    /// (what is known about it is remembered), so this is linear in the document however deep it nests.
    static func outermost(_ nodes: [XMLNodePtr]) -> [XMLNodePtr] {
        guard nodes.count > 1 else { return nodes }
        let matched = Set(nodes.map { UnsafeMutableRawPointer($0) })
        var known: [UnsafeMutableRawPointer: Bool] = [:]  // node → has a matched ancestor (or is matched)
        var out: [XMLNodePtr] = []
        for node in nodes {
            var path: [UnsafeMutableRawPointer] = []
            var inside = false
            var p = node.pointee.parent
            while let q = p {
                let key = UnsafeMutableRawPointer(q)
                if matched.contains(key) { inside = true; break }
                if let k = known[key] { inside = k; break }
                path.append(key)
                p = q.pointee.parent
            }
            for key in path { known[key] = inside }
            if !inside { out.append(node) }
        }
        return out
    }

    /// An item page: one post read with `fields` from the whole document.
    public static func extractArticle(_ data: Data, url: String, fields: HTMLFields, encoding: String? = nil)
        throws(ExtractionError) -> ExtractedPost?
    {
        let page = try Page(data, url: url, encoding: encoding)
        guard let root = xmlDocGetRootElement(page.doc) else { throw .unparsable(url: url) }
        guard var post = try page.post(fields, node: root) else { return nil }
        if post.url == nil { post.url = url }
        if fields.id == nil { post.externalID = url }
        return post
    }

    /// A parsed document with its XPath context; frees both when released.
    final class Page {
        let doc: htmlDocPtr
        let ctx: xmlXPathContextPtr
        let url: String
        let base: String
        var compiled: [String: xmlXPathCompExprPtr] = [:]

        init(_ data: Data, url: String, encoding: String?) throws(ExtractionError) {
            let parsed: htmlDocPtr
            switch XML.parseHTML(data, url: url, encoding: encoding) {
            case .success(let d): parsed = d
            case .failure(let f) where f.refused: throw .refused(url: url, reason: f.message)
            case .failure: throw .unparsable(url: url)
            }
            guard let ctx = xmlXPathNewContext(parsed) else {
                xmlFreeDoc(parsed)
                throw .unparsable(url: url)
            }
            self.doc = parsed
            self.ctx = ctx
            self.url = url
            // <base href> wins over the page URL.
            var base = url
            if let obj = xmlXPathEvalExpression("//base/@href", ctx) {
                if let href = HTMLExtractor.stringValue(obj), !href.isEmpty { base = XML.resolve(href, base: url) }
                xmlXPathFreeObject(obj)
            }
            self.base = base
        }

        deinit {
            compiled.values.forEach { xmlXPathFreeCompExpr($0) }
            xmlXPathFreeContext(ctx)
            xmlFreeDoc(doc)
        }

        func expression(_ expr: String, rule: String) throws(ExtractionError) -> xmlXPathCompExprPtr {
            if let c = compiled[expr] { return c }
            guard let c = xmlXPathCompile(expr) else { throw .badXPath(url: url, rule: rule, expression: expr) }
            compiled[expr] = c
            return c
        }

        func evaluate(_ expr: String, rule: String, context node: XMLNodePtr?) throws(ExtractionError) -> xmlXPathObjectPtr? {
            let c = try expression(expr, rule: rule)
            ctx.pointee.node = node ?? xmlDocGetRootElement(doc)
            return xmlXPathCompiledEval(c, ctx)
        }

        func nodes(_ expr: String, rule: String, context node: XMLNodePtr?) throws(ExtractionError) -> [XMLNodePtr] {
            guard let obj = try evaluate(expr, rule: rule, context: node) else {
                throw .badXPath(url: url, rule: rule, expression: expr)
            }
            defer { xmlXPathFreeObject(obj) }
            return HTMLExtractor.nodes(obj)
        }

        /// Every match's string value (for link lists).
        func strings(_ expr: String, rule: String) throws(ExtractionError) -> [String] {
            guard let obj = try evaluate(expr, rule: rule, context: nil) else {
                throw .badXPath(url: url, rule: rule, expression: expr)
            }
            defer { xmlXPathFreeObject(obj) }
            if obj.pointee.type == XPATH_NODESET {
                return HTMLExtractor.nodes(obj).map { HTMLText.text(of: $0) }.filter { !$0.isEmpty }
            }
            return HTMLExtractor.stringValue(obj).map { [$0] } ?? []
        }

        func value(_ expr: String?, rule: String, node: XMLNodePtr) throws(ExtractionError) -> String? {
            guard let expr else { return nil }
            guard let obj = try evaluate(expr, rule: rule, context: node) else { return nil }
            defer { xmlXPathFreeObject(obj) }
            let v = HTMLExtractor.stringValue(obj)
            return v?.isEmpty == true ? nil : v
        }

        func post(_ f: HTMLFields, node: XMLNodePtr) throws(ExtractionError) -> ExtractedPost? {
            guard let text = try value(f.text, rule: "text", node: node) else { return nil }
            let title = try value(f.title, rule: "title", node: node)
            let link = try value(f.link, rule: "link", node: node).map { XML.resolve($0, base: base) }
            let published = try value(f.published, rule: "published", node: node).flatMap {
                FeedDateParser.parse($0, defaultZone: TaipeiTime.zone)
            }
            let id = try value(f.id, rule: "id", node: node) ?? link ?? stableHash(title ?? "", text)
            return ExtractedPost(
                externalID: id, url: link, title: title, author: try value(f.author, rule: "author", node: node),
                published: published, text: text)
        }
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
    var h = FNV1a()
    for part in parts {
        h.add(bytes: part.utf8)
        h.add(0xff)
    }
    return "h:" + String(h.value, radix: 16)
}

