import CLibXML2
import Foundation

/// Turns HTML into the plain text a reader sees: tags dropped, entities decoded, block elements on their own lines,
/// script/style ignored.
public enum HTMLText {
    static let blocks: Set<String> = [
        "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote", "pre",
        "section", "article", "header", "footer", "hr", "dd", "dt", "figcaption",
    ]
    static let skipped: Set<String> = ["script", "style", "noscript", "template", "head"]

    public static func plainText(fromHTML html: String) -> String {
        guard html.contains("<") || html.contains("&") else { return tidy(html) }
        let wrapped = "<html><head><meta charset=\"utf-8\"></head><body>" + html + "</body></html>"
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_RECOVER.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue)
        let doc: htmlDocPtr? = wrapped.withCString { ptr in
            htmlReadMemory(ptr, Int32(strlen(ptr)), nil, "UTF-8", options)
        }
        guard let doc else { return tidy(html) }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { return "" }
        return text(of: root)
    }

    /// The visible text below a node.
    static func text(of node: XMLNodePtr) -> String {
        var out = ""
        walk(node, into: &out)
        return tidy(out)
    }

    private static func walk(_ node: XMLNodePtr, into out: inout String) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let c = node.pointee.content { out += XML.string(c) ?? "" }
        case XML_ELEMENT_NODE:
            let name = XML.localName(node).lowercased()
            if skipped.contains(name) { return }
            let block = blocks.contains(name)
            if block { out += "\n" }
            var child = node.pointee.children
            while let c = child {
                walk(c, into: &out)
                child = c.pointee.next
            }
            if block { out += "\n" }
        case XML_ATTRIBUTE_NODE:
            var child = node.pointee.children
            while let c = child {
                walk(c, into: &out)
                child = c.pointee.next
            }
        default:
            break
        }
    }

    /// Collapses runs of spaces inside lines and drops empty lines.
    public static func tidy(_ s: String) -> String {
        s.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in
                line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\u{3000}" })
                    .joined(separator: " ")
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }
}
