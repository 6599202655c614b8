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
        let drill = await app.exerciseCache.get(ttl: 5) { (try? await database.exercise()) ?? nil }
        guard let drill else { return try await next(request, context) }
        if request.uri.path == "/public" || request.uri.path.hasPrefix("/public/") {
            var r = Reply.html(Self.publicNotice(drill))
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
        return String(html[..<bodyStart.lowerBound]) + tag + banner(drill) + String(html[html.index(after: close)...])
    }

    static func banner(_ drill: ExerciseInfo) -> String {
        let state = ["running": "進行中", "paused": "暫停", "finished": "已結束"][drill.state.rawValue] ?? drill.state.rawValue
        return """
            <div class="exercise-banner" role="note" style="background:#6a1b9a;color:#fff;padding:.45rem 1rem;font-weight:700;\
            border-bottom:4px solid #f5c400">【演習】\(Markup.html(drill.title))（\(Markup.html(drill.scenario))，\(state)）\
            — 這是演習資料庫：所有內容皆為演習，只發布到演習頻道。</div>
            <style>body.exercise header.top{background:#4a148c}</style>
            """
    }

    static func publicNotice(_ drill: ExerciseInfo) -> String {
        """
        <!doctype html>
        <html lang="zh-Hant-TW"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>演習中 · Sieve</title></head>
        <body class="exercise">\(banner(drill))
        <main style="padding:1rem;font-size:1.2rem"><h1>公開頁面不顯示演習內容</h1>
        <p>這個伺服器連接的是演習資料庫（\(Markup.html(drill.scenario))）。演習中的貼文與通報不是真實災情，不會出現在公開頁面。</p></main>
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
