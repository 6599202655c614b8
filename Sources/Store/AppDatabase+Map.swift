import Foundation
import GRDB
import SieveCore

/// Reports naming one place in the map's window: a township, or a county when the report names none of that
/// county's townships.
public struct MapPlaceCount: Sendable, Equatable {
    public var state: PostState
    public var county: String
    /// Nil: the report names the county (or an address in it) but none of its townships.
    public var township: String?
    public var posts: Int

    public init(state: PostState, county: String, township: String?, posts: Int) {
        self.state = state
        self.county = county
        self.township = township
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
            let sql = """
                SELECT post.state AS state,
                       CASE WHEN \(level) = 'county' THEN \(name) ELSE \(county) END AS county,
                       CASE WHEN \(level) = 'township' THEN \(name) END AS township,
                       COUNT(DISTINCT post.id) AS posts
                FROM post JOIN assessment ON assessment.postId = post.id, \(elements("p"))
                WHERE \(window)
                  AND ((\(level) = 'township' AND \(county) IS NOT NULL)
                    OR (\(level) <> 'township' AND COALESCE(CASE WHEN \(level) = 'county' THEN \(name) ELSE \(county) END, '') <> ''
                        AND NOT EXISTS (SELECT 1 FROM \(elements("q")) WHERE \(field("q", "level")) = 'township'
                                        AND \(field("q", "county")) = CASE WHEN \(level) = 'county' THEN \(name) ELSE \(county) END)))
                GROUP BY 1, 2, 3
                """
            let places = try await tx.rows(sql, [from, to]).compactMap { row -> MapPlaceCount? in
                let state: String = try row["state"]
                guard let s = PostState(rawValue: state), let county: String = try row["county"] else { return nil }
                let posts: Int = try row["posts"]
                return MapPlaceCount(state: s, county: county, township: try row["township"], posts: posts)
            }
            let length = pg ? "jsonb_array_length(assessment.places::jsonb)" : "json_array_length(assessment.places)"
            let posts: Int = try await tx.scalar(
                "SELECT COUNT(*) FROM post JOIN assessment ON assessment.postId = post.id WHERE \(window) AND \(length) > 0", [from, to]) ?? 0
            return MapActivity(places: places, posts: posts)
        }
    }
}
