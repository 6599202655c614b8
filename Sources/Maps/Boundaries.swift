import Foundation
import SieveCore

/// A rectangle in longitude/latitude.
public struct GeoBounds: Sendable, Equatable {
    public var minLon: Double, minLat: Double, maxLon: Double, maxLat: Double

    public init(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        self.minLon = minLon
        self.minLat = minLat
        self.maxLon = maxLon
        self.maxLat = maxLat
    }

    /// The smallest rectangle around the points (nil for none).
    public init?<S: Sequence>(points: S) where S.Element == GeoPoint {
        var b: GeoBounds? = nil
        for p in points {
            if b == nil { b = GeoBounds(minLon: p.lon, minLat: p.lat, maxLon: p.lon, maxLat: p.lat) } else { b!.include(p) }
        }
        guard let b else { return nil }
        self = b
    }

    public mutating func include(_ p: GeoPoint) {
        minLon = min(minLon, p.lon)
        maxLon = max(maxLon, p.lon)
        minLat = min(minLat, p.lat)
        maxLat = max(maxLat, p.lat)
    }

    public func union(_ o: GeoBounds) -> GeoBounds {
        GeoBounds(minLon: min(minLon, o.minLon), minLat: min(minLat, o.minLat), maxLon: max(maxLon, o.maxLon), maxLat: max(maxLat, o.maxLat))
    }

    public func contains(_ p: GeoPoint) -> Bool { p.lon >= minLon && p.lon <= maxLon && p.lat >= minLat && p.lat <= maxLat }
}

/// One township (鄉鎮市區) with its shape: polygons, each an outer ring followed by its holes.
public struct Township: Sendable {
    /// The national code (TOWNCODE, e.g. 63000010), or "" when the file has none.
    public let code: String
    /// Canonical county name (臺, not 台), as the gazetteer writes it.
    public let county: String
    public let name: String
    /// The official romanisation from the boundary file (TOWNENG), when it has one.
    public let englishName: String?
    public let countyEnglish: String?
    /// The village (村里, VILLNAME) when this shape is one village of the township (a village boundary file).
    public let village: String?
    public let polygons: [[[GeoPoint]]]
    public let bounds: GeoBounds
    /// A point inside the township for its label and bubble (the area centroid when that lies inside).
    public let labelPoint: GeoPoint

    public init(
        code: String, county: String, name: String, englishName: String?, countyEnglish: String?, village: String? = nil,
        polygons: [[[GeoPoint]]]
    ) {
        self.code = code
        self.village = village
        self.county = county
        self.name = name
        self.englishName = englishName
        self.countyEnglish = countyEnglish
        self.polygons = polygons
        self.bounds = GeoBounds(points: polygons.lazy.flatMap { $0.first ?? [] }) ?? GeoBounds(minLon: 0, minLat: 0, maxLon: 0, maxLat: 0)
        self.labelPoint = Self.labelPoint(polygons)
    }

    /// Whether the point lies in the township (inside an outer ring and outside that polygon's holes).
    public func contains(_ p: GeoPoint) -> Bool {
        guard bounds.contains(p) else { return false }
        for polygon in polygons {
            guard let outer = polygon.first, Self.ringContains(outer, p) else { continue }
            if !polygon.dropFirst().contains(where: { Self.ringContains($0, p) }) { return true }
        }
        return false
    }

    static func ringContains(_ ring: [GeoPoint], _ p: GeoPoint) -> Bool { Geo.contains(ring, p) }

    /// Signed area of a ring in square degrees (positive counter-clockwise).
    static func area(_ ring: [GeoPoint]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var s = 0.0
        var j = ring.count - 1
        for i in ring.indices {
            s += ring[j].lon * ring[i].lat - ring[i].lon * ring[j].lat
            j = i
        }
        return s / 2
    }

