import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// `/public`: approved items and retractions for anyone, nothing else; by place; cache-friendly and small.
@Suite("Web app: public page")
struct PublicPageTests {
    static let approve = WebDecision(decision: .approve, channels: ["community-feed"])

    @Test(arguments: Backend.available)
    func showsOnlyApprovedItemsAndRetractionsToAnyone(_ backend: Backend) async throws {
        let queued = WebFixture.Seed(externalID: "queued", text: "南投縣仁愛鄉有人說道路坍方，待確認。", minutes: 60)
        let f = try #require(try await WebFixture.on(backend, seeds: WebFixture.defaultSeeds + [queued]))
        let db = f.database
        try await db.decide(postID: f.id("flood"), Self.approve, by: "mod")
        try await db.decide(postID: f.id("landslide"), Self.approve, by: "mod")
        try await db.retract(postID: f.id("landslide"), reviewer: "mod", note: "道路已搶通，訊息過時")
        try await db.decide(postID: f.id("power"), WebDecision(decision: .escalate), by: "mod")
        // An EOC lead withdrawn before it was ever public: not news for the public page.
        try await db.decide(postID: f.id("rumour"), WebDecision(decision: .escalate), by: "mod")
        try await db.retract(postID: f.id("rumour"), reviewer: "mod", note: "EOC 查無此事")
        try await db.decide(postID: f.id("chatter"), WebDecision(decision: .reject, reason: .notDisaster), by: "mod")
        try await f.application().test(.router) { client in
            let anonymous = Browser(client)
            let page = try await anonymous.get("/public")
            #expect(page.status == .ok)
            #expect(page.body.contains("汐止康寧街淹水到腰"))  // approved
            #expect(page.body.contains("已撤回") && page.body.contains("道路已搶通，訊息過時"))  // retracted, as such
            #expect(!page.body.contains("南投縣仁愛鄉有人說道路坍方"))  // queued
            #expect(!page.body.contains("網傳明天全台停班停課") && !page.body.contains("EOC 查無此事"))  // escalated, then withdrawn
            #expect(!page.body.contains("花蓮縣吉安鄉停電"))  // escalated: the EOC's, not the public's
            #expect(!page.body.contains("颱風天在家煮泡麵"))  // rejected
            #expect(page.body.contains("<html lang=\"zh-Hant-TW\">"))
            // One script, from this site, only for "near me"; nothing inline (the CSP allows none anyway).
            #expect(page.body.components(separatedBy: "<script").count == 2)
            #expect(page.body.contains("<script src=\"/static/public.js\" defer></script>"))
            // The same answer for everyone, cacheable, no cookie.
            #expect(page.headers[.cacheControl] == "public, max-age=60")
            #expect(page.setCookies.isEmpty)
            let etag = try #require(page.headers[.eTag])
            #expect(try await anonymous.get("/public", headers: [.ifNoneMatch: etag]).status == .notModified)
            let mod = Browser(client)
            try await mod.login("mod")
            #expect(try await mod.get("/public").body == page.body)

            // By county, then township; an unknown county is ignored, never echoed.
            let county = try await anonymous.get("/public?county=" + Browser.escape("新北市"))
            #expect(county.body.contains("汐止康寧街淹水到腰"))
            #expect(county.body.contains("township=" + Browser.escape("汐止區")))
            let town = try await anonymous.get("/public?county=\(Browser.escape("新北市"))&township=\(Browser.escape("汐止區"))")
            #expect(town.body.contains("汐止康寧街淹水到腰") && town.body.contains("新北市汐止區：已查證"))
            let other = try await anonymous.get("/public?county=" + Browser.escape("高雄市"))
            #expect(!other.body.contains("汐止康寧街淹水到腰"))
            let bogus = try await anonymous.get("/public?county=%3Cscript%3E")
            #expect(bogus.status == .ok && !bogus.body.contains("<script>") && bogus.body.contains("全臺：已查證"))
            // Large text and high contrast are links that keep the place.
            let large = try await anonymous.get("/public?county=\(Browser.escape("新北市"))&text=large&contrast=high")
            #expect(large.body.contains("<body class=\"large contrast\">"))
            #expect(large.body.contains("/public?county=\(Browser.escape("新北市"))&amp;contrast=high"))  // "一般字體" keeps contrast
        }
    }

