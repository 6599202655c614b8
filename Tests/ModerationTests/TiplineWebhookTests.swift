import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
@testable import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// `POST /tipline/line`: LINE's webhook, signed with the channel secret; answers through the reply API of a fake
/// LINE Messaging API on loopback (which records every call and can answer 429 as LINE does for a bot over its
/// rate limit). The answers come from a fixed table here: what the tipline checker says is tested in
/// Tests/TiplineTests; this suite is about the webhook — signatures, replays, limits, storage, deletion.
@Suite("Tipline: the LINE webhook")
struct TiplineWebhookTests {
    static let secret = "test-channel-secret-0123456789"
    static let token = "test-access-token"

    /// The fake Messaging API: `POST /v2/bot/message/reply` (the first `rateLimited` calls get 429) and, as LINE's
    /// data host does, `GET /v2/bot/message/{id}/content` for the `pictures` it holds (404 for any other id, as
    /// for content LINE no longer keeps; the first `contentRateLimited` calls get 429).
    final class FakeLine: @unchecked Sendable {  // TestHTTPServer keeps its own requests under a lock
        let server: TestHTTPServer

        init(rateLimited: Int = 0, pictures: [String: Data] = [:], contentRateLimited: Int = 0, expiredReplyTokens: Set<String> = []) throws {
            let counter = Locked(0)
            let contentCounter = Locked(0)
            server = try TestHTTPServer { request, connection in
                if request.method == "GET", request.path.hasPrefix("/v2/bot/message/"), request.path.hasSuffix("/content") {
                    guard request.headers["authorization"] == "Bearer \(TiplineWebhookTests.token)" else {
                        connection.respond(status: 401, body: "{\"message\":\"Authentication failed\"}")
                        return
                    }
                    if contentCounter.withLock({ $0 += 1; return $0 }) <= contentRateLimited {
                        connection.respond(status: 429, headers: ["Retry-After": "1"], body: "{\"message\":\"The API rate limit has been exceeded. Try again later.\"}")
                        return
                    }
                    let id = String(request.path.dropFirst("/v2/bot/message/".count).dropLast("/content".count))
                    guard let picture = pictures[id] else {
                        connection.respond(status: 404, body: "{\"message\":\"Not found\"}")
                        return
                    }
                    connection.respond(status: 200, headers: ["Content-Type": "image/jpeg"], body: picture)
                    return
                }
                if request.method == "POST", request.path == "/v2/bot/message/push" {
                    guard request.headers["authorization"] == "Bearer \(TiplineWebhookTests.token)" else {
                        connection.respond(status: 401, body: "{\"message\":\"Authentication failed\"}")
                        return
                    }
                    connection.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{\"sentMessages\":[]}")
                    return
                }
                let n = counter.withLock { $0 += 1; return $0 }
                guard request.method == "POST", request.path == "/v2/bot/message/reply" else {
                    connection.respond(status: 404, body: "{\"message\":\"Not found\"}")
                    return
                }
                guard request.headers["authorization"] == "Bearer \(TiplineWebhookTests.token)" else {
                    connection.respond(status: 401, body: "{\"message\":\"Authentication failed\"}")
                    return
                }
                if let token = request.json?["replyToken"] as? String, expiredReplyTokens.contains(token) {
                    connection.respond(status: 400, body: "{\"message\":\"Invalid reply token\"}")
                    return
                }
                if n <= rateLimited {
                    connection.respond(status: 429, headers: ["Retry-After": "1"], body: "{\"message\":\"The API rate limit has been exceeded. Try again later.\"}")
                    return
                }
                connection.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{}")
            }
        }

        /// The reply calls' JSON bodies, in order.
        var replies: [[String: Any]] { server.requests.filter { $0.method == "POST" && $0.path == "/v2/bot/message/reply" }.compactMap(\.json) }

        /// The push calls, in order: their JSON bodies and retry keys.
        var pushes: [(body: [String: Any], retryKey: String?)] {
            server.requests.filter { $0.method == "POST" && $0.path == "/v2/bot/message/push" }.compactMap { r in
                r.json.map { ($0, r.headers["x-line-retry-key"]) }
            }
        }

        /// The content downloads asked for.
        var contentCalls: Int { server.requests.filter { $0.method == "GET" }.count }

        /// The text of each reply.
        var texts: [String] {
            replies.compactMap { ($0["messages"] as? [[String: Any]])?.first?["text"] as? String }
        }
    }

    struct Setup {
        let fixture: WebFixture
        let app: ModerationApp
        let line: FakeLine
    }

    /// A fixture whose config has a `[tipline]` (secrets in files) pointing at a fake LINE, and an app with a fixed
    /// answer table: messages about 停班停課 are contradicted by an official record, anything else is unverified.
    static func setup(
        _ backend: Backend, _ test: String = #function, rateLimited: Int = 0, pictures: [String: Data] = [:], contentRateLimited: Int = 0,
        maxPictureBytes: Int = 10 << 20, answering: TiplineAnswering? = nil, expiredReplyTokens: Set<String> = [], replyWindow: TimeInterval = 50
    ) async throws -> Setup? {
        guard let f = try await WebFixture.on(backend, test) else { return nil }
        let line = try FakeLine(rateLimited: rateLimited, pictures: pictures, contentRateLimited: contentRateLimited, expiredReplyTokens: expiredReplyTokens)
        var settings = TiplineSettings()
        settings.lineChannelSecretFile = f.dir.write("secrets/line-secret", secret + "\n")
        settings.lineAccessTokenFile = f.dir.write("secrets/line-token", token + "\n")
        settings.saltFile = f.dir.write("secrets/salt", "pepper-for-tests\n")
        settings.lineAPI = line.server.baseURL
        settings.lineDataAPI = line.server.baseURL
        settings.maxPictureBytes = maxPictureBytes
        settings.allowPrivate = true
        settings.maxBodyBytes = 8192
        settings.lineReplyWindow = replyWindow
        settings.publicURL = "https://sieve.example/public"
        var config = f.config
        config.tipline = settings
        let app = ModerationApp(
            database: f.database, config: config, search: sharedSearch,
            tipline: answering ?? fixedTiplineAnswers(pictureVerdict: "rumour", pictureText: "網傳明天停班停課"))
        return Setup(fixture: f, app: app, line: line)
    }

