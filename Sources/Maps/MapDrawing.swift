import Foundation
import SieveCore

/// Longitude/latitude to SVG units: Web Mercator (so an optional tile layer lines up), with Kinmen and Matsu moved
/// into insets in the strait as Taiwan's national maps do — unless a tile layer is drawn, where they stay where they
/// are and are seen in their county's view.
public struct MapProjection: Sendable {
    public static let national = MapProjection()
    /// The frame drawn for the whole country, in degrees after the insets' moves.
    public let frame = GeoBounds(minLon: 119.2, minLat: 21.85, maxLon: 122.1, maxLat: 25.5)
    /// SVG units per radian of longitude.
    public let unitsPerRadian: Double
    public let width: Double
    public let height: Double
    public let insetsEnabled: Bool

    /// Kinmen (west of 119°E) and Matsu (north of 25.7°N, west of 120.7°E) are drawn moved by these offsets.
    public struct Inset: Sendable {
        public let name: String
        public let source: GeoBounds
        public let dLon: Double, dLat: Double
        public func contains(_ p: GeoPoint) -> Bool { source.contains(p) }
    }
    public var insets: [Inset] {
        guard insetsEnabled else { return [] }
        return [
            Inset(name: "金門縣", source: GeoBounds(minLon: 117.9, minLat: 24.2, maxLon: 119.0, maxLat: 24.8), dLon: 1.11, dLat: 0.13),
            Inset(name: "連江縣", source: GeoBounds(minLon: 119.7, minLat: 25.7, maxLon: 120.7, maxLat: 26.6), dLon: -0.2, dLat: -0.93),
        ]
    }

    public init(width: Double = 600, insets: Bool = true) {
        self.width = width
        self.insetsEnabled = insets
        self.unitsPerRadian = width / ((frame.maxLon - frame.minLon) * Double.pi / 180)
        self.height = (Self.mercatorY(frame.maxLat) - Self.mercatorY(frame.minLat)) * unitsPerRadian
    }

    /// Web Mercator's y in radians (north positive).
    public static func mercatorY(_ lat: Double) -> Double { log(tan(Double.pi / 4 + lat * Double.pi / 360)) }

    public func project(_ p: GeoPoint) -> (x: Double, y: Double) {
        var q = p
        if let inset = insets.first(where: { $0.contains(p) }) {
            q = GeoPoint(lat: p.lat + inset.dLat, lon: p.lon + inset.dLon)
        }
        return ((q.lon - frame.minLon) * Double.pi / 180 * unitsPerRadian, (Self.mercatorY(frame.maxLat) - Self.mercatorY(q.lat)) * unitsPerRadian)
    }

    /// Longitude and latitude of an SVG point (no inset moves).
    public func unproject(x: Double, y: Double) -> GeoPoint {
        let lon = frame.minLon + x / unitsPerRadian * 180 / Double.pi
        let my = Self.mercatorY(frame.maxLat) - y / unitsPerRadian
        return GeoPoint(lat: (2 * atan(exp(my)) - Double.pi / 2) * 180 / Double.pi, lon: lon)
    }

    /// SVG units per kilometre at a latitude (Mercator's scale grows with 1 / cos φ).
    public func unitsPerKm(at lat: Double) -> Double { unitsPerRadian / (6371.0088 * cos(lat * Double.pi / 180)) }

    /// The projected rectangle of `b` (insets applied), widened by `margin` of its size.
    public func box(_ b: GeoBounds, margin: Double = 0.08) -> (x: Double, y: Double, w: Double, h: Double) {
        let a = project(GeoPoint(lat: b.maxLat, lon: b.minLon)), c = project(GeoPoint(lat: b.minLat, lon: b.maxLon))
        let w = max(c.x - a.x, 10), h = max(c.y - a.y, 10)
        return (a.x - w * margin, a.y - h * margin, w * (1 + 2 * margin), h * (1 + 2 * margin))
    }
}

/// A slippy-map tile layer (`{z}/{x}/{y}` URLs, Web Mercator, 256-pixel tiles) drawn under the townships.
public struct TileLayer: Sendable, Equatable {
    public var urlTemplate: String
    public var attribution: String?
    /// At most this many tiles per map.
    public var maxTiles = 64

