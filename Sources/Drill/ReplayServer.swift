import Foundation
import Hummingbird
import NIOCore
import SieveCore
import Store

/// The drill's world as the crawler sees it: what has happened by the scenario clock, served over HTTP on
/// loopback in the formats of the real sources — one Atom feed per social channel, EMIC's CSV, a CAP Atom feed
/// linking CAP 1.2 files (status Exercise), CWA earthquake reports (JSON) and the closure notices (CSV). Each
/// resource carries an ETag, so a poll that finds nothing new costs a 304.
public actor ReplayTimeline {
    public private(set) var scenario: Scenario
    public private(set) var clock: ExerciseInfo

    public init(scenario: Scenario, clock: ExerciseInfo) {
        self.scenario = scenario
        self.clock = clock
    }

    public func setClock(_ clock: ExerciseInfo) { self.clock = clock }

    /// Adds events (a trainer's injection); those whose id is already there are ignored.
    public func add(_ events: [ScenarioEvent]) {
        let known = Set(scenario.events.map(\.id))
        scenario.events += events.filter { !known.contains($0.id) }
        scenario.events.sort { ($0.offset, $0.id) < ($1.offset, $1.id) }
    }

    /// The scenario offset now.
    public func offset(now: Date = Date()) -> TimeInterval { clock.offset(at: now) }

    /// Events that have happened by the clock (offset ≤ now), optionally of one kind.
    public func visible(_ kind: ScenarioEvent.Kind? = nil, now: Date = Date()) -> [ScenarioEvent] {
        let t = clock.offset(at: now)
        return scenario.events.filter { $0.offset <= t && (kind == nil || $0.kind == kind) }
    }

    /// The offset of the first event after `offset` (nil: none left).
    public func nextOffset(after offset: TimeInterval) -> TimeInterval? {
        scenario.events.first { $0.offset > offset }?.offset
    }

    public func channels() -> [String] {
        Array(Set(scenario.events.compactMap { $0.kind == .post ? $0.channel : nil })).sorted()
    }
}

