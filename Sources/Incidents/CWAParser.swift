import Foundation
import SieveCore

/// Central Weather Administration open-data payloads: earthquake reports (E-A0015-001/E-A0016-001), tropical
/// cyclone tracks (W-C0034-005) and weather warnings (W-C0033-001). Keys are matched without regard to case:
/// older API versions write `earthquake`/`earthquakeNo`/`epiCenter`, newer ones `Earthquake`/`EarthquakeNo`/
/// `Epicenter`. `OriginTime` has no zone: it is Taipei time.
public struct CWAParser: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer) { self.gazetteer = gazetteer }

    public func parse(_ data: Data, source: String) throws(IncidentImportError) -> ParsedIncidents {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw IncidentImportError(source: source, line: Self.errorLine(error, data), message: "malformed JSON: \(Self.reason(error))")
        }
        guard let top = json as? [String: Any] else { throw IncidentImportError(source: source, message: "not a CWA payload (top level is not an object)") }
        if let success = J.value(top, "success"), "\(success)" == "false" {
            throw IncidentImportError(source: source, message: "CWA answered success=false (\(J.string(top, "message") ?? "no message"))")
        }
        let records = J.object(top, "records") ?? J.object(top, "cwaopendata") ?? top
        var out = ParsedIncidents()
        var recognised = false
        if let quakes = J.array(records, "Earthquake") {
            recognised = true
            for (k, q) in quakes.enumerated() {
                guard let q = q as? [String: Any] else { continue }
                do throws(IncidentImportError) { out.incidents.append(try quake(q, source: source, index: k)) } catch { out.warnings.append(error.description) }
            }
        }
        if let cyclones = J.object(records, "TropicalCyclones").flatMap({ J.array($0, "TropicalCyclone") }) ?? J.array(records, "TropicalCyclone") {
            recognised = true
            for (k, c) in cyclones.enumerated() {
                guard let c = c as? [String: Any] else { continue }
                do throws(IncidentImportError) { out.incidents.append(try cyclone(c, source: source, index: k)) } catch { out.warnings.append(error.description) }
            }
        }
        if let locations = J.array(records, "location"), locations.contains(where: { ($0 as? [String: Any]).flatMap { J.value($0, "hazardConditions") } != nil }) {
            recognised = true
            out.append(warnings(locations, source: source))
        }
        if !recognised {
            let id = J.object(top, "result").flatMap { J.string($0, "resource_id") } ?? "unknown dataset"
            if J.array(records, "location") != nil {
                out.skipped.append("\(source): \(id) is a forecast/observation dataset; it carries no earthquake, typhoon or warning records")
            } else {
                throw IncidentImportError(
                    source: source,
                    message: "not a CWA earthquake, typhoon or warning payload (records has keys: \(records.keys.sorted().joined(separator: ", ")))")
            }
        }
        return out
    }

    func quake(_ q: [String: Any], source: String, index: Int) throws(IncidentImportError) -> Incident {
        let info = J.object(q, "EarthquakeInfo") ?? q
        guard let no = J.value(q, "EarthquakeNo") else {
            throw IncidentImportError(source: source, message: "records.Earthquake[\(index)]: no EarthquakeNo")
        }
        guard let originText = J.string(info, "OriginTime"), let origin = OfficialTime.parseISO(originText) else {
            throw IncidentImportError(source: source, message: "records.Earthquake[\(index)].EarthquakeInfo.OriginTime missing or not a time (\(J.string(info, "OriginTime") ?? "absent"))")
        }
        let number = "\(no)".replacingOccurrences(of: ".0", with: "")
        let content = J.string(q, "ReportContent")
        var i = Incident(kind: .quake, externalID: number, sent: origin.date, event: J.string(q, "ReportType") ?? "地震報告",
                         type: "earthquake", headline: content, description: content)
        i.url = J.string(q, "Web")
        i.sender = J.string(info, "Source") ?? "中央氣象署"
        let epicenter = J.object(info, "Epicenter") ?? J.object(info, "epiCenter") ?? [:]
        let lat = J.number(epicenter, "EpicenterLatitude") ?? J.object(epicenter, "epiCenterLat").flatMap { J.number($0, "value") }
        let lon = J.number(epicenter, "EpicenterLongitude") ?? J.object(epicenter, "epiCenterLon").flatMap { J.number($0, "value") }
        if let lat, let lon { i.point = GeoPoint(lat: lat, lon: lon) }
        i.address = J.string(epicenter, "Location")
        i.details.depthKm = J.number(info, "FocalDepth") ?? J.object(info, "depth").flatMap { J.number($0, "value") }
        let mag = J.object(info, "EarthquakeMagnitude") ?? J.object(info, "magnitude") ?? [:]
        i.details.magnitude = J.number(mag, "MagnitudeValue")
        var intensities: [String: Int] = [:]
        let shaking = J.object(q, "Intensity").flatMap { J.array($0, "ShakingArea") } ?? []
        for case let area as [String: Any] in shaking {
            let names = J.string(area, "CountyName") ?? J.string(area, "areaName") ?? J.string(area, "AreaDesc") ?? ""
            let levelText = J.string(area, "AreaIntensity") ?? J.object(area, "areaIntensity").flatMap { J.string($0, "value") } ?? ""
            guard let level = Self.intensity(levelText) else { continue }
            for name in names.split(whereSeparator: { "、,， ".contains($0) }) {
                let county = gazetteer.county(named: String(name)) ?? gazetteer.resolve(String(name)).county
                guard let county else { continue }
                intensities[county] = max(intensities[county] ?? 0, level)
            }
        }
        i.details.intensities = intensities
        i.areas = intensities.sorted { $0.value > $1.value }.map { IncidentArea(county: $0.key, description: "震度\($0.value)級") }
        if let note = origin.note, !note.contains("no zone") { i.warnings.append(note) }
        return i
    }

    /// "4級" → 4, "5弱"/"5強" → 5, "6強" → 6, numbers as they are.
    static func intensity(_ text: String) -> Int? {
        let digits = text.prefix { $0.isNumber }
        return Int(digits)
    }

    func cyclone(_ c: [String: Any], source: String, index: Int) throws(IncidentImportError) -> Incident {
        let fixes = (J.object(c, "AnalysisData").flatMap { J.array($0, "Fix") } ?? []).compactMap { $0 as? [String: Any] }
        let forecasts = (J.object(c, "ForecastData").flatMap { J.array($0, "Fix") } ?? []).compactMap { $0 as? [String: Any] }
        let times = fixes.compactMap { J.string($0, "DateTime").flatMap { OfficialTime.parseISO($0)?.date } }
        guard let first = times.min() else {
            throw IncidentImportError(source: source, message: "records.TropicalCyclones.TropicalCyclone[\(index)]: no AnalysisData.Fix with a DateTime")
        }
        let year = J.string(c, "Year") ?? String(OfficialTime.calendar.component(.year, from: first))
        let name = J.string(c, "CwaTyphoonName") ?? J.string(c, "TyphoonName") ?? "未命名"
        let no = J.string(c, "CwaTyNo") ?? J.string(c, "CwaTdNo") ?? J.string(c, "TyphoonName") ?? "\(index)"
        var i = Incident(kind: .typhoon, externalID: "\(year)-\(no)", sent: first, event: "颱風", type: "typhoon",
                         headline: "颱風 \(name)" + (J.string(c, "TyphoonName").map { " (\($0))" } ?? ""))
        i.details.typhoonName = name
        i.sender = "中央氣象署"
        if let last = fixes.last, let lat = J.number(last, "CoordinateLatitude"), let lon = J.number(last, "CoordinateLongitude") {
            i.point = GeoPoint(lat: lat, lon: lon)
            if let r = J.object(last, "Circle15ms").flatMap({ J.number($0, "Radius") }) {
                i.circles = [GeoCircle(center: GeoPoint(lat: lat, lon: lon), radiusKm: r)]
            }
            i.description = "中心位置 北緯\(lat) 東經\(lon)" + (J.string(last, "MaxWindSpeed").map { "，近中心最大風速 \($0) m/s" } ?? "")
        }
        let lastForecast = forecasts.compactMap { f -> Date? in
            guard let base = J.string(f, "InitialTime").flatMap({ OfficialTime.parseISO($0)?.date }) else { return nil }
            return base.addingTimeInterval((J.number(f, "ForecastHour") ?? 0) * 3600)
        }.max()
        i.effective = first
        i.expires = (lastForecast ?? times.max() ?? first).addingTimeInterval(24 * 3600)
        return i
    }

    /// W-C0033-001: one incident per county and hazard (颱風警報, 豪雨特報 …).
    func warnings(_ locations: [Any], source: String) -> ParsedIncidents {
        var out = ParsedIncidents()
        for case let loc as [String: Any] in locations {
            let name = J.string(loc, "locationName") ?? ""
            let county = gazetteer.county(named: name) ?? J.value(loc, "geocode").flatMap { GeocodeTable.county(of: "\($0)") }
            let hazards = J.object(loc, "hazardConditions").flatMap { J.array($0, "hazards") } ?? []
            for case let h as [String: Any] in hazards {
                let info = J.object(h, "info") ?? h
                let phenomena = J.string(info, "phenomena") ?? ""
                let significance = J.string(info, "significance") ?? ""
                let valid = J.object(h, "validTime") ?? h
                guard let start = J.string(valid, "startTime").flatMap({ OfficialTime.parseISO($0)?.date }) else {
                    out.warnings.append("\(source): \(name) \(phenomena)\(significance): no validTime.startTime (skipped)")
                    continue
                }
                let end = J.string(valid, "endTime").flatMap { OfficialTime.parseISO($0)?.date }
                let event = phenomena + significance
                var i = Incident(kind: phenomena.contains("颱風") ? .typhoon : .warning, externalID: "\(event) \(county ?? name) \(OfficialTime.day(start))",
                                 sent: start, event: event, type: IncidentTypes.fromText(eventCodes: [], text: event),
                                 headline: "\(county ?? name)\(event)", areas: [IncidentArea(county: county, description: name)])
                i.effective = start
                i.expires = end
                i.sender = "中央氣象署"
                if county == nil { i.warnings.append("unknown location \(name) (kept)") }
                out.incidents.append(i)
            }
        }
        return out
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    /// The line of a JSONSerialization error, from its character offset when Foundation gives one.
    static func errorLine(_ error: any Error, _ data: Data) -> Int? {
        let ns = error as NSError
        guard let index = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int else { return nil }
        return data.prefix(index).filter { $0 == 0x0A }.count + 1
    }
}

/// Case-insensitive access into JSONSerialization's dictionaries.
enum J {
    static func value(_ d: [String: Any], _ key: String) -> Any? {
        if let v = d[key] { return v is NSNull ? nil : v }
        let lower = key.lowercased()
        for (k, v) in d where k.lowercased() == lower { return v is NSNull ? nil : v }
        return nil
    }
    static func object(_ d: [String: Any], _ key: String) -> [String: Any]? { value(d, key) as? [String: Any] }
    static func array(_ d: [String: Any], _ key: String) -> [Any]? { value(d, key) as? [Any] }
    static func string(_ d: [String: Any], _ key: String) -> String? {
        switch value(d, key) {
        case let s as String: return s.trimmingCharacters(in: .whitespacesAndNewlines)
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }
    static func number(_ d: [String: Any], _ key: String) -> Double? {
        switch value(d, key) {
        case let n as NSNumber: return n.doubleValue
        case let s as String: return Double(s.trimmingCharacters(in: .whitespaces))
        case let o as [String: Any]: return number(o, "value")
        default: return nil
        }
    }
}