    public init(urlTemplate: String, attribution: String? = nil) {
        self.urlTemplate = urlTemplate
        self.attribution = attribution
    }

    /// The tiles covering `box` (SVG units) at a zoom where one tile pixel is about one screen pixel on a map
    /// `screenWidth` CSS pixels wide.
    public func tiles(for box: (x: Double, y: Double, w: Double, h: Double), projection p: MapProjection, screenWidth: Double = 760)
        -> (zoom: Int, tiles: [(url: String, x: Double, y: Double, size: Double)])
    {
        let pxPerUnit = screenWidth / box.w
        var z = Int((log2(2 * Double.pi * p.unitsPerRadian * pxPerUnit / 256)).rounded(.up))
        z = min(max(z, 5), 17)
        func range(_ z: Int) -> (ClosedRange<Int>, ClosedRange<Int>) {
            let n = Double(1 << z)
            let nw = p.unproject(x: box.x, y: box.y), se = p.unproject(x: box.x + box.w, y: box.y + box.h)
            let tx = { (lon: Double) in Int(((lon + 180) / 360 * n).rounded(.down)) }
            let ty = { (lat: Double) in Int(((1 - MapProjection.mercatorY(lat) / Double.pi) / 2 * n).rounded(.down)) }
            return (max(0, tx(nw.lon))...min(Int(n) - 1, tx(se.lon)), max(0, ty(nw.lat))...min(Int(n) - 1, ty(se.lat)))
        }
        var (xs, ys) = range(z)
        while xs.count * ys.count > maxTiles, z > 0 {
            z -= 1
            (xs, ys) = range(z)
        }
        let n = Double(1 << z)
        let size = 2 * Double.pi / n * p.unitsPerRadian
        let originY = MapProjection.mercatorY(p.frame.maxLat)
        var out: [(String, Double, Double, Double)] = []
        for ty in ys {
            for tx in xs {
                let lon = Double(tx) / n * 360 - 180
                let my = Double.pi * (1 - 2 * Double(ty) / n)
                let url = urlTemplate.replacingOccurrences(of: "{z}", with: String(z)).replacingOccurrences(of: "{x}", with: String(tx))
                    .replacingOccurrences(of: "{y}", with: String(ty))
                out.append((url, (lon - p.frame.minLon) * Double.pi / 180 * p.unitsPerRadian, (originY - my) * p.unitsPerRadian, size))
            }
        }
        return (z, out)
    }
}

/// Reports counted for one place in the map's time window.
public struct PlaceCounts: Sendable, Equatable {
    /// Waiting for a moderator (queued or escalated).
    public var pending = 0
    /// Approved by a moderator.
    public var verified = 0
    public init(pending: Int = 0, verified: Int = 0) {
        self.pending = pending
        self.verified = verified
    }
    public var total: Int { pending + verified }
}

/// Which reports shade the townships.
public enum MapMeasure: String, Sendable, CaseIterable {
    case all, pending, verified
    public func value(_ c: PlaceCounts) -> Int {
        switch self {
        case .all: c.total
        case .pending: c.pending
        case .verified: c.verified
        }
    }
}

/// An official incident drawn over the townships.
public struct MapMark: Sendable {
    public enum Kind: String, Sendable { case cap, emic, quake, other }
    public var kind: Kind
    public var title: String
    public var point: GeoPoint?
    public var polygons: [[GeoPoint]]
    public var circles: [GeoCircle]
    public var magnitude: Double?
    public var href: String?

    public init(kind: Kind, title: String, point: GeoPoint?, polygons: [[GeoPoint]] = [], circles: [GeoCircle] = [], magnitude: Double? = nil, href: String? = nil) {
        self.kind = kind
        self.title = title
        self.point = point
        self.polygons = polygons
        self.circles = circles
        self.magnitude = magnitude
        self.href = href
    }
}

/// A group of townships with reports, drawn as one numbered bubble.
public struct MapCluster: Sendable {
    public var townships: [Township]
    public var counts: PlaceCounts
    public var x: Double, y: Double
}

