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

extension XML {
    /// Why a document is not well-formed: libxml2's first error (the cause, not the last one, which is often just
    /// "premature end of data") and its line.
    package struct ParseFailure: Error {
        package var line: Int
        package var message: String
    }

    /// Parses well-formed XML: no network, no DTD loading, no entity substitution (XXE-safe), CDATA merged into
    /// text. The caller frees the document with xmlFreeDoc.
    package static func parseStrict(_ data: Data, url: String, encoding: String?) -> Result<xmlDocPtr, ParseFailure> {
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
        return .success(doc)
    }
}

/// Where libxml2's first error is kept while a document parses.
private final class FirstXMLError {
    var line: Int?
    var message: String?
}
