import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// `/tip`: the tipline's web form for people without LINE or Telegram — no account, a browser id kept only as a
/// salted hash, the cookie as CSRF token, a per-address limit, answers in the person's language.
@Suite("Tipline: the web form")
struct TipFormTests {
    static func setup(perMinute: Int = 5, maxPictureBytes: Int = 10 << 20) async throws -> (WebFixture, ModerationApp) {
        let f = try await WebFixture(seeds: [])
        var settings = TiplineSettings()
        settings.webForm = true
        settings.webFormPerMinute = perMinute
        settings.maxPictureBytes = maxPictureBytes
        settings.saltFile = f.dir.write("secrets/salt", "pepper-for-tests\n")
        var config = f.config
        config.tipline = settings
        let app = ModerationApp(
            database: f.database, config: config, search: sharedSearch,
            tipline: fixedTiplineAnswers(pictureVerdict: "unverified", pictureText: "水庫今晚洩洪"))
        return (f, app)
    }

    static func field(_ page: Page, _ name: String) -> String? {
        guard let r = page.body.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(page.body[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aPersonAsksWithoutAnAccountAndIsCountedOnce() async throws {
        let (f, app) = try await Self.setup()
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let amy = Browser(client)
            let form = try await amy.get("/tip?lang=en")
            #expect(form.status == .ok && form.body.contains("Check a suspicious message") && form.body.contains("<html lang=\"en\">"))
            let token = try #require(Self.field(form, "_csrf"))
            let nonce = try #require(Self.field(form, "nonce"))
            #expect(amy.cookies[ModerationApp.tipCookie] == token)
            let fields = [("_csrf", token), ("nonce", nonce), ("lang", "en"), ("text", "網傳明天全台停班停課")]
            let answer = try await amy.post("/tip", form: fields)
            #expect(answer.status == .ok && answer.body.contains("Official information says otherwise"))
            // The same form sent again (a refresh): answered again, counted once.
            let again = try await amy.post("/tip", form: fields)
            #expect(again.status == .ok && again.body.contains("Official information says otherwise"))
            let bo = Browser(client)
            let boForm = try await bo.get("/tip")
            let boAnswer = try await bo.post(
                "/tip", form: [("_csrf", Self.field(boForm, "_csrf") ?? ""), ("nonce", Self.field(boForm, "nonce") ?? ""), ("lang", "zh-TW"), ("text", "明天停班停課嗎？")])
            #expect(boAnswer.body.contains("已有 2 人詢問這則訊息"))
        }
        let demand = try await f.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(demand.count == 1 && demand[0].askedBy == 2)
        // Only salted hashes of the browser ids are kept.
        let stored = try await f.database.tipDemand(since: Date(timeIntervalSince1970: 0)).map(\.text)
        #expect(stored.contains("明天停班停課嗎？"))
    }

    /// What nothing answered goes to the moderators' queue once per claim, with how many people asked; what was
    /// answered does not.
    @Test func unansweredClaimsReachTheQueueWithTheirDemand() async throws {
        let (f, app) = try await Self.setup()
        try await Application(router: app.buildRouter().router).test(.router) { client in
            for (i, text) in ["水庫今晚要洩洪了嗎？", "水庫今晚要洩洪了嗎", "網傳明天停班停課"].enumerated() {
                let b = Browser(client)
                let form = try await b.get("/tip")
                let page = try await b.post(
                    "/tip", form: [("_csrf", Self.field(form, "_csrf") ?? ""), ("nonce", Self.field(form, "nonce") ?? ""), ("text", text)])
                #expect(page.status == .ok, "\(i)")
            }
        }
        let posts = try await f.database.posts()
        #expect(posts.count == 1, "\(posts.map(\.text))")
        #expect(posts.first?.text == "水庫今晚要洩洪了嗎？" && posts.first?.author == "民眾詢問（2 人）")
        let waiting = try await f.database.postsToAssess()
        #expect(waiting.map(\.id) == posts.map(\.id))  // the classify stage takes it from here
        #expect(try await f.database.sources().contains { $0.name == AppDatabase.tiplineSource && $0.kind == "tipline" })
    }

    @Test func anotherSitesFormAnEmptyMessageAndTooManyQuestionsAreRefused() async throws {
        let (f, app) = try await Self.setup(perMinute: 2)
        defer { withExtendedLifetime(f) {} }  // its folder holds the salt file
        try await Application(router: app.buildRouter().router).test(.router) { client in
            // No cookie (a form posted from another site): refused, nothing checked.
            let forged = Browser(client)
            let refused = try await forged.post("/tip", form: [("_csrf", "0123456789abcdef0123"), ("text", "網傳停班停課")])
            #expect(refused.status == .forbidden)
            let b = Browser(client)
            let form = try await b.get("/tip")
            let token = Self.field(form, "_csrf") ?? ""
            #expect(try await b.post("/tip", form: [("_csrf", token), ("text", "   ")]).status == .badRequest)
            let long = String(repeating: "淹", count: ModerationApp.tipFormMaxCharacters + 1)
            #expect(try await b.post("/tip", form: [("_csrf", token), ("text", long)]).status == .contentTooLarge)
            let first = try await b.post("/tip", form: [("_csrf", token), ("text", "第一則")])
            #expect(first.status == .ok, "\(first.status) \(first.body.prefix(600))")
            #expect(try await b.post("/tip", form: [("_csrf", token), ("text", "第二則")]).status == .ok)
            let limited = try await b.post("/tip", form: [("_csrf", token), ("text", "第三則")])
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil && limited.body.contains("詢問太頻繁"))
        }
    }

    /// The form takes a screenshot too (multipart/form-data, as a browser sends a file): answered, recorded with
    /// what the picture says and queued; a file that is no picture is answered with what works and not recorded; a
    /// body over the picture limit is refused unread.
    @Test func aPictureCanBeSentWithTheForm() async throws {
        let (f, app) = try await Self.setup(maxPictureBytes: 4096)
        defer { withExtendedLifetime(f) {} }
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let b = Browser(client)
            let form = try await b.get("/tip")
            #expect(form.body.contains("enctype=\"multipart/form-data\"") && form.body.contains("type=\"file\" id=\"picture\" name=\"picture\""))
            let token = Self.field(form, "_csrf") ?? ""
            let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 5, count: 1000))
            let sent = try await b.postMultipart(
                "/tip", fields: [("_csrf", token), ("nonce", Self.field(form, "nonce") ?? ""), ("lang", "zh-TW"), ("text", "")],
                files: [("picture", "截圖.jpg", "image/jpeg", jpeg)])
            #expect(sent.status == .ok && sent.body.contains(Markup.html(Messages.text("tip.verdict.unverified", .zhHant))), "\(sent.body.prefix(800))")
            let notPicture = try await b.postMultipart(
                "/tip", fields: [("_csrf", token), ("text", "")], files: [("picture", "notes.txt", "text/plain", Data("hello".utf8))])
            #expect(notPicture.status == .ok && notPicture.body.contains(Markup.html(Messages.text("tip.picture.unreadable", .zhHant))))
            let big = try await b.postMultipart(
                "/tip", fields: [("_csrf", token), ("text", "")], files: [("picture", "big.jpg", "image/jpeg", Data(repeating: 1, count: 80_000))])
            #expect(big.status == .contentTooLarge)
            let broken = try await b.send(
                "/tip", method: .post, headers: [.contentType: "multipart/form-data; boundary=abc"], body: "no delimiter here")
            #expect(broken.status == .badRequest)
        }
        let demand = try await f.database.tipDemand(since: Date(timeIntervalSince1970: 0))
        #expect(demand.count == 1 && demand[0].claimKey == "image:1004" && demand[0].text == "〔圖片文字〕水庫今晚洩洪", "\(demand)")
        let queued = try await f.database.posts()
        #expect(queued.map(\.text) == ["〔圖片文字〕水庫今晚洩洪"])
    }

    @Test func withoutWebFormTheFormIsNotThere() async throws {
        let f = try await WebFixture(seeds: [])
        try await f.application().test(.router) { client in
            let page = try await Browser(client).get("/tip")
            #expect(page.status == .notFound)
        }
    }
}
