import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Logging
import Net
import Observability
import Publisher
import SieveCore
import Store

/// One route as registered, in OpenAPI path syntax ("/api/v1/items/{id}").
public struct RouteInfo: Sendable, Hashable {
    public var method: String
    public var path: String
}

/// The moderation web app: server-rendered pages for community managers, a JSON API for the EOC and
/// integrations, and the community feeds. Built on one `AppDatabase`.
public struct ModerationApp: Sendable {
    public let database: any WebRepository
    /// The configuration in force (replaced on SIGHUP by `ConfigReloader`); read per request.
    public let live: LiveConfig
    public var settings: ServerSettings { live.current.server }
    /// The channels approvals go to (the default community feed when the config names none).
    public var channels: [ChannelConfig] {
        let configured = live.current.channels
        return configured.isEmpty ? [OutboxPublisher.defaultChannel] : configured
    }
    public let search: SearchIndex
    public let logger: Logger
    /// One notice-level line per request (method, path, status, milliseconds, request id, client, user).
    public let accessLog: Bool
    let summaryCache = SummaryCache()
    let queueCache = QueueCache()
    let sessionCache = SessionCache()
    let matchCache = MatchCache()
    let bcryptGate: BcryptGate
    let oidcClient = OIDCClient()
    let publicCache = TimedValue<PublicData>(ttl: 15)
    let mapBases = MapBaseCache()
    /// Tipline answers being worked on after their webhook was acknowledged.
    let tiplineWork = TiplineWork()
    let mapCache = MapPageCache(ttl: 15, capacity: 500, serveStale: true)
    /// Whether the store is an exercise store (read at most every 5 s).
    let exerciseCache = TimedValue<ExerciseInfo?>(ttl: 5)
    /// The tipline web form's questions per address and minute.
    let tipFormLimiter = RateWindow()
    let probes = Probes()
    /// The tipline's answers (nil: `/tipline/line` answers 404); `sieve serve` builds it from the tipline checker.
    public let tiplineAnswering: TiplineAnswering?
    /// Calls the LINE reply API (libcurl; the SSRF guard applies unless `tipline.allow_private`).
    let tiplineClient = Net.HTTPClient()

