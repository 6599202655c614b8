import Foundation

/// Small township shapes written for the tests (squares at roughly the right places), as a quantized TopoJSON
/// topology — shared borders as shared arcs, one Kinmen township with two islands, a county written with 台 — and
/// as the same shapes in GeoJSON.
public enum MapFixtures {
    /// Integer coordinates: longitude = 118 + x / 1000, latitude = 22 + y / 1000.
    static let arcs: [[(Int, Int)]] = [
        [(3680, 3030), (3680, 3100)],  // 0: 汐止 | 瑞芳 border
        [(3680, 3100), (3600, 3100), (3600, 3030), (3680, 3030)],  // 1: the rest of 汐止
        [(3680, 3030), (3850, 3030), (3850, 3130), (3680, 3130), (3680, 3100)],  // 2: the rest of 瑞芳
        [(2650, 1200), (2750, 1200), (2750, 1300), (2650, 1300), (2650, 1200)],  // 3: 那瑪夏
        [(3550, 1930), (3620, 1930), (3620, 1990), (3550, 1990), (3550, 1930)],  // 4: 吉安
        [(300, 2400), (340, 2400), (340, 2450), (300, 2450), (300, 2400)],  // 5: 金城, main island
        [(360, 2400), (370, 2400), (370, 2410), (360, 2410), (360, 2400)],  // 6: 金城, islet
        [(3100, 750), (3160, 750), (3160, 800), (3100, 800), (3100, 750)],  // 7: 臺東市
    ]

    /// (county, township, english, geometry type, rings of arc indexes per polygon)
    static let towns: [(String, String, String, [[[Int]]])] = [
        ("新北市", "汐止區", "Xizhi District", [[[1, 0]]]),
        ("新北市", "瑞芳區", "Ruifang District", [[[~0, 2]]]),
        ("高雄市", "那瑪夏區", "Namasia District", [[[3]]]),
        ("花蓮縣", "吉安鄉", "Ji'an Township", [[[4]]]),
        ("金門縣", "金城鎮", "Jincheng Township", [[[5]], [[6]]]),
        ("台東縣", "台東市", "Taitung City", [[[7]]]),
    ]

    public static var topoJSON: String {
        let arcText = arcs.map { arc in
            var prev = (0, 0)
            return "[" + arc.map { p in
                defer { prev = p }
                return "[\(p.0 - prev.0),\(p.1 - prev.1)]"
            }.joined(separator: ",") + "]"
        }.joined(separator: ",")
        let geometries = towns.map { t in
            let (type, arcsJSON) = t.3.count == 1 ? ("Polygon", json(t.3[0])) : ("MultiPolygon", "[" + t.3.map(json).joined(separator: ",") + "]")
            return """
                {"type":"\(type)","arcs":\(arcsJSON),"properties":{"countyName":"\(t.0)","townName":"\(t.1)","townEng":"\(t.2)"}}
                """
        }.joined(separator: ",")
        return """
            {"type":"Topology","transform":{"scale":[0.001,0.001],"translate":[118,22]},"arcs":[\(arcText)],
             "objects":{"towns":{"type":"GeometryCollection","geometries":[\(geometries)]}}}
            """
    }

    /// The same townships as a GeoJSON FeatureCollection with the MOI shapefile's property names.
    public static var geoJSON: String {
        func ring(_ indexes: [Int]) -> String {
            var points: [(Int, Int)] = []
            for i in indexes {
                var a = arcs[i < 0 ? ~i : i]
                if i < 0 { a.reverse() }
                points += points.isEmpty ? a[...] : a.dropFirst()
            }
            return "[" + points.map { "[\(118 + Double($0.0) / 1000),\(22 + Double($0.1) / 1000)]" }.joined(separator: ",") + "]"
        }
        let features = towns.map { t in
            let polys = t.3.map { "[" + $0.map(ring).joined(separator: ",") + "]" }
            let geometry = polys.count == 1 ? "{\"type\":\"Polygon\",\"coordinates\":\(polys[0])}" : "{\"type\":\"MultiPolygon\",\"coordinates\":[\(polys.joined(separator: ","))]}"
            return "{\"type\":\"Feature\",\"properties\":{\"COUNTYNAME\":\"\(t.0)\",\"TOWNNAME\":\"\(t.1)\",\"TOWNENG\":\"\(t.2)\"},\"geometry\":\(geometry)}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}"
    }

    static func json(_ rings: [[Int]]) -> String { "[" + rings.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]" }

    /// Writes the TopoJSON fixture into `dir` and returns its path.
    public static func writeTopoJSON(in dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent("towns-fixture.json")
        try topoJSON.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Villages (村里) inside the fixture's townships, as the MOI village shapefile names them (VILLNAME): 長安里
    /// only in 汐止 (drawn as two features, an island), 中正里 in both 汐止 and 瑞芳 (ambiguous without the township).
    static let villages: [(String, String, String, (Int, Int, Int, Int))] = [
        ("新北市", "汐止區", "長安里", (3610, 3040, 3650, 3080)),
        ("新北市", "汐止區", "長安里", (3655, 3040, 3660, 3045)),
        ("新北市", "汐止區", "中正里", (3655, 3085, 3675, 3095)),
        ("新北市", "瑞芳區", "中正里", (3700, 3050, 3800, 3100)),
        ("台東縣", "台東市", "豐里里", (3110, 760, 3150, 790)),
    ]

    public static var villagesGeoJSON: String {
        let features = villages.map { v in
            let (x0, y0, x1, y1) = v.3
            let ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)].map { "[\(118 + Double($0.0) / 1000),\(22 + Double($0.1) / 1000)]" }
            return "{\"type\":\"Feature\",\"properties\":{\"COUNTYNAME\":\"\(v.0)\",\"TOWNNAME\":\"\(v.1)\",\"VILLNAME\":\"\(v.2)\"},"
                + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring.joined(separator: ","))]]}}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}"
    }

    /// Writes the village fixture into `dir` and returns its path.
    public static func writeVillages(in dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent("villages-fixture.json")
        try villagesGeoJSON.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
