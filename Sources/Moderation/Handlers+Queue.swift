import Foundation
import Hummingbird
import SieveCore
import Store

/// The queue's filters as given in the query string, validated.
struct QueueQuery {
    var filter: QueueFilter
    var q: String = ""
    var from: String = ""
    var to: String = ""
    /// Parameters to repeat in paging links.
    var echo: [(String, String)] = []

    init(_ form: FormData, pageSize: Int, match: (String) -> String?) throws {
        filter = QueueFilter(pageSize: pageSize)
        if let type = form.text("type") {
            filter.type = type
            echo.append(("type", type))
        }
        if let county = form.text("county") {
            filter.county = county
            echo.append(("county", county))
            if let township = form.text("township") {
                filter.township = township
                echo.append(("township", township))
            }
        }
        if let verdict = form.text("verdict") {
            guard Labels.verdictNames[verdict] != nil else {
                throw WebError(status: .badRequest, message: "{key} 須是 {choices} 之一，收到「{got}」", args: ["key": "verdict", "choices": Labels.verdicts.map(\.0).joined(separator: ", "), "got": verdict])
            }
            filter.verdict = verdict
            echo.append(("verdict", verdict))
        }
        if let source = form.text("source") {
            filter.source = source
            echo.append(("source", source))
        }
        if let state = form.text("state") {
            guard let s = PostState(rawValue: state) else {
                throw WebError(status: .badRequest, message: "{key} 須是 {choices} 之一，收到「{got}」", args: ["key": "state", "choices": PostState.allCases.map(\.rawValue).joined(separator: ", "), "got": state])
            }
            filter.state = s
            echo.append(("state", state))
        }
        for key in ["from", "to"] {
            guard let text = form.text(key) else { continue }
            guard let date = parseTaipeiLocal(text) else {
                throw WebError(status: .badRequest, message: "{key} 須是時間，例如 2026-09-14T22:00（臺北時間）或 RFC 3339，收到「{got}」", args: ["key": key, "got": text])
            }
            if key == "from" { filter.from = date; from = text } else { filter.to = date; to = text }
            echo.append((key, text))
        }
        if let q = form.text("q") {
            self.q = q
            echo.append(("q", q))
            // A query of only punctuation matches nothing rather than everything.
            filter.match = match(q) ?? "\"\u{1}\""
        }
        if let limit = form.text("limit") {
            guard let n = Int(limit), (1...500).contains(n) else {
                throw WebError(status: .badRequest, message: "limit 須是 1…500，收到「{got}」", args: ["got": limit])
            }
            filter.pageSize = n
            echo.append(("limit", limit))
        }
        if let page = form.text("page") {
            guard let n = Int(page), n >= 1, n <= 100_000 else {
                throw WebError(status: .badRequest, message: "page 須是正整數，收到「{got}」", args: ["got": page])
            }
            filter.page = n
        }
    }

    func url(path: String = "/", page: Int) -> String {
        var parts = echo.map { "\($0.0)=\(queryEscape($0.1))" }
        if page > 1 { parts.append("page=\(page)") }
        return parts.isEmpty ? path : path + "?" + parts.joined(separator: "&")
    }
}

extension ModerationApp {
    func runQuery(_ request: Request) async throws -> (QueueQuery, QueuePage) {
        let form = FormData(request.uri.query ?? "")
        var query = try QueueQuery(form, pageSize: settings.pageSize) { q in
            matchCache.expression(for: q, make: search.matchExpression)
        }
        // A township opened from the map also lists the reports the map placed there by their village.
        if let county = query.filter.county, let township = query.filter.township,
            let villages = try? mapBases.villages(path: settings.mapVillages)?.get()
        {
            query.filter.townshipVillages = villages.villages(county: county, township: township)
        }
        let filter = query.filter
        let page = try await queueCache.page(for: filter) { () async throws(StoreError) -> QueuePage in
            // Posts crawled since the indexer last ran become searchable at once (a large backlog is left to it).
            if filter.match != nil { try await search.catchUp(database, batch: 200, maxBatches: 1) }
            return try await database.queuePage(filter, now: Date())
        }
        return (query, page)
    }

