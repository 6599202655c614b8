import Foundation
import SieveCore
import Store

/// One CAP 1.2 message.
public struct CAPMessage: Sendable, Equatable {
    public var identifier: String
    public var sent: String
    public var msgType: String
    public var postID: Int64
    public var xml: String
    public var fileName: String { identifier + ".xml" }
}

/// CAP 1.2 (OASIS Common Alerting Protocol) for the EOC: every escalation, approval and retraction of an item
/// is one message. An escalation is a Restricted Alert (an unverified lead); an approval is a Public Alert, or
/// an Update referencing the lead when the item was escalated first; a retraction is a Cancel referencing every
/// earlier message about the item. `sent` carries +08:00 (the XSD rejects "Z").
public enum CAPWriter {
    public static let sender = "sieve@sieve.local"

    public static func messages(events: [CAPEvent], senderName: String = "Sieve 社群災情查證") -> [CAPMessage] {
        var history: [Int64: [CAPMessage]] = [:]
        var out: [CAPMessage] = []
        for event in events {
            let earlier = history[event.item.postID] ?? []
            let msgType: String
            switch event.kind {
            case .escalated: msgType = earlier.isEmpty ? "Alert" : "Update"
            case .approved: msgType = earlier.isEmpty ? "Alert" : "Update"
            case .retracted: msgType = "Cancel"
            }
            if event.kind == .retracted, earlier.isEmpty { continue }  // nothing was said, nothing to cancel
            let identifier = "sieve-\(event.item.postID)-\(event.id)"
            let sent = TaipeiTime.rfc3339(event.at)
            let publicBefore = earlier.contains { $0.xml.contains("<scope>Public</scope>") }
            let restricted = event.kind == .escalated || (event.kind == .retracted && !publicBefore)
            let xml = render(
                event: event, identifier: identifier, sent: sent, msgType: msgType, restricted: restricted,
                references: earlier, senderName: senderName)
            let message = CAPMessage(identifier: identifier, sent: sent, msgType: msgType, postID: event.item.postID, xml: xml)
            history[event.item.postID, default: []].append(message)
            out.append(message)
        }
        return out
    }

    static func render(
        event: CAPEvent, identifier: String, sent: String, msgType: String, restricted: Bool, references: [CAPMessage],
        senderName: String
    ) -> String {
        let e = Markup.xml
        let item = event.item
        var x = """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>\(e(identifier))</identifier>
              <sender>\(sender)</sender>
              <sent>\(sent)</sent>
              <status>\(item.exercise ? "Exercise" : "Actual")</status>
              <msgType>\(msgType)</msgType>
              <source>Sieve</source>
              <scope>\(restricted ? "Restricted" : "Public")</scope>

            """
        if restricted { x += "  <restriction>EOC 內部線索：社群貼文，經管理員提報，尚未公開查證</restriction>\n" }
        var notes: [String] = []
        switch event.kind {
        case .escalated: notes.append("管理員提報 EOC 的線索（未經查證）")
        case .approved: notes.append("經社群管理員查證")
        case .retracted: notes.append("撤回：先前發布的訊息不正確或已失效")
        }
        if let note = item.note, !note.isEmpty { notes.append("管理員備註：\(note)") }
        x += "  <note>\(e(notes.joined(separator: "；")))</note>\n"
        if !references.isEmpty {
            x += "  <references>\(references.map { "\(sender),\($0.identifier),\($0.sent)" }.joined(separator: " "))</references>\n"
        }
        let hurt = item.people.contains { ["trapped", "dead", "injured", "missing"].contains($0.kind) }
            || item.types.contains { ["trapped", "rescue", "casualty"].contains($0) }
        x += "  <info>\n"
        x += "    <language>zh-TW</language>\n"
        for category in categories(item.types) { x += "    <category>\(category)</category>\n" }
        let event = item.types.compactMap { MessageTemplate.typeLabels[$0] }.first ?? "災情通報"
        x += "    <event>\(e(event))</event>\n"
        x += "    <urgency>\(msgType == "Cancel" ? "Past" : (hurt ? "Immediate" : "Expected"))</urgency>\n"
        x += "    <severity>\(hurt ? "Severe" : "Moderate")</severity>\n"
        let certainty = msgType == "Cancel" ? "Unlikely" : (restricted ? "Possible" : "Likely")
        x += "    <certainty>\(certainty)</certainty>\n"
        x += "    <senderName>\(e(senderName))</senderName>\n"
        x += "    <headline>\(e(MessageTemplate.headline(item)))</headline>\n"
        x += "    <description>\(e(item.text))</description>\n"
        if let url = item.url, url.hasPrefix("http"), URL(string: url) != nil { x += "    <web>\(e(url))</web>\n" }
        x += "    <parameter><valueName>sieve:source</valueName><value>\(e(item.source))</value></parameter>\n"
        x += "    <parameter><valueName>sieve:post</valueName><value>\(item.postID)</value></parameter>\n"
        if let verdict = item.verdict {
            x += "    <parameter><valueName>sieve:xref</valueName><value>\(e(verdict))</value></parameter>\n"
        }
        for m in item.incidents.prefix(3) where m.kind != .closure {
            x += "    <parameter><valueName>sieve:incident:\(e(m.kind.rawValue))</valueName><value>\(e(m.externalID))</value></parameter>\n"
        }
        for p in item.people {
            x += "    <parameter><valueName>sieve:people:\(e(p.kind))</valueName><value>\(p.count.map(String.init) ?? "unknown")</value></parameter>\n"
        }
        let places = MessageTemplate.placeNames(item)
        x += "    <area>\n"
        x += "      <areaDesc>\(e(places.isEmpty ? "臺灣（地點未明）" : places.joined(separator: "、")))</areaDesc>\n"
        if let lat = item.latitude, let lon = item.longitude {
            // CAP: "lat,lon radius-km"
            x += "      <circle>\(lat),\(lon) 0</circle>\n"
        }
        x += "    </area>\n"
        x += "  </info>\n"
        x += "</alert>\n"
        return x
    }

    static func categories(_ types: [String]) -> [String] {
        var out: [String] = []
        for t in types {
            let c: String
            switch t {
            case "typhoon", "flood": c = "Met"
            case "earthquake", "landslide": c = "Geo"
            case "fire": c = "Fire"
            case "rescue", "trapped", "casualty": c = "Rescue"
            case "evacuation": c = "Safety"
            case "road_blocked": c = "Transport"
            case "power_outage", "water_outage", "building_damage", "tree_down": c = "Infra"
            default: c = "Other"
            }
            if !out.contains(c) { out.append(c) }
        }
        return out.isEmpty ? ["Other"] : out
    }

    /// An Atom index of the messages, newest first, each linking to its XML file (how CAP feeds are
    /// commonly served).
    public static func index(title: String, messages: [CAPMessage], baseURL: String = "") -> String {
        let e = Markup.xml
        var out = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>tag:sieve.local,2026:cap</id>
              <title>\(e(title))</title>
              <updated>\(messages.map(\.sent).max() ?? TaipeiTime.rfc3339(Date()))</updated>
              <author><name>Sieve</name></author>

            """
        for m in messages.reversed() {
            out += "  <entry>\n"
            out += "    <id>tag:sieve.local,2026:cap/\(e(m.identifier))</id>\n"
            out += "    <title>\(m.msgType) \(e(m.identifier))</title>\n"
            out += "    <updated>\(m.sent)</updated>\n"
            out += "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"\(e(baseURL + m.fileName))\"/>\n"
            out += "  </entry>\n"
        }
        out += "</feed>\n"
        return out
    }
}