    /// "https://tile.example.org:8443" of a tile URL template.
    static func origin(_ template: String) -> String? {
        guard let url = URL(string: template.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
            let scheme = url.scheme, let host = url.host
        else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    static let sessionCookie = "sieve_session"
    static let languageCookie = "sieve_lang"
    static let loginCookie = "sieve_login"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    public init(
        database: any WebRepository, config: SieveConfig, search: SearchIndex, logger: Logger = Logger(label: "sieve.web"),
        tipline: TiplineAnswering? = nil
    ) {
        self.init(database: database, live: LiveConfig(config), search: search, logger: logger, tipline: tipline)
    }

    /// An app whose configuration can be replaced while it serves (`sieve serve` and SIGHUP).
    public init(
        database: any WebRepository, live: LiveConfig, search: SearchIndex, logger: Logger = Logger(label: "sieve.web"),
        accessLog: Bool = false, tipline: TiplineAnswering? = nil
    ) {
        self.database = database
        self.tiplineAnswering = tipline
        self.live = live
        self.accessLog = accessLog
        self.search = search
        self.logger = logger
        self.bcryptGate = BcryptGate(concurrency: live.current.server.loginConcurrency)
    }

    /// The router and the list of routes it serves (the OpenAPI test checks the document against that list).
    public func buildRouter() -> (router: Router<WebContext>, routes: [RouteInfo]) {
        let router = Router(context: WebContext.self)
        router.add(middleware: ExerciseMiddleware(app: self))
        router.add(middleware: AuthMiddleware(app: self))
        let r = RouteRecorder(router: router)

        r.get("/login", login)
        r.post("/login", loginSubmit)
        r.post("/logout", logout)
        r.get("/auth/oidc/start", oidcStart)
        r.get("/auth/oidc/callback", oidcCallback)
        r.get("/", queuePage)
        r.post("/bulk", bulk)
        r.get("/items/{id}", itemPage)
        r.post("/items/{id}/decision", decideForm)
        r.post("/items/{id}/merge", mergeForm)
        r.post("/items/{id}/retract", retractForm)
        r.post("/items/{id}/edit", editForm)
        r.get("/dashboard", dashboard)
        r.get("/map", mapPage)
        r.get("/admin/audit", auditPage)
        r.get("/admin/audit.csv", auditCSV)
        r.get("/admin/users", usersPage)
        r.get("/outbox", outboxPage)
        r.post("/outbox/{id}/{action}", outboxAction)
        r.get("/feeds/{file}", feed)
        r.get("/eoc/cap/{file}", capFeed)
        r.get("/static/app.css") { _, _ in Self.asset(Assets.css, "text/css; charset=utf-8") }
        r.get("/public", publicPage)
        r.get("/drill", drillPage)
        r.get("/tip", tipForm)
        r.post("/tip", tipFormSubmit)
        r.post("/drill/control", drillControl)
        r.post("/tipline/line", lineWebhook)
        r.post("/tipline/telegram", telegramWebhook)
        r.get("/static/public.css") { _, _ in Self.asset(Assets.publicCSS, "text/css; charset=utf-8") }
        r.get("/static/public.js") { _, _ in Self.asset(Assets.publicJS, "text/javascript; charset=utf-8") }
        r.get("/static/app.js") { _, _ in Self.asset(Assets.js, "text/javascript; charset=utf-8") }
        r.get("/healthz") { _, _ in Reply.bytes("ok\n", contentType: "text/plain") }
        // For a load balancer and Prometheus (no secrets in either; bind the server to an internal address).
        // Both are unauthenticated: their database reads are shared by every hit within a second or two, so a flood
        // of probes costs the database nothing more.
        r.get("/readyz") { [database, probes] _, _ in
            let check = await probes.readiness.get { await Health.readiness(database: database) }
            return Reply.bytes(check.body, contentType: "application/json", status: HTTPResponse.Status(code: check.status))
        }
        r.get("/metrics") { [database, probes] _, _ in
            Reply.bytes(await probes.metrics.get { await SieveMetrics.render(database: database) }, contentType: SieveMetrics.contentType)
        }

        r.get("/api/openapi.json") { _, _ in Reply.bytes(OpenAPIDocument.json, contentType: "application/json") }
        r.get("/api/v1/queue", apiQueue)
        r.get("/api/v1/queue/summary", apiSummary)
        r.get("/api/v1/items/{id}", apiItem)
        r.post("/api/v1/items/{id}/decision", apiDecide)
        return (router, r.routes)
    }

    /// The HTTP server with the search indexer beside it; `host`/`port` override the config.
    /// The server with its background services (the search indexer, plus `services` — the publisher, the
    /// scheduler — run in the same service group and shut down gracefully with it). `storeConnections`: the
    /// store's PostgreSQL pools (`AppDatabase.connections`) when it was opened with `pools: .serviceGroup`.
    /// The app as a Hummingbird application; `onServerRunning` is called once the socket is bound (with the
    /// address it is listening on), so nothing claims to be serving before it is.
    public func buildApplication(
        host: String? = nil, port: Int? = nil, services: [any Service] = [], storeConnections: (any Service)? = nil,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter().router
        // The map's shapes are read now, off the request path (a village file can take seconds).
        Task.detached(priority: .utility) { [settings, mapBases] in
            _ = mapBases.base(path: settings.mapBoundaries, insets: settings.mapTiles == nil)
            _ = mapBases.villages(path: settings.mapVillages)
        }
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(host ?? settings.host, port: port ?? settings.port), serverName: "Sieve"),
            // The store's PostgreSQL pools (when the caller left them to the group) first: Hummingbird stops the
            // server, then the services in reverse order, so the pools close after everything that uses them.
            services: (storeConnections.map { [$0] } ?? [])
                + [tiplineWork, SearchIndexer(index: search, database: database, logger: logger)] + services,
            onServerRunning: { channel in
                let address = channel.localAddress
                let shown = address.map { a in
                    let ip = a.ipAddress ?? "?"
                    return (ip.contains(":") ? "[\(ip)]" : ip) + ":\(a.port ?? 0)"
                } ?? "?"
                await onServerRunning(shown)
            },
            logger: logger)
    }

