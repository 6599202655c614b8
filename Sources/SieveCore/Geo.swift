import Foundation

/// Distances and areas on the WGS 84 sphere, enough for "is this post near that report".
public enum Geo {
    /// Great-circle distance in kilometres (haversine).
    public static func distanceKm(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let r = 6371.0088
        let dLat = (b.lat - a.lat) * .pi / 180, dLon = (b.lon - a.lon) * .pi / 180
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.lat * .pi / 180) * cos(b.lat * .pi / 180) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(h)))
    }

    /// Whether `p` lies in a polygon (ray casting over lat/lon; CAP polygons are small enough for that).
    public static func contains(_ polygon: [GeoPoint], _ p: GeoPoint) -> Bool {
        guard polygon.count >= 3 else { return false }
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.lat > p.lat) != (b.lat > p.lat),
                p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
            {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    public static func inside(_ p: GeoPoint, polygons: [[GeoPoint]], circles: [GeoCircle]) -> Bool {
        polygons.contains { contains($0, p) } || circles.contains { distanceKm($0.center, p) <= $0.radiusKm }
    }

    /// Place evidence from positions: within 0.5 km 0.9, 2 km 0.75, 10 km 0.5; inside a CAP polygon or circle 0.75.
    public static func placeScore(_ p: GeoPoint, point: GeoPoint?, polygons: [[GeoPoint]], circles: [GeoCircle]) -> Double {
        var s = 0.0
        if let point {
            let d = distanceKm(p, point)
            s = d <= 0.5 ? 0.9 : d <= 2 ? 0.75 : d <= 10 ? 0.5 : 0
        }
        if s < 0.75, inside(p, polygons: polygons, circles: circles) { s = 0.75 }
        return s
    }
}
