import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SieveCore
import Store

/// An exercise store (a drill) served by the web app: every HTML page gets the exercise banner and the exercise
/// colours, every response says so in `X-Sieve-Exercise`, and the public page shows none of the drill's items.
/// Done here, around every route (error pages and the login page included), so no page can forget it.
struct ExerciseMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: ModerationApp

    static let header = HTTPField.Name("X-Sieve-Exercise")!

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let database = app.database
        let drill = await app.exerciseCache.get { (try? await database.exercise()) ?? nil }
        guard let drill else { return try await next(request, context) }
        if request.uri.path == "/public" || request.uri.path.hasPrefix("/public/") {
            var r = Reply.html(Self.publicNotice(drill, Language.negotiate(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage], among: [.zhHant, .en])))
            r.headers[Self.header] = drill.scenario
            r.headers[.cacheControl] = "no-store"
            return r
        }
        var response = try await next(request, context)
        response.headers[Self.header] = drill.scenario
        guard response.headers[.contentType]?.hasPrefix("text/html") == true else { return response }
        let box = Collected()
        try await response.body.write(Collector(box: box))
        let html = Self.mark(String(buffer: box.buffer), drill: drill)
        response.body = ResponseBody(byteBuffer: ByteBuffer(string: html))
        response.headers[.contentLength] = "\(html.utf8.count)"
        return response
    }

    /// The banner, right after `<body …>`, and the `exercise` class on the body.
    static func mark(_ html: String, drill: ExerciseInfo) -> String {
        guard let bodyStart = html.range(of: "<body"), let close = html[bodyStart.upperBound...].firstIndex(of: ">") else { return html }
        var tag = String(html[bodyStart.lowerBound...close])
        if let cls = tag.range(of: "class=\"") {
            tag.insert(contentsOf: "exercise ", at: cls.upperBound)
        } else {
            tag.insert(contentsOf: " class=\"exercise\"", at: tag.index(before: tag.endIndex))
        }
        let lang: Language = html.contains("<html lang=\"en\"") ? .en : .zhHant
        return String(html[..<bodyStart.lowerBound]) + tag + banner(drill, lang) + String(html[html.index(after: close)...])
    }

    static func stateLabel(_ state: String, _ lang: Language) -> String {
        (["running": "進行中", "paused": "暫停", "finished": "已結束"][state]).map { Messages.app($0, lang) } ?? state
    }

    static func banner(_ drill: ExerciseInfo, _ lang: Language = .zhHant) -> String {
        let text = Messages.app("【演習】{title}（{scenario}，{state}）— 這是演習資料庫：所有內容皆為演習，只發布到演習頻道。", lang, [
            "title": drill.title, "scenario": drill.scenario, "state": stateLabel(drill.state.rawValue, lang),
        ])
        // Styled by app.css (the content security policy allows no inline style).
        return """
            <div class="exercise-banner" role="note">\(Markup.html(text)) <a href="/drill">\(Markup.html(Messages.app("演習控制", lang)))</a></div>
            """
    }

    static func publicNotice(_ drill: ExerciseInfo, _ lang: Language = .zhHant) -> String {
        func t(_ zh: String, _ args: [String: String] = [:]) -> String { Markup.html(Messages.app(zh, lang, args)) }
        return """
            <!doctype html>
            <html lang="\(lang.htmlLang)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(t("演習中")) · Sieve</title><link rel="stylesheet" href="/static/app.css"></head>
            <body class="exercise">\(banner(drill, lang))
            <main><h1>\(t("公開頁面不顯示演習內容"))</h1>
            <p>\(t("這個伺服器連接的是演習資料庫（{scenario}）。演習中的貼文與通報不是真實災情，不會出現在公開頁面。", ["scenario": drill.scenario]))</p></main>
            </body></html>
            """
    }
}

/// The bytes of a response body, written by its producer.
private final class Collected {
    var buffer = ByteBuffer()
}

