import CLibXML2
import Net
import Foundation
import SieveCore

/// What reading one document gave: incidents to store, messages that were skipped on purpose, and warnings.
public struct ParsedIncidents: Sendable {
    public var incidents: [Incident] = []
    public var skipped: [String] = []
    public var warnings: [String] = []
    public init() {}

    mutating func append(_ other: ParsedIncidents) {
        incidents += other.incidents
        skipped += other.skipped
        warnings += other.warnings
    }
}

/// CAP 1.2 (and 1.1) alerts. Only `status=Actual` becomes an incident (a Test alert once went out as real in
/// Taiwan). Update and Cancel keep their `references` so the Store can supersede or cancel what they name.
/// Areas come from Taiwan geocodes, polygons (`lat,lon` pairs) and circles; an unknown geocode is kept with a
/// warning. A `workSchlClos` alert also yields one closure notice per county.
public struct CAPParser: Sendable {
    public let gazetteer: Gazetteer
    public let geocodes: GeocodeTable
    /// The `status` values that become incidents: Actual, and in an exercise store (a drill) Exercise too.
    public var statuses: Set<String> = ["Actual"]

    public init(gazetteer: Gazetteer, geocodes: GeocodeTable = GeocodeTable(), statuses: Set<String> = ["Actual"]) {
        self.gazetteer = gazetteer
        self.geocodes = geocodes
        self.statuses = statuses
    }