    /// The area centroid of the largest polygon's outer ring; when that falls outside (a crescent-shaped
    /// township), the middle of the widest stretch of the ring along the centroid's latitude.
    static func labelPoint(_ polygons: [[[GeoPoint]]]) -> GeoPoint {
        guard let outer = polygons.compactMap(\.first).max(by: { abs(area($0)) < abs(area($1)) }), !outer.isEmpty else {
            return GeoPoint(lat: 0, lon: 0)
        }
        let a = area(outer)
        var cx = 0.0, cy = 0.0
        var j = outer.count - 1
        for i in outer.indices {
            let f = outer[j].lon * outer[i].lat - outer[i].lon * outer[j].lat
            cx += (outer[j].lon + outer[i].lon) * f
            cy += (outer[j].lat + outer[i].lat) * f
            j = i
        }
        let centroid = abs(a) > 1e-12 ? GeoPoint(lat: cy / (6 * a), lon: cx / (6 * a)) : outer[0]
        let polygon = polygons.first { $0.first == outer } ?? [outer]
        if ringContains(outer, centroid), !polygon.dropFirst().contains(where: { ringContains($0, centroid) }) { return centroid }
        // Crossings of the ring with the centroid's latitude, paired into inside stretches; the widest wins.
        var xs: [Double] = []
        j = outer.count - 1
        for i in outer.indices {
            let p = outer[i], q = outer[j]
            if (p.lat > centroid.lat) != (q.lat > centroid.lat) {
                xs.append(p.lon + (centroid.lat - p.lat) * (q.lon - p.lon) / (q.lat - p.lat))
            }
            j = i
        }
        xs.sort()
        var best: (Double, Double)? = nil
        var k = 0
        while k + 1 < xs.count {
            if best == nil || xs[k + 1] - xs[k] > best!.1 - best!.0 { best = (xs[k], xs[k + 1]) }
            k += 2
        }
        if let best { return GeoPoint(lat: centroid.lat, lon: (best.0 + best.1) / 2) }
        return outer[0]
    }
}

/// What went wrong reading a boundary file, and where.
public struct BoundaryError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Taiwan's townships as shapes, read from the national land-surveying open data (鄉鎮市區界線) as GeoJSON or
/// TopoJSON, simplified for the web. The file is not shipped in this repository: see `make boundaries`.
public struct Boundaries: Sendable {
    public let townships: [Township]
    /// Where the shapes came from (the file's path) and how many points were kept.
    public let source: String
    public let pointCount: Int
    public let bounds: GeoBounds
    private let byKey: [String: Int]

    public init(townships: [Township], source: String) {
        self.townships = townships
        self.source = source
        self.pointCount = townships.reduce(0) { $0 + $1.polygons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } }
        self.bounds = townships.dropFirst().reduce(townships.first?.bounds ?? GeoBounds(minLon: 119, minLat: 21.8, maxLon: 122.1, maxLat: 25.4)) {
            $0.union($1.bounds)
        }
        var keys: [String: Int] = [:]
        for (i, t) in townships.enumerated() { keys[t.county + "|" + t.name] = i }
        self.byKey = keys
    }

    public func township(county: String, name: String) -> Township? {
        byKey[Self.canonical(county) + "|" + Self.canonical(name)].map { townships[$0] }
    }

    public func township(containing p: GeoPoint) -> Township? { townships.first { $0.contains(p) } }

    public func townships(in county: String) -> [Township] {
        let c = Self.canonical(county)
        return townships.filter { $0.county == c }
    }

    public var counties: [String] {
        var seen = Set<String>(), out: [String] = []
        for t in townships where seen.insert(t.county).inserted { out.append(t.county) }
        return out
    }

    public func bounds(ofCounty county: String) -> GeoBounds? {
        let ts = townships(in: county)
        guard let first = ts.first else { return nil }
        return ts.dropFirst().reduce(first.bounds) { $0.union($1.bounds) }
    }

    /// Official names use 臺; open-data files often write 台 (台東縣, 台西鄉).
    public static func canonical(_ name: String) -> String {
        name.replacingOccurrences(of: "台", with: "臺").trimmingCharacters(in: .whitespaces)
    }

    // MARK: Reading

    /// Reads a GeoJSON FeatureCollection or a TopoJSON topology of townships. `tolerance` (degrees) is the
    /// Douglas–Peucker simplification distance; 0 keeps every point. TopoJSON arcs are simplified once each, so
    /// neighbouring townships keep sharing the same border.
    public static func load(path: String, tolerance: Double = 0.001, layer: Layer = .townships) throws(BoundaryError) -> Boundaries {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BoundaryError(path: path, message: "cannot read the boundary file (\(error.localizedDescription))")
        }
        return try parse(data, path: path, tolerance: tolerance, layer: layer)
    }

    /// Which shapes a file holds: townships (鄉鎮市區界線), or villages (村里界, each also naming its township).
    public enum Layer: Sendable {
        case townships, villages
    }

    public static func parse(_ data: Data, path: String, tolerance: Double = 0.001, layer: Layer = .townships) throws(BoundaryError) -> Boundaries {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw BoundaryError(path: path, message: "not JSON: \(error.localizedDescription)")
        }
        guard let root = json as? [String: Any], let type = root["type"] as? String else {
            throw BoundaryError(path: path, message: "expected a GeoJSON FeatureCollection or a TopoJSON Topology object with \"type\"")
        }
        let reader = ShapeReader(path: path, tolerance: tolerance, layer: layer)
        let townships: [Township]
        switch type {
        case "Topology": townships = try reader.topology(root)
        case "FeatureCollection": townships = try reader.featureCollection(root)
        default: throw BoundaryError(path: path, message: "type is \"\(type)\"; expected FeatureCollection (GeoJSON) or Topology (TopoJSON)")
        }
        guard !townships.isEmpty else { throw BoundaryError(path: path, message: "no \(layer == .villages ? "village" : "township") shapes in the file") }
        return Boundaries(townships: townships, source: path)
    }
}