    static func asset(_ body: String, _ type: String) -> Response {
        var r = Reply.bytes(body, contentType: type)
        r.headers[.cacheControl] = "public, max-age=3600"
        return r
    }

    // MARK: - Shared helpers

    func requireUser(_ request: Request, _ context: WebContext) throws -> AuthState {
        guard let auth = context.auth else {
            let next = request.uri.query.map { request.uri.path + "?" + $0 } ?? request.uri.path
            throw WebError.loginRequired(next: next)
        }
        return auth
    }

    func requireDecider(_ request: Request, _ context: WebContext) throws -> AuthState {
        let auth = try requireUser(request, context)
        guard auth.role.canDecide else {
            throw WebError(status: .forbidden, message: "EOC 檢視帳號只能檢視，不能做決定（需要審核員或管理員帳號）。")
        }
        return auth
    }

    func requireAdmin(_ request: Request, _ context: WebContext) throws -> AuthState {
        let auth = try requireUser(request, context)
        guard auth.role.isAdmin else { throw WebError(status: .forbidden, message: "此頁面僅限管理員。") }
        return auth
    }

    /// Session-authenticated state changes must carry the session's CSRF token, in the form (`_csrf`) or the
    /// X-CSRF-Token header. API-token requests carry no ambient credential and need none.
    func checkCSRF(_ auth: AuthState, _ request: Request, form: FormData?) throws {
        guard !auth.viaToken else { return }
        let sent = request.headers[Self.csrfHeader] ?? form?["_csrf"]
        guard let sent, let expected = auth.csrfToken, Secrets.constantTimeEquals(sent, expected) else {
            throw WebError(status: .forbidden, message: "CSRF 驗證失敗（表單已過期或來源不明）。請重新整理頁面再試一次。")
        }
    }

    func readForm(_ request: Request, _ context: WebContext) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return FormData(String(buffer: buffer))
    }

    func postID(_ context: WebContext) throws -> Int64 {
        guard let raw = context.parameters.get("id"), let id = Int64(raw), id > 0 else {
            throw WebError(status: .badRequest, message: "項目編號須是正整數，收到「{got}」", args: ["got": context.parameters.get("id") ?? ""])
        }
        return id
    }

    /// A local path to go back to (never another site: no scheme, no "//", no backslash).
    /// `path` when it is a path on this site, else `fallback`: it must start with one "/", parse as a URL with no
    /// scheme and no host, and hold no control character, space or backslash (browsers drop tabs and newlines and
    /// read "\\" as "/", so "/\t/evil.example" would become "//evil.example", another site).
    package static func safeLocalPath(_ path: String?, fallback: String = "/") -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"),
            !path.unicodeScalars.contains(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\\" }),
            let parsed = URLComponents(string: path), parsed.scheme == nil, parsed.host == nil,
            parsed.percentEncodedPath.hasPrefix("/"), !parsed.percentEncodedPath.hasPrefix("//")
        else { return fallback }
        return path
    }

    func cookie(_ name: String, _ value: String, maxAge: Int, path: String = "/") -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: path, secure: settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    /// Something changed the queue: drop the cached pages and counts.
    func queueChanged() {
        summaryCache.invalidate()
        queueCache.invalidate()
    }

    func cachedSourceNames() async throws -> [String] {
        try await summaryCache.sources.value(for: 0) { [database] in try await database.sourceNames() }
    }

    func cachedSummary() async throws -> SummaryView {
        try await summaryCache.counts.value(for: 0) { [database] in
            let s = try await database.queueSummary()
            var view = SummaryView(open: s.open, queued: s.queued, escalated: s.escalated, latestID: s.latestID)
            let problems = try await database.outbox(statuses: [.dead, .failed], limit: 1000).count
            view.outboxProblems = problems
            view.hasOutboxProblems = problems > 0
            return view
        }
    }
}

