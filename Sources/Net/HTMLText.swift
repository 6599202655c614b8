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
        let doc: htmlDocPtr
        switch XML.parseHTML(Data(wrapped.utf8), url: nil, encoding: "UTF-8", extraOptions: Int32(HTML_PARSE_NOIMPLIED.rawValue)) {
        case .success(let d): doc = d
        case .failure: return tidy(stripTags(html))  // over budget or unparsable: the text without its markup
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { return "" }
        return text(of: root)
    }

    /// The visible text below a node.
    package static func text(of node: XMLNodePtr) -> String {
        var out = ""
        walk(node, into: &out)
        return tidy(out)
    }

    /// Depth-first over the tree without recursion (a page may nest thousands of levels deep): block elements
    /// put their text on lines of its own, skipped elements and their subtrees are passed over.
    private static func walk(_ top: XMLNodePtr, into out: inout String) {
        var node: XMLNodePtr? = top
        while let n = node {
            var descend = false
            switch n.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let c = n.pointee.content { out += XML.string(c) ?? "" }
            case XML_ELEMENT_NODE:
                let name = XML.localName(n).lowercased()
                if !skipped.contains(name) {
                    if blocks.contains(name) { out += "\n" }
                    descend = true
                }
            case XML_ATTRIBUTE_NODE:
                descend = true
            default:
                break
            }
            if descend, let child = n.pointee.children {
                node = child
                continue
            }
            if descend, n.pointee.type == XML_ELEMENT_NODE, blocks.contains(XML.localName(n).lowercased()) { out += "\n" }
            // Climb to the next sibling, closing the blocks on the way up.
            node = nil
            var up: XMLNodePtr? = n
            while let u = up, u != top {
                if let next = u.pointee.next {
                    node = next
                    break
                }
                up = u.pointee.parent
                if let p = up, p.pointee.type == XML_ELEMENT_NODE, blocks.contains(XML.localName(p).lowercased()) { out += "\n" }
            }
        }
    }

    /// Markup removed the crude way, for fragments too large or broken to parse.
    static func stripTags(_ html: String) -> String {
        var out = ""
        var inTag = false
        for c in html.unicodeScalars {
            if c == "<" { inTag = true } else if c == ">" { inTag = false } else if !inTag { out.unicodeScalars.append(c) }
        }
        return out
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