/// Property names the MOI shapefile (TOWNNAME …) and common conversions of it (townName …) use.
enum BoundaryKeys {
    static let county = ["COUNTYNAME", "countyName", "county", "COUNTY"]
    static let town = ["TOWNNAME", "townName", "town", "TOWN"]
    static let code = ["TOWNCODE", "townCode", "code"]
    static let townEnglish = ["TOWNENG", "townEng"]
    static let countyEnglish = ["COUNTYENG", "countyEng"]
    static let village = ["VILLNAME", "villName", "village", "VILLAGE"]

    static func first(_ keys: [String], in properties: [String: Any]) -> String? {
        for k in keys {
            if let s = properties[k] as? String, !s.isEmpty { return s }
            if let n = properties[k] as? NSNumber { return n.stringValue }
        }
        return nil
    }
}

struct ShapeReader {
    let path: String
    let tolerance: Double
    let layer: Boundaries.Layer

    init(path: String, tolerance: Double, layer: Boundaries.Layer = .townships) {
        self.path = path
        self.tolerance = tolerance
        self.layer = layer
    }

    func fail(_ message: String) -> BoundaryError { BoundaryError(path: path, message: message) }

    func township(_ properties: [String: Any]?, at place: String, polygons: [[[GeoPoint]]]) throws(BoundaryError) -> Township {
        let p = properties ?? [:]
        guard let county = BoundaryKeys.first(BoundaryKeys.county, in: p) else {
            throw fail("\(place): no county name (looked for \(BoundaryKeys.county.joined(separator: ", ")))")
        }
        guard let town = BoundaryKeys.first(BoundaryKeys.town, in: p) else {
            throw fail("\(place): no township name (looked for \(BoundaryKeys.town.joined(separator: ", ")))")
        }
        var village: String?
        if layer == .villages {
            guard let v = BoundaryKeys.first(BoundaryKeys.village, in: p) else {
                throw fail("\(place) (\(county)\(town)): no village name (looked for \(BoundaryKeys.village.joined(separator: ", ")))")
            }
            village = Boundaries.canonical(v)
        }
        guard !polygons.isEmpty else { throw fail("\(place) (\(county)\(town)\(village ?? "")): no polygon") }
        return Township(
            code: BoundaryKeys.first(BoundaryKeys.code, in: p) ?? "", county: Boundaries.canonical(county), name: Boundaries.canonical(town),
            englishName: BoundaryKeys.first(BoundaryKeys.townEnglish, in: p), countyEnglish: BoundaryKeys.first(BoundaryKeys.countyEnglish, in: p),
            village: village, polygons: polygons)
    }

    // MARK: GeoJSON

    func featureCollection(_ root: [String: Any]) throws(BoundaryError) -> [Township] {
        guard let features = root["features"] as? [Any] else { throw fail("FeatureCollection without a \"features\" array") }
        var out: [Township] = []
        for (i, f) in features.enumerated() {
            let place = "features[\(i)]"
            guard let feature = f as? [String: Any], let geometry = feature["geometry"] as? [String: Any] else {
                throw fail("\(place): not a Feature with a geometry")
            }
            let polygons = try geoJSONPolygons(geometry, at: place + ".geometry")
            out.append(try township(feature["properties"] as? [String: Any], at: place + ".properties", polygons: polygons))
        }
        return out
    }