    /// A webhook body as LINE sends it.
    static func body(_ events: [[String: Any]]) -> Data {
        try! JSONSerialization.data(withJSONObject: ["destination": "Uffffffffffffffffffffffffffffffff", "events": events], options: [.sortedKeys])
    }

    static func textEvent(id: String, user: String, text: String) -> [String: Any] {
        [
            "type": "message", "mode": "active", "timestamp": 1_789_394_400_000, "webhookEventId": id,
            "deliveryContext": ["isRedelivery": false], "replyToken": "reply-\(id)",
            "source": ["type": "user", "userId": user], "message": ["id": "m-\(id)", "type": "text", "text": text],
        ]
    }

    /// Posts a webhook body and waits until the app has answered it (the answer follows the 200: `TiplineWork`).
    static func post(_ app: ModerationApp, _ client: some TestClientProtocol, _ body: Data, signature: String?) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("X-Line-Signature")!] = signature }
        let response = try await client.execute(uri: "/tipline/line", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        await app.tiplineWork.idle()
        return (response.status, String(buffer: response.body))
    }

    /// Sends each body, signed with the channel secret, in order; each must be accepted (200).
    static func postSigned(_ s: Setup, _ bodies: [Data]) async throws {
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            for body in bodies {
                let answer = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
                #expect(answer.0 == .ok)
            }
        }
    }

    static func tipCount(_ db: AppDatabase) async throws -> Int {
        try await db.tipDemand(since: Date(timeIntervalSince1970: 0), limit: 1000).reduce(0) { $0 + $1.askedBy }
    }

    @Test(arguments: Backend.available)
    func aSignedMessageIsAnsweredOnceEvenWhenReplayed(_ backend: Backend) async throws {
        guard let s = try await Self.setup(backend) else { return }
        let body = Self.body([Self.textEvent(id: "01HZEVENT1", user: "U1111", text: "網傳明天全台停班停課，請大家轉傳！")])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            let first = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
            #expect(first.0 == .ok)
            #expect(s.line.replies.count == 1)
            #expect(s.line.replies.first?["replyToken"] as? String == "reply-01HZEVENT1")
            #expect(s.line.texts.first?.contains("官方資料與這則訊息不符") == true, "\(s.line.texts)")
            // LINE redelivers, or someone replays the captured request: the same event is not answered twice.
            let again = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
            #expect(again.0 == .ok)
            #expect(s.line.replies.count == 1)
        }
        #expect(try await Self.tipCount(s.fixture.database) == 1)
        let demand = try await s.fixture.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(demand.first?.claimKey == "record:dgpa-1" && demand.first?.verdict == "contradicted")
    }

    @Test func aMissingOrWrongSignatureIsRefusedAndNothingIsKept() async throws {
        let s = try #require(try await Self.setup(.sqlite))
        let body = Self.body([Self.textEvent(id: "E2", user: "U2222", text: "網傳明天停班停課")])
        let tampered = Self.body([Self.textEvent(id: "E2", user: "U2222", text: "網傳後天停班停課")])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            let answer136 = try await Self.post(s.app, client, body, signature: nil)
            #expect(answer136.0 == .unauthorized)
            let answer137 = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: "another-secret"))
            #expect(answer137.0 == .unauthorized)
            let answer138 = try await Self.post(s.app, client, tampered, signature: LineWebhook.signature(body, secret: Self.secret))
            #expect(answer138.0 == .unauthorized)
            let answer139 = try await Self.post(s.app, client, body, signature: "not base64 at all")
            #expect(answer139.0 == .unauthorized)
        }
        #expect(s.line.replies.isEmpty)
        #expect(try await Self.tipCount(s.fixture.database) == 0)
    }

    @Test func anOversizedOrMalformedBodyIsRefused() async throws {
        let s = try #require(try await Self.setup(.sqlite))
        let big = Self.body([Self.textEvent(id: "E3", user: "U3", text: String(repeating: "颱風", count: 4000))])
        let notJSON = Data("events=1".utf8)
        let noEvents = Data("{\"destination\":\"U1\"}".utf8)
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            let answer151 = try await Self.post(s.app, client, big, signature: LineWebhook.signature(big, secret: Self.secret))
            #expect(answer151.0 == .contentTooLarge)
            let bad = try await Self.post(s.app, client, notJSON, signature: LineWebhook.signature(notJSON, secret: Self.secret))
            #expect(bad.0 == .badRequest && bad.1.contains("not a JSON object"), "\(bad)")
            let missing = try await Self.post(s.app, client, noEvents, signature: LineWebhook.signature(noEvents, secret: Self.secret))
            #expect(missing.0 == .badRequest && missing.1.contains("events"), "\(missing)")
        }
        #expect(s.line.replies.isEmpty)
    }

    /// The same claim forwarded by different people (spacing and punctuation aside) counts each person once, and
    /// the answer says how many asked.
    @Test func askersOfTheSameClaimAreCounted() async throws {
        let s = try #require(try await Self.setup(.sqlite))
        let bodies = [
            Self.body([Self.textEvent(id: "E4a", user: "Uaaa", text: "聽說大橋斷了，不要過去！")]),
            Self.body([Self.textEvent(id: "E4b", user: "Uaaa", text: "聽說 大橋斷了 不要過去")]),
            Self.body([Self.textEvent(id: "E4c", user: "Ubbb", text: "聽說大橋斷了!!不要過去")]),
        ]
        try await Self.postSigned(s, bodies)
        #expect(s.line.texts.count == 3)
        #expect(!s.line.texts[1].contains("人詢問"), "one person asking twice is one asker: \(s.line.texts[1])")
        #expect(s.line.texts[2].contains("已有 2 人詢問這則訊息"), "\(s.line.texts[2])")
        let demand = try await s.fixture.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(demand.count == 1 && demand.first?.askedBy == 2 && demand.first?.verdict == "unverified")
    }

    /// Only a salted hash of the sender is stored — never LINE's user id — and "刪除我的資料" deletes what that
    /// person left.
    @Test func senderIDsAreNeverStoredAndDeletionRequestsAreHonoured() async throws {
        let s = try #require(try await Self.setup(.sqlite))
        let user = "U4af4980629d1f1e0e4e2e0bc5dcd3f0a"
        let first = Self.body([Self.textEvent(id: "E5a", user: user, text: "網傳水庫洩洪，下游全部淹水")])
        let other = Self.body([Self.textEvent(id: "E5b", user: "Uother", text: "網傳水庫洩洪，下游全部淹水")])
        let delete = Self.body([Self.textEvent(id: "E5c", user: user, text: "刪除我的資料")])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            for body in [first, other] {
                let answer191 = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
                #expect(answer191.0 == .ok)
            }
            let path = s.fixture.dir.path("web.sqlite")
            _ = try await s.fixture.database.writer!.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(user.utf8)) == nil, "LINE's user id is in the database file")
            #expect(try await Self.tipCount(s.fixture.database) == 2)
            let answer198 = try await Self.post(s.app, client, delete, signature: LineWebhook.signature(delete, secret: Self.secret))
            #expect(answer198.0 == .ok)
        }
        #expect(s.line.texts.last?.contains("已刪除你在這裡留下的 1 則詢問紀錄") == true, "\(s.line.texts)")
        #expect(try await Self.tipCount(s.fixture.database) == 1)  // the other person's stays
    }

    /// LINE answers 429 when the bot is over its rate limit: the reply is sent again once, after Retry-After.
    @Test func aRateLimitedReplyIsRetriedOnce() async throws {
        let s = try #require(try await Self.setup(.sqlite, rateLimited: 1))
        let body = Self.body([Self.textEvent(id: "E6", user: "U6", text: "網傳明天停班停課")])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            let answer209 = try await Self.post(s.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
            #expect(answer209.0 == .ok)
        }
        #expect(s.line.server.requests.count == 2)
        #expect(s.line.replies.allSatisfy { $0["replyToken"] as? String == "reply-E6" })
    }

    static func pictureEvent(id: String, user: String, message: String) -> [String: Any] {
        var event = textEvent(id: id, user: user, text: "")
        event["message"] = ["id": message, "type": "image", "contentProvider": ["type": "line"]]
        return event
    }

    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 2000))

    /// A picture is fetched from LINE's content API (with the channel's token), answered, and recorded with what it
    /// says; a sticker is told what works and nothing is recorded.
    @Test func aPictureIsFetchedFromTheContentAPIAndAnswered() async throws {
        let s = try #require(try await Self.setup(.sqlite, pictures: ["m7": Self.jpeg], contentRateLimited: 1))
        let picture = Self.body([Self.pictureEvent(id: "E7", user: "U7", message: "m7")])
        var sticker = Self.textEvent(id: "E7s", user: "U7", text: "")
        sticker["message"] = ["id": "m7s", "type": "sticker", "packageId": "446", "stickerId": "1988"]
        let stickerBody = Self.body([sticker])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            let a = try await Self.post(s.app, client, picture, signature: LineWebhook.signature(picture, secret: Self.secret))
            #expect(a.0 == .ok)
            let b = try await Self.post(s.app, client, stickerBody, signature: LineWebhook.signature(stickerBody, secret: Self.secret))
            #expect(b.0 == .ok)
        }
        // The first download got LINE's 429 and was tried again after its Retry-After.
        #expect(s.line.contentCalls == 2)
        #expect(s.line.texts == [Messages.text("tip.verdict.rumour", .zhHant), Messages.text("tip.picture", .zhHant)])
        let demand = try await s.fixture.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(demand.count == 1 && demand.first?.claimKey == "image:\(Self.jpeg.count)" && demand.first?.verdict == "rumour", "\(demand)")
        #expect(demand.first?.text.contains("〔圖片文字〕網傳明天停班停課") == true, "\(demand)")
    }

    /// Content LINE no longer has (404), a picture over `max_picture_bytes`, and bytes that are no picture: the
    /// person is told to send the words or a screenshot, and nothing is recorded.
    @Test func aPictureThatCannotBeHadOrReadIsAnsweredWithWhatWorks() async throws {
        let big = Data([0xFF, 0xD8] + [UInt8](repeating: 1, count: 5000))
        let s = try #require(try await Self.setup(.sqlite, pictures: ["big": big, "txt": Data("hello".utf8)], maxPictureBytes: 4096))
        let bodies = [
            Self.body([Self.pictureEvent(id: "E8a", user: "U8", message: "gone")]),
            Self.body([Self.pictureEvent(id: "E8b", user: "U8", message: "big")]),
            Self.body([Self.pictureEvent(id: "E8c", user: "U8", message: "txt")]),
            Self.body([Self.pictureEvent(id: "E8d", user: "U8", message: "../../reply")]),
        ]
        try await Self.postSigned(s, bodies)
        // An id that is not LINE's (letters and digits) is never put in a URL: that one is told what works.
        #expect(s.line.contentCalls == 3)
        #expect(
            s.line.texts == [
                Messages.text("tip.picture.unreadable", .zhHant), Messages.text("tip.picture.unreadable", .zhHant),
                Messages.text("tip.picture.unreadable", .zhHant), Messages.text("tip.picture", .zhHant),
            ], "\(s.line.texts)")
        #expect(try await Self.tipCount(s.fixture.database) == 0)
    }

    /// LINE is told 200 before the answer is ready (a picture can take seconds to read, a flood of them minutes);
    /// the answer follows through the reply API.
    @Test func theWebhookIsAcknowledgedBeforeTheAnswerIsReady() async throws {
        let open = Locked(false)
        let fixed = fixedTiplineAnswers(pictureVerdict: "rumour", pictureText: "網傳明天停班停課")
        let s = try #require(try await Self.setup(.sqlite, answering: { message, language, now in
            while !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            return try await fixed(message, language, now)
        }))
        let body = Self.body([Self.textEvent(id: "SLOW1", user: "U5", text: "網傳明天全台停班停課")])
        try await Application(router: s.app.buildRouter().router).test(.router) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("X-Line-Signature")!] = LineWebhook.signature(body, secret: Self.secret)
            let response = try await client.execute(uri: "/tipline/line", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .ok)
            #expect(s.line.replies.isEmpty && s.app.tiplineWork.inFlight == 1)
            open.withLock { $0 = true }
            await s.app.tiplineWork.idle()
            #expect(s.line.replies.first?["replyToken"] as? String == "reply-SLOW1")
            #expect(s.line.texts == [Messages.text("tip.verdict.contradicted", .zhHant)])
        }
    }

    /// An answer whose reply token LINE no longer takes ("Invalid reply token"), or that is ready after the token's
    /// minute, is pushed to the person instead — once, with a retry key from the event's id.
    @Test func aLateAnswerIsPushedInstead() async throws {
        // The reply token refused.
        let s = try #require(try await Self.setup(.sqlite, expiredReplyTokens: ["reply-OLD1"]))
        let body = Self.body([Self.textEvent(id: "OLD1", user: "U9", text: "網傳明天全台停班停課")])
        try await Self.postSigned(s, [body])
        #expect(s.line.replies.count == 1)  // tried first
        #expect(s.line.pushes.count == 1)
        let push = try #require(s.line.pushes.first)
        #expect(push.body["to"] as? String == "U9")
        #expect(((push.body["messages"] as? [[String: Any]])?.first?["text"] as? String) == Messages.text("tip.verdict.contradicted", .zhHant))
        #expect(push.retryKey == Self.retryKeyShape(push.retryKey))
        // Ready after the reply window: pushed without trying the token.
        let fixed = fixedTiplineAnswers(pictureVerdict: "rumour", pictureText: "網傳明天停班停課")
        let slow = try #require(try await Self.setup(.sqlite, answering: { m, l, now in
            try await Task.sleep(for: .milliseconds(300))
            return try await fixed(m, l, now)
        }, replyWindow: 0.1))
        try await Self.postSigned(slow, [Self.body([Self.textEvent(id: "LATE1", user: "U10", text: "網傳明天全台停班停課")])])
        #expect(slow.line.replies.isEmpty && slow.line.pushes.count == 1)
        #expect(slow.line.pushes.first?.body["to"] as? String == "U10")
    }

    /// A UUID (LINE's X-Line-Retry-Key format), or nil.
    static func retryKeyShape(_ key: String?) -> String? {
        guard let key, UUID(uuidString: key) != nil else { return nil }
        return key
    }

    /// The events of one webhook call are answered in their order: a tip and then 「刪除我的資料」 from the same person
    /// deletes that tip (answered in parallel, the deletion could run first and leave it).
    @Test func theEventsOfOneCallAreAnsweredInTheirOrder() async throws {
        let s = try #require(try await Self.setup(.sqlite))
        let events = (1...4).flatMap { n in
            [Self.textEvent(id: "ORD\(n)a", user: "U7", text: "聽說第\(n)座橋斷了"), Self.textEvent(id: "ORD\(n)b", user: "U7", text: "刪除我的資料")]
        }
        try await Self.postSigned(s, [Self.body(events)])
        #expect(try await Self.tipCount(s.fixture.database) == 0)
        #expect(s.line.texts.count == 8)
        #expect(s.line.texts.enumerated().filter { $0.offset % 2 == 1 }.allSatisfy { $0.element == Messages.text("tip.deleted", .zhHant, ["count": "1"]) },
                "\(s.line.texts)")
    }

    /// Without `[tipline]` the route is not there.
    @Test func withoutATiplineTheRouteAnswers404() async throws {
        let f = try #require(try await WebFixture.on(.sqlite))
        let body = Self.body([Self.textEvent(id: "E8", user: "U8", text: "hi")])
        try await f.application().test(.router) { client in
            let answer233 = try await Self.post(f.app, client, body, signature: LineWebhook.signature(body, secret: Self.secret))
            #expect(answer233.0 == .notFound)
        }
    }

    @Test func tiplineConfigMistakesAreNamed() throws {
        let dir = TempDir()
        func load(_ toml: String) -> String? {
            let path = dir.write("sieve.toml", toml)
            do {
                _ = try SieveConfig.load(path: path, required: true)
                return nil
            } catch {
                return error.description
            }
        }
        let ok = """
            [tipline]
            line_channel_secret_env = "S"
            line_access_token_file = "token"
            salt_env = "SALT"
            language = "vi"
            """
        let path = dir.write("sieve.toml", ok)
        let c = try SieveConfig.load(path: path, required: true)
        #expect(c.tipline?.language == .vi && c.tipline?.lineAccessTokenFile == dir.path("token") && c.tipline?.retentionDays == 90)
        #expect(load("[tipline]\nline_channel_secret = \"abc\"\n")?.contains("secrets are never written in the config") == true)
        #expect(load("[tipline]\nline_channel_secret_env = \"S\"\nline_access_token_env = \"T\"\n")?.contains("tipline.salt_env") == true)
        #expect(load(ok + "\nline_api = \"http://127.0.0.1:9\"\n")?.contains("must be https") == true)
        #expect(load(ok.replacingOccurrences(of: "\"vi\"", with: "\"klingon\"")).map { $0.contains("sieve.toml:5: tipline.language: unknown language") } == true)
        #expect(load(ok + "\nretention_days = 0\n")?.contains("tipline.retention_days") == true)
        // A secret named in the environment but not set: said when it is used, naming the key.
        var s = TiplineSettings()
        s.lineChannelSecretEnv = "SIEVE_TEST_UNSET_VARIABLE_X"
        #expect(throws: ConfigError.self) { try s.lineChannelSecret(environment: [:]) }
    }

    @Test func claimKeysFoldSpacingPunctuationAndWidth() {
        #expect(TiplineMessage.claimKey("聽說大橋斷了，不要過去！") == TiplineMessage.claimKey("聽說 大橋斷了 不要過去"))
        #expect(TiplineMessage.claimKey("ＡＢＣ１２３") == TiplineMessage.claimKey("abc 123"))
        #expect(TiplineMessage.claimKey("大橋斷了") != TiplineMessage.claimKey("大橋通了"))
        #expect(TiplineMessage.senderHash("U1", salt: "a", channel: "line") != TiplineMessage.senderHash("U1", salt: "b", channel: "line"))
    }
}

