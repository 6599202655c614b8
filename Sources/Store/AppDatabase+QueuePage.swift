import Foundation
import GRDB
import SieveCore

// MARK: - Queue and items

extension SQLDialect {
    /// A condition: the JSON array of strings in `column` holds the string bound to the one `?`.
    func jsonArrayContains(_ column: String) -> String {
        self.sharesWork
            ? "EXISTS (SELECT 1 FROM jsonb_array_elements_text(\(column)::jsonb) AS e(value) WHERE e.value = ?)"
            : "EXISTS (SELECT 1 FROM json_each(\(column)) WHERE value = ?)"
    }

    /// A condition: a place of the JSON array in `column` is in the county bound to both `?` (its `county`, or a
    /// county-level place of that name).
    func jsonPlacesInCounty(_ column: String) -> String {
        self.sharesWork
            ? """
            EXISTS (SELECT 1 FROM jsonb_array_elements(\(column)::jsonb) AS p(value) WHERE p.value ->> 'county' = ?
                    OR (p.value ->> 'level' = 'county' AND p.value ->> 'name' = ?))
            """
            : """
            EXISTS (SELECT 1 FROM json_each(\(column)) WHERE json_extract(value, '$.county') = ?
                    OR (json_extract(value, '$.level') = 'county' AND json_extract(value, '$.name') = ?))
            """
    }

    /// A condition: a township-level place of the JSON array in `column` has the name and county bound to the two `?`.
    func jsonPlacesTownship(_ column: String) -> String {
        self.sharesWork
            ? """
            EXISTS (SELECT 1 FROM jsonb_array_elements(\(column)::jsonb) AS p(value) WHERE p.value ->> 'level' = 'township'
                    AND p.value ->> 'name' = ? AND p.value ->> 'county' = ?)
            """
            : """
            EXISTS (SELECT 1 FROM json_each(\(column)) WHERE json_extract(value, '$.level') = 'township'
                    AND json_extract(value, '$.name') = ? AND json_extract(value, '$.county') = ?)
            """
    }

    /// A condition: a village-level place of `column` in the county bound to the first `?` is one of `villages`
    /// names (bound next), and no township of that county (the last `?`) is named.
    func jsonPlacesVillageOnly(_ column: String, villages: Int) -> String {
        let list = Array(repeating: "?", count: villages).joined(separator: ", ")
        let (each, level, name, county) = self.sharesWork
            ? ("jsonb_array_elements(\(column)::jsonb) AS p(value)", "p.value ->> 'level'", "p.value ->> 'name'", "p.value ->> 'county'")
            : ("json_each(\(column))", "json_extract(value, '$.level')", "json_extract(value, '$.name')", "json_extract(value, '$.county')")
        return """
            (EXISTS (SELECT 1 FROM \(each) WHERE \(level) = 'village' AND \(county) = ? AND \(name) IN (\(list)))
             AND NOT EXISTS (SELECT 1 FROM \(each) WHERE \(level) = 'township' AND \(county) = ?))
            """
    }
}

extension AppDatabase {
    static let queueColumns = """
        post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
        assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details,
        xref.verdict AS xrefVerdict, xref.score AS xrefScore, xref.explanation AS xrefExplanation,
        xref.matches AS xrefMatches, claim."user" AS claimUser, claim."until" AS claimUntil
        """

    /// The joins of a queue row; the one `?` is the current time (live claims only).
    static let queueJoins = """
        FROM post JOIN source ON source.id = post.sourceId
        LEFT JOIN assessment ON assessment.postId = post.id
        LEFT JOIN xref ON xref.postId = post.id
        LEFT JOIN claim ON claim.postId = post.id AND claim."until" > ?
        """

