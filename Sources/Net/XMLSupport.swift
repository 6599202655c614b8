import CLibXML2
import Foundation

package typealias XMLNodePtr = UnsafeMutablePointer<xmlNode>

/// Small helpers over libxml2's tree. All strings are copied out; nothing here outlives its document.
package enum XML {
    package static func string(_ p: UnsafePointer<xmlChar>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    package static func localName(_ node: XMLNodePtr) -> String { string(node.pointee.name) ?? "" }

    package static func namespace(_ node: XMLNodePtr) -> String? {
        guard let ns = node.pointee.ns else { return nil }
        return string(ns.pointee.href)
    }

    package static func isElement(_ node: XMLNodePtr) -> Bool { node.pointee.type == XML_ELEMENT_NODE }

    package static func children(_ node: XMLNodePtr) -> [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        var child = node.pointee.children
        while let c = child {
            if isElement(c) { out.append(c) }
            child = c.pointee.next
        }
        return out
    }

    /// All text below `node` (libxml2's string value).
    package static func text(_ node: XMLNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { free(content) }
        return string(content) ?? ""
    }

    package static func attribute(_ node: XMLNodePtr, _ name: String, namespace: String? = nil) -> String? {
        let value: UnsafeMutablePointer<xmlChar>?
        if let namespace {
            value = xmlGetNsProp(node, name, namespace)
        } else {
            value = xmlGetNoNsProp(node, name)
        }
        guard let value else { return nil }
        defer { free(value) }
        return string(value)
    }

    /// The effective base URI of a node (xml:base on it and its ancestors, then the document URL).
    package static func base(_ node: XMLNodePtr) -> String? {
        guard let b = xmlNodeGetBase(node.pointee.doc, node) else { return nil }
        defer { free(b) }
        return string(b)
    }

    /// Resolves `reference` against `base` (RFC 3986), keeping it unchanged when that fails.
    package static func resolve(_ reference: String, base: String?) -> String {
        guard let base, !base.isEmpty else { return reference }
        guard let built = xmlBuildURI(reference, base) else { return reference }
        defer { free(built) }
        return string(built) ?? reference
    }

    /// Serialises the children of `node` as XML (for Atom type="xhtml" content).
    package static func innerXML(_ node: XMLNodePtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        var child = node.pointee.children
        while let c = child {
            xmlNodeDump(buffer, node.pointee.doc, c, 0, 0)
            child = c.pointee.next
        }
        return string(xmlBufferContent(buffer)) ?? ""
    }
}

/// The budget every XML or HTML document Sieve reads must fit, whatever its source (a feed, a sitemap, a CAP
/// file, an Atom list of CAP alerts, a page): a document within it parses in well under 2 s and 256 MB; one beyond
/// it is refused with a named reason instead of exhausting the machine. libxml2 runs with XML_PARSE_HUGE (so
/// legitimately deep pages are read whole, not cut off at its 256-level default), no network, no DTD loading and
/// no entity substitution; these limits take the place of the guards HUGE turns off.
package enum XMLBudget {
    /// Bytes of input (the crawler's own `max_body_bytes` is 10 MB; files given on the command line are checked here).
    package static let maxBytes = 32 << 20
    /// Markup: `<` characters. Each element costs libxml2 about 120 bytes of tree, so this bounds its memory.
    package static let maxMarkup = 1_000_000
    /// Markup of an HTML page: its elements carry attributes and text nodes, about 800 bytes of libxml2 tree per
    /// element with a class (180,000 posts in 10 MB, 720,000 tags: 283 MB peak); the biggest real pages have tens of
    /// thousands of tags.
    package static let maxPageMarkup = 400_000
    /// Element nesting. Real pages stay under a few hundred; the tree walkers here are iterative, but XPath and the
    /// callers' code need a bound.
    package static let maxDepth = 4096
    /// Bytes that internal entity references may expand to, in all (a "billion laughs" expands to gigabytes).
    package static let maxEntityExpansion = 1 << 20
    /// Entity declarations in a document's internal subset.
    package static let maxEntityDeclarations = 1000
}

extension XML {
    /// Why a document could not be used: not well-formed (the first error and its line), or refused because it
    /// exceeds `XMLBudget` (`refused`: hostile or absurd, not merely broken).
    package struct ParseFailure: Error, CustomStringConvertible {
        package var line: Int
        package var message: String
        package var refused = false

        package init(line: Int, message: String, refused: Bool = false) {
            self.line = line
            self.message = message
            self.refused = refused
        }

        /// "line 3: not well-formed XML: …" or "refused: …".
        package var description: String {
            refused ? "refused: \(message)" : "line \(line): not well-formed XML: \(message)"
        }
    }

    /// Parses well-formed XML: no network, no DTD loading, no entity substitution (XXE-safe), CDATA merged into
    /// text, within `XMLBudget` (internal entities may be declared, but not expand past the budget). The caller frees
    /// the document with xmlFreeDoc.
    package static func parseStrict(_ data: Data, url: String, encoding: String?) -> Result<xmlDocPtr, ParseFailure> {
        if let refusal = precheck(data, what: "document") { return .failure(refusal) }
        silenceLibXML()
        guard let ctxt = xmlNewParserCtxt() else { return .failure(ParseFailure(line: 0, message: "out of memory")) }
        defer { xmlFreeParserCtxt(ctxt) }
        let firstError = FirstXMLError()
        let box = Unmanaged.passRetained(firstError)
        defer { box.release() }
        ctxt.pointee._private = box.toOpaque()
        ctxt.pointee.sax.pointee.serror = { userData, error in
            guard let userData, let error else { return }
            let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let priv = ctxt.pointee._private else { return }
            let first = Unmanaged<FirstXMLError>.fromOpaque(priv).takeUnretainedValue()
            guard first.line == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            first.line = Int(error.pointee.line)
            first.message = error.pointee.message.map { String(cString: $0) }?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue
            | XML_PARSE_HUGE.rawValue)
        let doc: xmlDocPtr? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            return xmlCtxtReadMemory(ctxt, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), url, encoding, options)
        }
        guard let doc, ctxt.pointee.wellFormed != 0 else {
            if let doc { xmlFreeDoc(doc) }
            let last = ctxt.pointee.lastError
            return .failure(ParseFailure(
                line: firstError.line ?? Int(last.line),
                message: firstError.message
                    ?? last.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
                    ?? "parse error"))
        }
        if let refusal = checkTree(doc, what: "document") {
            xmlFreeDoc(doc)
            return .failure(refusal)
        }
        return .success(doc)
    }

    /// Parses HTML with libxml2's forgiving parser (no network, errors silenced), within `XMLBudget`. Deeply nested
    /// pages are read whole (HUGE), up to `XMLBudget.maxDepth`; beyond it the page is refused by name rather than
    /// silently cut short. The caller frees the document with xmlFreeDoc.
    package static func parseHTML(_ data: Data, url: String?, encoding: String?, extraOptions: Int32 = 0)
        -> Result<htmlDocPtr, ParseFailure>
    {
        if let refusal = precheck(data, what: "page", maxMarkup: XMLBudget.maxPageMarkup) { return .failure(refusal) }
        silenceLibXML()
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_RECOVER.rawValue
            | HTML_PARSE_NONET.rawValue | XML_PARSE_HUGE.rawValue) | extraOptions
        let parsed: htmlDocPtr? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return nil }
            return htmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), url, encoding, options)
        }
        guard let parsed else { return .failure(ParseFailure(line: 0, message: "could not be parsed as HTML")) }
        if let refusal = checkTree(parsed, what: "page") {
            xmlFreeDoc(parsed)
            return .failure(refusal)
        }
        return .success(parsed)
    }

    /// Size, markup count and the internal subset's entity declarations, before libxml2 builds anything (libxml2
    /// expands an entity once while parsing an attribute value that refers to it: a bomb must be stopped first).
    static func precheck(_ data: Data, what: String, maxMarkup: Int = XMLBudget.maxMarkup) -> ParseFailure? {
        if data.count > XMLBudget.maxBytes {
            return ParseFailure(
                line: 0, message: "the \(what) is \(bytes(data.count)), more than the \(bytes(XMLBudget.maxBytes)) Sieve reads",
                refused: true)
        }
        return data.withUnsafeBytes { raw -> ParseFailure? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var markup = 0
            for b in bytes where b == 0x3C { markup += 1 }
            if markup > maxMarkup {
                return ParseFailure(
                    line: 0, message: "the \(what) has \(markup) tags, more than the \(maxMarkup) Sieve reads",
                    refused: true)
            }
            let entities = EntityExpansion(declaredIn: bytes)
            if entities.declarations > XMLBudget.maxEntityDeclarations {
                return ParseFailure(
                    line: 0,
                    message: "the \(what) declares \(entities.declarations) entities, more than the \(XMLBudget.maxEntityDeclarations) Sieve reads",
                    refused: true)
            }
            if let name = entities.names.first(where: { entities.size(of: $0) > XMLBudget.maxEntityExpansion }) {
                return ParseFailure(
                    line: 0,
                    message: "the \(what) declares an internal entity &\(name); that expands to more than "
                        + "\(Self.bytes(XMLBudget.maxEntityExpansion)): an entity expansion (\"billion laughs\") attack",
                    refused: true)
            }
            return nil
        }
    }

    /// Depth and entity expansion of a parsed tree, in one iterative walk (attribute values included: libxml2
    /// expands the entity references in them too when they are read).
    static func checkTree(_ doc: xmlDocPtr, what: String) -> ParseFailure? {
        let entities = EntityExpansion(doc)
        var expanded = 0
        var worst: (name: String, size: Int)?
        // Counts one entity reference; a refusal once the expansion is over budget.
        func reference(_ n: XMLNodePtr, line: XMLNodePtr) -> ParseFailure? {
            guard let name = string(n.pointee.name) else { return nil }
            let size = entities.size(of: name)
            expanded = min(expanded + size, Int.max / 2)
            if size > (worst?.size ?? -1) { worst = (name, size) }
            guard expanded > XMLBudget.maxEntityExpansion else { return nil }
            let detail = worst.map { $0.size > XMLBudget.maxEntityExpansion ? " (&\($0.name); alone expands to more)" : "" } ?? ""
            return ParseFailure(
                line: Int(xmlGetLineNo(line)),
                message: "the \(what) declares internal entities whose references expand to more than "
                    + "\(bytes(XMLBudget.maxEntityExpansion))\(detail): an entity expansion (\"billion laughs\") attack",
                refused: true)
        }
        var node: XMLNodePtr? = doc.pointee.children
        var depth = 1
        while let n = node {
            if depth > XMLBudget.maxDepth {
                return ParseFailure(
                    line: Int(xmlGetLineNo(n)),
                    message: "the \(what) nests elements more than \(XMLBudget.maxDepth) levels deep", refused: true)
            }
            if n.pointee.type == XML_ENTITY_REF_NODE, let refusal = reference(n, line: n) { return refusal }
            // The entity references inside attribute values (libxml2 expands them when the value is read).
            if entities.any, n.pointee.type == XML_ELEMENT_NODE {
                var attribute = n.pointee.properties
                while let a = attribute {
                    var child = a.pointee.children
                    while let c = child {
                        if c.pointee.type == XML_ENTITY_REF_NODE, let refusal = reference(c, line: n) { return refusal }
                        child = c.pointee.next
                    }
                    attribute = a.pointee.next
                }
            }
            // An entity reference's children are the entity's own shared content (counted above); a DTD's are
            // declarations.
            if n.pointee.type != XML_ENTITY_REF_NODE, n.pointee.type != XML_DTD_NODE, let child = n.pointee.children {
                node = child
                depth += 1
                continue
            }
            // The next sibling, or the nearest ancestor's.
            node = nil
            var up: XMLNodePtr? = n
            while let u = up, depth > 0 {
                if let next = u.pointee.next {
                    node = next
                    break
                }
                up = u.pointee.parent
                depth -= 1
            }
        }
        return nil
    }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 30 { return String(format: "%.1f GB", Double(n) / Double(1 << 30)) }
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / Double(1 << 10)) }
        return "\(n) bytes"
    }
}