/// The tipline end to end: `sieve serve` with `[tipline]`, a known rumour added with `sieve rumours add`, a signed
/// LINE webhook call (curl), and the answer the real tipline checker gives arriving at the fake LINE reply API.
@Suite("Tipline: sieve serve answers a LINE message")
struct TiplineServeTests {
    /// `sieve serve` with a LINE tipline pointed at `line`, after `prepare` (e.g. `sieve rumours add`) ran with the
    /// config; `body` posts a webhook body (signed) and gives the HTTP status line's code and the server's log.
    static func withServe(
        _ test: String, line: TiplineWebhookTests.FakeLine, prepare: (TempDir, String) async throws -> Void,
        _ body: (_ post: @Sendable (Data) async throws -> String, _ log: @Sendable () -> String) async throws -> Void
    ) async throws {
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        try #require(FileManager.default.isExecutableFile(atPath: curl.path), "/usr/bin/curl is absent")
        let dir = TempDir()
        let port = try freeLoopbackPort()
        dir.write("secret", TiplineWebhookTests.secret)
        dir.write("token", TiplineWebhookTests.token)
        dir.write("salt", "serve-test-salt")
        let config = dir.write(
            "sieve.toml",
            """
            database = "\(dir.path("sieve.sqlite"))"
            [server]
            port = \(port)
            secure_cookies = false
            [tipline]
            line_channel_secret_file = "secret"
            line_access_token_file = "token"
            salt_file = "salt"
            line_api = "\(line.server.baseURL)"
            line_data_api = "\(line.server.baseURL)"
            allow_private = true
            public_url = "https://sieve.example/public"
            """)
        try await prepare(dir, config)
        let child = try ChildProcess.start(
            TestPaths.sieveBinary, ["serve", "--config", config, "--no-scheduler"], cwd: dir.url, stderrPath: dir.path("serve.log"))
        let process = child.process
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<300 where !up {
            up = (try? await runProcess(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"], cwd: dir.url, timeout: 10))?.stdout == "200"
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        let logPath = dir.path("serve.log")
        let log: @Sendable () -> String = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        #expect(up, "sieve serve did not answer: \(log())")
        let bodyFile = dir.path("body.json")
        let cwd = dir.url
        try await body(
            { payload in
                let replies = line.replies.count
                try payload.write(to: URL(fileURLWithPath: bodyFile))
                let posted = try await runProcess(
                    curl,
                    [
                        "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                        "-H", "X-Line-Signature: \(LineWebhook.signature(payload, secret: TiplineWebhookTests.secret))",
                        "--data-binary", "@" + bodyFile, base + "/tipline/line",
                    ], cwd: cwd, timeout: 60)
                // The answer follows the 200 (TiplineWork): wait for its reply call to reach the fake LINE.
                for _ in 0..<400 where line.replies.count <= replies { try await Task.sleep(for: .milliseconds(50)) }
                return posted.stdout
            }, log)
        process.interrupt()
        await child.exited()
    }

    @Test(.enabled(if: TestPaths.executable("/usr/bin/curl"), "/usr/bin/curl is absent (apt-get install -y curl)")) func aForwardedRumourIsAnsweredThroughTheReplyAPI() async throws {
        let line = try TiplineWebhookTests.FakeLine()
        try await Self.withServe(
            #function, line: line,
            prepare: { dir, config in
                let added = try await runProcess(
                    TestPaths.sieveBinary, ["rumours", "add", "網傳明天全台停班停課，請大家轉傳", "--note", "人事行政總處沒有發布停班停課", "--config", config],
                    cwd: dir.url)
                #expect(added.status == 0, "\(added.stderr)")
            }
        ) { post, log in
            let body = TiplineWebhookTests.body([TiplineWebhookTests.textEvent(id: "SERVE1", user: "Userve", text: "網傳明天全台停班停課！請大家轉傳")])
            let status = try await post(body)
            #expect(status == "200", "\(log())")
            #expect(line.texts.count == 1, "\(log())")
            let answer = line.texts.first ?? ""
            #expect(answer.contains("這是已查證的不實訊息") && answer.contains("人事行政總處沒有發布停班停課"), "\(answer)")
        }
    }

    /// A photo known to be a rumour (`sieve rumours add --image`), forwarded again through LINE — recompressed as
    /// LINE does, JPEG quality 40 — is downloaded from the content API, hashed, and answered as that rumour; a
    /// different photo is not.
    @Test(.enabled(if: TestPaths.executable("/usr/bin/curl"), "/usr/bin/curl is absent (apt-get install -y curl)")) func aForwardedPictureIsRecognisedThroughTheContentAPI() async throws {
        let photo = Self.photo(width: 480, height: 360, seed: 11)
        let other = Self.photo(width: 480, height: 360, seed: 12)
        let line = try TiplineWebhookTests.FakeLine(pictures: [
            "4001": try photo.encoded(as: .jpeg(quality: 40)), "4002": try other.encoded(as: .jpeg(quality: 40)),
        ])
        try await Self.withServe(
            #function, line: line,
            prepare: { dir, config in
                try photo.encoded(as: .png).write(to: dir.url.appendingPathComponent("photo.png"))
                let added = try await runProcess(
                    TestPaths.sieveBinary, ["rumours", "add", "--image", "photo.png", "--note", "這是 2019 年國外的照片，不是今天的淹水", "--config", config],
                    cwd: dir.url)
                #expect(added.status == 0, "\(added.stderr)")
            }
        ) { post, log in
            let first = try await post(TiplineWebhookTests.body([TiplineWebhookTests.pictureEvent(id: "P1", user: "Upic", message: "4001")]))
            let second = try await post(TiplineWebhookTests.body([TiplineWebhookTests.pictureEvent(id: "P2", user: "Upic", message: "4002")]))
            #expect(first == "200" && second == "200", "\(log())")
            #expect(line.contentCalls == 2, "\(log())")
            #expect(line.texts.count == 2, "\(log())")
            let known = line.texts.first ?? "", other = line.texts.last ?? ""
            #expect(known.contains("這是已查證的不實訊息") && known.contains("不是今天的淹水"), "\(known)")
            #expect(!other.contains("不實訊息"), "\(other)")
        }
    }

    static func photo(width: Int, height: Int, seed: UInt64) -> GrayImage {
        GrayImage(width: width, height: height, pixels: photoPixels(width: width, height: height, seed: seed))
    }
}

/// `POST /tipline/telegram`: the Telegram bot's webhook (the `secret_token` header), answered with `sendMessage` on a
/// fake Bot API on loopback (which answers 429 with `parameters.retry_after` as Telegram does, when asked to).
@Suite("Tipline: the Telegram webhook")
struct TelegramWebhookTests {
    static let secret = "telegram-secret-token-for-tests"
    static let botToken = "123456:TEST-bot-token"

    /// The fake Bot API: `sendMessage` (the first `rateLimited` calls get 429), and `getFile` + `/file/bot<token>/…`
    /// for the `files` it holds (file_id → bytes), answered as Telegram does: `file_path` and `file_size`, or 400
    /// "Bad Request: file is too big" over 20 MB, or "wrong file_id".
    final class FakeBotAPI: @unchecked Sendable {  // TestHTTPServer keeps its own requests under a lock
        let server: TestHTTPServer

        init(rateLimited: Int = 0, files: [String: Data] = [:], tooBig: Set<String> = []) throws {
            let counter = Locked(0)
            server = try TestHTTPServer { request, connection in
                let bot = "/bot\(TelegramWebhookTests.botToken)"
                if request.method == "GET", request.path.hasPrefix(bot + "/getFile?file_id=") {
                    let id = String(request.path.dropFirst((bot + "/getFile?file_id=").count)).removingPercentEncoding ?? ""
                    if tooBig.contains(id) {
                        connection.respond(status: 400, body: "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: file is too big\"}")
                    } else if let file = files[id] {
                        connection.respond(
                            status: 200, headers: ["Content-Type": "application/json"],
                            body: "{\"ok\":true,\"result\":{\"file_id\":\"\(id)\",\"file_unique_id\":\"u\(id)\",\"file_size\":\(file.count),\"file_path\":\"photos/\(id).jpg\"}}")
                    } else {
                        connection.respond(status: 400, body: "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: wrong file_id or the file is temporarily unavailable\"}")
                    }
                    return
                }
                if request.method == "GET", request.path.hasPrefix("/file\(bot)/photos/") {
                    let name = String(request.path.dropFirst("/file\(bot)/photos/".count).dropLast(".jpg".count))
                    if let file = files[name] { connection.respond(status: 200, headers: ["Content-Type": "image/jpeg"], body: file) }
                    else { connection.respond(status: 404, body: "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}") }
                    return
                }
                let n = counter.withLock { $0 += 1; return $0 }
                guard request.method == "POST", request.path == "/bot\(TelegramWebhookTests.botToken)/sendMessage" else {
                    connection.respond(status: 404, body: "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}")
                    return
                }
                if n <= rateLimited {
                    connection.respond(
                        status: 429, headers: ["Content-Type": "application/json"],
                        body: "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 1\",\"parameters\":{\"retry_after\":1}}")
                    return
                }
                connection.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{\"ok\":true,\"result\":{\"message_id\":99}}")
            }
        }

        var sent: [[String: Any]] { server.requests.filter { $0.method == "POST" }.compactMap(\.json) }

        /// The paths of the GETs (getFile and file downloads), in order.
        var downloads: [String] { server.requests.filter { $0.method == "GET" }.map(\.path) }
    }

    static func setup(rateLimited: Int = 0, files: [String: Data] = [:], tooBig: Set<String> = []) async throws -> (WebFixture, ModerationApp, FakeBotAPI) {
        let f = try #require(try await WebFixture.on(.sqlite))
        let bot = try FakeBotAPI(rateLimited: rateLimited, files: files, tooBig: tooBig)
        var settings = TiplineSettings()
        settings.telegramSecretTokenFile = f.dir.write("secrets/tg-secret", secret)
        settings.telegramBotTokenFile = f.dir.write("secrets/tg-token", botToken)
        settings.saltFile = f.dir.write("secrets/salt", "pepper")
        settings.telegramAPI = bot.server.baseURL
        settings.allowPrivate = true
        var config = f.config
        config.tipline = settings
        let app = ModerationApp(
            database: f.database, config: config, search: sharedSearch,
            tipline: fixedTiplineAnswers(pictureVerdict: "rumour", pictureText: "網傳明天停班停課"))
        return (f, app, bot)
    }

    static func update(_ id: Int64, text: String, user: Int64 = 4242) -> Data {
        try! JSONSerialization.data(withJSONObject: [
            "update_id": id,
            "message": [
                "message_id": id * 10, "date": 1_789_394_400, "text": text,
                "from": ["id": user, "is_bot": false, "first_name": "阿明"], "chat": ["id": user, "type": "private"],
            ],
        ])
    }

    /// Posts an update and waits until the app has answered it (the answer follows the 200: `TiplineWork`).
    static func post(_ app: ModerationApp, _ client: some TestClientProtocol, _ body: Data, secret: String?) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let secret { headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] = secret }
        let status = try await client.execute(uri: "/tipline/telegram", method: .post, headers: headers, body: ByteBuffer(bytes: body)).status
        await app.tiplineWork.idle()
        return status
    }

    @Test func anUpdateIsAnsweredOnceAsAReply() async throws {
        let (f, app, bot) = try await Self.setup()
        let body = Self.update(1001, text: "網傳明天全台停班停課")
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let first = try await Self.post(app, client, body, secret: Self.secret)
            #expect(first == .ok)
            let replayed = try await Self.post(app, client, body, secret: Self.secret)
            #expect(replayed == .ok)
        }
        #expect(bot.sent.count == 1)
        #expect((bot.sent.first?["chat_id"] as? NSNumber)?.int64Value == 4242)
        #expect((bot.sent.first?["reply_to_message_id"] as? NSNumber)?.int64Value == 10010)
        #expect((bot.sent.first?["text"] as? String)?.contains("官方資料與這則訊息不符") == true)
        #expect(try await TiplineWebhookTests.tipCount(f.database) == 1)
    }