/// The replay HTTP server (Hummingbird on 127.0.0.1, a free port).
public enum ReplayServer {
    /// The router; `base` is the server's own URL (links in feeds point back to it).
    public static func router(timeline: ReplayTimeline, base: @escaping @Sendable () -> String) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/robots.txt") { _, _ in text("User-agent: *\nAllow: /\n", "text/plain; charset=utf-8", etag: nil, request: nil) }
        router.get("/social/{file}") { request, context in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".atom") else { throw HTTPError(.notFound) }
            let channel = String(file.dropLast(5))
            let scenario = await timeline.scenario
            let posts = await timeline.visible(.post).filter { $0.channel == channel }
            let body = ReplayFormats.atom(channel: channel, posts: posts.suffix(500).reversed(), scenario: scenario, base: base())
            return text(body, "application/atom+xml; charset=utf-8", etag: "\(channel)-\(posts.count)", request: request)
        }
        router.get("/official/emic.csv") { request, _ in
            let scenario = await timeline.scenario
            let reports = await timeline.visible(.emic)
            return text(ReplayFormats.emicCSV(reports, scenario: scenario), "text/csv; charset=utf-8", etag: "emic-\(reports.count)", request: request)
        }
        router.get("/official/cap.atom") { request, _ in
            let scenario = await timeline.scenario
            let alerts = await timeline.visible(.cap)
            return text(ReplayFormats.capFeed(alerts, scenario: scenario, base: base()), "application/atom+xml; charset=utf-8", etag: "cap-\(alerts.count)", request: request)
        }
        router.get("/official/cap/{id}") { request, context in
            let id = String((context.parameters.get("id") ?? "").dropLast(4))
            let scenario = await timeline.scenario
            guard let alert = await timeline.visible(.cap).first(where: { $0.id == id }) else { throw HTTPError(.notFound) }
            return text(ReplayFormats.cap(alert, scenario: scenario), "application/cap+xml; charset=utf-8", etag: "cap-\(id)", request: request)
        }
        router.get("/official/cwa.json") { request, _ in
            let scenario = await timeline.scenario
            let quakes = await timeline.visible(.quake)
            return text(ReplayFormats.cwa(quakes, scenario: scenario), "application/json", etag: "cwa-\(quakes.count)", request: request)
        }
        router.get("/official/closures.csv") { request, _ in
            let scenario = await timeline.scenario
            let notices = await timeline.visible(.closure)
            return text(ReplayFormats.closures(notices, scenario: scenario), "text/csv; charset=utf-8", etag: "closures-\(notices.count)", request: request)
        }
        return router
    }

    static func text(_ body: String, _ type: String, etag: String?, request: Request?) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
        if let etag {
            let quoted = "\"\(etag)\""
            headers[.eTag] = quoted
            if request?.headers[.ifNoneMatch] == quoted { return Response(status: .notModified, headers: headers) }
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The real sources' formats, written from scenario events.
enum ReplayFormats {
    static func time(_ scenario: Scenario, _ e: ScenarioEvent) -> String { TaipeiTime.rfc3339(scenario.time(e.offset)) }

    static func atom(channel: String, posts: some Sequence<ScenarioEvent>, scenario: Scenario, base: String) -> String {
        var out = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>urn:sieve-drill:\(Markup.xml(scenario.name)):\(Markup.xml(channel))</id>
              <title>\(Markup.xml(channel))（演習 \(Markup.xml(scenario.name))）</title>
              <updated>\(TaipeiTime.rfc3339(scenario.start))</updated>

            """
        for p in posts {
            out += """
                  <entry>
                    <id>drill:\(Markup.xml(p.id))</id>
                    <title>\(Markup.xml(p.title ?? String(p.text.prefix(30))))</title>
                    <author><name>\(Markup.xml(p.author ?? "anonymous"))</name></author>
                    <published>\(time(scenario, p))</published>
                    <updated>\(time(scenario, p))</updated>
                    <link href="\(Markup.xml(base))/social/\(Markup.xml(channel))/\(Markup.xml(p.id))"/>
                    <content type="text">\(Markup.xml(p.text))</content>
                  </entry>

                """
        }
        return out + "</feed>\n"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// EMIC's open-data layout (CASE_DT like `2025/7/6 下午 08:57:00`, Taipei time).
    static func emicCSV(_ reports: [ScenarioEvent], scenario: Scenario) -> String {
        var out = "CASE_ID,CASE_DT,COUNTY_N,TOWN_N,CASE_LOC,GEOMETRY_TYPE,COORDINATE,DISASTER_MAIN_TYPE,DISASTER_SUB_TYPE,CASE_DESCRIPTION,CASE_STATUS,CASE_TYPE,INJURED_NO,DEATH_NO,TRAPPED_NO,MISSING_NO,SHELTER_NO,IS_TRAFFIC,IS_SERIOUS\n"
        for r in reports {
            let coordinate = r.lon.flatMap { lon in r.lat.map { "\(lon),\($0)" } } ?? ""
            let fields = [
                r.id, emicTime(scenario.time(r.offset)), r.county ?? "", r.town ?? "", r.location ?? "", coordinate.isEmpty ? "" : "點", coordinate,
                r.type ?? "其他災情", r.subtype ?? "", r.text, "處理中", "演習", "\(r.injured)", "\(r.dead)", "\(r.trapped)", "0", "0", "False",
                r.serious ? "True" : "False",
            ]
            out += fields.map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    static func emicTime(_ d: Date) -> String {
        let (y, m, day, h, min, s) = TaipeiTime.parts(d)
        let half = h < 12 ? "上午" : "下午"
        let h12 = h % 12 == 0 ? 12 : h % 12
        return String(format: "%d/%d/%d %@ %02d:%02d:%02d", y, m, day, half, h12, min, s)
    }

    static func capFeed(_ alerts: [ScenarioEvent], scenario: Scenario, base: String) -> String {
        var out = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>urn:sieve-drill:\(Markup.xml(scenario.name)):cap</id>
              <title>演習 CAP 警報</title>
              <updated>\(TaipeiTime.rfc3339(scenario.start))</updated>

            """
        for a in alerts.reversed() {
            out += """
                  <entry>
                    <id>\(Markup.xml(a.id))</id>
                    <title>【演習】\(Markup.xml(a.title ?? a.type ?? ""))</title>
                    <updated>\(time(scenario, a))</updated>
                    <link href="\(Markup.xml(base))/official/cap/\(Markup.xml(a.id)).cap"/>
                  </entry>

                """
        }
        return out + "</feed>\n"
    }

    /// A CAP 1.2 alert, status Exercise: nothing reading it can take it for a real warning.
    static func cap(_ a: ScenarioEvent, scenario: Scenario) -> String {
        let sent = scenario.time(a.offset)
        var area = "<areaDesc>\(Markup.xml([a.county, a.town].compactMap { $0 }.joined()))</areaDesc>"
        if let polygon = a.polygon { area += "<polygon>\(Markup.xml(polygon))</polygon>" }
        if let circle = a.circle { area += "<circle>\(Markup.xml(circle))</circle>" }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>\(Markup.xml(a.id))</identifier>
              <sender>drill@sieve.invalid</sender>
              <sent>\(TaipeiTime.rfc3339(sent))</sent>
              <status>Exercise</status>
              <msgType>Alert</msgType>
              <scope>Public</scope>
              <note>演習：\(Markup.xml(scenario.name))</note>
              <info>
                <language>zh-TW</language>
                <category>Met</category>
                <event>\(Markup.xml(a.type ?? ""))</event>
                <urgency>\(Markup.xml(a.urgency ?? "Expected"))</urgency>
                <severity>\(Markup.xml(a.severity ?? "Severe"))</severity>
                <certainty>\(Markup.xml(a.certainty ?? "Likely"))</certainty>
                <effective>\(TaipeiTime.rfc3339(sent))</effective>
                <expires>\(TaipeiTime.rfc3339(sent.addingTimeInterval(a.expiresAfter ?? 12 * 3600)))</expires>
                <senderName>演習 \(Markup.xml(scenario.title))</senderName>
                <headline>\(Markup.xml(a.title ?? ""))</headline>
                <description>\(Markup.xml(a.text))</description>
                <area>\(area)</area>
              </info>
            </alert>

            """
    }

    /// CWA's earthquake report (E-A0015-001) layout; `OriginTime` without a zone, in Taipei time.
    static func cwa(_ quakes: [ScenarioEvent], scenario: Scenario) -> String {
        let records: [[String: Any]] = quakes.map { q in
            let (y, m, d, h, min, s) = TaipeiTime.parts(scenario.time(q.offset))
            let origin = String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, min, s)
            return [
                "EarthquakeNo": q.id,
                "ReportType": "地震報告（演習）",
                "ReportContent": q.text.isEmpty ? "演習：規模\(q.magnitude ?? 0)地震" : q.text,
                "EarthquakeInfo": [
                    "OriginTime": origin, "Source": "演習", "FocalDepth": q.depth ?? 10,
                    "Epicenter": ["Location": q.location ?? "", "EpicenterLatitude": q.lat ?? 0, "EpicenterLongitude": q.lon ?? 0],
                    "EarthquakeMagnitude": ["MagnitudeType": "芮氏規模", "MagnitudeValue": q.magnitude ?? 0],
                ] as [String: Any],
                "Intensity": ["ShakingArea": q.intensities.sorted { $0.key < $1.key }.map { ["CountyName": $0.key, "AreaIntensity": $0.value] }],
            ]
        }
        let top: [String: Any] = ["success": "true", "records": ["Earthquake": records]]
        let data = (try? JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The closure notices: county, date, status (one line per notice, the latest last).
    static func closures(_ notices: [ScenarioEvent], scenario: Scenario) -> String {
        var out = "county,date,status\n"
        for n in notices {
            // The day the notice is about: given, or the day it was issued (the next one when it says 明天).
            let issued = scenario.time(n.offset).addingTimeInterval(n.text.contains("明天") ? 86_400 : 0)
            let (y, m, d, _, _, _) = TaipeiTime.parts(issued)
            let day = n.day ?? String(format: "%04d-%02d-%02d", y, m, d)
            out += [n.county ?? "", day, n.text].map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }
}