/// The size each internal general entity of a document expands to, references included (memoised; saturating
/// past the budget, so a chain of nested entities costs one pass over the declarations, not their expansion). Read
/// from libxml2's table after parsing, or from the raw declarations before.
final class EntityExpansion {
    private var contents: [String: [UInt8]] = [:]
    private var sizes: [String: Int] = [:]
    /// Declarations seen (the raw scan counts parameter entities too).
    private(set) var declarations = 0
    private static let cap = XMLBudget.maxEntityExpansion + 1

    /// The internal general entities libxml2 recorded for `doc`.
    init(_ doc: xmlDocPtr) {
        guard let dtd = doc.pointee.intSubset, let table = dtd.pointee.entities else { return }
        let box = Unmanaged.passRetained(self)
        defer { box.release() }
        xmlHashScan(OpaquePointer(table), { payload, data, _ in
            guard let payload, let data else { return }
            let me = Unmanaged<EntityExpansion>.fromOpaque(data).takeUnretainedValue()
            let entity = payload.assumingMemoryBound(to: xmlEntity.self)
            guard entity.pointee.etype == XML_INTERNAL_GENERAL_ENTITY, let name = XML.string(entity.pointee.name) else { return }
            let length = Int(entity.pointee.length)
            var bytes: [UInt8] = []
            if let content = entity.pointee.content, length > 0 {
                bytes = Array(UnsafeBufferPointer(start: content, count: length))
            }
            me.contents[name] = bytes
            me.declarations += 1
        }, box.toOpaque())
    }