    func geoJSONPolygons(_ geometry: [String: Any], at place: String) throws(BoundaryError) -> [[[GeoPoint]]] {
        let type = geometry["type"] as? String ?? ""
        switch type {
        case "Polygon":
            guard let rings = geometry["coordinates"] as? [Any] else { throw fail("\(place).coordinates: expected an array of rings") }
            return [try rings.enumerated().map { (i, r) throws(BoundaryError) in try ring(r, at: "\(place).coordinates[\(i)]") }]
        case "MultiPolygon":
            guard let polys = geometry["coordinates"] as? [Any] else { throw fail("\(place).coordinates: expected an array of polygons") }
            var out: [[[GeoPoint]]] = []
            for (i, poly) in polys.enumerated() {
                guard let rings = poly as? [Any] else { throw fail("\(place).coordinates[\(i)]: expected an array of rings") }
                out.append(try rings.enumerated().map { (j, r) throws(BoundaryError) in try ring(r, at: "\(place).coordinates[\(i)][\(j)]") })
            }
            return out
        default:
            throw fail("\(place).type is \"\(type)\"; a township is a Polygon or MultiPolygon")
        }
    }

    func ring(_ raw: Any, at place: String) throws(BoundaryError) -> [GeoPoint] {
        guard let positions = raw as? [Any] else { throw fail("\(place): expected an array of positions") }
        var points: [GeoPoint] = []
        points.reserveCapacity(positions.count)
        for (k, pos) in positions.enumerated() {
            guard let xy = pos as? [Any], xy.count >= 2, let lon = (xy[0] as? NSNumber)?.doubleValue, let lat = (xy[1] as? NSNumber)?.doubleValue,
                (-180...180).contains(lon), (-90...90).contains(lat)
            else { throw fail("\(place)[\(k)]: expected [longitude, latitude] in degrees") }
            points.append(GeoPoint(lat: lat, lon: lon))
        }
        return Simplify.ring(points, tolerance: tolerance)
    }

    // MARK: TopoJSON

    func topology(_ root: [String: Any]) throws(BoundaryError) -> [Township] {
        guard let objects = root["objects"] as? [String: Any] else { throw fail("Topology without \"objects\"") }
        guard let rawArcs = root["arcs"] as? [Any] else { throw fail("Topology without \"arcs\"") }
        // Quantized topologies store delta-encoded integers and a transform back to degrees.
        var scale = (1.0, 1.0), translate = (0.0, 0.0), quantized = false
        if let t = root["transform"] as? [String: Any] {
            guard let s = t["scale"] as? [NSNumber], let tr = t["translate"] as? [NSNumber], s.count == 2, tr.count == 2 else {
                throw fail("transform: expected scale and translate, two numbers each")
            }
            scale = (s[0].doubleValue, s[1].doubleValue)
            translate = (tr[0].doubleValue, tr[1].doubleValue)
            quantized = true
        }
        var arcs: [[GeoPoint]] = []
        arcs.reserveCapacity(rawArcs.count)
        for (i, a) in rawArcs.enumerated() {
            guard let positions = a as? [Any] else { throw fail("arcs[\(i)]: expected an array of positions") }
            var x = 0.0, y = 0.0
            var points: [GeoPoint] = []
            points.reserveCapacity(positions.count)
            for (k, pos) in positions.enumerated() {
                guard let xy = pos as? [Any], xy.count >= 2, let px = (xy[0] as? NSNumber)?.doubleValue, let py = (xy[1] as? NSNumber)?.doubleValue else {
                    throw fail("arcs[\(i)][\(k)]: expected a position [x, y]")
                }
                if quantized {
                    x += px
                    y += py
                    points.append(GeoPoint(lat: y * scale.1 + translate.1, lon: x * scale.0 + translate.0))
                } else {
                    points.append(GeoPoint(lat: py, lon: px))
                }
            }
            arcs.append(Simplify.line(points, tolerance: tolerance))
        }
        // The townships: an object named "towns"/"townships", else the first collection whose geometries name a
        // township (villages: "villages", else geometries that name a village).
        let names = layer == .villages ? ["villages", "village"] : ["towns", "townships", "town"]
        let keys = layer == .villages ? BoundaryKeys.village : BoundaryKeys.town
        let named = names.lazy.compactMap { name in (objects[name] as? [String: Any]).map { (name, $0) } }.first
        let collection = named ?? objects.lazy.compactMap { (name, value) -> (String, [String: Any])? in
            guard let obj = value as? [String: Any], let first = (obj["geometries"] as? [Any])?.first as? [String: Any],
                BoundaryKeys.first(keys, in: first["properties"] as? [String: Any] ?? [:]) != nil
            else { return nil }
            return (name, obj)
        }.first
        guard let (objectName, object) = collection, let geometries = object["geometries"] as? [Any] else {
            throw fail(
                layer == .villages
                    ? "objects: no geometry collection of villages (an object \"villages\", or geometries with VILLNAME/villName)"
                    : "objects: no geometry collection of townships (an object \"towns\", or geometries with TOWNNAME/townName)")
        }
        var out: [Township] = []
        for (i, g) in geometries.enumerated() {
            let place = "objects.\(objectName).geometries[\(i)]"
            guard let geometry = g as? [String: Any] else { throw fail("\(place): not an object") }
            let type = geometry["type"] as? String ?? ""
            var polygons: [[[GeoPoint]]] = []
            switch type {
            case "Polygon":
                guard let rings = geometry["arcs"] as? [Any] else { throw fail("\(place).arcs: expected rings of arc indexes") }
                polygons = [try topoRings(rings, arcs: arcs, at: place)]
            case "MultiPolygon":
                guard let polys = geometry["arcs"] as? [Any] else { throw fail("\(place).arcs: expected polygons of rings") }
                for (j, p) in polys.enumerated() {
                    guard let rings = p as? [Any] else { throw fail("\(place).arcs[\(j)]: expected rings of arc indexes") }
                    polygons.append(try topoRings(rings, arcs: arcs, at: "\(place).arcs[\(j)]"))
                }
            default:
                throw fail("\(place).type is \"\(type)\"; a township is a Polygon or MultiPolygon")
            }
            out.append(try township(geometry["properties"] as? [String: Any], at: place + ".properties", polygons: polygons))
        }
        return out
    }

