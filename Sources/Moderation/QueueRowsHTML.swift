import SieveCore
/// The queue table's rows, written directly instead of through Mustache: with 50 rows a page, the generic renderer's
/// per-field lookups and escaping were three quarters of the page's CPU time (measured with perf under wrk). The
/// rest of the page is the `queue` template; every value here goes through `Markup.html`.
enum QueueRowsHTML {
    static func render(_ rows: [RowView], canDecide: Bool, lang: Language = .zhHant) -> String {
        guard !rows.isEmpty else { return "<tr><td colspan=\"12\" class=\"empty\">\(Markup.html(Messages.app("沒有符合條件的項目。", lang)))</td></tr>\n" }
        let select = Markup.html(Messages.app("選取", lang)), working = Markup.html(Messages.app("處理中", lang))
        var out = ""
        out.reserveCapacity(rows.count * 900)
        for r in rows {
            let id = String(r.id)
            out += "<tr class=\"item\(r.locked ? " locked" : "")\" data-id=\"\(id)\" data-href=\"/items/\(id)\">\n<td>"
            if canDecide { out += "<input type=\"checkbox\" name=\"ids\" value=\"\(id)\" aria-label=\"\(select) #\(id)\">" }
            out += "</td>\n<td><a href=\"/items/\(id)\">\(id)</a></td>\n<td class=\"excerpt\">"
            if let title = r.title { out += "<strong>" + Markup.html(title) + "</strong> " }
            out += Markup.html(r.excerpt) + "</td>\n"
            out += "<td>" + Markup.html(r.source) + "</td>\n"
            out += "<td class=\"nowrap\">" + Markup.html(r.time) + "</td>\n"
            out += "<td>" + Markup.html(r.place) + "</td>\n"
            out += "<td>" + Markup.html(r.types) + "</td>\n"
            out += "<td class=\"num \(r.disasterClass)\">\(r.disaster)</td>\n"
            out += "<td class=\"num \(r.rumourClass)\">\(r.rumour)</td>\n<td>"
            if let v = r.verdict {
                out += "<span class=\"badge v-" + Markup.html(v.value) + "\">" + Markup.html(v.label) + "</span>"
            }
            out += "</td>\n<td class=\"num\">" + (r.cluster.map { "×\($0)" } ?? "") + "</td>\n"
            out += "<td class=\"state\">" + Markup.html(r.stateLabel)
            if let who = r.lockedBy { out += " <span class=\"lock\" title=\"\(working)\">🔒 " + Markup.html(who) + "</span>" }
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
            out += "<option value=\"" + Markup.html(o.value) + "\"" + (o.selected ? " selected" : "") + ">"
                + Markup.html(o.label) + "</option>"
        }
        return out
    }
}