    /// A typhoon night's worth of approvals: the first page stays under 100 KB (a low-end phone on a weak signal).
    @Test func firstPageStaysSmall() async throws {
        let long = String(repeating: "汐止康寧街一帶淹水，請改道並注意安全。", count: 14)  // ≈ 280 characters
        let seeds = (0..<120).map { i in
            WebFixture.Seed(
                externalID: "p\(i)", source: "community-voices", url: "https://community.example/p/\(i)", text: "\(i) \(long)",
                minutes: i, places: [PlaceMention(surface: "汐止區", name: "汐止區", level: "township", county: "新北市")])
        }
        let f = try await WebFixture(seeds: seeds)
        for seed in seeds { try await f.database.decide(postID: f.id(seed.externalID), Self.approve, by: "mod") }
        try await f.application().test(.router) { client in
            let page = try await Browser(client).get("/public")
            #expect(page.body.utf8.count <= 100_000, "\(page.body.utf8.count) bytes")
            #expect(page.body.components(separatedBy: "<article class=\"item").count - 1 == 30)
            #expect(page.body.contains("已查證的災情（120 則）"))
            #expect(page.body.contains("href=\"/public?page=2\" rel=\"next\""))
            let css = try await Browser(client).get("/static/public.css")
            let js = try await Browser(client).get("/static/public.js")
            #expect(page.body.utf8.count + css.body.utf8.count + js.body.utf8.count <= 100_000)
        }
    }
}

/// The public page in the reader's language: `?lang=` (kept in every link), else Accept-Language; the posts stay as
/// written, labelled as the original.
@Test func publicPageSpeaksTheReadersLanguage() async throws {
    let f = try await WebFixture()
    try await f.database.decide(postID: f.id("flood"), WebDecision(decision: .approve, channels: ["community-feed"]), by: "mod")
    try await f.application().test(.router) { client in
        let b = Browser(client)
        let vi = try await b.get("/public?lang=vi")
        #expect(vi.body.contains("<html lang=\"vi\">"))
        #expect(vi.body.contains("Toàn Đài Loan: tin thiên tai đã xác minh và thông tin chính thức"))
        #expect(vi.body.contains("Ngập lụt, Người bị mắc kẹt"))  // the types, from structured fields
        #expect(vi.body.contains("汐止區, New Taipei City (新北市)"))  // the place: official romanisation of the county
        #expect(vi.body.contains("Bài gốc, nguyên văn (tiếng Trung):"))
        #expect(vi.body.contains("<p class=\"text\" lang=\"zh-Hant-TW\">汐止康寧街淹水到腰"))  // the post as written
        #expect(vi.body.contains("county=" + Browser.escape("新北市") + "&amp;lang=vi"))  // links keep the language
        #expect(vi.headers[.vary] == nil)
        let en = try await b.get("/public", headers: [.acceptLanguage: "en-GB,en;q=0.9,zh-TW;q=0.5"])
        #expect(en.body.contains("<html lang=\"en\">") && en.body.contains("Verified reports (1)"))
        #expect(en.headers[.vary] == "Accept-Language")
        for lang in ["id", "th", "fil"] {
            let page = try await b.get("/public?lang=\(lang)")
            #expect(page.body.contains("<html lang=\"\(lang)\">"))
            #expect(!page.body.contains("已查證的災情（"), "\(lang) still shows Chinese chrome")
        }
        let zh = try await b.get("/public")
        #expect(zh.body.contains("<html lang=\"zh-Hant-TW\">") && zh.body.contains("已查證的災情（1 則）"))
    }
}
