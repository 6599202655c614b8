import Foundation
import Hummingbird
import Publisher
import SieveCore
import Store

extension ModerationApp {
    /// GET /dashboard.
    @Sendable func dashboard(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireUser(request, context)
        let now = Date()
        let lang = context.language
        let s = try await database.dashboardStats(hours: 24, topSeries: 6, now: now)
        let label = { (series: HourlySeries) -> HourlySeries in
            var copy = series
            copy.series = series.series.map {
                (Labels.typeNames[$0.name] != nil ? Labels.type($0.name, lang) : ($0.name == "—" ? Messages.app("未分類", lang) : $0.name), $0.counts)
            }
            return copy
        }
        var indicator = "n/a", indicatorClass = ""
        if let official = s.officialAnnouncements, official > 0 {
            let ratio = Double(s.communityPublished) / Double(official)
            indicator = String(format: "%.0f%%", ratio * 100)
            indicatorClass = ratio >= 0.8 ? "good" : "low"
        }
        var decisions: [DecisionRowView] = s.decisions.map { d in
            let a = d.counts["approve"] ?? 0, r = d.counts["reject"] ?? 0, e = d.counts["escalate"] ?? 0
            return DecisionRowView(reviewer: d.reviewer, approve: a, reject: r, escalate: e, total: a + r + e)
        }
        decisions.sort { $0.total > $1.total }
        let window = s.byType.hours.first.map { Messages.app("{time} 起 24 小時（臺北時間；至最新一則貼文）", lang, ["time": taipeiShort($0)]) } ?? ""
        let view = DashboardView(
            chrome: Chrome(auth, request, context), queued: s.queued, escalated: s.escalated,
            oldestAge: s.oldestQueued.map { ageText(now.timeIntervalSince($0), lang) } ?? "—",
            averageAge: s.averageQueuedAge.map { ageText($0, lang) } ?? "—", indicator: indicator, indicatorClass: indicatorClass,
            published: s.communityPublished, official: s.officialAnnouncements.map(String.init) ?? "n/a", window: window,
            typeChart: SVGChart.stackedBars(label(s.byType), title: Messages.app("每小時貼文（依類型）", lang), lang: lang),
            countyChart: SVGChart.stackedBars(label(s.byCounty), title: Messages.app("每小時貼文（依縣市）", lang), lang: lang), decisions: decisions)
        return Reply.html(Pages.render("dashboard", view, context.language))
    }

    struct AuditQuery {
        var actor: String?
        var action: String?
        var post: Int64?
        var page: Int

        init(_ request: Request) throws {
            let q = FormData(request.uri.query ?? "")
            actor = q.text("actor")
            action = q.text("action")
            if let p = q.text("post") {
                guard let id = Int64(p) else { throw WebError(status: .badRequest, message: "post 須是項目編號，收到「{got}」", args: ["got": p]) }
                post = id
            }
            if let p = q.text("page") {
                // Bounded, so the offset (page − 1) × page size can never overflow.
                guard let n = Int(p), (1...100_000).contains(n) else {
                    throw WebError(status: .badRequest, message: "page 須是 1 到 100000 的整數，收到「{got}」", args: ["got": p])
                }
                page = n
            } else {
                page = 1
            }
        }

        var echo: String {
            var parts: [String] = []
            if let actor { parts.append("actor=\(queryEscape(actor))") }
            if let action { parts.append("action=\(queryEscape(action))") }
            if let post { parts.append("post=\(post)") }
            return parts.joined(separator: "&")
        }

        func url(page: Int) -> String {
            let e = echo
            var s = "/admin/audit?" + e
            if page > 1 { s += (e.isEmpty ? "" : "&") + "page=\(page)" }
            return s
        }
    }

