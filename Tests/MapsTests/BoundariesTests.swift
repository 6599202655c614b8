import Foundation
import Maps
import SieveCore
import Testing
import TestSupport

@Suite("Maps: township boundaries")
struct BoundariesTests {
    static func fixture(tolerance: Double = 0.001) throws -> Boundaries {
        try Boundaries.parse(Data(MapFixtures.topoJSON.utf8), path: "fixture.json", tolerance: tolerance)
    }

    @Test func topoJSONTownshipsShareTheirBordersAndAnswerWhereAPointIs() throws {
        let b = try Self.fixture()
        #expect(b.townships.count == 6)
        #expect(b.counties == ["新北市", "高雄市", "花蓮縣", "金門縣", "臺東縣"])
        let xizhi = try #require(b.township(county: "新北市", name: "汐止區"))
        let ruifang = try #require(b.township(county: "新北市", name: "瑞芳區"))
        #expect(xizhi.englishName == "Xizhi District")
        // The shared arc is in both rings, decoded from deltas to the same degrees.
        let border = [GeoPoint(lat: 25.03, lon: 121.68), GeoPoint(lat: 25.1, lon: 121.68)]
        for t in [xizhi, ruifang] {
            let ring = try #require(t.polygons.first?.first)
            for p in border { #expect(ring.contains { abs($0.lat - p.lat) < 1e-9 && abs($0.lon - p.lon) < 1e-9 }) }
            #expect(ring.first == ring.last)
        }
        #expect(b.township(containing: GeoPoint(lat: 25.06, lon: 121.64))?.name == "汐止區")
        #expect(b.township(containing: GeoPoint(lat: 25.06, lon: 121.70))?.name == "瑞芳區")
        #expect(b.township(containing: GeoPoint(lat: 25.06, lon: 121.90)) == nil)
        // 台 is read as the official 臺, and either spelling finds it.
        #expect(b.township(county: "台東縣", name: "台東市")?.county == "臺東縣")
        #expect(b.township(county: "臺東縣", name: "臺東市") != nil)
        // Kinmen's township has two islands; a point on the islet is in it.
        let jincheng = try #require(b.township(county: "金門縣", name: "金城鎮"))
        #expect(jincheng.polygons.count == 2)
        #expect(jincheng.contains(GeoPoint(lat: 24.405, lon: 118.365)))
        #expect(xizhi.contains(xizhi.labelPoint))
    }

    @Test func geoJSONWithTheShapefilesPropertyNamesReadsTheSameTownships() throws {
        let topo = try Self.fixture()
        let geo = try Boundaries.parse(Data(MapFixtures.geoJSON.utf8), path: "fixture.geojson")
        #expect(geo.townships.map { $0.county + $0.name } == topo.townships.map { $0.county + $0.name })
        for (a, b) in zip(geo.townships, topo.townships) {
            #expect(a.polygons.count == b.polygons.count)
            #expect(abs(a.labelPoint.lat - b.labelPoint.lat) < 1e-6 && abs(a.labelPoint.lon - b.labelPoint.lon) < 1e-6)
        }
    }

    @Test func aCrescentShapedTownshipGetsALabelInsideIt() {
        // A U: the centroid falls in the notch, outside the shape.
        let u = [(0.0, 0.0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3), (0, 0)].map { GeoPoint(lat: 23 + $0.1 * 0.01, lon: 121 + $0.0 * 0.01) }
        let t = Township(code: "", county: "測試縣", name: "U鄉", englishName: nil, countyEnglish: nil, polygons: [[u]])
        #expect(t.contains(t.labelPoint))
        #expect(!t.contains(GeoPoint(lat: 23.02, lon: 121.015)))  // the notch
    }

    @Test func simplificationDropsNeedlessPointsButKeepsRingsRings() {
        let line = (0...100).map { GeoPoint(lat: 23 + Double($0) * 0.0001, lon: 121 + Double($0) * 0.0001) }
        #expect(Simplify.line(line, tolerance: 0.001).count == 2)
        #expect(Simplify.line(line, tolerance: 0) == line)
        let tiny = [(0.0, 0.0), (0.0001, 0), (0.0001, 0.0001), (0, 0.0001), (0, 0)].map { GeoPoint(lat: 23 + $0.1, lon: 121 + $0.0) }
        #expect(Simplify.ring(tiny, tolerance: 0.01).count == 5)  // an islet keeps its shape
        let zigzag = [GeoPoint(lat: 23, lon: 121), GeoPoint(lat: 23.05, lon: 121.05), GeoPoint(lat: 23, lon: 121.1)]
        #expect(Simplify.line(zigzag, tolerance: 0.01).count == 3)
    }

    @Test(arguments: [
        ("not json", "not JSON"),
        ("{\"type\":\"Feature\"}", "type is \"Feature\"; expected FeatureCollection (GeoJSON) or Topology (TopoJSON)"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"COUNTYNAME\":\"新北市\",\"TOWNNAME\":\"汐止區\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[121,25],[121.1,25],[\"x\",25.1],[121,25]]]}}]}",
         "features[0].geometry.coordinates[0][2]: expected [longitude, latitude] in degrees"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"COUNTYNAME\":\"新北市\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[121,25],[121.1,25],[121.1,25.1],[121,25]]]}}]}",
         "features[0].properties: no township name (looked for TOWNNAME, townName, town, TOWN)"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[121,25]}}]}",
         "features[0].geometry.type is \"Point\"; a township is a Polygon or MultiPolygon"),
        ("{\"type\":\"Topology\",\"arcs\":[[[0,0],[1,0],[1,1],[0,0]]],\"objects\":{\"towns\":{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Polygon\",\"arcs\":[[99]],\"properties\":{\"townName\":\"汐止區\",\"countyName\":\"新北市\"}}]}}}",
         "objects.towns.geometries[0].arcs[0]: arc 99 does not exist (1 arcs)"),
        ("{\"type\":\"Topology\",\"arcs\":[],\"objects\":{\"land\":{\"type\":\"GeometryCollection\",\"geometries\":[]}}}",
         "objects: no geometry collection of townships"),
        ("{\"type\":\"FeatureCollection\",\"features\":[]}", "no township shapes in the file"),
    ])
    func badFilesSayWhatIsWrongAndWhere(_ text: String, _ expected: String) {
        #expect {
            _ = try Boundaries.parse(Data(text.utf8), path: "/etc/sieve/towns.json")
        } throws: { error in
            let e = error as? BoundaryError
            return e?.path == "/etc/sieve/towns.json" && (e?.message.contains(expected) ?? false)
        }
    }

    @Test func aMissingFileNamesItsPath() {
        #expect(throws: BoundaryError.self) { try Boundaries.load(path: "/nonexistent/towns.json") }
        do {
            _ = try Boundaries.load(path: "/nonexistent/towns.json")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/towns.json: cannot read the boundary file"))
        }
    }

    // MARK: The national open data (when `make boundaries` has fetched it)

    static let national = TestPaths.boundaries

    @Test(.enabled(if: national != nil, "no township boundary file: run `make boundaries` or set SIEVE_BOUNDARIES"))
    func everyTownshipOfTheGazetteerHasAShapeAndPlacesLandWhereTheyAre() throws {
        let path = try #require(Self.national)
        let b = try Boundaries.load(path: path)
        #expect(b.townships.count == 368)
        #expect(Set(b.townships.map(\.county)).count == 22)
        // Every township the classifier's gazetteer knows (Lexicons/places.tsv) has a shape.
        let gazetteer = try String(contentsOf: TestPaths.lexicons.appendingPathComponent("places.tsv"), encoding: .utf8)
        var missing: [String] = [], checked = 0
        for line in gazetteer.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4, f[1] == "township" else { continue }
            checked += 1
            if b.township(county: f[3], name: f[2]) == nil { missing.append(f[3] + f[2]) }
        }
        #expect(checked >= 368)
        #expect(missing.isEmpty, "townships without a shape: \(missing)")
        for t in b.townships {
            #expect(t.contains(t.labelPoint) || t.polygons.count > 1, "\(t.county)\(t.name): label outside")
            #expect(t.englishName != nil)
        }
        let places: [(Double, Double, String)] = [
            (25.0340, 121.5645, "臺北市信義區"),  // Taipei 101
            (25.0630, 121.6610, "新北市汐止區"),  // Xizhi station
            (23.9933, 121.6011, "花蓮縣花蓮市"),  // Hualien station
            (24.4336, 118.3186, "金門縣金城鎮"),
            (23.5655, 119.5793, "澎湖縣馬公市"),
            (22.6871, 120.3078, "高雄市左營區"),  // Zuoying HSR station
        ]
        for (lat, lon, name) in places {
            let t = b.township(containing: GeoPoint(lat: lat, lon: lon))
            #expect(t.map { $0.county + $0.name } == name)
        }
        print("boundaries: \(b.townships.count) townships, \(b.pointCount) points after simplification, from \(path)")
    }
}
