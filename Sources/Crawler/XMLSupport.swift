import CLibXML2
import Foundation

typealias XMLNodePtr = UnsafeMutablePointer<xmlNode>

/// Small helpers over libxml2's tree. All strings are copied out; nothing here outlives its document.
enum XML {
    static func string(_ p: UnsafePointer<xmlChar>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    static func localName(_ node: XMLNodePtr) -> String { string(node.pointee.name) ?? "" }

    static func namespace(_ node: XMLNodePtr) -> String? {
        guard let ns = node.pointee.ns else { return nil }
        return string(ns.pointee.href)
    }

    static func isElement(_ node: XMLNodePtr) -> Bool { node.pointee.type == XML_ELEMENT_NODE }

    static func children(_ node: XMLNodePtr) -> [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        var child = node.pointee.children
        while let c = child {
            if isElement(c) { out.append(c) }
            child = c.pointee.next
        }
        return out
    }

    /// All text below `node` (libxml2's string value).
    static func text(_ node: XMLNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { free(content) }
        return string(content) ?? ""
    }

    static func attribute(_ node: XMLNodePtr, _ name: String, namespace: String? = nil) -> String? {
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
    static func base(_ node: XMLNodePtr) -> String? {
        guard let b = xmlNodeGetBase(node.pointee.doc, node) else { return nil }
        defer { free(b) }
        return string(b)
    }

    /// Resolves `reference` against `base` (RFC 3986), keeping it unchanged when that fails.
    static func resolve(_ reference: String, base: String?) -> String {
        guard let base, !base.isEmpty else { return reference }
        guard let built = xmlBuildURI(reference, base) else { return reference }
        defer { free(built) }
        return string(built) ?? reference
    }

    /// Serialises the children of `node` as XML (for Atom type="xhtml" content).
    static func innerXML(_ node: XMLNodePtr) -> String {
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
