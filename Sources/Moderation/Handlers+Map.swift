import Foundation
import Hummingbird
import Maps
import SieveCore
import Store

/// The map's query: a time window ending at `end`, an optional county to zoom into, and which reports shade.
struct MapQuery: Equatable {
    static let windows = [6, 24, 72, 168]
    var hours = 24
    var end: Date
    /// Whether `end` was given (otherwise it is "now", rounded up to five minutes).
    var endGiven = false
    var county: String?
    var measure: MapMeasure = .all

    init(_ form: FormData, now: Date, counties: [String]) throws {
        end = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 300).rounded(.up) * 300)
        if let w = form.text("window") {
            guard let h = Int(w.hasSuffix("h") ? String(w.dropLast()) : w), Self.windows.contains(h) else {
                throw WebError(status: .badRequest, message: "{key} 須是 {choices} 之一，收到「{got}」", args: ["key": "window", "choices": Self.windows.map { "\($0)h" }.joined(separator: ", "), "got": w])
            }
            hours = h
        }
        if let e = form.text("end") {
            guard let d = parseTaipeiLocal(e) else {
                throw WebError(status: .badRequest, message: "{key} 須是時間，例如 2026-09-14T22:00（臺北時間）或 RFC 3339，收到「{got}」", args: ["key": "end", "got": e])
            }
            end = d
            endGiven = true
        }
        if let c = form.text("county") {
            let name = Boundaries.canonical(c)
            guard counties.isEmpty || counties.contains(name) else {
                throw WebError(status: .badRequest, message: "county 須是縣市名稱，例如臺北市，收到「{got}」", args: ["got": c])
            }
            county = name
        }
        if let l = form.text("layer") {
            guard let m = MapMeasure(rawValue: l) else {
                throw WebError(status: .badRequest, message: "{key} 須是 {choices} 之一，收到「{got}」", args: ["key": "layer", "choices": "all, pending, verified", "got": l])
            }
            measure = m
        }
    }

    var from: Date { end.addingTimeInterval(-Double(hours) * 3600) }

    /// The map's own URL with some parameters changed.
    func url(hours: Int? = nil, end: Date?? = nil, county: String?? = nil, measure: MapMeasure? = nil) -> String {
        var parts: [String] = []
        let h = hours ?? self.hours
        if h != 24 { parts.append("window=\(h)h") }
        let e: Date? = end ?? (endGiven ? self.end : nil)
        if let e { parts.append("end=" + queryEscape(MapQuery.local(e))) }
        if let c = county ?? self.county { parts.append("county=" + queryEscape(c)) }
        let m = measure ?? self.measure
        if m != .all { parts.append("layer=\(m.rawValue)") }
        return parts.isEmpty ? "/map" : "/map?" + parts.joined(separator: "&")
    }

    /// "2026-09-14T22:00" in Taipei time (what the queue's from/to take).
    static func local(_ d: Date) -> String {
        let (y, mo, da, h, mi, _) = TaipeiTime.parts(d)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(mo))-\(two(da))T\(two(h)):\(two(mi))"
    }
}

/// The township shapes, read once from `[server] map_boundaries` (again when the setting changes), projected
/// with Kinmen and Matsu in insets — or in place when a tile layer is drawn under them.
final class MapBaseCache: Sendable {
    private let bases = LoadedFile<MapBase>()
    private let villagePoints = LoadedFile<VillagePoints>()

    func base(path: String?, insets: Bool) -> Result<MapBase, BoundaryError>? {
        guard let path else { return nil }
        return bases.get(path + (insets ? "|insets" : "|tiles")) { () throws(BoundaryError) in
            MapBase(try Boundaries.load(path: path), projection: MapProjection(insets: insets))
        }
    }

    /// The village points of `[server] map_villages`, read once (again when the setting changes).
    func villages(path: String?) -> Result<VillagePoints, BoundaryError>? {
        guard let path else { return nil }
        return villagePoints.get(path) { () throws(BoundaryError) in try VillagePoints.load(path: path) }
    }
}

