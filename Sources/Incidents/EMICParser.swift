import Classifier
import Foundation
import SieveCore

/// EMIC disaster reports: the open-data CSV (comma-separated) or the site's export (tab-separated with a title
/// line before the header). A row that cannot be read is reported by line and skipped; the rest are kept.
public struct EMICParser: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer) { self.gazetteer = gazetteer }

    static let required = ["CASE_ID", "CASE_DT", "CASE_DESCRIPTION"]

    public func parse(_ data: Data, source: String) throws(IncidentImportError) -> ParsedIncidents {
        let table: CSVTable
        do {
            table = try CSVTable.parse(data, name: source, headerContains: "CASE_ID")
        } catch {
            throw IncidentImportError(source: source, line: error.line, message: error.message)
        }
        for name in Self.required where table.column(name) == nil {
            throw IncidentImportError(
                source: source, line: table.headerLine,
                message: "no \(name) column (columns: \(table.header.joined(separator: ", ")))")
        }
        func col(_ name: String) -> Int? { table.column(name) }
        let id = col("CASE_ID")!, dt = col("CASE_DT")!, desc = col("CASE_DESCRIPTION")!
        let county = col("COUNTY_N"), town = col("TOWN_N"), loc = col("CASE_LOC"), coord = col("COORDINATE")
        let main = col("DISASTER_MAIN_TYPE"), sub = col("DISASTER_SUB_TYPE"), status = col("CASE_STATUS")
        let people: [(String, Int?)] = [
            ("injured", col("INJURED_NO")), ("dead", col("DEATH_NO")), ("trapped", col("TRAPPED_NO")),
            ("missing", col("MISSING_NO")), ("sheltered", col("SHELTER_NO")),
        ]
        var out = ParsedIncidents()
        var seen: [String: Int] = [:]
        for row in table.rows {
            let f = row.fields
            func field(_ i: Int?) -> String? {
                guard let i, i < f.count else { return nil }
                let v = f[i].trimmingCharacters(in: .whitespacesAndNewlines)
                return v.isEmpty ? nil : v
            }
            guard f.count >= table.header.count - 1 else {
                out.warnings.append("\(source):\(row.line): \(f.count) field(s), expected \(table.header.count) (row skipped)")
                continue
            }
            guard let caseID = field(id) else {
                out.warnings.append("\(source):\(row.line): empty CASE_ID (row skipped)")
                continue
            }
            guard let timeText = field(dt), let time = OfficialTime.parseEMIC(timeText) else {
                out.warnings.append("\(source):\(row.line): CASE_DT \"\(field(dt) ?? "")\" is not a date-time (row skipped)")
                continue
            }
            let mainType = field(main) ?? ""
            let subType = field(sub) ?? ""
            var i = Incident(
                kind: .emic, externalID: caseID, sent: time, event: [mainType, subType].filter { !$0.isEmpty }.joined(separator: "/"),
                type: IncidentTypes.emic(main: mainType, sub: subType), headline: nil, description: field(desc))
            i.sender = "EMIC"
            i.details.subType = subType.isEmpty ? nil : subType
            i.details.caseStatus = field(status)
            var counts: [String: Int] = [:]
            for (name, index) in people {
                if let v = field(index).flatMap({ Int($0) }), v > 0 { counts[name] = v }
            }
            if !counts.isEmpty { i.details.people = counts }
            let countyName = field(county).flatMap { gazetteer.county(named: $0) ?? $0 }
            let address = field(loc)
            let resolved = gazetteer.resolve((field(county) ?? "") + (field(town) ?? "") + (address ?? ""), countyHint: countyName)
            i.areas = [IncidentArea(county: countyName ?? resolved.county, township: field(town) ?? resolved.township, village: resolved.village)]
            i.address = address
            if let c = field(coord) {
                let v = c.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                if v.count == 2, (118...123).contains(v[0]), (21...27).contains(v[1]) {
                    i.point = GeoPoint(lat: v[1], lon: v[0])  // EMIC writes "lon,lat"
                } else if v.count == 2, (118...123).contains(v[1]), (21...27).contains(v[0]) {
                    i.point = GeoPoint(lat: v[0], lon: v[1])
                    i.warnings.append("COORDINATE \(c) looks like lat,lon (EMIC writes lon,lat); read as lat,lon")
                }
            }
            i.headline = [i.areas.first.map { ($0.county ?? "") + ($0.township ?? "") }, mainType.isEmpty ? nil : mainType]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            if let at = seen[caseID] {
                out.warnings.append("\(source):\(row.line): duplicate CASE_ID \(caseID) (kept the later row)")
                out.incidents[at] = i
            } else {
                seen[caseID] = out.incidents.count
                out.incidents.append(i)
            }
        }
        return out
    }
}