private struct Collector: ResponseBodyWriter {
    let box: Collected
    mutating func write(_ buffer: ByteBuffer) async throws {
        var b = buffer
        box.buffer.writeBuffer(&b)
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// The trainer's controls of a running drill in the web app (admins): the clock (pause, resume, speed, finish) and
/// posting something new now — the same as `sieve drill control`; `sieve drill run` picks changes up within a round.
extension ModerationApp {
    /// GET /drill
    @Sendable func drillPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireAdmin(request, context)
        guard let info = try await database.exercise() else {
            throw WebError(status: .notFound, message: "這不是演習資料庫（沒有進行中的演習）")
        }
        let events = try await database.exerciseEvents()
        let now = Date()
        let offset = info.offset(at: now)
        let due = events.filter { $0.offset <= offset }
        let decided = try await database.exerciseDecisions()
        let clock = String(format: "+%02d:%02d", Int(offset) / 3600, Int(offset) % 3600 / 60)
        let lang = context.language
        func t(_ zh: String, _ args: [String: String] = [:]) -> String { Markup.html(Messages.app(zh, lang, args)) }
        let state = ExerciseMiddleware.stateLabel(info.state.rawValue, lang)
        let csrf = "<input type=\"hidden\" name=\"_csrf\" value=\"\(Markup.html(auth.csrfToken ?? ""))\">"
        func button(_ action: String, _ label: String) -> String {
            "<form method=\"post\" action=\"/drill/control\" class=\"inline\">\(csrf)<input type=\"hidden\" name=\"action\" value=\"\(action)\"><button type=\"submit\">\(t(label))</button></form>"
        }
        let body = """
            <h1>\(t("演習控制：{title}", ["title": info.title]))</h1>
            <p>\(t("情境 {scenario}・情境時間 {clock}（{time}）・速度 {speed}×・{state}・已發生 {due}／{events} 個事件・已做出 {decided} 個決定", [
                "scenario": info.scenario, "clock": clock, "time": TaipeiTime.rfc3339(info.scenarioStart.addingTimeInterval(offset)),
                "speed": String(format: "%g", info.speed), "state": state, "due": "\(due.count)", "events": "\(events.count)", "decided": "\(decided.count)",
            ]))</p>
            <p>\(button("pause", "暫停"))\(button("resume", "繼續"))\(button("finish", "結束演習"))</p>
            <form method="post" action="/drill/control">\(csrf)<input type="hidden" name="action" value="speed">
            <label for="speed">\(t("速度（情境秒／實際秒）"))</label> <input id="speed" name="speed" type="number" min="0.1" max="3600" step="any" value="\(String(format: "%g", info.speed))">
            <button type="submit">\(t("變更速度"))</button></form>
            <h2>\(t("插入事件"))</h2>
            <form method="post" action="/drill/control">\(csrf)<input type="hidden" name="action" value="inject">
            <p><label for="channel">\(t("頻道"))</label> <input id="channel" name="channel" value="ptt" required>
            <label for="truth">\(t("真相"))</label> <select id="truth" name="truth"><option value="rumour">\(t("謠言"))</option><option value="report">\(t("真實災情"))</option><option value="noise">\(t("雜訊"))</option></select>
            <label for="expect">\(t("應為"))</label> <select id="expect" name="expect"><option value="">\(t("（依真相）"))</option><option value="approve">\(t("核准"))</option><option value="reject">\(t("退回"))</option><option value="escalate">\(t("轉報應變中心"))</option></select></p>
            <p><label for="text">\(t("貼文內容"))</label><br><textarea id="text" name="text" rows="3" cols="60" required></textarea></p>
            <button type="submit">\(t("現在發出"))</button></form>
            <p class="muted">\(t("報告："))<code>sieve drill report --database …</code></p>
            """
        return Reply.html(Pages.page(title: Messages.app("演習控制", lang), page: "drill", chrome: Chrome(auth, request, context), body: body))
    }

    /// POST /drill/control
    @Sendable func drillControl(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireAdmin(request, context)
        let form = try await readForm(request, context)
        try checkCSRF(auth, request, form: form)
        guard var info = try await database.exercise() else { throw WebError(status: .notFound, message: "這不是演習資料庫") }
        let now = Date()
        let offset = info.offset(at: now)
        switch form["action"] ?? "" {
        case "pause":
            (info.baseOffset, info.baseWall, info.state) = (offset, now, .paused)
        case "resume":
            guard info.state == .paused else { return Reply.seeOther("/drill") }
            (info.baseWall, info.state) = (now, .running)
        case "finish":
            (info.baseOffset, info.baseWall, info.state) = (offset, now, .finished)
        case "speed":
            guard let speed = form["speed"].flatMap(Double.init), speed > 0, speed <= 3600 else {
                throw WebError(status: .badRequest, message: "速度須介於 0 與 3600 之間")
            }
            (info.baseOffset, info.baseWall, info.speed) = (offset, now, speed)
        case "inject":
            let text = (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let truth = form["truth"] ?? ""
            let channel = (form["channel"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, ["report", "rumour", "noise"].contains(truth),
                channel.range(of: "^[a-z0-9-]{1,32}$", options: .regularExpression) != nil
            else {
                throw WebError(status: .badRequest, message: "插入事件需要內容、真相（report、rumour、noise）與頻道（小寫英數字與 -）")
            }
            var expect = form["expect"] ?? ""
            if expect.isEmpty { expect = truth == "report" ? "approve" : "reject" }
            guard ["approve", "reject", "escalate"].contains(expect) else { throw WebError(status: .badRequest, message: "應為：approve、reject 或 escalate") }
            let id = "inject-\(Int(now.timeIntervalSince1970 * 1000) % 100_000_000)"
            _ = try await database.injectExerciseEvent(
                ExerciseEventRecord(
                    eventID: id, kind: "post", offset: offset, channel: channel, truth: truth, expect: expect,
                    note: "injected by \(auth.user)", origin: "injected", text: text))
            return Reply.seeOther("/drill")
        default:
            throw WebError(status: .badRequest, message: "沒有這個演習動作（pause、resume、finish、speed、inject）")
        }
        try await database.updateExercise(info)
        exerciseCache.invalidate()
        return Reply.seeOther("/drill")
    }
}