    /// GET /admin/audit (admins only).
    @Sendable func auditPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireAdmin(request, context)
        let q = try AuditQuery(request)
        let pageSize = 100
        var entries = try await database.auditEntries(
            actor: q.actor, action: q.action, postId: q.post, limit: pageSize + 1, offset: (q.page - 1) * pageSize)
        let hasNext = entries.count > pageSize
        if hasNext { entries.removeLast() }
        let view = AuditView(
            chrome: Chrome(auth, request, context), actor: q.actor ?? "", action: q.action ?? "", post: q.post.map(String.init) ?? "",
            query: q.echo.isEmpty ? "" : "?" + q.echo,
            entries: entries.map {
                AuditRowView(
                    id: $0.id, time: TaipeiTime.rfc3339($0.at), actor: $0.actor, action: $0.action, postId: $0.postId,
                    before: $0.before ?? "", after: $0.after ?? "", ip: $0.ip ?? "")
            }, page: q.page, prevURL: q.page > 1 ? q.url(page: q.page - 1) : nil,
            nextURL: hasNext ? q.url(page: q.page + 1) : nil)
        return Reply.html(Pages.render("audit", view, context.language))
    }

    /// GET /admin/audit.csv (admins only): the whole log (or the filtered part), oldest first, RFC 4180.
    @Sendable func auditCSV(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireAdmin(request, context)
        let q = try AuditQuery(request)
        let entries = try await database.auditEntries(
            actor: q.actor, action: q.action, postId: q.post, limit: nil, offset: 0
        )
        var out = "id,at,actor,action,post_id,before,after,ip\r\n"
        for e in entries.reversed() {
            out += [
                String(e.id), TaipeiTime.rfc3339(e.at), e.actor, e.action, e.postId.map(String.init) ?? "", e.before ?? "",
                e.after ?? "", e.ip ?? "",
            ].map(CSV.field).joined(separator: ",") + "\r\n"
        }
        try await database.audit(
            actor: auth.user, action: "audit_export", postId: nil, before: nil, after: "{\"rows\":\(entries.count)}",
            ip: context.remoteIP
        )
        var r = Reply.bytes(out, contentType: "text/csv; charset=utf-8")
        r.headers[.contentDisposition] = "attachment; filename=\"sieve-audit.csv\""
        return r
    }

    /// GET /admin/users (admins only).
    @Sendable func usersPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireAdmin(request, context)
        let accounts = try await database.accounts().map {
            AccountView(
                name: $0.name, role: Messages.app(Labels.roles[$0.role] ?? $0.role.rawValue, context.language), created: taipeiShort($0.createdAt),
                status: Messages.app($0.disabled ? "停用" : "啟用", context.language),
                signIn: Messages.app($0.passwordHash.isEmpty ? "單一登入" : "本機密碼", context.language))
        }
        return Reply.html(Pages.render("users", UsersView(chrome: Chrome(auth, request, context), accounts: accounts), context.language))
    }

    /// GET /feeds/{file}: the community feeds, as `sieve publish --feeds` writes them, at stable URLs:
    /// `community.atom` (Atom 1.0), `community.json` (JSON Feed 1.1), `community.geojson`, `community.kml`, and any
    /// configured file channel by the file name of its path (or `NAME.atom`). Public: they are the published feeds.
    @Sendable func feed(_ request: Request, _ context: WebContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        if let channel = channels.first(where: { $0.kind.isFile && $0.kind != .cap && (URL(fileURLWithPath: $0.path).lastPathComponent == file || $0.name + ".atom" == file) }) {
            switch channel.kind {
            case .atom:
                return Reply.bytes(AtomFeedWriter.render(channel: channel, items: try await database.publishableItems(
                    channel: channel.name, limit: 200
                )), contentType: "application/atom+xml; charset=utf-8")
            case .jsonfeed: return await Reply.bytes(try Feeds.jsonFeed(database, title: channel.title), contentType: "application/feed+json; charset=utf-8")
            case .geojson: return await Reply.bytes(try Feeds.geoJSON(database), contentType: "application/geo+json; charset=utf-8")
            case .kml: return await Reply.bytes(try Feeds.kml(database, title: channel.title), contentType: "application/vnd.google-earth.kml+xml; charset=utf-8")
            default: break
            }
        }
        switch file {
        case "community.atom": return await Reply.bytes(try Feeds.atom(database), contentType: "application/atom+xml; charset=utf-8")
        case "community.json": return await Reply.bytes(try Feeds.jsonFeed(database), contentType: "application/feed+json; charset=utf-8")
        case "community.geojson": return await Reply.bytes(try Feeds.geoJSON(database), contentType: "application/geo+json; charset=utf-8")
        case "community.kml": return await Reply.bytes(try Feeds.kml(database), contentType: "application/vnd.google-earth.kml+xml; charset=utf-8")
        default:
            throw WebError(status: .notFound, message: "沒有 {file} 這個饋送（{choices}）", args: ["file": file, "choices": "community.atom, community.json, community.geojson, community.kml\(channels.filter { $0.kind.isFile && $0.kind != .cap }.map { ", " + URL(fileURLWithPath: $0.path).lastPathComponent }.joined())"])
        }
    }

    /// GET /eoc/cap/index.atom and /eoc/cap/{identifier}.xml: the CAP 1.2 messages for the EOC (leads are
    /// Restricted, unverified): for signed-in accounts and API tokens only.
    @Sendable func capFeed(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try requireUser(request, context)
        let file = context.parameters.get("file") ?? "index.atom"
        let messages = try await Feeds.capMessages(database)
        if file == "index.atom" {
            return Reply.bytes(CAPWriter.index(title: "Sieve EOC CAP", messages: messages, baseURL: "/eoc/cap/"), contentType: "application/atom+xml; charset=utf-8")
        }
        guard let m = messages.first(where: { $0.fileName == file }) else {
            throw WebError(status: .notFound, message: "沒有 CAP 訊息 {file}", args: ["file": file])
        }
        return Reply.bytes(m.xml, contentType: "application/cap+xml; charset=utf-8")
    }
}

/// RFC 4180 fields; cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
enum CSV {
    static func field(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}
