import Foundation
import GRDB
import SieveCore

// MARK: - Dashboard

extension AppDatabase {
    public func tableExists(_ name: String) async throws(StoreError) -> Bool {
        try await read { tx in try await Self.tableExists(tx, name) }
    }

    static func tableExists(_ tx: SQLTransaction, _ name: String) async throws -> Bool {
        let sql = tx.dialect.sharesWork
            ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = LOWER(?)"
            : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND LOWER(name) = LOWER(?)"
        return try await tx.scalar(sql, [name], as: Int.self) != nil
    }

    /// Posts per hour (Taipei) in the `hours` hours up to the newest post (or `now`, if earlier), by primary type
    /// and by county; queue size and age; decisions per reviewer; the published-vs-official indicator.
    public func dashboardStats(hours: Int = 24, topSeries: Int = 6, now: Date = Date()) async throws(StoreError) -> DashboardStats {
        try await read { tx in
            let pg = tx.dialect.sharesWork
            let newest = try await tx.scalar("SELECT MAX(COALESCE(publishedAt, fetchedAt)) FROM post", as: Date.self) ?? now
            let end = min(newest, now)
            let endHour = Date(timeIntervalSince1970: (end.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            let start = endHour.addingTimeInterval(-Double(hours - 1) * 3600)
            let hourList = (0..<hours).map { start.addingTimeInterval(Double($0) * 3600) }

            func series(_ keySQL: String) async throws -> HourlySeries {
                let hour = pg
                    ? "CAST(FLOOR(EXTRACT(EPOCH FROM COALESCE(post.publishedAt, post.fetchedAt)) / 3600) AS BIGINT)"
                    : "CAST(strftime('%s', COALESCE(post.publishedAt, post.fetchedAt)) AS INTEGER) / 3600"
                let rows = try await tx.rows(
                    """
                    SELECT \(hour) AS h, \(keySQL) AS k, COUNT(*) AS n
                    FROM post LEFT JOIN assessment ON assessment.postId = post.id
                    WHERE COALESCE(post.publishedAt, post.fetchedAt) >= ? AND COALESCE(post.publishedAt, post.fetchedAt) < ?
                      AND post.state != 'fetched'
                    GROUP BY h, k
                    """, [start, endHour.addingTimeInterval(3600)])
                var totals: [String: Int] = [:]
                var cells: [String: [Int]] = [:]
                let firstHour = Int(start.timeIntervalSince1970 / 3600)
                for r in rows {
                    let key: String = try r["k"] as String? ?? "—"
                    let h: Int = try r["h"], n: Int = try r["n"]
                    let index = h - firstHour
                    guard index >= 0, index < hours else { continue }
                    totals[key, default: 0] += n
                    cells[key, default: [Int](repeating: 0, count: hours)][index] += n
                }
                let ranked = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
                var out: [(name: String, counts: [Int])] = ranked.prefix(topSeries).map { ($0, cells[$0]!) }
                if ranked.count > topSeries {
                    var other = [Int](repeating: 0, count: hours)
                    for key in ranked.dropFirst(topSeries) { for i in 0..<hours { other[i] += cells[key]![i] } }
                    out.append(("其他", other))
                }
                return HourlySeries(hours: hourList, series: out)
            }
            let byType = try await series(pg ? "(assessment.types::jsonb ->> 0)" : "json_extract(assessment.types, '$[0]')")
            let byCounty = try await series(
                pg
                    ? """
                    (SELECT COALESCE(p.value ->> 'county', CASE WHEN p.value ->> 'level' = 'county' THEN p.value ->> 'name' END)
                     FROM jsonb_array_elements(assessment.places::jsonb) WITH ORDINALITY AS p(value, i) ORDER BY p.i LIMIT 1)
                    """
                    : """
                    (SELECT COALESCE(json_extract(p.value, '$.county'),
                                     CASE WHEN json_extract(p.value, '$.level') = 'county' THEN json_extract(p.value, '$.name') END)
                     FROM json_each(assessment.places) AS p LIMIT 1)
                    """)
            let q = try await tx.row(
                pg
                    ? """
                    SELECT SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS queued,
                           SUM(CASE WHEN state = 'escalated' THEN 1 ELSE 0 END) AS escalated,
                           MIN(CASE WHEN state = 'queued' THEN fetchedAt END) AS oldest,
                           AVG(CASE WHEN state = 'queued' THEN ? - CAST(EXTRACT(EPOCH FROM fetchedAt) AS DOUBLE PRECISION) END) AS age
                    FROM post WHERE state IN ('queued', 'escalated') AND duplicateOf IS NULL
                    """
                    : """
                    SELECT SUM(state = 'queued') AS queued, SUM(state = 'escalated') AS escalated,
                           MIN(CASE WHEN state = 'queued' THEN fetchedAt END) AS oldest,
                           AVG(CASE WHEN state = 'queued' THEN ? - CAST(strftime('%s', fetchedAt) AS REAL) END) AS age
                    FROM post WHERE state IN ('queued', 'escalated') AND duplicateOf IS NULL
                    """, [now.timeIntervalSince1970])
            var decisions: [String: [String: Int]] = [:]
            for r in try await tx.rows("SELECT reviewer, decision, COUNT(*) AS n FROM review GROUP BY reviewer, decision") {
                decisions[try r["reviewer"], default: [:]][try r["decision"]] = try r["n"]
            }
            let published = try await tx.scalar(
                "SELECT COUNT(DISTINCT postId) FROM publication WHERE action = 'publish' AND status IN ('pending', 'delivering', 'delivered')",
                as: Int.self) ?? 0
            let official: Int? = try await Self.tableExists(tx, "incident")
                ? try await tx.scalar("SELECT COUNT(*) FROM incident", as: Int.self) : nil
            return DashboardStats(
                byType: byType, byCounty: byCounty, queued: try q?["queued"] ?? 0, escalated: try q?["escalated"] ?? 0,
                oldestQueued: try q?["oldest"], averageQueuedAge: try q?["age"],
                decisions: decisions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                communityPublished: published, officialAnnouncements: official)
        }
    }
}
