import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
import Store
import TestSupport

/// The tokenizer is loaded once per test process (the segmentation dictionary takes a moment).
let sharedSearch = SearchIndex.standard()

/// Which store a web-app test runs on: a SQLite file, or a fresh database on the test PostgreSQL server
/// (`scripts/with-postgres.sh`; skipped, with the reason printed, without one).
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }

    /// The backends there is a server for: PostgreSQL's cases exist only when it runs, rather than passing empty.
    static var available: [Backend] { TestPostgres.isAvailable ? allCases : [.sqlite] }
}

/// A real database (a SQLite file, or PostgreSQL) with sources, assessed posts and four accounts, and the app built
/// on it.
struct WebFixture: Sendable {
    let dir = TempDir()
    let database: AppDatabase
    let app: ModerationApp
    let config: SieveConfig
    /// externalID → post id.
    let ids: [String: Int64]

    static let password = "correct horse battery"
    static let base = Date(timeIntervalSince1970: 1_789_394_400)  // 2026-09-14T22:00:00+08:00

    struct Seed: Sendable {
        var externalID: String
        var source = "township-news"
        var title: String? = nil
        var author: String? = nil
        var url: String? = nil
        var text: String
        var minutes: Int = 0
        var disaster = 0.8
        var rumour = 0.1
        var priority = 1.0
        var types: [String] = ["flood"]
        var places: [PlaceMention] = []
    }

