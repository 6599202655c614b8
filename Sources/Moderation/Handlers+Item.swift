import Foundation
import Hummingbird
import SieveCore
import Store

extension ModerationApp {
    /// GET /items/{id}: the whole item. A moderator who opens an open item locks it for `claim_duration`;
    /// others then see it locked.
    @Sendable func itemPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireUser(request, context)
        let id = try postID(context)
        var detail = try await database.itemDetail(id: id, now: Date())
        let open = detail.row.item.state == PostState.queued.rawValue || detail.row.item.state == PostState.escalated.rawValue
        if auth.role.canDecide, open {
            let lock = try await database.lock(
                postID: id, user: auth.user, duration: TimeInterval(settings.claimDuration), ip: context.remoteIP,
                now: Date()
            )
            detail.row.lock = lock
            if lock.user == auth.user { queueChanged() }  // others' queue pages show the lock at once
            if lock.user == auth.user { detail = try await database.itemDetail(id: id, now: Date()) }
        }
        var view = itemView(detail, auth: auth, open: open, flash: flash(request, context.language), chrome: Chrome(auth, request, context))
        let state = detail.row.item.state
        view.retractable = auth.role.canDecide && (state == PostState.approved.rawValue || state == PostState.escalated.rawValue)
        view.editable = auth.role.canDecide && state == PostState.approved.rawValue
        return Reply.html(Pages.render("item", view, context.language))
    }

    func itemView(_ d: ItemDetail, auth: AuthState, open: Bool, flash: String?, chrome: Chrome) -> ItemView {
        let lang = chrome.lang
        let item = d.row.item, a = item.assessment
        let lock = d.row.lock
        let lockedByOther = lock.flatMap { $0.user == auth.user ? nil : LockView(user: $0.user, until: taipeiShort($0.until)) }
        var history: [HistoryView] = d.reviews.map { r in
            var detail = r.note ?? ""
            if let reason = r.reason { detail = Labels.reason(reason, lang) + (detail.isEmpty ? "" : (lang == .zhHant ? "：" : ": ") + detail) }
            return HistoryView(
                time: taipeiShort(r.decidedAt), actor: r.reviewer, action: Messages.app("決定：{action}", lang, ["action": Labels.action(r.decision, lang)]),
                detail: detail)
        }
        history += d.audit.filter { !["approve", "reject", "escalate"].contains($0.action) }.map { e in
            HistoryView(
                time: taipeiShort(e.at), actor: e.actor, action: Labels.action(e.action, lang),
                detail: [e.before, e.after].compactMap { $0 }.joined(separator: " → "))
        }
        history.sort { $0.time < $1.time }
        let link = Format.safeLink(item.url)
        let timeText = (a?.times ?? []).map { "\($0.surface)（\($0.start.prefix(16).replacingOccurrences(of: "T", with: " "))）" }
        let peopleText = (a?.people ?? []).map { p in p.surface + (p.count.map { "（\($0)）" } ?? "") }
        let incidents = Format.incidents(d.row.xref?.matches, lang)
        return ItemView(
            chrome: chrome, id: item.id, title: item.title.flatMap { $0.isEmpty ? nil : $0 }, source: item.source,
            author: item.author.flatMap { $0.isEmpty ? nil : $0 }, time: taipeiShort(item.published ?? item.fetchedAt),
            stateLabel: Labels.state(item.state, lang), duplicateOf: item.duplicateOf, lockedBy: lockedByOther,
            claimedUntil: lock.flatMap { $0.user == auth.user ? taipeiShort($0.until) : nil }, text: item.text,
            link: link, linkText: link == nil ? item.url.flatMap { $0.isEmpty ? nil : $0 } : nil,
            disaster: ScoreText.shown(a?.disaster, label: a?.disasterLabel, lang), rumour: ScoreText.shown(a?.rumour, label: a?.rumourLabel, lang),
            disasterClass: Format.scoreClass(a?.disaster), rumourClass: Format.scoreClass(a?.rumour),
            priority: ScoreText.number(item.priority), types: Labels.list((a?.types ?? []).map { Labels.type($0, lang) }, lang),
            places: Labels.list((a?.places ?? []).map(\.display), lang), model: a?.model ?? "—",
            why: reasonLines(a, lang), times: timeText, hasTimes: !timeText.isEmpty, people: peopleText,
            hasPeople: !peopleText.isEmpty,
            verdict: d.row.xref.map { Option(value: $0.verdict, label: Labels.verdict($0.verdict, lang)) },
            score: d.row.xref?.score.map { String(format: "%.2f", $0) }, explanation: (d.row.xref?.explanation).map { XrefNote.decode($0).map { $0.render(Pages.appLanguage(lang)) } } ?? [],
            incidents: incidents, hasIncidents: !incidents.isEmpty, clusterSize: item.clusterSize,
            cluster: d.cluster.map { ClusterView(id: $0.id, source: $0.source, excerpt: Format.excerpt($0.text, 80)) },
            actionable: auth.role.canDecide && open && lockedByOther == nil,
            channels: publishChannels.map { ChannelView(name: $0.name, title: $0.title) },
            publicText: d.publicText ?? item.text,
            reasons: Labels.reasons.map { Option(value: $0.0.rawValue, label: Messages.app($0.1, lang)) }, history: history,
            publications: d.publications.map { "\($0.channel)\(lang == .zhHant ? "：" : ": ")\($0.status)" },
            hasPublications: !d.publications.isEmpty, flash: flash)
    }

    /// POST /items/{id}/decision from the item page's forms, or from the queue's keyboard shortcuts (which ask
    /// for JSON).
    @Sendable func decideForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let id = try postID(context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        let decision = try parseDecision(form, defaultChannels: true)
        try await database.decide(postID: id, decision, by: auth.user, ip: context.remoteIP, force: false, now: Date())
        queueChanged()
        let state = try await database.item(id: id).state
        if wantsJSON(request) {
            return Reply.json(DecisionResult(id: id, state: state, stateLabel: Labels.state(state, context.language)))
        }
        return Reply.seeOther("/?done=\(id):\(decision.decision.rawValue)")
    }

    /// POST /items/{id}/retract: withdraws an approved or escalated item (as `sieve retract`): undelivered
    /// publications are cancelled, channels that got it receive a retraction. A reason is required; audited.
    @Sendable func retractForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let id = try postID(context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        guard let note = form.text("note")?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty else {
            throw WebError(status: .badRequest, message: "撤回需要填寫原因（note）。")
        }
        try await database.retract(
            postID: id, reviewer: auth.user, note: String(note.prefix(1000)), ip: context.remoteIP, force: false,
            now: Date()
        )
        queueChanged()
        if wantsJSON(request) {
            return Reply.json(DecisionResult(id: id, state: PostState.retracted.rawValue, stateLabel: Labels.state(PostState.retracted.rawValue, context.language)))
        }
        return Reply.seeOther("/items/\(id)?done=\(id):retract")
    }

    /// POST /items/{id}/edit: corrects the public wording of an approved item after publication (as `sieve edit`):
    /// channels that got it are corrected in place where they can be; audited.
    @Sendable func editForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let id = try postID(context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        guard let text = form.text("text")?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw WebError(status: .badRequest, message: "公開文字不能是空的（text）。")
        }
        guard text.count <= 5000 else { throw WebError(status: .badRequest, message: "公開文字最多 5,000 字，收到 {n} 字。", args: ["n": "\(text.count)"]) }
        let note = form.text("note").flatMap { $0.isEmpty ? nil : String($0.prefix(1000)) }
        try await database.edit(
            postID: id, reviewer: auth.user, text: text, note: note, ip: context.remoteIP, now: Date()
        )
        queueChanged()
        if wantsJSON(request) {
            return Reply.json(DecisionResult(id: id, state: PostState.approved.rawValue, stateLabel: Labels.state(PostState.approved.rawValue, context.language)))
        }
        return Reply.seeOther("/items/\(id)?done=\(id):edit")
    }

    /// POST /items/{id}/merge: this item is a duplicate of `into`.
    @Sendable func mergeForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let id = try postID(context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        guard let raw = form.text("into"), let into = Int64(raw.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) else {
            throw WebError(status: .badRequest, message: "into 須是此項目所重複的項目編號，收到「{got}」", args: ["got": form["into"] ?? ""])
        }
        try await database.merge(postID: id, into: into, by: auth.user, ip: context.remoteIP, now: Date())
        queueChanged()
        if wantsJSON(request) {
            return Reply.json(DecisionResult(id: id, state: PostState.rejected.rawValue, stateLabel: Messages.app("已合併至 #{id}", context.language, ["id": "\(into)"])))
        }
        return Reply.seeOther("/items/\(into)?done=\(id):merge")
    }
}

/// The answer to a decision made from the browser's script or through the API.
struct DecisionResult: Codable {
    var id: Int64
    var state: String
    var stateLabel: String

}

/// The classifier's reasons in the reader's language: from their notes when every line has one, else as stored.
func reasonLines(_ a: Assessment?, _ lang: Language) -> [String] {
    guard let a else { return [] }
    guard lang != .zhHant, a.reasonNotes.count == a.reasons.count else { return a.reasons }
    return a.reasonNotes.map { $0.render(Pages.appLanguage(lang)) }
}
