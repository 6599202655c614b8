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
              <id>\(Markup.xml(feedID))</id>
              <title>\(Markup.xml(channel.title))</title>
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
            out += "    <title>\(Markup.xml(title))</title>\n"
            out += "    <updated>\(TaipeiTime.rfc3339(item.approvedAt))</updated>\n"
            if let published = item.published { out += "    <published>\(TaipeiTime.rfc3339(published))</published>\n" }
            if let url = item.url, url.hasPrefix("http") {
                out += "    <link rel=\"alternate\" href=\"\(Markup.xml(url))\"/>\n"
            }
            out += "    <author><name>\(Markup.xml(item.source))</name></author>\n"
            for type in item.types { out += "    <category term=\"\(Markup.xml(type))\"/>\n" }
            for place in Set(places).sorted() { out += "    <category term=\"\(Markup.xml(place))\" scheme=\"tag:sieve.local,2026:place\"/>\n" }
            out += "    <content type=\"text\">\(Markup.xml(body))</content>\n"
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


}
