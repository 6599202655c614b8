import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// Follow-ups: a person whose question nothing answered replies 「通知我」 and, once a moderator decides the claim,
/// gets one message — LINE's push API, Telegram's sendMessage (fakes on loopback) — after which their address is
/// erased.
@Suite("Tipline: follow-ups after a moderator's decision")
struct TipFollowUpTests {
    /// LINE's reply and push APIs: push needs the bearer token; the first `failPushes` pushes get 500.
    final class FakeLINE: Sendable {
        let server: TestHTTPServer
        init(failPushes: Int = 0) throws {
            let pushes = Locked(0)
            server = try TestHTTPServer { request, connection in
                guard request.headers["authorization"] == "Bearer \(TiplineWebhookTests.token)" else {
                    connection.respond(status: 401, body: "{\"message\":\"Authentication failed\"}")
                    return
                }
                if request.path == "/v2/bot/message/push" {
                    let n = pushes.withLock { $0 += 1; return $0 }
                    if n <= failPushes {
                        connection.respond(status: 500, body: "{\"message\":\"Internal error\"}")
                        return
                    }
                }
                connection.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{}")
            }
        }
        func texts(_ path: String) -> [String] {
            server.requests.filter { $0.path == path }.compactMap { ($0.json?["messages"] as? [[String: Any]])?.first?["text"] as? String }
        }
        var pushes: [[String: Any]] { server.requests.filter { $0.path == "/v2/bot/message/push" }.compactMap(\.json) }
    }

    static func setup(line: FakeLINE) async throws -> (WebFixture, ModerationApp, SieveConfig) {
        let f = try await WebFixture(seeds: [])
        var settings = TiplineSettings()
        settings.lineChannelSecretFile = f.dir.write("secrets/line-secret", TiplineWebhookTests.secret)
        settings.lineAccessTokenFile = f.dir.write("secrets/line-token", TiplineWebhookTests.token)
        settings.saltFile = f.dir.write("secrets/salt", "pepper-for-tests")
        settings.lineAPI = line.server.baseURL
        settings.allowPrivate = true
        var config = f.config
        config.tipline = settings
        let app = ModerationApp(
            database: f.database, config: config, search: sharedSearch,
            tipline: { _, language, _ in TiplineAnswer(verdict: "unverified", lines: [Messages.text("tip.verdict.unverified", language)], matchKey: nil) })
        return (f, app, config)
    }

    static func send(_ app: ModerationApp, _ client: some TestClientProtocol, id: String, user: String, text: String) async throws {
        let body = TiplineWebhookTests.body([TiplineWebhookTests.textEvent(id: id, user: user, text: text)])
        let (status, _) = try await TiplineWebhookTests.post(app, client, body, signature: LineWebhook.signature(body, secret: TiplineWebhookTests.secret))
        #expect(status == .ok)
    }

    /// The claim reaches the queue, as the classify stage would put it there.
    static func queue(_ db: AppDatabase) async throws -> Int64 {
        let fresh = try await db.postsToAssess()
        try await db.saveAssessments(fresh.map { ($0.id, Assessment(disaster: 0.6, rumour: 0.4, types: [], places: [], reasons: [], model: "test"), 1.0) })
        return try #require(fresh.first?.id)
    }

    @Test func whoAskedToHearBackGetsOneMessageAfterTheDecision() async throws {
        let line = try FakeLINE()
        let (f, app, config) = try await Self.setup(line: line)
        try await Application(router: app.buildRouter().router).test(.router) { client in
            try await Self.send(app, client, id: "E1", user: "Uamy", text: "曾文水庫今晚要潰堤了嗎？")
            try await Self.send(app, client, id: "E2", user: "Uamy", text: "通知我")
            try await Self.send(app, client, id: "E3", user: "Ubo", text: "通知我")  // asked nothing: nothing to follow
        }
        let replies = line.texts("/v2/bot/message/reply")
        #expect(replies.count == 3)
        #expect(replies[0].contains("回覆「通知我」") && replies[1].contains("查證後會通知你一次") && replies[2].contains("目前沒有等待查證的詢問"), "\(replies)")
        // The address is kept sealed, never as sent.
        let service = TipFollowUpService(database: f.database, live: LiveConfig(config), logger: Logger(label: "t"))
        #expect(await service.sendDue() == 0)  // undecided: nothing yet
        let post = try await Self.queue(f.database)
        try await f.database.review(postID: post, decision: .reject, reviewer: "mod", note: "水庫正常", channels: [])
        #expect(await service.sendDue() == 1)
        let push = try #require(line.pushes.first)
        #expect(push["to"] as? String == "Uamy")
        let text = ((push["messages"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        #expect(text.contains("不正確或不是災情") && text.contains("曾文水庫今晚要潰堤了嗎"), "\(text)")
        #expect(await service.sendDue() == 0)  // once
        #expect(line.pushes.count == 1)
    }

    @Test func aFailedPushIsTriedAgainThenGivenUp() async throws {
        let line = try FakeLINE(failPushes: 100)
        let (f, app, config) = try await Self.setup(line: line)
        try await Application(router: app.buildRouter().router).test(.router) { client in
            try await Self.send(app, client, id: "F1", user: "Ucy", text: "停電是因為變電所爆炸嗎")
            try await Self.send(app, client, id: "F2", user: "Ucy", text: "notify me")
        }
        let post = try await Self.queue(f.database)
        try await f.database.review(postID: post, decision: .approve, reviewer: "mod", note: nil, channels: [])
        let service = TipFollowUpService(database: f.database, live: LiveConfig(config), logger: Logger(label: "t"))
        for _ in 0..<6 { #expect(await service.sendDue() == 0) }
        #expect(line.pushes.count == 5)  // five attempts, then the address is erased
        #expect(try await f.database.dueFollowUps(limit: 10).isEmpty)
    }

    @Test func deletingMyDataDeletesTheFollowUpToo() async throws {
        let line = try FakeLINE()
        let (f, app, _) = try await Self.setup(line: line)
        try await Application(router: app.buildRouter().router).test(.router) { client in
            try await Self.send(app, client, id: "G1", user: "Udee", text: "網傳橋斷了")
            try await Self.send(app, client, id: "G2", user: "Udee", text: "通知我")
            try await Self.send(app, client, id: "G3", user: "Udee", text: "刪除我的資料")
        }
        let post = try await Self.queue(f.database)
        try await f.database.review(postID: post, decision: .approve, reviewer: "mod", note: nil, channels: [])
        #expect(try await f.database.dueFollowUps(limit: 10).isEmpty)
    }
}