/// The last file read under one key, kept until the key changes (a reload that names another file). One read at
/// a time: requests arriving while a file is read wait for it instead of reading it again (`sieve serve` starts
/// the reads when it starts, so visitors rarely wait at all).
final class LoadedFile<Value: Sendable>: Sendable {
    private let state = Locked<(key: String?, value: Result<Value, BoundaryError>?)>((nil, nil))
    private let reading = Locked(())

    func get(_ key: String, load: () throws(BoundaryError) -> Value) -> Result<Value, BoundaryError> {
        if let cached = state.withLock({ $0.key == key ? $0.value : nil }) { return cached }
        return reading.withLock { _ in
            if let cached = state.withLock({ $0.key == key ? $0.value : nil }) { return cached }
            let loaded: Result<Value, BoundaryError>
            do throws(BoundaryError) { loaded = .success(try load()) } catch { loaded = .failure(error) }
            state.withLock { $0 = (key, loaded) }
            return loaded
        }
    }
}

/// Rendered map pages, fresh for 15 s per query. A stale page is served at once while one task draws it anew
/// (the store is read once per query and window whatever the traffic, and no request waits for a redraw); only a
/// query nobody asked for before waits for its first drawing.
typealias MapPageCache = FlightCache<String, String>

/// Reports per township and per county (reports naming only a county) in one window.
struct MapCounts {
    var townships: [String: PlaceCounts] = [:]
    var countyOnly: [String: PlaceCounts] = [:]
    var posts = 0

    /// Reports naming a village and none of its county's townships count for the village's township when
    /// `villages` knows where the village is (a name unique in its county), else for the county.
    init(_ activity: MapActivity, villages: VillagePoints? = nil) {
        posts = activity.posts
        // One report naming two villages of the same township counts once there (the rows are per village).
        var villageRows: [String: PlaceCounts] = [:]
        for p in activity.places {
            let county = Boundaries.canonical(p.county)
            func add(_ d: inout [String: PlaceCounts], _ k: String) {
                var c = d[k] ?? PlaceCounts()
                if p.state == .approved { c.verified += p.posts } else { c.pending += p.posts }
                d[k] = c
            }
            if let t = p.township {
                add(&townships, county + "|" + Boundaries.canonical(t))
            } else if let v = p.village, let placed = villages?.locate(county: county, village: v) {
                add(&villageRows, county + "|" + placed.township)
            } else {
                add(&countyOnly, county)
            }
        }
        for (key, c) in villageRows {
            var t = townships[key] ?? PlaceCounts()
            t.pending += c.pending
            t.verified += c.verified
            townships[key] = t
        }
    }
}