/// The township shapes projected once (the national frame; a county view only changes the viewBox).
public struct MapBase: Sendable {
    public let boundaries: Boundaries
    public let projection: MapProjection
    /// SVG path data per township, in `boundaries.townships` order.
    public let paths: [String]
    public let labels: [(x: Double, y: Double)]
    /// A label point per county (the middle of its townships' label points, weighted by area).
    public let countyLabels: [(county: String, x: Double, y: Double)]

    public init(_ boundaries: Boundaries, projection: MapProjection = .national) {
        self.boundaries = boundaries
        self.projection = projection
        paths = boundaries.townships.map { t in
            var d = ""
            d.reserveCapacity(t.polygons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } * 12)
            for polygon in t.polygons {
                for ring in polygon {
                    var first = true
                    var last = (x: Double.nan, y: Double.nan)
                    for p in ring {
                        let q = projection.project(p)
                        let r = (x: (q.x * 10).rounded() / 10, y: (q.y * 10).rounded() / 10)
                        if !first, r.x == last.x, r.y == last.y { continue }
                        d += (first ? "M" : "L") + MapBase.n(r.x) + " " + MapBase.n(r.y)
                        first = false
                        last = r
                    }
                    if !first { d += "Z" }
                }
            }
            return d
        }
        labels = boundaries.townships.map { projection.project($0.labelPoint) }
        var sums: [String: (x: Double, y: Double, w: Double)] = [:]
        for (i, t) in boundaries.townships.enumerated() {
            let w = t.polygons.reduce(0.0) { $0 + abs(Township.area($1.first ?? [])) } + 1e-9
            let s = sums[t.county] ?? (0, 0, 0)
            sums[t.county] = (s.x + labels[i].x * w, s.y + labels[i].y * w, s.w + w)
        }
        countyLabels = boundaries.counties.compactMap { c in sums[c].map { (c, $0.x / $0.w, $0.y / $0.w) } }
    }

    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    /// Shading classes: 0, 1–2, 3–9, 10–29, 30 or more reports.
    public static let classBounds = [1, 3, 10, 30]
    public static func shade(_ n: Int) -> Int { classBounds.lastIndex { n >= $0 }.map { $0 + 1 } ?? 0 }

    /// Townships with reports grouped greedily: the busiest first, each absorbing those whose label lies within
    /// `radius` SVG units of it.
    public func clusters(_ counts: [String: PlaceCounts], measure: MapMeasure, radius: Double, in box: (x: Double, y: Double, w: Double, h: Double)?) -> [MapCluster] {
        var items: [(Int, PlaceCounts)] = []
        for (i, t) in boundaries.townships.enumerated() {
            guard let c = counts[t.county + "|" + t.name], measure.value(c) > 0 else { continue }
            if let box, !(labels[i].x >= box.x && labels[i].x <= box.x + box.w && labels[i].y >= box.y && labels[i].y <= box.y + box.h) { continue }
            items.append((i, c))
        }
        items.sort { measure.value($0.1) != measure.value($1.1) ? measure.value($0.1) > measure.value($1.1) : $0.0 < $1.0 }
        var clusters: [MapCluster] = []
        for (i, c) in items {
            let p = labels[i]
            if let k = clusters.firstIndex(where: { ($0.x - p.x) * ($0.x - p.x) + ($0.y - p.y) * ($0.y - p.y) <= radius * radius }) {
                clusters[k].townships.append(boundaries.townships[i])
                clusters[k].counts.pending += c.pending
                clusters[k].counts.verified += c.verified
            } else {
                clusters.append(MapCluster(townships: [boundaries.townships[i]], counts: c, x: p.x, y: p.y))
            }
        }
        return clusters
    }
}

