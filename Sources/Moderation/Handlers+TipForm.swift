import Foundation
import HTTPTypes
import Hummingbird
import SieveCore
import Store

/// The tipline's web form (`/tip`, `[tipline] web_form = true`): for people without LINE or Telegram. No account:
/// the browser gets a random id in a cookie (kept only as a salted hash, like a LINE user id), each rendered form a
/// one-time nonce (a resubmitted form is answered again but counted once), the cookie doubles as the CSRF token, and
/// each address may ask `web_form_per_minute` questions a minute (429 with Retry-After beyond).
extension ModerationApp {
    static let tipCookie = "sieve_tip"
    /// At most this many characters are checked (a forwarded chain message is rarely longer).
    static let tipFormMaxCharacters = 2000

    /// GET /tip
    @Sendable func tipForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let settings = try tipFormSettings()
        let language = Language.negotiate(query: request.uri.queryParameters["lang"].map(String.init), acceptLanguage: request.headers[.acceptLanguage])
        let id = request.cookies[Self.tipCookie]?.value ?? Secrets.token()
        return tipFormPage(language: language, browserID: id, text: "", answer: nil, message: nil, status: .ok, settings: settings)
    }

    /// POST /tip
    @Sendable func tipFormSubmit(_ request: Request, _ context: WebContext) async throws -> Response {
        let settings = try tipFormSettings()
        guard let answering = tiplineAnswering else { throw WebError(status: .notFound, message: "沒有設定查證專線") }
        // Words alone: 64 KiB; with a picture (multipart): the picture limit and 64 KiB for the rest.
        let boundary = MultipartForm.boundary(request.headers[.contentType])
        let limit = boundary == nil ? 64 * 1024 : settings.maxPictureBytes + 64 * 1024
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw WebError(status: .contentTooLarge, message: "表單內容 {length} 位元組，上限是 {limit}（tipline.max_picture_bytes + 64 KiB）", args: ["length": "\(length)", "limit": "\(limit)"])
        }
        let form: FormData
        var picture: Data?
        if let boundary {
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: limit) } catch {
                throw WebError(status: .contentTooLarge, message: "表單內容超過 {limit} 位元組（tipline.max_picture_bytes + 64 KiB）", args: ["limit": "\(limit)"])
            }
            guard let multipart = MultipartForm(Data(buffer: body), boundary: boundary) else {
                throw WebError(status: .badRequest, message: "不是以 {boundary} 分隔的 multipart/form-data 內容", args: ["boundary": boundary])
            }
            form = FormData(pairs: multipart.fields)
            picture = multipart.files["picture"].flatMap { $0.data.isEmpty ? nil : $0.data }
        } else {
            form = try await readForm(request, context)
        }
        let language = Language(rawValue: form["lang"] ?? "") ?? settings.language
        // The cookie is the browser's id and the form carries it back (double submit): a page of another site can
        // send the form but cannot read the cookie to put it in.
        guard let id = request.cookies[Self.tipCookie]?.value, id.count >= 16, form["_csrf"] == id else {
            return tipFormPage(
                language: language, browserID: Secrets.token(), text: form["text"] ?? "", answer: nil,
                message: Messages.text("tip.form.expired", language), status: .forbidden, settings: settings)
        }
        let text = (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty || picture != nil else {
            return tipFormPage(
                language: language, browserID: id, text: "", answer: nil, message: Messages.text("tip.form.empty", language), status: .badRequest,
                settings: settings)
        }
        guard text.count <= Self.tipFormMaxCharacters else {
            return tipFormPage(
                language: language, browserID: id, text: String(text.prefix(Self.tipFormMaxCharacters)), answer: nil,
                message: Messages.text("tip.form.tooLong", language, ["limit": "\(Self.tipFormMaxCharacters)"]), status: .contentTooLarge,
                settings: settings)
        }
        if let wait = await tipFormLimiter.admit(context.remoteIP, perMinute: settings.webFormPerMinute, now: Date()) {
            var r = tipFormPage(
                language: language, browserID: id, text: text, answer: nil,
                message: Messages.text("tip.form.limit", language, ["seconds": "\(Int(wait.rounded(.up)))"]), status: .tooManyRequests,
                settings: settings)
            r.headers[.retryAfter] = "\(Int(wait.rounded(.up)))"
            return r
        }
        let salt: String
        do { salt = try settings.salt() } catch {
            context.logger.error("tipline: \(error)")
            throw WebError(status: .serviceUnavailable, message: "無法讀取查證專線的鹽值；請看伺服器紀錄")
        }
        let sender = TiplineMessage.senderHash(id, salt: salt, channel: "web")
        var lines: [String]
        if picture == nil, TiplineMessage.isDeletionRequest(text) {
            let deleted = try await database.deleteTips(senderHash: sender)
            lines = [Messages.text("tip.deleted", language, ["count": "\(deleted)"])]
        } else {
            let now = Date()
            let answer = try await answering(TipMessage(text: text.isEmpty ? nil : text, picture: picture), language, now)
            lines = answer.lines
            if answer.verdict != TiplineAnswer.unreadable {
                let nonce = (form["nonce"] ?? "").prefix(64)
                let askedBy = try await recordAnswered(
                    answer, words: text.isEmpty ? nil : text, channel: "web", eventID: nonce.isEmpty ? Secrets.token() : String(nonce), sender: sender,
                    now: now)
                if let askedBy, askedBy > 1 { lines.append(Messages.text("tip.demand", language, ["count": "\(askedBy)"])) }
            }
        }
        return tipFormPage(language: language, browserID: id, text: "", answer: lines, message: nil, status: .ok, settings: settings)
    }

    func tipFormSettings() throws -> TiplineSettings {
        guard let settings = live.current.tipline, settings.webForm, tiplineAnswering != nil else {
            throw WebError(status: .notFound, message: "沒有設定查證專線網頁表單（設定檔 [tipline] web_form = true）")
        }
        return settings
    }

    func tipFormPage(
        language: Language, browserID: String, text: String, answer: [String]?, message: String?, status: HTTPResponse.Status,
        settings: TiplineSettings
    ) -> Response {
        let h = Markup.html
        func t(_ key: String) -> String { h(Messages.text(key, language)) }
        let languages = Language.allCases.map { l in
            "<li><a href=\"/tip?lang=\(l.rawValue)\" lang=\"\(l.htmlLang)\" hreflang=\"\(l.htmlLang)\"\(l == language ? " aria-current=\"true\"" : "")>\(h(l.nativeName))</a></li>"
        }.joined()
        var body = """
            <!doctype html>
            <html lang="\(language.htmlLang)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(t("tip.form.title")) · Sieve</title>
            <link rel="stylesheet" href="/static/public.css">
            </head>
            <body>
            <header>
            <h1>\(t("tip.form.title"))</h1>
            <p>\(t("tip.form.intro"))</p>
            <nav aria-label="\(t("public.language"))"><ul class="langs">\(languages)</ul></nav>
            </header>
            <main id="items">

            """
        if let message { body += "<p class=\"notice\" role=\"alert\">\(h(message))</p>\n" }
        if let answer {
            body += "<section aria-labelledby=\"answer\"><h2 id=\"answer\">\(t("tip.form.answer"))</h2>\n"
            body += answer.map { "<p>\(h($0))</p>" }.joined(separator: "\n")
            body += "\n<p><a href=\"/tip?lang=\(language.rawValue)\">\(t("tip.form.again"))</a></p></section>\n"
        } else {
            body += """
                <form method="post" action="/tip" enctype="multipart/form-data">
                <input type="hidden" name="_csrf" value="\(h(browserID))">
                <input type="hidden" name="nonce" value="\(Secrets.token())">
                <input type="hidden" name="lang" value="\(language.rawValue)">
                <p><label for="text">\(t("tip.form.label"))</label><br>
                <textarea id="text" name="text" rows="8" cols="40" maxlength="\(Self.tipFormMaxCharacters)">\(h(text))</textarea></p>
                <p><label for="picture">\(t("tip.form.picture"))</label><br>
                <input type="file" id="picture" name="picture" accept="image/*"></p>
                <p><button type="submit">\(t("tip.form.submit"))</button></p>
                </form>

                """
        }
        body += "</main>\n</body>\n</html>\n"
        var response = Reply.html(body, status: status)
        response.headers[.cacheControl] = "no-store"
        response.setCookie(cookie(Self.tipCookie, browserID, maxAge: 365 * 86_400, path: "/tip"))
        return response
    }
}

/// Questions per address in a sliding minute (the web form's limit); at most 10,000 addresses are remembered (the
/// quietest are forgotten first).
actor RateWindow {
    private var times: [String: [Date]] = [:]

    /// nil when `key` may go on now (and counts it); else the seconds until it may.
    func admit(_ key: String, perMinute: Int, now: Date) -> TimeInterval? {
        var recent = (times[key] ?? []).filter { now.timeIntervalSince($0) < 60 }
        if recent.count >= perMinute {
            times[key] = recent
            return max(1, 60 - now.timeIntervalSince(recent[0]))
        }
        recent.append(now)
        times[key] = recent
        if times.count > 10_000 {
            let cutoff = now.addingTimeInterval(-60)
            times = times.filter { $0.value.last.map { $0 > cutoff } ?? false }
            if times.count > 10_000 { times.removeAll() }
        }
        return nil
    }
}