    static let defaultSeeds: [Seed] = [
        Seed(
            externalID: "landslide", title: "台21線坍方", text: "高雄市那瑪夏區台21線發生土石流，道路中斷，請用路人改道。",
            minutes: 10, disaster: 0.95, rumour: 0.05, priority: 1.5, types: ["landslide", "road_blocked"],
            places: [PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市")]),
        Seed(
            externalID: "flood", source: "community-voices", author: "汐止小陳", url: "https://community.example/p/3",
            text: "汐止康寧街淹水到腰，有人受困二樓，請求救援！", minutes: 20, disaster: 0.9, rumour: 0.1, priority: 1.2,
            types: ["flood", "trapped"],
            places: [PlaceMention(surface: "汐止區", name: "汐止區", level: "township", county: "新北市")]),
        Seed(
            externalID: "rumour", source: "community-voices", text: "網傳明天全台停班停課，請大家轉傳！", minutes: 30,
            disaster: 0.3, rumour: 0.9, priority: 0.9, types: ["typhoon"], places: []),
        Seed(
            externalID: "power", source: "village-board", text: "花蓮縣吉安鄉停電，台電搶修中。", minutes: 40, disaster: 0.7,
            rumour: 0.05, priority: 0.8, types: ["power_outage"],
            places: [PlaceMention(surface: "花蓮縣", name: "花蓮縣", level: "county")]),
        Seed(
            externalID: "chatter", source: "village-board", text: "颱風天在家煮泡麵配追劇。", minutes: 50, disaster: 0.05,
            rumour: 0.05, priority: 0.1, types: [], places: []),
    ]

    /// A fixture on `backend`; nil (the reason printed) when there is no PostgreSQL to test with.
    static func on(
        _ backend: Backend, _ test: String = #function, seeds: [Seed] = WebFixture.defaultSeeds, secureCookies: Bool = true,
        configure: @escaping @Sendable (inout SieveConfig) -> Void = { _ in }
    ) async throws -> WebFixture? {
        switch backend {
        case .sqlite: return try await WebFixture(seeds: seeds, secureCookies: secureCookies, configure: configure)
        case .postgres:
            guard let url = try await TestPostgres.freshDatabase(test) else { return nil }
            return try await WebFixture(database: url, seeds: seeds, secureCookies: secureCookies, configure: configure)
        }
    }

    /// `database`: a `postgres://` URL; nil for a SQLite file in the fixture's folder.
    init(
        database location: String? = nil, seeds: [Seed] = WebFixture.defaultSeeds, secureCookies: Bool = true,
        configure: (inout SieveConfig) -> Void = { _ in }
    ) async throws {
        let location = location ?? dir.path("web.sqlite")
        database = try await AppDatabase(path: location)
        var config = SieveConfig(
            database: location,
            channels: [
                ChannelConfig(name: "community-feed", kind: .atom, path: dir.path("public/community.atom"), title: "已查證災情"),
                ChannelConfig(name: "eoc-feed", kind: .atom, path: dir.path("public/eoc.atom"), title: "EOC"),
            ])
        config.server.secureCookies = secureCookies
        config.server.bcryptCost = 4
        configure(&config)
        self.config = config
        var ids: [String: Int64] = [:]
        let sourceIDs = try await database.syncSources(
            Set(seeds.map(\.source)).sorted().map { SourceConfig(name: $0, kind: .rss, url: "https://\($0).example/") })
        for seed in seeds {
            try await database.recordFetch(
                DocumentRecord(sourceId: sourceIDs[seed.source]!, url: "https://\(seed.source).example/"),
                posts: [
                    ExtractedPost(
                        externalID: seed.externalID, url: seed.url, title: seed.title, author: seed.author,
                        published: Self.base.addingTimeInterval(Double(seed.minutes * 60)), text: seed.text)
                ])
        }
        let toAssess = try await database.postsToAssess()
        let bySeedText = Dictionary(uniqueKeysWithValues: seeds.map { ($0.text, $0) })
        try await database.saveAssessments(
            toAssess.map { p in
                let s = bySeedText[p.text]!
                return (
                    p.id,
                    Assessment(
                        disaster: s.disaster, rumour: s.rumour, types: s.types, places: s.places,
                        reasons: ["提到：\(s.types.first ?? "無")"], model: "test"),
                    s.priority
                )
            })
        for p in toAssess { ids[bySeedText[p.text]!.externalID] = p.id }
        self.ids = ids
        for (name, role) in [("admin", AccountRole.admin), ("mod", .moderator), ("mod2", .moderator), ("eoc", .eoc)] {
            try await database.createAccount(name: name, role: role, passwordHash: ModerationApp.hashPassword(Self.password, cost: 4))
        }
        app = ModerationApp(database: database, config: config, search: sharedSearch)
    }

    func id(_ externalID: String) -> Int64 { ids[externalID]! }

    func application() -> some ApplicationProtocol {
        Application(router: app.buildRouter().router)
    }
}

/// A browser's view of one response.
struct Page {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String

    var location: String? { headers[.location] }
    var setCookies: [String] { headers[values: .setCookie] }

    /// The value a Set-Cookie header gives `name`.
    func cookie(_ name: String) -> String? {
        for c in setCookies {
            let first = c.split(separator: ";", maxSplits: 1)[0]
            let kv = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.count == 2, kv[0] == name { return String(kv[1]) }
        }
        return nil
    }

    /// The first `<meta name="csrf-token">` or hidden `_csrf` value on the page.
    var csrf: String? {
        for marker in ["name=\"csrf-token\" content=\"", "name=\"_csrf\" value=\""] {
            if let r = body.range(of: marker) {
                return String(body[r.upperBound...].prefix { $0 != "\"" })
            }
        }
        return nil
    }
}

/// A tiny browser over a test client: keeps cookies, sends forms.
final class Browser: Sendable {
    let client: any TestClientProtocol
    private let jar = Locked([String: String]())
    /// The cookies kept (each read and change under the jar's lock).
    var cookies: [String: String] {
        get { jar.withLock { $0 } }
        set { jar.withLock { $0 = newValue } }
    }

    init(_ client: any TestClientProtocol) { self.client = client }

    var cookieHeader: String { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    @discardableResult
    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> Page {
        try await send(uri, method: .get, headers: extra, body: nil)
    }

    @discardableResult
    func post(_ uri: String, form: [(String, String)], headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = form.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        return try await send(uri, method: .post, headers: headers, body: body)
    }

    @discardableResult
    func postJSON(_ uri: String, json: String, headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.contentType] = "application/json"
        return try await send(uri, method: .post, headers: headers, body: json)
    }

    /// A `multipart/form-data` POST, as a browser sends a form with a file: `files` are (field, filename, type, bytes).
    @discardableResult
    func postMultipart(_ uri: String, fields: [(String, String)], files: [(String, String, String, Data)], headers extra: HTTPFields = [:])
        async throws -> Page
    {
        let boundary = "----SieveTestBoundary7MA4YWxkTrZu0gW"
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, filename, type, data) in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var headers = extra
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await send(uri, method: .post, headers: headers, bytes: ByteBuffer(bytes: body))
    }

    func send(_ uri: String, method: HTTPRequest.Method, headers extra: HTTPFields, body: String?) async throws -> Page {
        try await send(uri, method: method, headers: extra, bytes: body.map { ByteBuffer(string: $0) })
    }

    func send(_ uri: String, method: HTTPRequest.Method, headers extra: HTTPFields, bytes: ByteBuffer?) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty, headers[.cookie] == nil { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: bytes)
        let page = Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        for c in page.setCookies {
            let first = c.split(separator: ";", maxSplits: 1)[0]
            let kv = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else { continue }
            if kv[1].isEmpty || c.contains("Max-Age=0") { cookies[String(kv[0])] = nil } else { cookies[String(kv[0])] = String(kv[1]) }
        }
        return page
    }

    /// Logs in through the form, as a browser would; returns the final response of the POST.
    @discardableResult
    func login(_ name: String, password: String = WebFixture.password, next: String = "/", headers: HTTPFields = [:])
        async throws -> Page
    {
        let form = try await get("/login", headers: headers)
        return try await post(
            "/login", form: [("_csrf", form.csrf ?? ""), ("name", name), ("password", password), ("next", next)], headers: headers)
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