/// Collects routes while registering them (OpenAPI `{id}` becomes Hummingbird's `:id`).
final class RouteRecorder: @unchecked Sendable {  // used by one task while the router is built, before serving
    let router: Router<WebContext>
    private(set) var routes: [RouteInfo] = []

    init(router: Router<WebContext>) { self.router = router }

    typealias Handler = @Sendable (Request, WebContext) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        routes.append(RouteInfo(method: method.rawValue, path: path))
        let hbPath = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
        router.on(RouterPath(hbPath), method: method, use: handler)
    }
}

/// The queue counts (two seconds: counting tens of thousands of open items on every page view would cost more than
/// the page) and the source names (ten: they change only with the config), each read by one task however many
/// pages want them.
final class SummaryCache: Sendable {
    let counts = FlightCache<Int, SummaryView>(ttl: 2, capacity: 1)
    let sources = FlightCache<Int, [String]>(ttl: 10, capacity: 1)

    func invalidate() { counts.invalidate() }
}

/// Resolves the session cookie or API token into `context.auth`, turns errors into pages or JSON, and adds the
/// security headers to every response.
struct AuthMiddleware: RouterMiddleware {
    let app: ModerationApp

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        var context = context
        context.remoteIP = WebContext.clientIP(
            peer: context.peerIP, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            trusted: app.settings.trustedProxies)
        context.requestID = WebContext.requestID(from: request.headers[Self.requestIDHeader])
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let app2 = [Language.zhHant, .en]
        if let asked = request.uri.queryParameters.get("lang").flatMap(Language.match) {
            context.language = Pages.appLanguage(asked)
            context.languageChosen = true
        } else if let saved = request.cookies[ModerationApp.languageCookie]?.value, let l = Language.match(saved), app2.contains(l) {
            context.language = l
        } else {
            context.language = Language.negotiate(query: nil, acceptLanguage: request.headers[.acceptLanguage], among: app2)
        }
        var response: Response
        do {
            try await authenticate(request, &context)
            response = try await next(request, context)
        } catch {
            response = try errorResponse(error, request, context)
        }
        let h = response.headers
        var headers = h
        // The map's tile server, when one is configured, is the only other origin a page may load from (images only).
        let tiles = app.settings.mapTiles.flatMap(ModerationApp.origin).map { " " + $0 } ?? ""
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:\(tiles); style-src 'self'; script-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[Self.requestIDHeader] = context.requestID
        if context.languageChosen, request.uri.path != "/public", request.uri.path != "/tip" {
            headers.append(HTTPField(name: .setCookie, value: "\(ModerationApp.languageCookie)=\(context.language.rawValue); Path=/; Max-Age=31536000; SameSite=Lax"))
        }
        response.headers = headers
        if app.accessLog {
            let elapsed = started.duration(to: .now)
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.notice(
                "request",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                    "ms": "\(String(format: "%.1f", ms))", "client": "\(context.remoteIP)", "user": "\(context.auth?.user ?? "-")",
                ])
        }
        return response
    }

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    func authenticate(_ request: Request, _ context: inout WebContext) async throws {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw WebError(status: .unauthorized, message: "Authorization 須是 \"Bearer <token>\"（以 `sieve user token NAME` 建立）")
            }
            let tokenHash = APITokens.hash(parts[1].trimmingCharacters(in: .whitespaces))
            var found = app.sessionCache.account(tokenHash: tokenHash)
            if found == nil, let account = try await app.database.account(tokenHash: tokenHash, now: Date()) {
                app.sessionCache.set(account, tokenHash: tokenHash)
                found = account
            }
            guard let account = found else {
                throw WebError(status: .unauthorized, message: "API 權杖不存在或已撤銷")
            }
            context.auth = AuthState(user: account.name, role: account.role, csrfToken: nil, sessionHash: nil, signIn: "token")
        } else if let sid = request.cookies[ModerationApp.sessionCookie]?.value, !sid.isEmpty {
            let hash = Secrets.sha256(sid)
            var found = app.sessionCache.get(hash)
            if found == nil, let s = try await app.database.session(idHash: hash, now: Date()) {
                app.sessionCache.set(s)
                found = s
            }
            if let s = found {
                context.auth = AuthState(
                    user: s.account, role: s.role, csrfToken: s.csrfToken, sessionHash: s.idHash, signIn: s.method)
            }
        }
    }

    func errorResponse(_ error: any Error, _ request: Request, _ context: WebContext) throws -> Response {
        let web: WebError
        switch error {
        case let e as WebError: web = e
        case let e as StoreError:
            let status = Self.status(for: e)
            if status == .internalServerError {
                // The database's own message (SQL, file paths) is for the server log, not for every visitor.
                context.logger.error("\(request.method) \(request.uri.path): \(e)")
                web = WebError(status: status, message: "內部錯誤；請看伺服器紀錄")
            } else {
                web = Self.webError(e, status: status)
            }
        case let e as any HTTPResponseError:
            return try e.response(from: request, context: context)
        default:
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            web = WebError(status: .internalServerError, message: "內部錯誤；請看伺服器紀錄")
        }
        return try web.response(from: request, context: context)
    }

    /// A store refusal in the catalogue's words (the CLI prints `description`, with its command hints).
    static func webError(_ error: StoreError, status: HTTPResponse.Status) -> WebError {
        func e(_ key: String, _ args: [String: String] = [:]) -> WebError { WebError(status: status, message: key, args: args) }
        switch error {
        case .noSuchPost(let id): return e("沒有編號 {id} 的項目", ["id": "\(id)"])
        case .invalidTransition(let post, let from, let decision):
            let args = ["post": "\(post)", "state": from, "decision": decision]
            switch decision {
            case "retract": return e("項目 {post} 的狀態是 {state}；只有已核准或已轉 EOC 的項目可以撤回", args)
            case "edit": return e("項目 {post} 的狀態是 {state}；只有已核准的項目可以修改公開文字", args)
            default: return e("項目 {post} 的狀態是 {state}；只有待審或已轉 EOC 的項目可以做「{decision}」決定", args)
            }
        case .unknownChannel(let name, let known):
            return e("沒有「{name}」這個頻道（已設定：{known}）", ["name": name, "known": known.isEmpty ? "—" : known.joined(separator: ", ")])
        case .noSuchDelivery(let id): return e("發布匣沒有編號 {id} 的項目", ["id": "\(id)"])
        case .deliveryState(let id, let status, let wanted):
            return e("發布匣項目 {id} 的狀態是 {status}，不能 {action}", ["id": "\(id)", "status": status, "action": wanted])
        case .accountExists(let name): return e("已經有名為「{name}」的帳號", ["name": name])
        case .noSuchAccount(let name): return e("沒有名為「{name}」的帳號", ["name": name])
        case .claimedByOther(let post, let user, let until):
            return e("項目 {post} 正由 {user} 處理，到 {until} 為止", ["post": "\(post)", "user": user, "until": TaipeiTime.rfc3339(until)])
        case .invalidMerge(let post, let into):
            return post == into
                ? e("項目不能合併到自己") : e("無法合併：項目 {into} 已經是 {post} 的重複", ["post": "\(post)", "into": "\(into)"])
        case .retracted(let post, let delivery):
            return e("項目 {post} 已撤回，發送 {delivery} 永遠不會再送出（撤回會取消所有尚未送出的發送）", ["post": "\(post)", "delivery": "\(delivery)"])
        case .open, .database: return e("內部錯誤；請看伺服器紀錄")
        }
    }

    static func status(for error: StoreError) -> HTTPResponse.Status {
        switch error {
        case .noSuchPost, .noSuchAccount, .noSuchDelivery: return .notFound
        case .invalidTransition, .claimedByOther, .accountExists, .deliveryState, .retracted: return .conflict
        case .unknownChannel, .invalidMerge: return .badRequest
        case .open, .database: return .internalServerError
        }
    }
}
