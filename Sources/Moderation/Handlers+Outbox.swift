import Foundation
import Hummingbird
import SieveCore
import Store

/// The outbox as moderators see it: deliveries that failed, were dead-lettered or could not be done, with the
/// channel's error, and retry / drop — the same operations as `sieve outbox retry|drop`, audit-logged.
extension ModerationApp {
    /// GET /outbox
    @Sendable func outboxPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let problems = try await database.outbox(statuses: [.dead, .failed, .unsupported], limit: 200)
        let waiting = try await database.outbox(statuses: [.pending, .delivering], limit: 100_000).count
        let lang = context.language
        func t(_ zh: String, _ args: [String: String] = [:]) -> String { Markup.html(Messages.app(zh, lang, args)) }
        var rows = ""
        for l in problems {
            let p = l.publication
            let id = p.id ?? 0
            let label = ["dead": "已放棄（dead letter）", "failed": "失敗，將重試", "unsupported": "頻道不支援"][p.status].map { Messages.app($0, lang) } ?? p.status
            var actions = ""
            if p.status == "dead" || p.status == "failed" || p.status == "unsupported" {
                actions = """
                    <form method="post" action="/outbox/\(id)/retry" class="inline"><input type="hidden" name="_csrf" value="\(Markup.html(auth.csrfToken ?? ""))"><button type="submit">\(t("重試"))</button></form>
                    <form method="post" action="/outbox/\(id)/drop" class="inline"><input type="hidden" name="_csrf" value="\(Markup.html(auth.csrfToken ?? ""))"><button type="submit">\(t("放棄"))</button></form>
                    """
            }
            rows += """
                <tr class="outbox-\(Markup.html(p.status))"><td class="num">\(id)</td><td><a href="/items/\(p.postId)">#\(p.postId)</a> \(Markup.html(String(l.title.prefix(40))))</td>\
                <td>\(Markup.html(p.channel))</td><td>\(Markup.html(p.action))</td><td>\(Markup.html(label))</td><td class="num">\(p.attempts)</td>\
                <td>\(Markup.html(TaipeiTime.rfc3339(p.nextAttemptAt)))</td><td class="error">\(Markup.html(p.lastError ?? ""))</td><td>\(actions)</td></tr>

                """
        }
        let body = """
            <h1>\(t("發布匣"))</h1>
            <p class="muted">\(t("等待發送 {n} 筆。以下為失敗、已放棄或頻道不支援的發送（與 sieve outbox list 相同）。", ["n": "\(waiting)"]))</p>
            <table class="outbox"><thead><tr><th>\(t("編號"))</th><th>\(t("項目"))</th><th>\(t("頻道"))</th><th>\(t("動作"))</th><th>\(t("狀態"))</th><th>\(t("嘗試"))</th><th>\(t("下次嘗試"))</th><th>\(t("錯誤"))</th><th></th></tr></thead>
            <tbody>
            \(rows.isEmpty ? "<tr><td colspan=\"9\">\(t("沒有失敗的發送。"))</td></tr>" : rows)</tbody></table>
            """
        return Reply.html(Pages.page(title: Messages.app("發布匣", lang), page: "outbox", chrome: Chrome(auth, request, context), body: body))
    }

    /// POST /outbox/{id}/retry and /outbox/{id}/drop
    @Sendable func outboxAction(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        guard let id = context.parameters.get("id").flatMap(Int64.init), let action = context.parameters.get("action") else {
            throw WebError(status: .badRequest, message: "發布匣編號不正確")
        }
        let record: PublicationRecord
        switch action {
        case "retry": record = try await database.retryDelivery(id, actor: auth.user, ip: context.remoteIP, now: Date())
        case "drop": record = try await database.dropDelivery(id, actor: auth.user, ip: context.remoteIP, now: Date())
        default: throw WebError(status: .notFound, message: "沒有發布匣動作「{action}」（retry、drop）", args: ["action": action])
        }
        _ = record
        return Reply.seeOther("/outbox")
    }
}