/// Draws the situational map as one self-contained SVG (no script, no external resources).
public struct MapDrawing {
    public struct Options {
        public var counts: [String: PlaceCounts]
        public var measure: MapMeasure = .all
        public var marks: [MapMark] = []
        /// Zoom to this county (nil: the whole country).
        public var county: String?
        public var title: String
        /// Where a township's shape links (the queue filtered to it).
        public var townshipLink: (Township, PlaceCounts) -> String
        /// Where a bubble of several townships links.
        public var clusterLink: (MapCluster) -> String
        public var countyLink: (String) -> String
        /// The language of the map's words (place names stay as the boundary file writes them).
        public var lang: Language = .zhHant
        /// Map tiles under the townships (nil: none — the map needs no server but this one).
        public var tiles: TileLayer?

        public init(counts: [String: PlaceCounts], title: String, townshipLink: @escaping (Township, PlaceCounts) -> String,
                    clusterLink: @escaping (MapCluster) -> String, countyLink: @escaping (String) -> String) {
            self.counts = counts
            self.title = title
            self.townshipLink = townshipLink
            self.clusterLink = clusterLink
            self.countyLink = countyLink
        }
    }

    public static func svg(_ base: MapBase, _ o: Options) -> String {
        let proj = base.projection
        let full = (x: 0.0, y: 0.0, w: proj.width, h: proj.height)
        var box = full
        if let county = o.county, let b = base.boundaries.bounds(ofCounty: county) {
            box = proj.box(b)
            // Keep the frame no narrower than 3:4 so a long thin county still reads.
            if box.w < box.h * 0.75 { let w = box.h * 0.75; box.x -= (w - box.w) / 2; box.w = w }
        }
        let s = box.w / proj.width  // 1 at national scale
        let fs = { (size: Double) in MapBase.n(size * max(s, 0.04)) }
        var out = ""
        out.reserveCapacity(base.paths.reduce(0) { $0 + $1.utf8.count } + 64_000)
        let vb = [box.x, box.y, box.w, box.h].map(MapBase.n).joined(separator: " ")
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sitmap\(o.tiles == nil ? "" : " tiled")\" viewBox=\"\(vb)\" role=\"group\" aria-labelledby=\"maptitle\">"
        out += "<title id=\"maptitle\">\(Markup.html(o.title))</title>"
        out += "<rect class=\"sea\" x=\"\(MapBase.n(box.x))\" y=\"\(MapBase.n(box.y))\" width=\"\(MapBase.n(box.w))\" height=\"\(MapBase.n(box.h))\"/>"
        if let layer = o.tiles {
            out += "<g class=\"tiles\" aria-hidden=\"true\">"
            for t in layer.tiles(for: box, projection: proj).tiles {
                out += "<image href=\"\(Markup.html(t.url))\" x=\"\(MapBase.n(t.x))\" y=\"\(MapBase.n(t.y))\" width=\"\(MapBase.n(t.size))\" height=\"\(MapBase.n(t.size))\" preserveAspectRatio=\"none\"/>"
            }
            out += "</g>"
        }
        // Inset frames for Kinmen and Matsu (national view).
        if o.county == nil {
            for inset in proj.insets {
                let towns = base.boundaries.townships(in: inset.name).filter { inset.contains($0.labelPoint) }
                guard let first = towns.first else { continue }
                let tb = towns.dropFirst().reduce(first.bounds) { $0.union($1.bounds) }
                let b = inset.source
                let r = proj.box(GeoBounds(minLon: max(tb.minLon, b.minLon), minLat: max(tb.minLat, b.minLat), maxLon: min(tb.maxLon, b.maxLon), maxLat: min(tb.maxLat, b.maxLat)), margin: 0.12)
                out += "<rect class=\"inset\" x=\"\(MapBase.n(r.x))\" y=\"\(MapBase.n(r.y))\" width=\"\(MapBase.n(r.w))\" height=\"\(MapBase.n(r.h))\"/>"
                out += "<text class=\"insetlabel\" x=\"\(MapBase.n(r.x + 2))\" y=\"\(MapBase.n(r.y + r.h + 11))\" font-size=\"9\">\(Markup.html(Messages.app("{county}（位置示意）", o.lang, ["county": inset.name])))</text>"
            }
        }
        // Townships, shaded by reports.
        out += "<g class=\"towns\">"
        for (i, t) in base.boundaries.townships.enumerated() {
            let b = t.bounds
            let a = proj.project(GeoPoint(lat: b.maxLat, lon: b.minLon)), c = proj.project(GeoPoint(lat: b.minLat, lon: b.maxLon))
            if c.x < box.x || a.x > box.x + box.w || c.y < box.y || a.y > box.y + box.h { continue }
            let counts = o.counts[t.county + "|" + t.name] ?? PlaceCounts()
            let v = o.measure.value(counts)
            let outside = o.county != nil && t.county != o.county
            let cls = "t s\(MapBase.shade(v))" + (outside ? " out" : "")
            let label = Messages.app("{place}：待審 {pending}、已核准 {verified}", o.lang, ["place": t.county + t.name, "pending": "\(counts.pending)", "verified": "\(counts.verified)"])
            if counts.total > 0 {
                out += "<a href=\"\(Markup.html(o.townshipLink(t, counts)))\"><path class=\"\(cls)\" d=\"\(base.paths[i])\"><title>\(Markup.html(label))</title></path></a>"
            } else {
                out += "<path class=\"\(cls)\" d=\"\(base.paths[i])\"><title>\(Markup.html(label))</title></path>"
            }
        }
        out += "</g>"
        // Township names in a county view; county names in the national one (linked to their zoom).
        out += "<g class=\"names\">"
        if let county = o.county {
            for (i, t) in base.boundaries.townships.enumerated() where t.county == county {
                out += "<text x=\"\(MapBase.n(base.labels[i].x))\" y=\"\(MapBase.n(base.labels[i].y))\" font-size=\"\(fs(7))\">\(Markup.html(t.name))</text>"
            }
        } else {
            for c in base.countyLabels where !proj.insets.contains(where: { $0.name == c.county }) {
                out += "<a href=\"\(Markup.html(o.countyLink(c.county)))\"><text x=\"\(MapBase.n(c.x))\" y=\"\(MapBase.n(c.y))\" font-size=\"\(fs(10))\">\(Markup.html(c.county))</text></a>"
            }
        }
        out += "</g>"
        // Official incidents.
        out += "<g class=\"marks\">"
        for m in o.marks {
            var shape = ""
            for poly in m.polygons where poly.count >= 3 {
                shape += "<path class=\"m-area\" d=\"" + poly.enumerated().map { (k, p) in
                    let q = proj.project(p)
                    return (k == 0 ? "M" : "L") + MapBase.n(q.x) + " " + MapBase.n(q.y)
                }.joined() + "Z\"/>"
            }
            for c in m.circles {
                let q = proj.project(c.center)
                shape += "<circle class=\"m-area\" cx=\"\(MapBase.n(q.x))\" cy=\"\(MapBase.n(q.y))\" r=\"\(MapBase.n(max(c.radiusKm * proj.unitsPerKm(at: c.center.lat), 1)))\"/>"
            }
            if let p = m.point {
                let q = proj.project(p)
                let r = 3.2 * s
                switch m.kind {
                case .quake:
                    let size = (4 + 1.5 * max(0, (m.magnitude ?? 4) - 3)) * s
                    shape += "<path class=\"m-quake\" d=\"\(star(q.x, q.y, size))\"/>"
                    if let mag = m.magnitude {
                        shape += "<text class=\"m-mag\" x=\"\(MapBase.n(q.x + size + 1 * s))\" y=\"\(MapBase.n(q.y + 3 * s))\" font-size=\"\(fs(8))\">M\(String(format: "%.1f", mag))</text>"
                    }
                case .emic:
                    shape += "<rect class=\"m-emic\" x=\"\(MapBase.n(q.x - r))\" y=\"\(MapBase.n(q.y - r))\" width=\"\(MapBase.n(2 * r))\" height=\"\(MapBase.n(2 * r))\"/>"
                default:
                    shape += "<circle class=\"m-point\" cx=\"\(MapBase.n(q.x))\" cy=\"\(MapBase.n(q.y))\" r=\"\(MapBase.n(r))\"/>"
                }
            }
            guard !shape.isEmpty else { continue }
            let title = "<title>\(Markup.html(m.title))</title>"
            if let href = m.href {
                out += "<a href=\"\(Markup.html(href))\"><g class=\"mk mk-\(m.kind.rawValue)\">\(title)\(shape)</g></a>"
            } else {
                out += "<g class=\"mk mk-\(m.kind.rawValue)\">\(title)\(shape)</g>"
            }
        }
        out += "</g>"
        // Report bubbles.
        out += "<g class=\"bubbles\">"
        let clusters = base.clusters(o.counts, measure: o.measure, radius: 16 * s, in: o.county == nil ? nil : box)
        for c in clusters {
            let n = o.measure.value(c.counts)
            let r = (6 + 2.2 * Double(n).squareRoot()) * s
            let names = c.townships.prefix(4).map { $0.county + $0.name }.joined(separator: o.lang == .zhHant ? "、" : ", ")
                + (c.townships.count > 4 ? Messages.app("等 {n} 區", o.lang, ["n": "\(c.townships.count)"]) : "")
            out += "<a href=\"\(Markup.html(o.clusterLink(c)))\"><g class=\"bubble\"><title>\(Markup.html(Messages.app("{place}：待審 {pending}、已核准 {verified}", o.lang, ["place": names, "pending": "\(c.counts.pending)", "verified": "\(c.counts.verified)"])))</title>"
            out += "<circle cx=\"\(MapBase.n(c.x))\" cy=\"\(MapBase.n(c.y))\" r=\"\(MapBase.n(r))\"/>"
            out += "<text x=\"\(MapBase.n(c.x))\" y=\"\(MapBase.n(c.y + 3.4 * s))\" font-size=\"\(fs(9.5))\">\(n)</text></g></a>"
        }
        out += "</g>"
        // North arrow and scale bar, bottom-right / bottom-left of the frame.
        let ax = box.x + box.w - 22 * s, ay = box.y + 14 * s
        out += "<g class=\"north\" aria-hidden=\"true\"><path d=\"M\(MapBase.n(ax)) \(MapBase.n(ay))L\(MapBase.n(ax + 7 * s)) \(MapBase.n(ay + 20 * s))L\(MapBase.n(ax)) \(MapBase.n(ay + 15 * s))L\(MapBase.n(ax - 7 * s)) \(MapBase.n(ay + 20 * s))Z\"/>"
        out += "<text x=\"\(MapBase.n(ax))\" y=\"\(MapBase.n(ay + 32 * s))\" font-size=\"\(fs(11))\">\(Markup.html(Messages.app("N 北", o.lang)))</text></g>"
        let middle = proj.unproject(x: box.x + box.w / 2, y: box.y + box.h / 2).lat
        let km = niceKm(box.w / proj.unitsPerKm(at: middle) / 5)
        let len = km * proj.unitsPerKm(at: middle)
        let sx = box.x + 12 * s, sy = box.y + box.h - 14 * s
        out += "<g class=\"scale\"><path d=\"M\(MapBase.n(sx)) \(MapBase.n(sy - 4 * s))V\(MapBase.n(sy))H\(MapBase.n(sx + len))V\(MapBase.n(sy - 4 * s))\"/>"
        out += "<text x=\"\(MapBase.n(sx + len / 2))\" y=\"\(MapBase.n(sy - 6 * s))\" font-size=\"\(fs(10))\">\(Markup.html(Messages.app("{n} 公里", o.lang, ["n": km == km.rounded() ? String(Int(km)) : String(km)])))</text></g>"
        out += "</svg>"
        return out
    }

    static func niceKm(_ target: Double) -> Double {
        let steps: [Double] = [0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200]
        return steps.last { $0 <= target } ?? 0.5
    }

    /// A five-pointed star path (an epicentre).
    static func star(_ cx: Double, _ cy: Double, _ r: Double) -> String {
        var d = ""
        for k in 0..<10 {
            let radius = k % 2 == 0 ? r : r * 0.45
            let a = Double.pi / 5 * Double(k) - Double.pi / 2
            d += (k == 0 ? "M" : "L") + MapBase.n(cx + radius * cos(a)) + " " + MapBase.n(cy + radius * sin(a))
        }
        return d + "Z"
    }
}
