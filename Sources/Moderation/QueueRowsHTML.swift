/// The queue table's rows, written directly instead of through Mustache: with 50 rows a page, the generic renderer's
/// per-field lookups and escaping were three quarters of the page's CPU time (measured with perf under wrk). The
/// rest of the page is the `queue` template; every value here goes through `HTMLEscape.text`.
enum QueueRowsHTML {
    static func render(_ rows: [RowView], canDecide: Bool) -> String {
        guard !rows.isEmpty else { return "<tr><td colspan=\"12\" class=\"empty\">沒有符合條件的項目。</td></tr>\n" }
        var out = ""
        out.reserveCapacity(rows.count * 900)
        for r in rows {
            let id = String(r.id)
            out += "<tr class=\"item\(r.locked ? " locked" : "")\" data-id=\"\(id)\" data-href=\"/items/\(id)\">\n<td>"
            if canDecide { out += "<input type=\"checkbox\" name=\"ids\" value=\"\(id)\" aria-label=\"選取 #\(id)\">" }
            out += "</td>\n<td><a href=\"/items/\(id)\">\(id)</a></td>\n<td class=\"excerpt\">"
            if let title = r.title { out += "<strong>" + HTMLEscape.text(title) + "</strong> " }
            out += HTMLEscape.text(r.excerpt) + "</td>\n"
            out += "<td>" + HTMLEscape.text(r.source) + "</td>\n"
            out += "<td class=\"nowrap\">" + HTMLEscape.text(r.time) + "</td>\n"
            out += "<td>" + HTMLEscape.text(r.place) + "</td>\n"
            out += "<td>" + HTMLEscape.text(r.types) + "</td>\n"
            out += "<td class=\"num \(r.disasterClass)\">\(r.disaster)</td>\n"
            out += "<td class=\"num \(r.rumourClass)\">\(r.rumour)</td>\n<td>"
            if let v = r.verdict {
                out += "<span class=\"badge v-" + HTMLEscape.text(v.value) + "\">" + HTMLEscape.text(v.label) + "</span>"
            }
            out += "</td>\n<td class=\"num\">" + (r.cluster.map { "×\($0)" } ?? "") + "</td>\n"
            out += "<td class=\"state\">" + HTMLEscape.text(r.stateLabel)
            if let who = r.lockedBy { out += " <span class=\"lock\" title=\"處理中\">🔒 " + HTMLEscape.text(who) + "</span>" }
            out += "</td>\n</tr>\n"
        }
        return out
    }
}

extension QueueRowsHTML {
    /// `<option>` elements for a filter's select.
    static func options(_ options: [Option]) -> String {
        var out = ""
        for o in options {
            out += "<option value=\"" + HTMLEscape.text(o.value) + "\"" + (o.selected ? " selected" : "") + ">"
                + HTMLEscape.text(o.label) + "</option>"
        }
        return out
    }
}

/// HTML text and attribute escaping (& < > " '), the same set Mustache escapes.
enum HTMLEscape {
    static func text(_ s: String) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            switch b {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x22: out += Array("&quot;".utf8)
            case 0x27: out += Array("&#39;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
