import Foundation
import SieveCore
import Store

/// Writes approved items as an Atom 1.0 feed (RFC 4287).
public enum AtomFeedWriter {
    public static func render(channel: ChannelConfig, items: [PublishableItem], updated: Date = Date()) -> String {
        let feedID = "tag:sieve.local,2026:channel/\(channel.name)"
        var out = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-TW">
              <id>\(escape(feedID))</id>
              <title>\(escape(channel.title))</title>
              <updated>\(TaipeiTime.rfc3339(items.map(\.approvedAt).max() ?? updated))</updated>
              <generator uri="https://github.com/sieve-disaster/sieve">Sieve</generator>
              <author><name>Sieve</name></author>

            """
        for item in items {
            let title = item.title.flatMap { $0.isEmpty ? nil : $0 } ?? excerpt(item.text, 60)
            var body = item.text
            if let note = item.note, !note.isEmpty { body += "\n\n審核備註：\(note)" }
            let places = item.places.filter { $0.level != "address" }.map(\.display)
            out += "  <entry>\n"
            out += "    <id>tag:sieve.local,2026:post/\(item.postID)</id>\n"
            out += "    <title>\(escape(title))</title>\n"
            out += "    <updated>\(TaipeiTime.rfc3339(item.approvedAt))</updated>\n"
            if let published = item.published { out += "    <published>\(TaipeiTime.rfc3339(published))</published>\n" }
            if let url = item.url, url.hasPrefix("http") {
                out += "    <link rel=\"alternate\" href=\"\(escape(url))\"/>\n"
            }
            out += "    <author><name>\(escape(item.source))</name></author>\n"
            for type in item.types { out += "    <category term=\"\(escape(type))\"/>\n" }
            for place in Set(places).sorted() { out += "    <category term=\"\(escape(place))\" scheme=\"tag:sieve.local,2026:place\"/>\n" }
            out += "    <content type=\"text\">\(escape(body))</content>\n"
            out += "  </entry>\n"
        }
        out += "</feed>\n"
        return out
    }

    static func excerpt(_ s: String, _ n: Int) -> String {
        let line = s.split(separator: "\n").first.map(String.init) ?? s
        return line.count <= n ? line : String(line.prefix(n)) + "…"
    }

    /// XML 1.0 text/attribute escaping; characters XML cannot carry are dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

}
