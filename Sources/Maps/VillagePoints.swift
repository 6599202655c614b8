import Foundation
import SieveCore

/// A village (村里) as a point: the township it belongs to and a point inside its shape.
public struct VillagePoint: Sendable, Equatable {
    public let county: String
    public let township: String
    public let village: String
    public let point: GeoPoint
}

/// Village points read from the MOI's village boundaries (村里界, data.gov.tw 7438) as GeoJSON or TopoJSON, so a
/// report that names only a village and its county ("新北市 長安里") still lands in its township on the map.
/// Village names repeat — 中正里 exists in dozens of townships — so a name is placed only when it is unique in its
/// county, or when the report also names the township.
public struct VillagePoints: Sendable {
    public let source: String
    public var count: Int { points.count }
    private let points: [VillagePoint]
    /// "county|village" → indexes into `points`.
    private let byName: [String: [Int]]

    public init(_ villages: Boundaries) {
        source = villages.source
        var points: [VillagePoint] = []
        var byName: [String: [Int]] = [:]
        for v in villages.townships {
            guard let name = v.village else { continue }
            let key = v.county + "|" + name
            // A village drawn as several features (islands) is one village.
            if byName[key]?.contains(where: { points[$0].township == v.name }) == true { continue }
            byName[key, default: []].append(points.count)
            points.append(VillagePoint(county: v.county, township: v.name, village: name, point: v.labelPoint))
        }
        self.points = points
        self.byName = byName
    }

    /// Reads a village boundary file (`[server] map_villages`).
    public static func load(path: String) throws(BoundaryError) -> VillagePoints {
        VillagePoints(try Boundaries.load(path: path, tolerance: 0.0005, layer: .villages))
    }

    /// The village `name` in `county` — in `township` when given — or nil when there is none or several.
    public func locate(county: String, village name: String, township: String? = nil) -> VillagePoint? {
        let candidates = (byName[Boundaries.canonical(county) + "|" + Boundaries.canonical(name)] ?? []).map { points[$0] }
        let matching = township.map { t in candidates.filter { $0.township == Boundaries.canonical(t) } } ?? candidates
        return matching.count == 1 ? matching[0] : nil
    }

    /// The villages placed in `township` of `county` by `locate` (their names unique in the county).
    public func villages(county: String, township: String) -> [String] {
        let c = Boundaries.canonical(county), t = Boundaries.canonical(township)
        return points.filter { $0.county == c && $0.township == t && byName[c + "|" + $0.village]?.count == 1 }.map(\.village).sorted()
    }
}