/// Official work/school closure notices: a table (CSV/TSV with county, date and status columns, Chinese or
/// English headers) or the DGPA notice page (an HTML table of county and announcement text, e.g.
/// 「今天停止上班、停止上課。」, read against the page's date or the fetch time).
public struct ClosureParser: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer) { self.gazetteer = gazetteer }

    public func parse(_ data: Data, source: String, reference: Date = Date()) throws(IncidentImportError) -> ParsedIncidents {
        let text = String(decoding: data, as: UTF8.self)
        if text.range(of: "<table", options: .caseInsensitive) != nil || text.range(of: "<html", options: .caseInsensitive) != nil {
            return try parseHTML(text, source: source, reference: reference)
        }
        return try parseTable(data, source: source, reference: reference)
    }

    func parseTable(_ data: Data, source: String, reference: Date) throws(IncidentImportError) -> ParsedIncidents {
        let table: CSVTable
        do { table = try CSVTable.parse(data, name: source) } catch { throw IncidentImportError(source: source, line: error.line, message: error.message) }
        func find(_ names: [String]) -> Int? { names.lazy.compactMap { table.column($0) }.first }
        guard let c = find(["county", "縣市", "縣市別", "地區", "COUNTY_N"]) else {
            throw IncidentImportError(source: source, line: table.headerLine, message: "no county column (county / 縣市) in \(table.header.joined(separator: ", "))")
        }
        guard let s = find(["status", "狀態", "公告", "停班停課情形", "announcement"]) else {
            throw IncidentImportError(source: source, line: table.headerLine, message: "no status column (status / 狀態) in \(table.header.joined(separator: ", "))")
        }
        let d = find(["date", "日期"])
        var out = ParsedIncidents()
        for row in table.rows {
            let f = row.fields
            guard f.count > max(c, s) else {
                out.warnings.append("\(source):\(row.line): \(f.count) field(s), expected \(table.header.count) (row skipped)")
                continue
            }
            let name = f[c].trimmingCharacters(in: .whitespaces)
            guard let county = gazetteer.county(named: name) ?? gazetteer.resolve(name).county else {
                out.warnings.append("\(source):\(row.line): unknown county \"\(name)\" (row skipped)")
                continue
            }
            var statusText = f[s].trimmingCharacters(in: .whitespaces)
            switch statusText.lowercased() {
            case "closed": statusText = "停止上班、停止上課"
            case "normal", "open": statusText = "照常上班、照常上課"
            case "partial": statusText = "部分停止上班上課"
            default: break
            }
            var ref = reference
            if let d, d < f.count {
                let dayText = f[d].trimmingCharacters(in: .whitespaces)
                guard let day = OfficialTime.parseEMIC(dayText) ?? OfficialTime.parseISO(dayText + "T12:00:00+08:00")?.date else {
                    out.warnings.append("\(source):\(row.line): date \"\(dayText)\" is not a date (row skipped)")
                    continue
                }
                ref = day
                // The date column names the day itself: drop relative words that would shift it.
                statusText = statusText.replacingOccurrences(of: "明天", with: "").replacingOccurrences(of: "今天", with: "")
            }
            let notices = ClosureText.notices(in: statusText, county: county, reference: ref)
            if notices.isEmpty { out.warnings.append("\(source):\(row.line): status \"\(f[s])\" says neither closed nor normal (row skipped)") }
            out.incidents += notices
        }
        return out
    }

    static let rocDate = try! NSRegularExpression(pattern: "([0-9]{2,4})\\s*年\\s*([0-9]{1,2})\\s*月\\s*([0-9]{1,2})\\s*日")
    static let cell = try! NSRegularExpression(pattern: "<t[dh][^>]*>(.*?)</t[dh]>", options: [.caseInsensitive, .dotMatchesLineSeparators])
    static let row = try! NSRegularExpression(pattern: "<tr[^>]*>(.*?)</tr>", options: [.caseInsensitive, .dotMatchesLineSeparators])
    static let tag = try! NSRegularExpression(pattern: "<[^>]+>")

    func parseHTML(_ html: String, source: String, reference: Date) throws(IncidentImportError) -> ParsedIncidents {
        let ns = html as NSString
        var ref = reference
        if let m = Self.rocDate.firstMatch(in: html, range: NSRange(location: 0, length: ns.length)),
            var y = Int(ns.substring(with: m.range(at: 1))), let mo = Int(ns.substring(with: m.range(at: 2))),
            let d = Int(ns.substring(with: m.range(at: 3)))
        {
            if y < 1000 { y += 1911 }
            if let date = OfficialTime.calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: 12)) { ref = date }
        }
        var out = ParsedIncidents()
        var rows = 0
        for r in Self.row.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            let inner = ns.substring(with: r.range(at: 1))
            let cells = Self.cell.matches(in: inner, range: NSRange(location: 0, length: (inner as NSString).length)).map { m -> String in
                let raw = (inner as NSString).substring(with: m.range(at: 1))
                let plain = Self.tag.stringByReplacingMatches(in: raw, range: NSRange(location: 0, length: (raw as NSString).length), withTemplate: "")
                return plain.replacingOccurrences(of: "&nbsp;", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard cells.count >= 2, let county = gazetteer.county(named: cells[0]) ?? gazetteer.resolve(cells[0]).county else { continue }
            rows += 1
            let notices = ClosureText.notices(in: cells[1...].joined(separator: "。"), county: county, reference: ref)
            out.incidents += notices
        }
        if rows == 0 {
            throw IncidentImportError(source: source, message: "no table rows of county and announcement found (is this the closure notice page?)")
        }
        return out
    }
}