    @Test func aMissingOrWrongSecretIsRefused() async throws {
        let (f, app, bot) = try await Self.setup()
        let body = Self.update(1002, text: "網傳明天停班停課")
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let none = try await Self.post(app, client, body, secret: nil)
            #expect(none == .unauthorized)
            let wrong = try await Self.post(app, client, body, secret: Self.secret + "x")
            #expect(wrong == .unauthorized)
            // The LINE route is not configured here.
            let line = try await client.execute(uri: "/tipline/line", method: .post, headers: [:], body: ByteBuffer(bytes: body)).status
            #expect(line == .notFound)
        }
        #expect(bot.sent.isEmpty)
        #expect(try await TiplineWebhookTests.tipCount(f.database) == 0)
    }

    @Test func aRateLimitedSendIsRetriedOnceAndOtherUpdatesAreIgnored() async throws {
        let (f, app, bot) = try await Self.setup(rateLimited: 1)
        defer { withExtendedLifetime(f) {} }  // the fixture's folder holds the secrets
        let edit = try JSONSerialization.data(withJSONObject: ["update_id": 1004, "edited_message": ["message_id": 1, "text": "x"]])
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let sent = try await Self.post(app, client, Self.update(1003, text: "聽說大橋斷了"), secret: Self.secret)
            #expect(sent == .ok)
            let ignored = try await Self.post(app, client, edit, secret: Self.secret)
            #expect(ignored == .ok)
            let bad = try await Self.post(app, client, Data("[1,2]".utf8), secret: Self.secret)
            #expect(bad == .badRequest)
        }
        #expect(bot.server.requests.count == 2)
        #expect(bot.sent.allSatisfy { ($0["reply_to_message_id"] as? NSNumber)?.int64Value == 10030 })
    }

    static func photoUpdate(_ id: Int64, sizes: [(id: String, side: Int, bytes: Int)], caption: String? = nil) -> Data {
        var message: [String: Any] = [
            "message_id": id * 10, "date": 1_789_394_400, "from": ["id": 4242, "is_bot": false, "first_name": "阿明"],
            "chat": ["id": 4242, "type": "private"],
            "photo": sizes.map { ["file_id": $0.id, "file_unique_id": "u" + $0.id, "width": $0.side, "height": $0.side, "file_size": $0.bytes] },
        ]
        if let caption { message["caption"] = caption }
        return try! JSONSerialization.data(withJSONObject: ["update_id": id, "message": message])
    }

    /// A photo: the largest size within the limit is looked up with getFile and downloaded from the file path
    /// (the token only ever in Telegram's URLs), then answered; a file Telegram will not hand out ("file is too
    /// big") is told what works and not recorded; a caption alone is still checked when the picture fails.
    @Test func aPhotoIsFetchedWithGetFileAndAnswered() async throws {
        let picture = Data([0xFF, 0xD8] + [UInt8](repeating: 3, count: 3000))
        let (f, app, bot) = try await Self.setup(files: ["small": Data([0xFF, 0xD8, 1]), "large": picture], tooBig: ["huge"])
        defer { withExtendedLifetime(f) {} }
        try await Application(router: app.buildRouter().router).test(.router) { client in
            // Telegram lists the sizes smallest first; the one over max_picture_bytes (10 MB) is passed over.
            let a = try await Self.post(
                app, client, Self.photoUpdate(2001, sizes: [("small", 90, 3), ("large", 1280, 3002), ("over", 4000, 30 << 20)], caption: "是真的嗎"),
                secret: Self.secret)
            #expect(a == .ok)
            let b = try await Self.post(app, client, Self.photoUpdate(2002, sizes: [("huge", 1280, 900)]), secret: Self.secret)
            #expect(b == .ok)
            let c = try await Self.post(app, client, Self.photoUpdate(2003, sizes: [("gone", 1280, 900)], caption: "網傳明天停班停課"), secret: Self.secret)
            #expect(c == .ok)
        }
        let token = Self.botToken
        #expect(
            bot.downloads == [
                "/bot\(token)/getFile?file_id=large", "/file/bot\(token)/photos/large.jpg", "/bot\(token)/getFile?file_id=huge",
                "/bot\(token)/getFile?file_id=gone",
            ], "\(bot.downloads)")
        let texts = bot.sent.compactMap { $0["text"] as? String }
        #expect(
            texts == [
                Messages.text("tip.verdict.rumour", .zhHant), Messages.text("tip.picture.unreadable", .zhHant),
                Messages.text("tip.verdict.contradicted", .zhHant),
            ], "\(texts)")
        let demand = try await f.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(Set(demand.map(\.claimKey)) == ["image:\(picture.count)", "record:dgpa-1"], "\(demand)")
    }

    @Test func eitherPlatformMayBeConfiguredButEachNeedsBothSecrets() throws {
        let dir = TempDir()
        func load(_ toml: String) throws(ConfigError) -> SieveConfig {
            try SieveConfig.load(path: dir.write("sieve.toml", toml), required: true)
        }
        let telegramOnly = try load("[tipline]\ntelegram_secret_token_env = \"A\"\ntelegram_bot_token_file = \"t\"\nsalt_env = \"S\"\n")
        #expect(telegramOnly.tipline?.hasTelegram == true && telegramOnly.tipline?.hasLine == false)
        #expect(throws: ConfigError.self) { try load("[tipline]\nsalt_env = \"S\"\n") }
        do {
            _ = try load("[tipline]\nline_channel_secret_env = \"A\"\nsalt_env = \"S\"\n")
            Issue.record("a LINE secret without its access token was accepted")
        } catch {
            #expect(error.description.contains("tipline.line_access_token_env"), "\(error.description)")
        }
        #expect(TelegramWebhook.sameSecret("abc", "abc") && !TelegramWebhook.sameSecret("abd", "abc") && !TelegramWebhook.sameSecret(nil, "abc"))
    }
}