    /// GET /: the queue.
    @Sendable func queuePage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireUser(request, context)
        let (query, page) = try await runQuery(request)
        let f = query.filter
        let lang = context.language
        let rowsHTML = await queueCache.rowsHTML(for: .init(filter: f, user: auth.user, canDecide: auth.role.canDecide, lang: lang)) {
            QueueRowsHTML.render(page.rows.map { rowView($0, viewer: auth.user, lang: lang) }, canDecide: auth.role.canDecide, lang: lang)
        }
        let view = await QueueView(
            chrome: Chrome(auth, request, context), summary: try cachedSummary(), filter: FilterEcho(q: query.q, from: query.from, to: query.to),
            typesHTML: QueueRowsHTML.options(Labels.types.map { Option(value: $0.0, label: Labels.type($0.0, lang), selected: $0.0 == f.type) }),
            countiesHTML: QueueRowsHTML.options(Labels.counties.map { Option(value: $0, label: $0, selected: $0 == f.county) }),
            verdictsHTML: QueueRowsHTML.options(
                Labels.verdicts.map { Option(value: $0.0, label: Labels.verdict($0.0, lang), selected: $0.0 == f.verdict) }),
            sourcesHTML: await QueueRowsHTML.options(try cachedSourceNames().map { Option(value: $0, label: $0, selected: $0 == f.source) }),
            statesHTML: QueueRowsHTML.options(
                [PostState.queued, .escalated, .approved, .rejected].map {
                    Option(value: $0.rawValue, label: Labels.state($0.rawValue, lang), selected: $0 == f.state)
                }),
            reasonsHTML: QueueRowsHTML.options(Labels.reasons.map { Option(value: $0.0.rawValue, label: Messages.app($0.1, lang)) }),
            rowsHTML: rowsHTML,
            canDecide: auth.role.canDecide, page: page.page,
            prevURL: page.page > 1 ? query.url(page: page.page - 1) : nil,
            nextURL: page.hasNext ? query.url(page: page.page + 1) : nil, reloadURL: query.url(page: page.page),
            flash: flash(request, context.language))
        return Reply.html(Pages.render("queue", view, context.language))
    }

    func rowView(_ row: QueueRow, viewer: String, lang: Language = .zhHant) -> RowView {
        let item = row.item, a = item.assessment
        let lockedBy = row.lock.flatMap { $0.user == viewer ? nil : $0.user }
        return RowView(
            id: item.id, title: item.title.flatMap { $0.isEmpty ? nil : $0 }, excerpt: Format.excerpt(item.text),
            source: item.source, time: taipeiShort(item.published ?? item.fetchedAt), place: Format.place(a, lang),
            types: Format.types(a, lang), disaster: ScoreText.shown(a?.disaster, label: a?.disasterLabel, lang), rumour: ScoreText.shown(a?.rumour, label: a?.rumourLabel, lang),
            disasterClass: Format.scoreClass(a?.disaster), rumourClass: Format.scoreClass(a?.rumour),
            verdict: row.xref.map { Option(value: $0.verdict, label: Labels.verdict($0.verdict, lang)) },
            cluster: item.clusterSize > 1 ? item.clusterSize : nil, stateLabel: Labels.state(item.state, lang),
            locked: lockedBy != nil, lockedBy: lockedBy)
    }

    /// The one-line notice after a redirect (`?done=12:approve`, `?bulk=3,1`).
    func flash(_ request: Request, _ lang: Language) -> String? {
        let q = request.uri.queryParameters
        if let done = q.get("done") {
            let parts = done.split(separator: ":")
            if parts.count == 2, let id = Int64(parts[0]) {
                return Messages.app("#{id} 已{action}。", lang, ["id": "\(id)", "action": Labels.action(String(parts[1]), lang)])
            }
        }
        if let bulk = q.get("bulk") {
            let n = bulk.split(separator: ",").compactMap { Int($0) }
            if n.count == 2 {
                return n[1] > 0
                    ? Messages.app("批次處理：{done} 則完成，{skipped} 則略過（他人處理中或狀態已改變）。", lang, ["done": "\(n[0])", "skipped": "\(n[1])"])
                    : Messages.app("批次處理：{done} 則完成。", lang, ["done": "\(n[0])"])
            }
        }
        return nil
    }

    /// POST /bulk: one decision for every checked item; items someone else holds or already decided are skipped.
    @Sendable func bulk(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        let decision = try parseDecision(form, defaultChannels: true)
        let ids = form.all("ids").compactMap { Int64($0) }
        guard !ids.isEmpty else { throw WebError(status: .badRequest, message: "沒有勾選任何項目（ids）。") }
        var ok = 0, skipped = 0
        for id in ids {
            do {
                try await database.decide(
                    postID: id, decision, by: auth.user, ip: context.remoteIP, force: false, now: Date()
                )
                ok += 1
            } catch {
                skipped += 1
            }
        }
        queueChanged()
        let back = Self.safeLocalPath(form["back"])
        return Reply.seeOther(back + (back.contains("?") ? "&" : "?") + "bulk=\(ok),\(skipped)")
    }

    /// Reads decision, reason, note, channels and public_text from a form.
    func parseDecision(_ form: FormData, defaultChannels: Bool) throws -> WebDecision {
        guard let raw = form.text("decision"), let decision = ReviewDecision(rawValue: raw) else {
            throw WebError(status: .badRequest, message: "decision 須是 approve、reject 或 escalate，收到「{got}」", args: ["got": form["decision"] ?? ""])
        }
        var d = WebDecision(decision: decision, note: form.text("note"))
        if decision == .reject {
            guard let r = form.text("reason"), let reason = RejectReason(rawValue: r) else {
                throw WebError(status: .badRequest, message: "退回需要原因 reason = not_disaster、rumour、duplicate 或 spam，收到「{got}」", args: ["got": form["reason"] ?? ""])
            }
            d.reason = reason
        }
        if decision == .approve {
            d.channels = try chosenChannels(form.all("channels"), explicit: form["channels_present"] != nil)
            d.publicText = form["public_text"].map { $0.replacingOccurrences(of: "\r\n", with: "\n") }
        }
        if decision == .escalate { d.channels = leadChannels }
        return d
    }

    /// Channels taking escalations (the EOC's webhook, the CAP feed …): `events` includes "escalated".
    var leadChannels: [String] { channels.filter { $0.events.contains(.escalated) }.map(\.name) }

    /// Channels taking approved items.
    var publishChannels: [ChannelConfig] { channels.filter { $0.events.contains(.approved) } }

    /// The named channels, checked against the configuration; none named means every channel, unless the form
    /// showed the channel boxes and all were unticked.
    func chosenChannels(_ names: [String], explicit: Bool) throws -> [String] {
        let known = publishChannels.map(\.name)
        for n in names where !known.contains(n) { throw StoreError.unknownChannel(n, known: known) }
        if names.isEmpty {
            if explicit { throw WebError(status: .badRequest, message: "請至少選擇一個發布頻道。") }
            return known
        }
        return names
    }
}