    /// One page of the open queue (queued and escalated, cluster heads only), most urgent first.
    public func queuePage(_ f: QueueFilter, now: Date = Date()) async throws(StoreError) -> QueuePage {
        // PostgreSQL searches a tsvector with the tsquery equivalent of the FTS5 expression (FullTextSearch).
        let tsquery: String?? = dialect.sharesWork ? try f.match.map(FullTextSearch.tsquery) : nil
        return try await read { tx in
            var clauses = ["post.duplicateOf IS NULL"]
            var args: [any SQLBindable] = [now]  // the claim join's `?`
            if let state = f.state {
                clauses.append("post.state = ?")
                args.append(state.rawValue)
            } else {
                clauses.append("post.state IN ('queued', 'escalated')")
            }
            if let type = f.type {
                clauses.append(tx.dialect.jsonArrayContains("assessment.types"))
                args.append(type)
            }
            if let county = f.county {
                clauses.append(tx.dialect.jsonPlacesInCounty("assessment.places"))
                args += [county, county]
                if let township = f.township {
                    if f.townshipVillages.isEmpty {
                        clauses.append(tx.dialect.jsonPlacesTownship("assessment.places"))
                        args += [township, county]
                    } else {
                        clauses.append(
                            "(\(tx.dialect.jsonPlacesTownship("assessment.places")) OR "
                                + tx.dialect.jsonPlacesVillageOnly("assessment.places", villages: f.townshipVillages.count) + ")")
                        args += [township, county, county] + f.townshipVillages.map { $0 as any SQLBindable } + [county]
                    }
                }
            }
            if let verdict = f.verdict {
                if verdict == "none" {
                    clauses.append("xref.verdict IS NULL")
                } else {
                    clauses.append("xref.verdict = ?")
                    args.append(verdict)
                }
            }
            if let source = f.source {
                clauses.append("source.name = ?")
                args.append(source)
            }
            if let from = f.from {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) >= ?")
                args.append(from)
            }
            if let to = f.to {
                clauses.append("COALESCE(post.publishedAt, post.fetchedAt) < ?")
                args.append(to)
            }
            if let match = f.match {
                if !tx.dialect.sharesWork {
                    clauses.append("post.id IN (SELECT rowid FROM postSearch WHERE postSearch MATCH ?)")
                    args.append(match)
                } else if let q = tsquery ?? nil {
                    clauses.append("post.id IN (SELECT rowid FROM postSearch WHERE lexemes @@ ?::tsquery)")
                    args.append(q)
                } else {
                    clauses.append("1 = 0")  // no term FTS5 would search for: nothing matches
                }
            }
            args.append(f.pageSize + 1)
            args.append((f.page - 1) * f.pageSize)
            // Without a search, walk the priority index and stop after one page (SQLite: CROSS JOIN fixes the
            // join order; open items always have an assessment). On SQLite a search starts from the few FTS
            // matches instead; PostgreSQL's planner chooses between the two itself (it knows how common a term is).
            let from = f.match == nil || tx.dialect.sharesWork
                ? """
                FROM assessment \(tx.dialect.sharesWork ? "JOIN" : "CROSS JOIN") post ON post.id = assessment.postId
                JOIN source ON source.id = post.sourceId
                LEFT JOIN xref ON xref.postId = post.id
                LEFT JOIN claim ON claim.postId = post.id AND claim."until" > ?
                """ : Self.queueJoins
            let sql = """
                SELECT \(Self.queueColumns)
                \(from)
                WHERE \(clauses.joined(separator: " AND "))
                ORDER BY assessment.priority DESC, assessment.postId DESC
                LIMIT ? OFFSET ?
                """
            var rows = try await tx.rows(sql, args).map(Self.queueRow)
            let hasNext = rows.count > f.pageSize
            if hasNext { rows.removeLast() }
            return QueuePage(rows: rows, page: f.page, pageSize: f.pageSize, hasNext: hasNext)
        }
    }

    static func queueRow(_ row: SQLRow) throws -> QueueRow {
        let item = try queueItem(row)
        var xref: CrossReference? = nil
        if let verdict: String = try row["xrefVerdict"] {
            xref = CrossReference(
                verdict: verdict, score: try row["xrefScore"], explanation: try row["xrefExplanation"],
                matches: try row["xrefMatches"])
        }
        var lock: ItemLock? = nil
        if let user: String = try row["claimUser"], let until: Date = try row["claimUntil"] {
            lock = ItemLock(postId: item.id, user: user, until: until)
        }
        return QueueRow(item: item, xref: xref, lock: lock)
    }

    /// Everything about one item: the row, its cluster, reviews, publications and audit lines.
    public func itemDetail(id: Int64, now: Date = Date()) async throws(StoreError) -> ItemDetail {
        let found: ItemDetail? = try await read { tx in
            guard let row = try await tx.row("SELECT \(Self.queueColumns) \(Self.queueJoins) WHERE post.id = ?", [now, id])
            else { return nil }
            let main = try Self.queueRow(row)
            let head = main.item.duplicateOf ?? main.item.id
            let cluster = try await tx.rows(
                """
                SELECT post.*, source.name AS sourceName, assessment.disaster, assessment.rumour, assessment.types,
                       assessment.places, assessment.reasons, assessment.model, assessment.priority, assessment.details
                FROM post JOIN source ON source.id = post.sourceId
                LEFT JOIN assessment ON assessment.postId = post.id
                WHERE (post.id = ? OR post.duplicateOf = ?) AND post.id != ?
                ORDER BY post.id LIMIT 200
                """, [head, head, id]
            ).map(Self.queueItem)
            let reviews = try await tx.rows("SELECT * FROM review WHERE postId = ? ORDER BY id", [id]).map(ReviewRecord.init)
            let publicText = try await tx.scalar(
                "SELECT publicText FROM review WHERE postId = ? AND decision = 'approve' ORDER BY id DESC LIMIT 1", [id],
                as: String.self)
            let publications = try await tx.rows("SELECT * FROM publication WHERE postId = ? ORDER BY id", [id])
                .map(PublicationRecord.init)
            let audit = try await tx.rows("SELECT * FROM audit WHERE postId = ? ORDER BY id", [id]).map(Self.auditEntry)
            return ItemDetail(
                row: main, cluster: cluster, reviews: reviews, publicText: publicText, publications: publications,
                audit: audit)
        }
        guard let found else { throw StoreError.noSuchPost(id) }
        return found
    }

    /// Source names, for the queue's filter.
    public func sourceNames() async throws(StoreError) -> [String] {
        try await read { tx in try await tx.column("SELECT name FROM source ORDER BY name", as: String.self) }
    }

    /// The number of open items and the newest post id, for the queue page's live-update check.
    public func queueSummary() async throws(StoreError) -> (open: Int, queued: Int, escalated: Int, latestID: Int64) {
        try await read { tx in
            guard let row = try await tx.row(
                """
                SELECT (SELECT COUNT(*) FROM post WHERE state = 'queued' AND duplicateOf IS NULL) AS queued,
                       (SELECT COUNT(*) FROM post WHERE state = 'escalated' AND duplicateOf IS NULL) AS escalated,
                       (SELECT COALESCE(MAX(id), 0) FROM post WHERE state IN ('queued', 'escalated')) AS latest
                """)
            else { return (0, 0, 0, 0) }
            let q: Int = try row["queued"], e: Int = try row["escalated"]
            return (q + e, q, e, try row["latest"])
        }
    }
}