    /// The `<!ENTITY name "value">` declarations in raw bytes (only looked for when the text has a DOCTYPE; the
    /// first declaration of a name wins, as in XML).
    init(declaredIn bytes: UnsafeBufferPointer<UInt8>) {
        let marker = Array("<!ENTITY".utf8)
        guard bytes.count > marker.count else { return }
        var i = 0
        let n = bytes.count
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        while i + marker.count < n {
            var found: Int?
            var j = i
            while j + marker.count <= n {
                if bytes[j] == 0x3C, bytes[j + 1] == 0x21, bytes[j + 2] == 0x45,
                    (3..<marker.count).allSatisfy({ bytes[j + $0] == marker[$0] })
                {
                    found = j
                    break
                }
                j += 1
            }
            guard let start = found else { break }
            declarations += 1
            var k = start + marker.count
            while k < n, isSpace(bytes[k]) { k += 1 }
            var parameter = false
            if k < n, bytes[k] == 0x25 {  // %: a parameter entity
                parameter = true
                k += 1
                while k < n, isSpace(bytes[k]) { k += 1 }
            }
            let nameStart = k
            while k < n, !isSpace(bytes[k]), bytes[k] != 0x22, bytes[k] != 0x27, bytes[k] != 0x3E { k += 1 }
            let name = String(decoding: bytes[nameStart..<k], as: UTF8.self)
            while k < n, isSpace(bytes[k]) { k += 1 }
            if k < n, bytes[k] == 0x22 || bytes[k] == 0x27 {
                let quote = bytes[k]
                let valueStart = k + 1
                var end = valueStart
                while end < n, bytes[end] != quote { end += 1 }
                if !parameter, !name.isEmpty, contents[name] == nil { contents[name] = Array(bytes[valueStart..<end]) }
                k = end + 1
            }
            i = max(k, start + 1)
        }
    }

