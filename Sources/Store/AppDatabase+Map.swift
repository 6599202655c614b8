import Foundation
import GRDB
import SieveCore

/// Reports naming one place in the map's window: a township; a village (村里) when the report names none of its
/// county's townships; or a county when it names neither a township nor a village there.
public struct MapPlaceCount: Sendable, Equatable {
    public var state: PostState
    public var county: String
    /// Nil: the report names the county (or a village or an address in it) but none of its townships.
    public var township: String?
    /// Set (with `township` nil): the report names this village of the county and none of its townships; the map
    /// places it when a village file says where the village is.
    public var village: String?
    public var posts: Int

    public init(state: PostState, county: String, township: String?, village: String? = nil, posts: Int) {
        self.state = state
        self.county = county
        self.township = township
        self.village = village
        self.posts = posts
    }
}

/// What the map shows of the reports posted in one window.
public struct MapActivity: Sendable, Equatable {
    public var places: [MapPlaceCount]
    /// Reports in the window that name any place.
    public var posts: Int
}

extension AppDatabase {
    /// Reports posted in [from, to) that wait for a moderator (queued, escalated) or were approved, counted per
    /// place in SQL (a few hundred rows whatever the number of reports); cluster members (duplicates) are left
    /// out, as in the queue.
    public func mapActivity(from: Date, to: Date) async throws(StoreError) -> MapActivity {
        try await read { tx in
            let pg = tx.dialect.sharesWork
            func field(_ alias: String, _ key: String) -> String { pg ? "\(alias).value ->> '\(key)'" : "json_extract(\(alias).value, '$.\(key)')" }
            let elements = { (alias: String) in
                pg ? "jsonb_array_elements(assessment.places::jsonb) AS \(alias)(value)" : "json_each(assessment.places) AS \(alias)"
            }
            let window = """
                post.duplicateOf IS NULL AND post.state IN ('queued', 'escalated', 'approved')
                  AND COALESCE(post.publishedAt, post.fetchedAt) >= ? AND COALESCE(post.publishedAt, post.fetchedAt) < ?
                """
            let level = field("p", "level"), name = field("p", "name"), county = field("p", "county")
            let placeCounty = "CASE WHEN \(level) = 'county' THEN \(name) ELSE \(county) END"
            // Another mention in the same post, of one of `levels`, in the county of this one.
            func alsoNames(_ levels: String) -> String {
                "EXISTS (SELECT 1 FROM \(elements("q")) WHERE \(field("q", "level")) IN (\(levels)) AND \(field("q", "county")) = \(placeCounty))"
            }
            let sql = """
                SELECT post.state AS state, \(placeCounty) AS county,
                       CASE WHEN \(level) = 'township' THEN \(name) END AS township,
                       CASE WHEN \(level) = 'village' THEN \(name) END AS village,
                       COUNT(DISTINCT post.id) AS posts
                FROM post JOIN assessment ON assessment.postId = post.id, \(elements("p"))
                WHERE \(window)
                  AND ((\(level) = 'township' AND \(county) IS NOT NULL)
                    OR (\(level) = 'village' AND COALESCE(\(county), '') <> '' AND NOT \(alsoNames("'township'")))
                    OR (\(level) NOT IN ('township', 'village') AND COALESCE(\(placeCounty), '') <> ''
                        AND NOT \(alsoNames("'township', 'village'"))))
                GROUP BY 1, 2, 3, 4
                """
            let places = try await tx.rows(sql, [from, to]).compactMap { row -> MapPlaceCount? in
                let state: String = try row["state"]
                guard let s = PostState(rawValue: state), let county: String = try row["county"] else { return nil }
                let posts: Int = try row["posts"]
                return MapPlaceCount(state: s, county: county, township: try row["township"], village: try row["village"], posts: posts)
            }
            let length = pg ? "jsonb_array_length(assessment.places::jsonb)" : "json_array_length(assessment.places)"
            let posts: Int = try await tx.scalar(
                "SELECT COUNT(*) FROM post JOIN assessment ON assessment.postId = post.id WHERE \(window) AND \(length) > 0", [from, to]) ?? 0
            return MapActivity(places: places, posts: posts)
        }
    }
}