extension ModerationApp {
    /// GET /map: townships shaded by reports in a time window, official incidents on top, bubbles that open the
    /// queue filtered to their place. Server-drawn SVG; no script, no tiles. Moderators, admins and the EOC.
    @Sendable func mapPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireUser(request, context)
        let now = Date()
        let baseResult = mapBases.base(path: settings.mapBoundaries, insets: settings.mapTiles == nil)
        let base = try? baseResult?.get()
        let query = try MapQuery(FormData(request.uri.query ?? ""), now: now, counties: base?.boundaries.counties ?? [])
        let key = "\(query.hours)|\(query.endGiven ? String(query.end.timeIntervalSince1970) : "now")|\(query.county ?? "")|\(query.measure.rawValue)|\(settings.mapBoundaries ?? "")|\(settings.mapVillages ?? "")|\(settings.mapTiles ?? "")|\(context.language.rawValue)"
        let lang = context.language
        let body = try await mapCache.value(for: key) { [self] in
            try await renderMap(query, base: base, loadError: baseResult.flatMap { if case .failure(let e) = $0 { e } else { nil } }, now: now, lang: lang)
        }
        return Reply.html(Pages.page(title: Messages.app("地圖", context.language), page: "map", chrome: Chrome(auth, request, context), body: body))
    }

    func renderMap(_ q: MapQuery, base: MapBase?, loadError: BoundaryError?, now: Date, lang: Language) async throws -> String {
        func t(_ zh: String, _ args: [String: String] = [:]) -> String { Messages.app(zh, lang, args) }
        func span(_ hours: Int) -> String { hours < 48 ? t("{n} 小時", ["n": "\(hours)"]) : t("{n} 天", ["n": "\(hours / 24)"]) }
        let villageResult = mapBases.villages(path: settings.mapVillages)
        let counts = MapCounts(try await database.mapActivity(from: q.from, to: q.end), villages: try? villageResult?.get())
        let incidents = try await database.incidents(kinds: [.cap, .emic, .quake], activeAt: nil, from: q.from, to: q.end, limit: 3000)
        let range = (from: MapQuery.local(q.from), to: MapQuery.local(q.end))
        func queue(county: String?, township: String?, verifiedOnly: Bool) -> String {
            var parts: [String] = []
            if let county { parts.append("county=" + queryEscape(county)) }
            if let township { parts.append("township=" + queryEscape(township)) }
            if verifiedOnly { parts.append("state=approved") }
            parts.append("from=" + queryEscape(range.from))
            parts.append("to=" + queryEscape(range.to))
            return "/?" + parts.joined(separator: "&")
        }
        let marks: [MapMark] = incidents.compactMap { i in
            let when = taipeiShort(i.sent)
            switch i.kind {
            case .quake:
                return MapMark(kind: .quake, title: t("中央氣象署地震報告 {id}，規模 {magnitude}，{time}", ["id": i.externalID, "magnitude": i.details.magnitude.map { String(format: "%.1f", $0) } ?? "—", "time": when]), point: i.point, magnitude: i.details.magnitude)
            case .emic:
                return i.point.map { MapMark(kind: .emic, title: t("EMIC 災情 {event}：{address}，{time}", ["event": i.event ?? "", "address": i.address ?? "", "time": when]), point: $0) }
            default:
                guard i.point != nil || !i.polygons.isEmpty || !i.circles.isEmpty else { return nil }
                return MapMark(kind: .cap, title: t("警報（CAP）{event}：{headline}，{time}", ["event": i.event ?? "", "headline": i.headline ?? "", "time": when]), point: i.polygons.isEmpty && i.circles.isEmpty ? i.point : nil, polygons: i.polygons, circles: i.circles)
            }
        }
        var h = "<h1>\(t("地圖"))</h1>"
        h += "<p class=\"muted\">" + Markup.html(t("{from} 至 {to}（臺北時間）：{posts} 則待審或已核准的報告、{official} 筆官方資料。點鄉鎮或圓圈開啟該地的佇列。", ["from": taipeiShort(q.from), "to": taipeiShort(q.end), "posts": "\(counts.posts)", "official": "\(marks.count)"])) + "</p>"
        // Controls: a plain GET form (works without script).
        h += "<form method=\"get\" action=\"/map\" class=\"mapform\">"
        h += "<label>\(t("縣市")) <select name=\"county\"><option value=\"\">\(t("全國"))</option>"
        for c in base?.boundaries.counties ?? Labels.counties {
            h += "<option value=\"\(Markup.html(c))\"\(c == q.county ? " selected" : "")>\(Markup.html(c))</option>"
        }
        h += "</select></label> <label>\(t("時段")) <select name=\"window\">"
        for w in MapQuery.windows {
            h += "<option value=\"\(w)h\"\(w == q.hours ? " selected" : "")>\(span(w))</option>"
        }
        h += "</select></label> <label>\(t("著色")) <select name=\"layer\">"
        for (m, label) in [(MapMeasure.all, "待審＋已核准"), (.pending, "待審"), (.verified, "已核准")] {
            h += "<option value=\"\(m.rawValue)\"\(m == q.measure ? " selected" : "")>\(t(label))</option>"
        }
        h += "</select></label>"
        if q.endGiven { h += "<input type=\"hidden\" name=\"end\" value=\"\(Markup.html(MapQuery.local(q.end)))\">" }
        h += " <button type=\"submit\">\(t("顯示"))</button></form>"
        // The time slider: the window's end stepped back, as links.
        let latest = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 300).rounded(.up) * 300)
        let step = Double(q.hours) * 3600
        h += "<nav class=\"timeslider\" aria-label=\"\(t("時間軸（時段結束時間）"))\"><ol>"
        // Six windows before the one shown, up to two after it, and "now".
        var ends: [Date] = (1...6).reversed().map { q.end.addingTimeInterval(-Double($0) * step) } + [q.end]
        for k in 1...2 where q.end.addingTimeInterval(Double(k) * step) < latest { ends.append(q.end.addingTimeInterval(Double(k) * step)) }
        if ends.last.map({ $0 < latest }) ?? true { ends.append(latest) }
        for e in ends {
            let isNow = e >= latest
            let current = abs(e.timeIntervalSince(q.end)) < 1
            h += "<li><a href=\"\(Markup.html(q.url(end: .some(isNow ? nil : e))))\"\(current ? " aria-current=\"true\"" : "")>\(Markup.html(isNow ? t("現在") : taipeiShort(e)))</a></li>"
        }
        h += "</ol>"
        h += "<a href=\"\(Markup.html(q.url(end: .some(q.end.addingTimeInterval(-step)))))\">\(t("← 往前 {span}", ["span": span(q.hours)]))</a>"
        if q.end < latest { h += " <a href=\"\(Markup.html(q.url(end: .some(q.end.addingTimeInterval(step) >= latest ? nil : q.end.addingTimeInterval(step)))))\">\(t("往後 →"))</a>" }
        if q.county != nil { h += " <a href=\"\(Markup.html(q.url(county: .some(nil))))\">\(t("回到全國"))</a>" }
        h += "</nav>"
        if let base {
            var o = MapDrawing.Options(
                counts: counts.townships, title: t("{place}各鄉鎮市區報告數（{from} 至 {to}）", ["place": q.county ?? t("全國"), "from": taipeiShort(q.from), "to": taipeiShort(q.end)]),
                townshipLink: { t, c in queue(county: t.county, township: t.name, verifiedOnly: c.pending == 0) },
                clusterLink: { c in
                    let counties = Set(c.townships.map(\.county))
                    if c.townships.count == 1, let t = c.townships.first { return queue(county: t.county, township: t.name, verifiedOnly: c.counts.pending == 0) }
                    // Several townships of one county: that county's queue; of several counties (only at the
                    // national scale): the map zoomed into the busiest one.
                    if counties.count == 1, let county = counties.first { return queue(county: county, township: nil, verifiedOnly: c.counts.pending == 0) }
                    return q.url(county: .some(c.townships[0].county))
                },
                countyLink: { c in q.url(county: .some(c)) })
            o.measure = q.measure
            o.lang = lang
            o.marks = marks
            o.county = q.county
            o.tiles = settings.mapTiles.map { TileLayer(urlTemplate: $0, attribution: settings.mapTilesAttribution) }
            var caption = ""
            if let tiles = o.tiles {
                caption = "<figcaption class=\"muted small\">\(t("底圖："))\(Markup.html(tiles.attribution ?? URL(string: tiles.urlTemplate.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""))?.host ?? ""))\(t("。金門縣、連江縣請選縣市檢視。"))</figcaption>"
            }
            h += "<figure class=\"mapfig\">" + MapDrawing.svg(base, o) + caption + "</figure>"
            if case .failure(let e) = villageResult {
                h += "<p class=\"notice\" role=\"status\">\(Markup.html(t("讀不到村里界線檔：{error}", ["error": e.description]))) \(t("只提到村里的報告算在縣市。"))</p>"
            }
        } else {
            let why = loadError.map { t("讀不到鄉鎮界線檔：{error}", ["error": $0.description]) } ?? t("尚未設定鄉鎮界線（[server] map_boundaries）；`make boundaries` 可取得內政部國土測繪中心的開放資料。")
            h += "<p class=\"notice\" role=\"status\">\(Markup.html(why)) \(t("下表仍列出各地報告數。"))</p>"
        }
        // Legend.
        h += "<section class=\"legend\" aria-label=\"\(t("圖例"))\"><h2>\(t("圖例"))</h2><ul>"
        let classes = ["0", "1–2", "3–9", "10–29", t("30 以上")]
        for (i, label) in classes.enumerated() {
            h += "<li><svg class=\"sw\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><rect class=\"t s\(i)\" width=\"16\" height=\"16\"/></svg> \(t("{n} 則", ["n": label]))</li>"
        }
        h += "<li><svg class=\"sw\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><circle class=\"bub\" cx=\"8\" cy=\"8\" r=\"7\"/></svg> \(t("報告群集（數字為則數；點選開啟佇列）"))</li>"
        h += "<li><svg class=\"sw\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><path class=\"m-quake\" d=\"\(MapDrawingLegend.star)\"/></svg> \(t("地震震央（氣象署）"))</li>"
        h += "<li><svg class=\"sw\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><rect class=\"m-emic\" x=\"4\" y=\"4\" width=\"8\" height=\"8\"/></svg> \(t("EMIC 災情通報"))</li>"
        h += "<li><svg class=\"sw\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><rect class=\"m-area\" x=\"2\" y=\"2\" width=\"12\" height=\"12\"/></svg> \(t("警報範圍（CAP）"))</li>"
        h += "</ul></section>"
        // The same numbers as a table (screen readers, no-SVG browsers, printing).
        var rows: [(String, String?, PlaceCounts)] = counts.townships.map { key, c in
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : nil, c)
        }
        rows += counts.countyOnly.map { ($0.key, nil, $0.value) }
        rows = rows.filter { q.county == nil || $0.0 == q.county }
        rows.sort { $0.2.total != $1.2.total ? $0.2.total > $1.2.total : ($0.0 + ($0.1 ?? "")) < ($1.0 + ($1.1 ?? "")) }
        h += "<section><h2>\(t("各地報告"))</h2><table class=\"places\"><thead><tr><th scope=\"col\">\(t("地點"))</th><th scope=\"col\" class=\"num\">\(t("待審"))</th><th scope=\"col\" class=\"num\">\(t("已核准"))</th></tr></thead><tbody>"
        for (county, town, c) in rows.prefix(200) {
            let name = county + (town ?? t("（只提到縣市）"))
            h += "<tr><td><a href=\"\(Markup.html(queue(county: county, township: town, verifiedOnly: false)))\">\(Markup.html(name))</a></td>"
            h += "<td class=\"num\">\(c.pending)</td><td class=\"num\">\(c.verified == 0 ? "0" : "<a href=\"\(Markup.html(queue(county: county, township: town, verifiedOnly: true)))\">\(c.verified)</a>")</td></tr>"
        }
        if rows.isEmpty { h += "<tr><td colspan=\"3\" class=\"muted\">\(t("這段時間沒有提到地點的報告。"))</td></tr>" }
        h += "</tbody></table></section>"
        if let base {
            let source = t("鄉鎮界線：{file}（內政部國土測繪中心開放資料，政府資料開放授權條款第 1 版），{townships} 個鄉鎮市區，簡化後 {points} 點。", [
                "file": URL(fileURLWithPath: base.boundaries.source).lastPathComponent, "townships": "\(base.boundaries.townships.count)",
                "points": "\(base.boundaries.pointCount)",
            ])
            h += "<p class=\"muted small\">\(Markup.html(source))\(settings.mapTiles == nil ? Markup.html(t("金門、連江以框內位置示意。")) : "")</p>"
        }
        if case .success(let villages) = villageResult {
            let line = t("村里：{file}（內政部村里界），{villages} 個村里；只提到村里（名稱在縣市內唯一）的報告算在它的鄉鎮。", [
                "file": URL(fileURLWithPath: villages.source).lastPathComponent, "villages": "\(villages.count)",
            ])
            h += "<p class=\"muted small\">\(Markup.html(line))</p>"
        }
        return h
    }
}

enum MapDrawingLegend {
    static let star = "M8 1L9.8 5.6L14.7 5.8L10.9 8.9L12.2 13.7L8 11L3.8 13.7L5.1 8.9L1.3 5.8L6.2 5.6Z"
}