/// The answer table the tipline handler tests use instead of the real checker (what the checker says is tested in
/// Tests/TiplineTests; these suites are about the platforms, the form, storage and limits): a text about 停班停課 is
/// contradicted by an official record, any other text is unverified; a picture whose bytes start like a JPEG "reads"
/// as `pictureText` with `pictureVerdict`, anything else is no picture (unreadable).
func fixedTiplineAnswers(pictureVerdict: String, pictureText: String) -> TiplineAnswering {
    { message, language, _ in
        if let picture = message.picture {
            guard picture.starts(with: [0xFF, 0xD8]) else {
                return TiplineAnswer(verdict: TiplineAnswer.unreadable, lines: [Messages.text("tip.picture.unreadable", language)], matchKey: nil)
            }
            return TiplineAnswer(
                verdict: pictureVerdict, lines: [Messages.text("tip.verdict.\(pictureVerdict)", language)], matchKey: nil, pictureText: pictureText,
                pictureKey: "image:\(picture.count)")
        }
        if (message.text ?? "").contains("停班停課") {
            return TiplineAnswer(verdict: "contradicted", lines: [Messages.text("tip.verdict.contradicted", language)], matchKey: "record:dgpa-1")
        }
        return TiplineAnswer(verdict: "unverified", lines: [Messages.text("tip.verdict.unverified", language)], matchKey: nil)
    }
}
