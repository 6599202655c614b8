import Foundation
import Hummingbird
import SieveCore
import HTTPTypes

/// Response helpers: HTML pages, JSON bodies, redirects.
enum Reply {
    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(body, contentType: "text/html; charset=utf-8", status: status)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? APIJSON.encoder.encode(value)) ?? Data("{}".utf8)
        return bytes(String(decoding: data, as: UTF8.self), contentType: "application/json; charset=utf-8", status: status)
    }

    static func bytes(_ body: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        let buffer = ByteBuffer(string: body)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(buffer.readableBytes)
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// 303 See Other: after a POST, the browser GETs `location`.
    static func seeOther(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.contentLength] = "0"
        return Response(status: .seeOther, headers: headers)
    }
}

/// JSON coding shared by the API.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()
}

struct APIErrorBody: Encodable {
    var error: String
}

/// An error the app shows to people (an HTML page) or to programs (JSON `{"error": …}`), depending on the path
/// and Accept header, or a redirect to the login page.
struct WebError: HTTPResponseError {
    var status: HTTPResponse.Status
    /// Written in Traditional Chinese (the catalogue's key) or, for API-style messages, English; `{name}` parts are
    /// filled from `args` after translating.
    var message: String
    /// When set, the response is a redirect here instead of an error page.
    var location: String? = nil
    var args: [String: String] = [:]

    init(status: HTTPResponse.Status, message: String, location: String? = nil, args: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.location = location
        self.args = args
    }

    /// The message in `lang` (messages written in English stay English).
    func text(_ lang: Language) -> String {
        Messages.hasChinese(message) ? Messages.app(message, lang, args) : Messages.app(message, .zhHant, args)
    }

    static func loginRequired(next: String) -> WebError {
        WebError(status: .seeOther, message: "需要登入", location: "/login?next=\(queryEscape(next))")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        if let location, !wantsJSON(request) { return Reply.seeOther(location) }
        let status = location != nil ? HTTPResponse.Status.unauthorized : self.status
        let lang = (context as? WebContext)?.language ?? .zhHant
        if wantsJSON(request) {
            var r = Reply.json(APIErrorBody(error: text(lang)), status: status)
            if status == .unauthorized { r.headers[.wwwAuthenticate] = "Bearer realm=\"sieve\"" }
            return r
        }
        return Reply.html(Pages.errorPage(status: status, message: text(lang), chrome: Chrome(lang: lang)), status: status)
    }
}

/// API paths, and browsers' background requests that ask for JSON, get JSON errors.
func wantsJSON(_ request: Request) -> Bool {
    request.uri.path.hasPrefix("/api/") || (request.headers[.accept]?.contains("application/json") ?? false)
}