    public func parse(_ data: Data, source: String) throws(IncidentImportError) -> ParsedIncidents {
        let doc: xmlDocPtr
        switch XML.parseStrict(data, url: source, encoding: nil) {
        case .success(let d): doc = d
        case .failure(let f) where f.refused: throw IncidentImportError(source: source, line: f.line, message: "refused: \(f.message)")
        case .failure(let f): throw IncidentImportError(source: source, line: f.line, message: "malformed XML: \(f.message)")
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { throw IncidentImportError(source: source, message: "empty XML document") }
        var out = ParsedIncidents()
        let alerts: [XMLNodePtr]
        if XML.localName(root) == "alert" {
            alerts = [root]
        } else {
            // A container (an EDXL wrapper, a list of alerts): every <alert> below it.
            alerts = descendants(root, named: "alert")
            if alerts.isEmpty {
                throw IncidentImportError(source: source, line: Int(xmlGetLineNo(root)), message: "not a CAP document (root element <\(XML.localName(root))>, expected <alert>)")
            }
        }
        var seen: [String: Int] = [:]
        for alert in alerts {
            let parsed = try parseAlert(alert, source: source)
            for incident in parsed.incidents {
                if let at = seen[incident.kind.rawValue + "\u{1}" + incident.externalID] {
                    out.warnings.append("\(source): duplicate identifier \(incident.externalID) (kept the later one)")
                    out.incidents[at] = incident
                } else {
                    seen[incident.kind.rawValue + "\u{1}" + incident.externalID] = out.incidents.count
                    out.incidents.append(incident)
                }
            }
            out.skipped += parsed.skipped
            out.warnings += parsed.warnings
        }
        return out
    }

    /// The outermost elements called `name` below `node` (iterative: a hostile file may nest deeply).
    func descendants(_ node: XMLNodePtr, named name: String) -> [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        var stack = XML.children(node).reversed() as [XMLNodePtr]
        while let c = stack.popLast() {
            if XML.localName(c) == name { out.append(c) } else { stack += XML.children(c).reversed() }
        }
        return out
    }

    func child(_ node: XMLNodePtr, _ name: String) -> String? {
        XML.children(node).first { XML.localName($0) == name }.map { XML.text($0).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    func children(_ node: XMLNodePtr, _ name: String) -> [XMLNodePtr] {
        XML.children(node).filter { XML.localName($0) == name }
    }

    func parseAlert(_ alert: XMLNodePtr, source: String) throws(IncidentImportError) -> ParsedIncidents {
        var out = ParsedIncidents()
        let line = Int(xmlGetLineNo(alert))
        let where_ = "\(source):\(line)"
        guard let identifier = child(alert, "identifier"), !identifier.isEmpty else {
            throw IncidentImportError(source: source, line: line, message: "CAP alert without <identifier>")
        }
        let status = child(alert, "status") ?? ""
        guard statuses.contains(status) else {
            out.skipped.append(
                "\(identifier): status \(status.isEmpty ? "(missing)" : status), not \(statuses.sorted().joined(separator: " or ")) — not an incident")
            return out
        }
        guard let sentText = child(alert, "sent"), let sent = OfficialTime.parseISO(sentText) else {
            throw IncidentImportError(source: source, line: line, message: "\(identifier): <sent> missing or not a date-time (\(child(alert, "sent") ?? "absent"))")
        }
        var warnings: [String] = []
        if let note = sent.note { warnings.append("sent: \(note)") }
        var incident = Incident(kind: .cap, externalID: identifier, sent: sent.date)
        incident.sender = child(alert, "sender")
        incident.msgType = child(alert, "msgType") ?? "Alert"
        incident.references = (child(alert, "references") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        if incident.msgType == "Update" || incident.msgType == "Cancel", incident.references.isEmpty {
            warnings.append("\(incident.msgType!) without <references>: nothing to update or cancel")
        }

        let infos = children(alert, "info")
        guard !infos.isEmpty else {
            if incident.msgType != "Cancel" && incident.msgType != "Ack" {
                warnings.append("no <info>: stored without event, area or expiry")
            }
            incident.warnings = warnings
            out.warnings += warnings.map { "\(where_): \(identifier): \($0)" }
            out.incidents.append(incident)
            return out
        }
        // One event told in several languages: prefer Chinese, keep the first otherwise.
        let info = infos.first { (child($0, "language") ?? "").lowercased().hasPrefix("zh") } ?? infos[0]
        incident.event = child(info, "event")
        incident.headline = child(info, "headline")
        incident.description = [child(info, "description"), child(info, "instruction")].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        incident.url = child(info, "web")
        for (name, setter) in [("effective", 0), ("onset", 1), ("expires", 2)] {
            guard let text = child(info, name), !text.isEmpty else { continue }
            guard let t = OfficialTime.parseISO(text) else {
                warnings.append("<\(name)> \"\(text)\" is not a date-time (ignored)")
                continue
            }
            if let note = t.note { warnings.append("\(name): \(note)") }
            switch setter {
            case 0: incident.effective = t.date
            case 1: if incident.effective == nil { incident.effective = t.date }
            default: incident.expires = t.date
            }
        }
        incident.details.severity = child(info, "severity")
        incident.details.urgency = child(info, "urgency")
        incident.details.certainty = child(info, "certainty")
        let eventCodes = children(info, "eventCode").compactMap { child($0, "value") }
        incident.type = IncidentTypes.fromText(
            eventCodes: eventCodes, text: [incident.event, incident.headline].compactMap { $0 }.joined(separator: " "))

        for area in children(info, "area") {
            let desc = child(area, "areaDesc")
            var resolvedAny = false
            for g in children(area, "geocode") {
                let name = child(g, "valueName") ?? ""
                let value = child(g, "value") ?? ""
                if name.hasPrefix("Taiwan_Geocode") || name.caseInsensitiveCompare("geocode") == .orderedSame {
                    if let r = geocodes.resolve(value) {
                        var a = IncidentArea(county: r.county, township: r.township, description: desc, geocode: value)
                        if a.township == nil, let desc {
                            let byName = gazetteer.resolve(desc, countyHint: r.county)
                            if byName.county == r.county { a.township = byName.township; a.village = byName.village }
                        }
                        incident.areas.append(a)
                        resolvedAny = true
                    } else {
                        warnings.append("area \"\(desc ?? "")\": unknown geocode \(name)=\(value) (kept)")
                        incident.areas.append(IncidentArea(county: nil, description: desc, geocode: "\(name)=\(value)"))
                    }
                } else {
                    incident.areas.append(IncidentArea(county: nil, description: desc, geocode: "\(name)=\(value)"))
                }
            }
            if !resolvedAny, let desc {
                let r = gazetteer.resolve(desc)
                if r.county != nil {
                    incident.areas.append(IncidentArea(county: r.county, township: r.township, village: r.village, description: desc))
                } else if children(area, "geocode").isEmpty {
                    incident.areas.append(IncidentArea(county: nil, description: desc))
                }
            }
            for p in children(area, "polygon") {
                let text = XML.text(p)
                if let poly = Self.polygon(text) { incident.polygons.append(poly) } else { warnings.append("polygon \"\(text.prefix(60))\" is not lat,lon pairs (ignored)") }
            }
            for c in children(area, "circle") {
                let text = XML.text(c)
                if let circle = Self.circle(text) { incident.circles.append(circle) } else { warnings.append("circle \"\(text.prefix(60))\" is not \"lat,lon radius\" (ignored)") }
            }
        }
        incident.warnings = warnings
        out.warnings += warnings.map { "\(where_): \(identifier): \($0)" }
        out.incidents.append(incident)

        if eventCodes.contains(where: { $0.caseInsensitiveCompare("workSchlClos") == .orderedSame }) || (incident.event ?? "").contains("停班停課") {
            out.incidents += closures(from: incident, info: info)
        }
        return out
    }

    /// Closure notices in a workSchlClos alert: each area's description (or the alert's) says the day and status.
    func closures(from alert: Incident, info: XMLNodePtr) -> [Incident] {
        var out: [Incident] = []
        let areaNodes = children(info, "area")
        for (k, area) in alert.areas.enumerated() {
            guard let county = area.county else { continue }
            var text = area.description ?? ""
            if k < areaNodes.count { text = child(areaNodes[k], "areaDesc") ?? text }
            // Area text often is just the county; the status is then in the description.
            if ClosureText.status(of: text) == nil { text = alert.description ?? alert.headline ?? "" }
            for notice in ClosureText.notices(in: text, county: county, township: area.township, reference: alert.sent) {
                var n = notice
                n.sender = alert.sender
                n.url = alert.url
                n.externalID += " (\(alert.externalID))"
                out.append(n)
            }
        }
        return out
    }

    /// "lat,lon lat,lon …" (CAP order) → points; at least 3 (4 with the closing point).
    static func polygon(_ text: String) -> [GeoPoint]? {
        let pts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).compactMap { pair -> GeoPoint? in
            let v = pair.split(separator: ",").compactMap { Double($0) }
            guard v.count == 2, (-90...90).contains(v[0]), (-180...180).contains(v[1]) else { return nil }
            return GeoPoint(lat: v[0], lon: v[1])
        }
        return pts.count >= 3 ? pts : nil
    }

    /// "lat,lon radius" (km).
    static func circle(_ text: String) -> GeoCircle? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard parts.count == 2, let r = Double(parts[1]) else { return nil }
        let v = parts[0].split(separator: ",").compactMap { Double($0) }
        guard v.count == 2 else { return nil }
        return GeoCircle(center: GeoPoint(lat: v[0], lon: v[1]), radiusKm: r)
    }
}

/// Work/school closure wording (停班停課 announcements) → status and day.
public enum ClosureText {
    /// closed / normal / partial for one sentence, nil when it says neither.
    public static func status(of text: String) -> ClosureStatus? {
        let t = text.replacingOccurrences(of: "、", with: "").replacingOccurrences(of: "及", with: "")
        let workOff = t.contains("停止上班") || t.contains("停班")
        let schoolOff = t.contains("停止上課") || t.contains("停課") || t.contains("停止上班上課")
        let workOn = t.contains("照常上班") || t.contains("正常上班") || t.contains("不停班")
        let schoolOn = t.contains("照常上課") || t.contains("正常上課") || t.contains("不停課")
        let off = workOff || schoolOff
        let on = workOn || schoolOn || t.contains("未達")
        if off && on { return .partial }
        if off {
            guard workOff && schoolOff else { return .partial }  // only work, or only school
            return t.contains("其餘") || t.contains("部分") ? .partial : .closed
        }
        if on { return .normal }
        return nil
    }

    /// Splits a notice into sentences and reads each one's day (今天/明天/後天/M月D日, else the reference day)
    /// and status; one notice per county and day (a later sentence about the same day wins).
    public static func notices(in text: String, county: String, township: String? = nil, reference: Date) -> [Incident] {
        var byDay: [String: (ClosureStatus, String)] = [:]
        var order: [String] = []
        let sentences = text.split(whereSeparator: { "。；;\n".contains($0) }).map(String.init)
        var lastDay = OfficialTime.day(reference)
        for s in sentences {
            let day = dayOf(s, reference: reference) ?? lastDay
            lastDay = day
            guard var status = status(of: s) else { continue }
            if township != nil && status == .closed { status = .partial }  // one township closed is not the county
            if byDay[day] == nil { order.append(day) }
            byDay[day] = (status, s.trimmingCharacters(in: .whitespaces))
        }
        return order.map { day in
            let (status, sentence) = byDay[day]!
            var i = Incident(kind: .closure, externalID: "\(county) \(day)", sent: reference, event: "停班停課",
                             headline: "\(county) \(day) \(label(status))", description: sentence,
                             areas: [IncidentArea(county: county, township: township)])
            i.details.closure = status
            i.details.closureDate = day
            return i
        }
    }

    static func label(_ s: ClosureStatus) -> String {
        switch s {
        case .closed: return "停止上班上課"
        case .normal: return "照常上班上課"
        case .partial: return "部分停班停課"
        }
    }

    /// The day a sentence speaks of, relative to `reference` (Taipei), or nil.
    static func dayOf(_ s: String, reference: Date) -> String? {
        if s.contains("後天") { return OfficialTime.day(OfficialTime.addDays(2, to: reference)) }
        if s.contains("明天") || s.contains("明日") || s.contains("明(") || s.contains("明（") { return OfficialTime.day(OfficialTime.addDays(1, to: reference)) }
        if s.contains("今天") || s.contains("今日") || s.contains("今晚") || s.contains("今(") || s.contains("今（") { return OfficialTime.day(reference) }
        let ns = s as NSString
        if let m = monthDay.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)),
            let mo = Int(ns.substring(with: m.range(at: 1))), let d = Int(ns.substring(with: m.range(at: 2)))
        {
            let refYear = OfficialTime.calendar.component(.year, from: reference)
            return String(format: "%04d-%02d-%02d", refYear, mo, d)
        }
        return nil
    }

    static let monthDay = try! NSRegularExpression(pattern: "([0-9]{1,2})\\s*月\\s*([0-9]{1,2})\\s*日")
}