    /// Whether the document declares any internal entity at all.
    var any: Bool { !contents.isEmpty }

    var names: [String] { contents.keys.sorted() }

    /// Bytes `&name;` expands to (predefined and unknown — external, never loaded — entities count one byte).
    func size(of name: String, depth: Int = 0) -> Int {
        if let s = sizes[name] { return s }
        guard let content = contents[name] else { return 1 }
        // A reference chain deeper than this is itself the attack; libxml2 refuses loops.
        guard depth < 64 else { return Self.cap }
        sizes[name] = Self.cap  // in progress: a cycle reads as over budget
        var total = 0
        var i = 0
        while i < content.count {
            if content[i] == 0x26, i + 1 < content.count, content[i + 1] != 0x23,
                let end = content[(i + 1)...].firstIndex(of: 0x3B)
            {
                let ref = String(decoding: content[(i + 1)..<end], as: UTF8.self)
                total += size(of: ref, depth: depth + 1)
                i = end + 1
            } else {
                total += 1
                i += 1
            }
            if total >= Self.cap {
                total = Self.cap
                break
            }
        }
        sizes[name] = total
        return total
    }
}

/// Where libxml2's first error is kept while a document parses.
private final class FirstXMLError {
    var line: Int?
    var message: String?
}

/// libxml2 prints XPath and parser errors to stderr by default; Sieve reports them itself.
/// The handlers are per thread in a threaded libxml2, so this is called before each use.
public func silenceLibXML() {
    xmlSetStructuredErrorFunc(nil) { _, _ in }
}
