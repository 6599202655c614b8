import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// The moderators' app in English: every template, label and message from the one catalogue, chosen by `?lang=`
/// (remembered in a cookie) or Accept-Language.
@Suite("Web app: English")
struct AppLanguageTests {
    /// Boundary files for the test under way, in a folder removed after it.
    let files = TempDir()

    /// A model score is shown as its label when the model abstained (不確定) and with its label when a rumour score
    /// is in the flag band (待查證), in either language.
    @Test func scoresShowTheirLabels() {
        #expect(ScoreText.shown(0.42, label: "待查證") == "待查證 0.42")
        #expect(ScoreText.shown(0.42, label: "待查證", .en) == "Check 0.42")
        #expect(ScoreText.shown(0.5, label: "不確定", .en) == "Unsure")
        #expect(ScoreText.shown(0.91, label: "像謠言") == "0.91")
    }

    @Test func everyTemplateTranslatesToEnglishWithNoChineseLeft() {
        for (name, text) in Templates.all where name != "public" {
            let english = Templates.translated(text, .en)
            // The search box's example stays Chinese: it shows what to type.
            let leftovers = english.split(separator: "\n").filter { Messages.hasChinese(String($0)) && !$0.contains("placeholder=\"e.g. 土石流 那瑪夏") }
            #expect(leftovers.isEmpty, "template \(name): \(leftovers)")
            #expect(Templates.translated(text, .zhHant) == text)
        }
        #expect(Templates.translated(Templates.layout, .en).contains("<html lang=\"en\">"))
    }

