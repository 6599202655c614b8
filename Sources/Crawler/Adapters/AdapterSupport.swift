import CLibXML2
import Foundation
import Net

/// An HTML document parsed with libxml2's forgiving parser, with XPath over it. Local to one `extract` call.
final class AdapterHTMLDocument {
    let doc: htmlDocPtr
    private let ctx: xmlXPathContextPtr

    /// Parses `data` as UTF-8 HTML. Invalid UTF-8 is replaced by U+FFFD first: libxml2 would otherwise switch the
    /// rest of the document to Latin-1 at the first bad byte.
    /// Nil when the page is empty; throws when it exceeds `XMLBudget`.
    init?(_ data: Data, url: String) throws(AdapterError) {
        let clean = Data(String(decoding: data, as: UTF8.self).utf8)
        let parsed: htmlDocPtr
        switch XML.parseHTML(clean, url: url, encoding: "UTF-8", extraOptions: Int32(HTML_PARSE_COMPACT.rawValue)) {
        case .success(let d): parsed = d
        case .failure(let f) where f.refused: throw AdapterError(url: url, message: "page refused: \(f.message)")
        case .failure: return nil
        }
        guard let context = xmlXPathNewContext(parsed) else {
            xmlFreeDoc(parsed)
            return nil
        }
        doc = parsed
        ctx = context
    }

    deinit {
        xmlXPathFreeContext(ctx)
        xmlFreeDoc(doc)
    }

    var root: XMLNodePtr? { xmlDocGetRootElement(doc) }

    /// Nodes selected by `xpath`, relative to `node` (the document when nil). Empty for an invalid expression.
    func nodes(_ xpath: String, in node: XMLNodePtr? = nil) -> [XMLNodePtr] {
        ctx.pointee.node = node ?? root
        guard let obj = xmlXPathEvalExpression(xpath, ctx) else { return [] }
        defer { xmlXPathFreeObject(obj) }
        return Self.nodeSet(obj)
    }

    func first(_ xpath: String, in node: XMLNodePtr? = nil) -> XMLNodePtr? { nodes(xpath, in: node).first }

    static func nodeSet(_ obj: xmlXPathObjectPtr) -> [XMLNodePtr] {
        guard obj.pointee.type == XPATH_NODESET, let set = obj.pointee.nodesetval else { return [] }
        let count = Int(set.pointee.nodeNr)
        guard count > 0, let tab = set.pointee.nodeTab else { return [] }
        return (0..<count).compactMap { tab[$0] }
    }

    /// A string-valued XPath result (`string(...)`, `@attr`), whitespace-trimmed; nil when empty.
    func string(_ xpath: String, in node: XMLNodePtr? = nil) -> String? {
        ctx.pointee.node = node ?? root
        guard let obj = xmlXPathEvalExpression(xpath, ctx) else { return nil }
        defer { xmlXPathFreeObject(obj) }
        let value: String?
        switch obj.pointee.type {
        case XPATH_NODESET:
            value = Self.nodeSet(obj).first.map { XML.text($0) }
        case XPATH_STRING:
            value = XML.string(obj.pointee.stringval)
        default:
            value = nil
        }
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed?.isEmpty == false ? trimmed : nil
    }
}

/// XPath predicate for "has the class token `name`".
func xpathHasClass(_ name: String) -> String {
    "contains(concat(' ', normalize-space(@class), ' '), ' \(name) ')"
}

extension XML {
    static func hasClass(_ node: XMLNodePtr, _ name: String) -> Bool {
        guard let cls = attribute(node, "class") else { return false }
        return cls.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains { $0 == name }
    }
}

enum AdapterJSON {
    /// Parses JSON, turning a syntax error into an `AdapterError` that says where the error is.
    static func object(_ data: Data, url: String) throws(AdapterError) -> Any {
        guard !data.isEmpty else { throw AdapterError(url: url, message: "empty body, expected JSON") }
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw AdapterError(url: url, message: "malformed JSON: \(describe(error, data: data))")
        }
    }

    /// Decodes `T`, naming the JSON path of a value of the wrong shape.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, url: String, what: String) throws(AdapterError)
        -> T
    {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw AdapterError(url: url, message: "\(what): \(describe(error, data: data))")
        }
    }

    static func describe(_ error: any Error, data: Data) -> String {
        if let decoding = error as? DecodingError {
            func path(_ c: DecodingError.Context) -> String {
                let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                return p.isEmpty ? "at the top level" : "at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
            }
            switch decoding {
            case .typeMismatch(let type, let c):
                return "expected \(type) \(path(c)): \(c.debugDescription)"
            case .valueNotFound(let type, let c):
                return "missing \(type) value \(path(c))"
            case .keyNotFound(let key, let c):
                return "missing key \"\(key.stringValue)\" \(path(c))"
            case .dataCorrupted(let c):
                if let underlying = c.underlyingError { return describe(underlying, data: data) }
                return "\(c.debugDescription) \(path(c))"
            @unknown default:
                return "\(decoding)"
            }
        }
        let ns = error as NSError
        var message = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
        // Foundation says "around character 30"; say where that is.
        if !message.contains("line") {
            let index = (ns.userInfo["NSJSONSerializationErrorIndex"] as? Int)
                ?? message.firstMatch(of: /character (\d+)/).flatMap { Int($0.1) }
            if let index {
                let (line, column) = lineAndColumn(of: index, in: data)
                message += " (line \(line), column \(column))"
            }
        }
        return message
    }

    /// 1-based line and column (in bytes) of a byte offset.
    static func lineAndColumn(of offset: Int, in data: Data) -> (Int, Int) {
        var line = 1, column = 1
        for (i, b) in data.enumerated() {
            if i >= offset { break }
            if b == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

enum AdapterURL {
    /// `url` with the query parameter `name` set to `value` (replaced when present, others kept in order);
    /// parameters in `removing` are dropped.
    static func setting(_ name: String, to value: String, in url: String, removing: Set<String> = []) -> String? {
        guard var components = URLComponents(string: url) else { return nil }
        var items = (components.queryItems ?? []).filter { $0.name != name && !removing.contains($0.name) }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.string
    }

    /// "scheme://host[:port]" of an http(s) URL; nil for file: and unparsable URLs.
    static func origin(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = c.host, !host.isEmpty
        else { return nil }
        return "\(scheme)://\(host)" + (c.port.map { ":\($0)" } ?? "")
    }

    /// A query parameter's value.
    static func query(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }

    /// Resolves a possibly relative reference against `base`.
    static func resolve(_ reference: String, against base: String) -> String {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        if let u = URL(string: trimmed, relativeTo: URL(string: base)) { return u.absoluteString }
        return XML.resolve(trimmed, base: base)
    }
}

/// Joins non-empty warnings for `extra["warning"]`.
func joinedWarnings(_ warnings: [String]) -> String? {
    let w = warnings.filter { !$0.isEmpty }
    return w.isEmpty ? nil : w.joined(separator: "; ")
}