    func topoRings(_ rings: [Any], arcs: [[GeoPoint]], at place: String) throws(BoundaryError) -> [[GeoPoint]] {
        var out: [[GeoPoint]] = []
        for (r, raw) in rings.enumerated() {
            guard let indexes = raw as? [NSNumber] else { throw fail("\(place).arcs[\(r)]: expected arc indexes") }
            var ring: [GeoPoint] = []
            for n in indexes {
                let i = n.intValue
                let index = i < 0 ? ~i : i
                guard arcs.indices.contains(index) else { throw fail("\(place).arcs[\(r)]: arc \(i) does not exist (\(arcs.count) arcs)") }
                var arc = arcs[index]
                if i < 0 { arc.reverse() }
                // Consecutive arcs share their joining point.
                ring.append(contentsOf: ring.isEmpty ? arc[...] : arc.dropFirst())
            }
            if ring.count >= 4 { out.append(ring) }
        }
        return out
    }
}

/// Douglas–Peucker line simplification in degrees (longitude scaled by the cosine of Taiwan's latitude, so the
/// tolerance is about the same distance both ways).
public enum Simplify {
    static let lonScale = cos(23.7 * Double.pi / 180)

    public static func line(_ points: [GeoPoint], tolerance: Double) -> [GeoPoint] {
        guard tolerance > 0, points.count > 2 else { return points }
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        var stack = [(0, points.count - 1)]
        while let (a, b) = stack.popLast() {
            guard b > a + 1 else { continue }
            var worst = -1.0, at = a
            for i in (a + 1)..<b {
                let d = distance(points[i], points[a], points[b])
                if d > worst {
                    worst = d
                    at = i
                }
            }
            if worst > tolerance {
                keep[at] = true
                stack.append((a, at))
                stack.append((at, b))
            }
        }
        return points.indices.filter { keep[$0] }.map { points[$0] }
    }

    /// A closed ring: simplified, but never below four points (a triangle); tiny islands keep their shape.
    public static func ring(_ points: [GeoPoint], tolerance: Double) -> [GeoPoint] {
        let s = line(points, tolerance: tolerance)
        return s.count >= 4 ? s : points
    }

    static func distance(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Double {
        let px = p.lon * lonScale, ax = a.lon * lonScale, bx = b.lon * lonScale
        let dx = bx - ax, dy = b.lat - a.lat
        let len2 = dx * dx + dy * dy
        if len2 == 0 { return ((px - ax) * (px - ax) + (p.lat - a.lat) * (p.lat - a.lat)).squareRoot() }
        let t = max(0, min(1, ((px - ax) * dx + (p.lat - a.lat) * dy) / len2))
        let qx = ax + t * dx, qy = a.lat + t * dy
        return ((px - qx) * (px - qx) + (p.lat - qy) * (p.lat - qy)).squareRoot()
    }
}