    /// Every error the app writes itself (`WebError(…, message: "…")` in Sources/Moderation) is a catalogue key
    /// with an English entry, with `{name}` placeholders for what varies — never an English sentence with the
    /// value built in. The exceptions are the replies to LINE's and Telegram's servers (machines, not people).
    @Test func everyErrorMessageIsInTheCatalogue() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("Sources/Moderation")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        let literal = try Regex(#"WebError\(status: \.\w+, message: "((?:[^"\\]|\\.)*)""#)
        let platformReplies = ["missing or wrong X-Line-Signature", "missing or wrong X-Telegram-Bot-Api-Secret-Token"]
        var checked = 0
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (line, source) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for match in source.matches(of: literal) {
                    let raw = String(match.output[1].substring ?? "")
                    let key = raw.replacingOccurrences(of: "\\\"", with: "\"")
                    if platformReplies.contains(key) || key.hasPrefix("not a LINE webhook") || key.hasPrefix("not a Telegram update")
                        || key.hasPrefix("webhook body") || key.hasPrefix("no LINE tipline") || key.hasPrefix("no Telegram tipline")
                        || key == "the tipline's secrets cannot be read; see the server log" { continue }
                    checked += 1
                    #expect(!raw.contains("\\("), "\(file):\(line + 1): a value built into the message: \(raw)")
                    #expect(Messages.appEnglish[key] != nil, "\(file):\(line + 1): no English entry for \(key)")
                }
            }
        }
        #expect(checked > 40)
    }

    /// The store's refusals shown on web pages and in the API: each in the catalogue, in both languages.
    @Test func everyStoreRefusalIsInTheCatalogue() {
        let refusals: [StoreError] = [
            .noSuchPost(7), .invalidTransition(post: 7, from: "queued", decision: "retract"),
            .invalidTransition(post: 7, from: "queued", decision: "edit"), .invalidTransition(post: 7, from: "approved", decision: "approve"),
            .unknownChannel("x", known: ["community-feed"]), .unknownChannel("x", known: []), .noSuchDelivery(3),
            .deliveryState(id: 3, status: "sent", wanted: "retry"), .accountExists("amy"), .noSuchAccount("amy"),
            .claimedByOther(post: 7, user: "amy", until: Date()), .invalidMerge(post: 7, into: 7), .invalidMerge(post: 7, into: 8),
            .retracted(post: 7, delivery: 3), .database("SELECT secret"), .open(path: "/x.sqlite", underlying: "gone"),
        ]
        for refusal in refusals {
            let web = AuthMiddleware.webError(refusal, status: AuthMiddleware.status(for: refusal))
            #expect(Messages.appEnglish[web.message] != nil, "\(refusal): \(web.message)")
            let chinese = web.text(.zhHant), english = web.text(.en)
            #expect(Messages.hasChinese(chinese) && !Messages.hasChinese(english), "\(chinese) / \(english)")
            #expect(!chinese.contains("{") && !english.contains("{"), "\(chinese) / \(english)")
            #expect(!english.contains("SELECT") && !english.contains("x.sqlite"))
        }
    }

    @Test func everyPageReadsInEnglishAndTheChoiceSticks() async throws {
        let folder = files.path(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shapes = try MapFixtures.writeTopoJSON(in: folder)
        let f = try #require(try await WebFixture.on(.sqlite) { $0.server.mapBoundaries = shapes })
        let db = f.database
        try await db.decide(postID: f.id("flood"), WebDecision(decision: .approve, channels: ["community-feed"]), by: "mod")
        try await db.decide(postID: f.id("chatter"), WebDecision(decision: .reject, reason: .notDisaster), by: "mod")
        // The landslide's reasons as the classifier writes them: lines and their notes.
        let notes = [
            ReasonNote("提到{words}：{type}（+{weight}）", ["words": "「土石流」", "type": "坍方/土石流", "weight": "8.5"], names: ["type": "type.landslide"]),
            ReasonNote("地點：{places}", ["places": "高雄市那瑪夏區"]),
        ]
        var assessment = Assessment(
            disaster: 0.95, rumour: 0.42, types: ["landslide"], places: [], reasons: notes.map { $0.render() }, model: "test")
        assessment.reasonNotes = notes
        // The labels the calibrated models give are stored with the assessment and shown with the scores.
        assessment.rumourLabel = "待查證"
        assessment.disasterLabel = "災情通報"
        try await db.saveAssessments([(f.id("landslide"), assessment, 1.5)])
        Messages.missingAppPhrases.withLock { $0.removeAll() }
        try await f.application().test(.router) { client in
            // Signed out: the login page follows Accept-Language.
            let login = try await Browser(client).get("/login", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(login.body.contains("<html lang=\"en\">") && login.body.contains("Password") && login.body.contains(">中文</a>"))
            let wrong = Browser(client)
            _ = try await wrong.get("/login")
            let admin = Browser(client)
            try await admin.login("admin")
            // ?lang=en switches and is remembered; the queue's labels and rows are English, posts stay as written.
            let queue = try await admin.get("/?lang=en")
            #expect(queue.body.contains("<html lang=\"en\">") && queue.body.contains("Moderation queue"))
            #expect(queue.setCookies.contains { $0.hasPrefix("sieve_lang=en;") })
            #expect(queue.body.contains("Landslide") || queue.body.contains("landslide"))
            #expect(queue.body.contains("台21線坍方"))  // data, untranslated
            let again = try await admin.get("/")  // the browser sends the sieve_lang cookie back
            #expect(again.body.contains("Moderation queue") && again.body.contains(">中文</a>"))
            let pages = [
                "/?lang=en", "/items/\(f.id("landslide"))?lang=en", "/items/\(f.id("flood"))?lang=en", "/dashboard?lang=en",
                "/outbox?lang=en", "/admin/audit?lang=en", "/admin/users?lang=en", "/map?window=24h&end=2026-09-15T06:00&lang=en",
                "/map?county=\(Browser.escape("新北市"))&end=2026-09-15T06:00&lang=en", "/?done=\(f.id("flood")):approve&lang=en",
                "/items/999999?lang=en", "/map?window=5h&lang=en",
            ]
            for path in pages {
                let page = try await admin.get(path)
                #expect(page.body.contains("<html lang=\"en\">"), "\(path)")
                for zh in ["審核", "佇列", "登出", "待審", "已核准", "儀表板", "地圖", "發布匣", "稽核", "帳號"] {
                    #expect(!page.body.contains(zh), "\(path) still says \(zh)")
                }
            }
            let map = try await admin.get("/map?window=24h&end=2026-09-15T06:00&lang=en")
            #expect(map.body.contains("New Taipei City") == false)  // county names come from the data as written
            #expect(map.body.contains("新北市汐止區: 0 queued, 1 approved") && map.body.contains("Legend"))
            let landslide = try await admin.get("/items/\(f.id("landslide"))?lang=en")
            #expect(landslide.body.contains("mentions 「土石流」: ") && landslide.body.contains("places: 高雄市那瑪夏區"))
            let landslideZh = try await admin.get("/items/\(f.id("landslide"))?lang=zh-TW")
            #expect(landslideZh.body.contains("提到「土石流」：坍方/土石流（+8.5）"))
            #expect(landslide.body.contains("Check 0.42") && landslideZh.body.contains("待查證 0.42"))
            let queueZh = try await admin.get("/?lang=zh-TW")
            #expect(queueZh.body.contains("待查證 0.42"))
            _ = try await admin.get("/?lang=en")
            let item = try await admin.get("/items/\(f.id("flood"))?lang=en")
            #expect(item.body.contains("Retract this item") && item.body.contains("Approved"))
            // Errors in the page's language.
            let eoc = Browser(client)
            try await eoc.login("eoc")
            let forbidden = try await eoc.get("/outbox?lang=en")
            #expect(forbidden.status == .forbidden && forbidden.body.contains("EOC viewer accounts can look but not decide"))
            // And back to Chinese.
            let zh = try await admin.get("/?lang=zh-TW")
            #expect(zh.body.contains("<html lang=\"zh-Hant-TW\">") && zh.body.contains("審核佇列") && zh.setCookies.contains { $0.hasPrefix("sieve_lang=zh-TW;") })
        }
        let missing = Messages.missingAppPhrases.withLock { $0 }
        #expect(missing.isEmpty, "phrases without English: \(missing.sorted())")
    }
}
