import Foundation
import Maps
import SieveCore
import Testing
import TestSupport

@Suite("Maps: the situational map")
struct MapDrawingTests {
    static func options(_ counts: [String: PlaceCounts], county: String? = nil, marks: [MapMark] = []) -> MapDrawing.Options {
        var o = MapDrawing.Options(
            counts: counts, title: "測試地圖",
            townshipLink: { t, _ in "/?county=\(t.county)&township=\(t.name)" },
            clusterLink: { c in "/cluster/\(c.townships.map(\.name).joined(separator: "+"))" },
            countyLink: { "/map?county=\($0)" })
        o.county = county
        o.marks = marks
        return o
    }

    @Test func townshipsAreShadedByTheirReportsAndLinkToTheirQueue() throws {
        let base = MapBase(try BoundariesTests.fixture())
        let svg = MapDrawing.svg(base, Self.options(["新北市|汐止區": PlaceCounts(pending: 3, verified: 1), "高雄市|那瑪夏區": PlaceCounts(pending: 0, verified: 1)]))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("<title id=\"maptitle\">測試地圖</title>"))
        // 4 reports → class 2 (3–9); 1 → class 1; none → 0, not linked.
        #expect(svg.contains("<a href=\"/?county=新北市&amp;township=汐止區\"><path class=\"t s2\""))
        #expect(svg.contains("<a href=\"/?county=高雄市&amp;township=那瑪夏區\"><path class=\"t s1\""))
        #expect(svg.contains("<path class=\"t s0\"") && !svg.contains("township=瑞芳區"))
        #expect(svg.contains("新北市汐止區：待審 3、已核准 1"))
        // Bubbles: one per separate place, with its count.
        #expect(svg.components(separatedBy: "<g class=\"bubble\">").count == 3)
        #expect(svg.contains(">4</text></g></a>") && svg.contains(">1</text></g></a>"))
        // Kinmen inset, north arrow, scale bar.
        #expect(svg.contains("金門縣（位置示意）"))
        #expect(svg.contains("N 北") && svg.contains(" 公里</text>"))
        // Only pending reports: 那瑪夏 has none left.
        var pending = Self.options(["新北市|汐止區": PlaceCounts(pending: 3, verified: 1), "高雄市|那瑪夏區": PlaceCounts(pending: 0, verified: 1)])
        pending.measure = .pending
        let p = MapDrawing.svg(base, pending)
        #expect(p.contains("township=那瑪夏區\"><path class=\"t s0\""))
        #expect(p.components(separatedBy: "<g class=\"bubble\">").count == 2)
    }

    @Test func nearbyTownshipsShareABubbleAtCountryScaleAndSplitWhenZoomedIn() throws {
        let base = MapBase(try BoundariesTests.fixture())
        let counts = ["新北市|汐止區": PlaceCounts(pending: 5), "新北市|瑞芳區": PlaceCounts(pending: 2)]
        // Their labels are 26 units (13 km) apart at the national scale.
        let merged = base.clusters(counts, measure: .all, radius: 30, in: nil)
        #expect(merged.count == 1)
        #expect(merged.first?.townships.map(\.name) == ["汐止區", "瑞芳區"] && merged.first?.counts == PlaceCounts(pending: 7))
        #expect(base.clusters(counts, measure: .all, radius: 10, in: nil).count == 2)
        #expect(base.clusters(counts, measure: .verified, radius: 30, in: nil).isEmpty)
        let national = MapDrawing.svg(base, Self.options(counts))
        let zoomed = MapDrawing.svg(base, Self.options(counts, county: "新北市"))
        #expect(zoomed.contains("<a href=\"/cluster/汐止區\">") && zoomed.contains("<a href=\"/cluster/瑞芳區\">"))
        // The county view frames the county: another viewBox, township names, no inset frames.
        func viewBox(_ s: String) -> String? { s.range(of: "viewBox=\"[^\"]*\"", options: .regularExpression).map { String(s[$0]) } }
        #expect(viewBox(zoomed) != viewBox(national))
        #expect(zoomed.contains(">汐止區</text>") && !zoomed.contains("位置示意"))
        #expect(!zoomed.contains("那瑪夏區"))  // far outside the frame: not drawn at all
    }

    @Test func officialIncidentsAreDrawnWithTheirOwnSymbols() throws {
        let base = MapBase(try BoundariesTests.fixture())
        let marks = [
            MapMark(kind: .quake, title: "地震 M5.6", point: GeoPoint(lat: 23.9, lon: 121.6), magnitude: 5.6),
            MapMark(kind: .emic, title: "EMIC 路樹倒塌", point: GeoPoint(lat: 25.06, lon: 121.64)),
            MapMark(kind: .cap, title: "豪雨特報範圍", point: nil,
                    polygons: [[GeoPoint(lat: 25, lon: 121.5), GeoPoint(lat: 25.2, lon: 121.5), GeoPoint(lat: 25.2, lon: 121.9), GeoPoint(lat: 25, lon: 121.5)]],
                    circles: [GeoCircle(center: GeoPoint(lat: 23.25, lon: 120.7), radiusKm: 10)]),
        ]
        let svg = MapDrawing.svg(base, Self.options([:], marks: marks))
        #expect(svg.contains("<g class=\"mk mk-quake\"><title>地震 M5.6</title><path class=\"m-quake\""))
        #expect(svg.contains(">M5.6</text>"))
        #expect(svg.contains("<g class=\"mk mk-emic\"><title>EMIC 路樹倒塌</title><rect class=\"m-emic\""))
        #expect(svg.contains("<g class=\"mk mk-cap\"><title>豪雨特報範圍</title><path class=\"m-area\""))
        // 10 km at the national scale.
        let r = MapProjection.national.unitsPerKm(at: 23.25) * 10
        #expect(svg.contains("<circle class=\"m-area\"") && svg.contains("r=\"\(String(format: "%.1f", r))\""))
    }

    @Test func kinmenAndMatsuAreMovedIntoTheFrameAndEverythingElseStaysTrueToScale() {
        let p = MapProjection.national
        let kinmen = p.project(GeoPoint(lat: 24.43, lon: 118.32))
        let matsu = p.project(GeoPoint(lat: 26.15, lon: 119.95))
        for q in [kinmen, matsu] { #expect(q.x >= 0 && q.x <= p.width && q.y >= 0 && q.y <= p.height) }
        // 0.1° of latitude is 11.12 km on the sphere, measured with the scale at that latitude.
        let a = p.project(GeoPoint(lat: 23.5, lon: 121)), b = p.project(GeoPoint(lat: 23.6, lon: 121))
        #expect(abs((b.y - a.y).magnitude / p.unitsPerKm(at: 23.55) - 11.119) < 0.01)
        #expect(MapBase.shade(0) == 0 && MapBase.shade(2) == 1 && MapBase.shade(3) == 2 && MapBase.shade(29) == 3 && MapBase.shade(30) == 4)
    }

    @Test func aTileLayerCoversTheFrameWithTheRightTilesAndNoInsets() throws {
        let boundaries = try BoundariesTests.fixture()
        let projection = MapProjection(insets: false)
        let layer = TileLayer(urlTemplate: "https://tiles.example/{z}/{x}/{y}.png", attribution: "© OpenStreetMap contributors")
        let box = projection.box(boundaries.bounds(ofCounty: "新北市")!)
        let (zoom, tiles) = layer.tiles(for: box, projection: projection)
        #expect(!tiles.isEmpty && tiles.count <= 64 && (5...17).contains(zoom))
        // The tiles cover the frame.
        #expect(tiles.map(\.x).min()! <= box.x && tiles.map { $0.x + $0.size }.max()! >= box.x + box.w)
        #expect(tiles.map(\.y).min()! <= box.y && tiles.map { $0.y + $0.size }.max()! >= box.y + box.h)
        // The tile under 汐止 is the one the slippy-map formula names.
        let p = GeoPoint(lat: 25.06, lon: 121.64)
        let n = Double(1 << zoom)
        let tx = Int(((p.lon + 180) / 360 * n).rounded(.down))
        let ty = Int(((1 - log(tan(Double.pi / 4 + p.lat * Double.pi / 360)) / Double.pi) / 2 * n).rounded(.down))
        let q = projection.project(p)
        let under = tiles.filter { q.x >= $0.x && q.x < $0.x + $0.size && q.y >= $0.y && q.y < $0.y + $0.size }
        #expect(under.map(\.url) == ["https://tiles.example/\(zoom)/\(tx)/\(ty).png"])
        // Drawn under the townships; Kinmen stays where it is (no inset frame).
        var o = Self.options(["新北市|汐止區": PlaceCounts(pending: 1)], county: "新北市")
        o.tiles = layer
        let svg = MapDrawing.svg(MapBase(boundaries, projection: projection), o)
        #expect(svg.contains("class=\"sitmap tiled\""))
        #expect(svg.contains("<image href=\"https://tiles.example/\(zoom)/\(tx)/\(ty).png\""))
        #expect(svg.range(of: "<g class=\"tiles\"")!.lowerBound < svg.range(of: "<g class=\"towns\">")!.lowerBound)
        var national = Self.options([:])
        national.tiles = layer
        #expect(!MapDrawing.svg(MapBase(boundaries, projection: projection), national).contains("位置示意"))
        #expect(!MapDrawing.svg(MapBase(boundaries), Self.options([:])).contains("<image"))
    }
}
