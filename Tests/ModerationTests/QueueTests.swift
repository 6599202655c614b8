import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import Publisher
import SieveCore
@testable import Store
import Testing
import TestSupport

@Suite("Web app: queue, items, decisions")
struct QueueTests {
    /// Item ids in the order the queue page lists them.
    func listedIDs(_ html: String) -> [Int64] {
        html.components(separatedBy: "<tr class=\"item").dropFirst().compactMap { row in
            guard let r = row.range(of: "data-id=\"") else { return nil }
            return Int64(row[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test(arguments: Backend.available) func queueIsSortedByPriorityAndShowsEveryColumn(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let page = try await b.get("/")
            #expect(page.status == .ok)
            #expect(listedIDs(page.body) == ["landslide", "flood", "rumour", "power", "chatter"].map(f.id))
            // excerpt, source, time (Taipei), place, type label, scores
            #expect(page.body.contains("高雄市那瑪夏區台21線發生土石流"))
            #expect(page.body.contains("community-voices"))
            #expect(page.body.contains("2026-09-14 22:10"))
            #expect(page.body.contains("新北市汐止區"))
            #expect(page.body.contains("坍方/土石流"))
            #expect(page.body.contains("0.95") && page.body.contains("0.90"))
            #expect(page.body.contains("審核佇列") && page.body.contains("共 5 則待審"))
        }
    }

    @Test(arguments: Backend.available) func filtersByTypeCountySourceStateAndTime(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            #expect(listedIDs(try await b.get("/?type=flood").body) == [f.id("flood")])
            #expect(listedIDs(try await b.get("/?county=%E6%96%B0%E5%8C%97%E5%B8%82").body) == [f.id("flood")])  // 新北市
            #expect(listedIDs(try await b.get("/?county=%E8%8A%B1%E8%93%AE%E7%B8%A3").body) == [f.id("power")])  // 花蓮縣 (county-level place)
            #expect(listedIDs(try await b.get("/?source=village-board").body) == [f.id("power"), f.id("chatter")])
            // 22:25–22:45 Taipei: the rumour (22:30) and the outage (22:40).
            let window = try await b.get("/?from=2026-09-14T22:25&to=2026-09-14T22:45")
            #expect(listedIDs(window.body) == [f.id("rumour"), f.id("power")])
            #expect(window.body.contains("value=\"2026-09-14T22:25\""))
            #expect(try await b.get("/?from=yesterday").status == .badRequest)
            #expect(try await b.get("/?state=bogus").status == .badRequest)
            try await f.database.review(postID: f.id("power"), decision: .escalate, reviewer: "x", note: nil, channels: [])
            #expect(listedIDs(try await b.get("/?state=escalated").body) == [f.id("power")])
            #expect(listedIDs(try await b.get("/?type=nothing-like-this").body).isEmpty)
        }
    }

    @Test(arguments: Backend.available) func verdictFilterReadsTheCrossReferenceTable(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.database.write { tx in
            // Rows as the cross-reference stage wrote them before explanations were structured (lines of text; matches
            // as IncidentMatch JSON): still read.
            try await tx.execute(
                """
                INSERT INTO xref (postId, verdict, score, explanation, matches, checkedAt)
                VALUES (?, 'contradicted', 0.9, ?, ?, ?)
                """,
                [
                    f.id("rumour"), "人事行政總處公告照常上班上課",
                    "[{\"incidentID\":1,\"externalID\":\"dgpa-1\",\"kind\":\"closure\",\"score\":0.9,\"summary\":\"照常上班上課\",\"reasons\":[]}]",
                    Date(),
                ])
            try await tx.execute(
                "INSERT INTO xref (postId, verdict, score, explanation, matches, checkedAt) VALUES (?, 'corroborated', 0.8, '', '[]', ?)",
                [f.id("landslide"), Date()])
        }
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            #expect(listedIDs(try await b.get("/?verdict=contradicted").body) == [f.id("rumour")])
            #expect(listedIDs(try await b.get("/?verdict=corroborated").body) == [f.id("landslide")])
            #expect(listedIDs(try await b.get("/?verdict=none").body) == [f.id("flood"), f.id("power"), f.id("chatter")])
            #expect(try await b.get("/?verdict=maybe").status == .badRequest)
            let queue = try await b.get("/")
            #expect(queue.body.contains("與官方矛盾") && queue.body.contains("已佐證"))
            let item = try await b.get("/items/\(f.id("rumour"))")
            // Field names never show: the kind in words, the record, its summary, the score.
            #expect(item.body.contains("停班停課 dgpa-1：照常上班上課（分數 0.90）"))
            #expect(!item.body.contains("externalID"))
            #expect(item.body.contains("人事行政總處公告照常上班上課"))
        }
    }

    @Test(arguments: Backend.available) func chineseFullTextSearchUsesTheTokenizer(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            func search(_ q: String) async throws -> [Int64] {
                listedIDs(try await b.get("/?q=" + Browser.escape(q)).body)
            }
            #expect(try await search("土石流") == [f.id("landslide")])
            #expect(try await search("那瑪夏 道路中斷") == [f.id("landslide")])
            #expect(try await search("停班停課") == [f.id("rumour")])
            #expect(try await search("淹水") == [f.id("flood")])
            #expect(try await search("汐止小陳") == [f.id("flood")])  // author names are indexed too
            #expect(try await search("火山爆發").isEmpty)
            #expect(try await search("！？").isEmpty)
            let echoed = try await b.get("/?q=%E5%9C%9F%E7%9F%B3%E6%B5%81")
            #expect(echoed.body.contains("value=\"土石流\""))
        }
    }

    @Test(arguments: Backend.available) func pagingWalksTheWholeQueue(_ backend: Backend) async throws {
        let seeds = (0..<7).map { i in
            WebFixture.Seed(externalID: "p\(i)", text: "第\(i)則淹水回報", minutes: i, priority: Double(10 - i))
        }
        let f = try #require(try await WebFixture.on(backend, seeds: seeds))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let first = try await b.get("/?limit=3")
            #expect(listedIDs(first.body) == ["p0", "p1", "p2"].map(f.id))
            #expect(first.body.contains("href=\"/?limit=3&amp;page=2\""))
            #expect(!first.body.contains("rel=\"prev\""))
            let third = try await b.get("/?limit=3&page=3")
            #expect(listedIDs(third.body) == [f.id("p6")])
            #expect(!third.body.contains("rel=\"next\""))
            #expect(third.body.contains("rel=\"prev\""))
        }
    }

    @Test(arguments: Backend.available) func hostileTextAuthorsAndLinksRenderInert(_ backend: Backend) async throws {
        let payloads = [
            WebFixture.Seed(
                externalID: "x1", title: "<svg onload=alert(1)>", author: "\"><img src=x onerror=alert(2)>",
                url: "javascript:alert(3)", text: "<script>alert(4)</script> 淹水 ' \" & {{chrome.csrf}}", priority: 2),
            WebFixture.Seed(
                externalID: "x2", author: "<b>boss</b>", url: "https://ok.example/a?b=\"><script>alert(5)</script>",
                text: "正常的淹水回報", priority: 1),
            WebFixture.Seed(externalID: "x3", url: "data:text/html,<script>alert(6)</script>", text: "第三則", priority: 0.5),
        ]
        let f = try #require(try await WebFixture.on(backend, seeds: payloads))
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            var pages = [try await b.get("/")]
            for id in ["x1", "x2", "x3"] { pages.append(try await b.get("/items/\(f.id(id))")) }
            for page in pages {
                #expect(page.status == .ok)
                for bad in ["<script>alert", "<svg onload", "<img src=x", "href=\"javascript:", "href=\"data:", "<b>boss"] {
                    #expect(!page.body.contains(bad), "\(bad)")
                }
            }
            let x1 = pages[1].body
            #expect(x1.contains("&lt;script&gt;alert(4)&lt;/script&gt;"))
            #expect(x1.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
            #expect(x1.contains("<span class=\"rawlink\">javascript:alert(3)</span>"))
            #expect(x1.contains("{{chrome.csrf}}"), "template syntax in data is shown, not evaluated")
            let x2 = pages[2].body
            #expect(x2.contains("href=\"https://ok.example/a?b=&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;\""))
            #expect(x2.contains("rel=\"noopener noreferrer nofollow\""))
            // The API returns the text as JSON data, never markup.
            let api = try await b.get("/api/v1/items/\(f.id("x1"))")
            #expect(api.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test(arguments: Backend.available) func openingAnItemClaimsItAndOthersSeeItLocked(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("flood")
        try await f.application().test(.router) { client in
            let a = Browser(client), other = Browser(client)
            try await a.login("mod")
            try await other.login("mod2")
            let mine = try await a.get("/items/\(id)")
            #expect(mine.body.contains("您已鎖定此項目"))
            #expect(mine.body.contains("id=\"approve-form\""))
            let theirs = try await other.get("/items/\(id)")
            #expect(theirs.body.contains("mod 正在處理此項目"))
            #expect(!theirs.body.contains("id=\"approve-form\""))
            #expect(try await other.get("/").body.contains("🔒 mod"))
            let refused = try await other.post(
                "/items/\(id)/decision", form: [("_csrf", theirs.csrf ?? ""), ("decision", "reject"), ("reason", "spam")])
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("mod"))
            let done = try await a.post("/items/\(id)/decision", form: [("_csrf", mine.csrf ?? ""), ("decision", "escalate")])
            #expect(done.status == .seeOther)
            #expect(done.location == "/?done=\(id):escalate")
            // Deciding released the claim: the other moderator can now act on the escalated item.
            let after = try await other.get("/items/\(id)")
            #expect(after.body.contains("id=\"approve-form\""))
        }
        let claims = try await f.database.auditEntries(action: "claim", postId: id)
        #expect(claims.map(\.actor).sorted() == ["mod", "mod2"])
    }

    @Test(arguments: Backend.available) func approvingWithEditedWordingPublishesItOnTheChosenChannel(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("landslide")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let item = try await b.get("/items/\(id)")
            #expect(item.body.contains("name=\"channels\" value=\"community-feed\" checked"))
            let r = try await b.post(
                "/items/\(id)/decision",
                form: [
                    ("_csrf", item.csrf ?? ""), ("decision", "approve"), ("channels_present", "1"),
                    ("channels", "community-feed"), ("public_text", "【已查證】台21線那瑪夏段坍方，請改道。"),
                    ("note", "已向公路局確認"),
                ])
            #expect(r.status == .seeOther)
            let flash = try await b.get(r.location ?? "/")
            #expect(flash.body.contains("#\(id) 已核准"))
            // The publisher (a service of `sieve serve`) delivers the outbox; the feed shows what was delivered.
            _ = await OutboxPublisher(database: f.database, channels: []).deliverPending()
            let feed = try await b.get("/feeds/community.atom")
            #expect(feed.status == .ok)
            #expect(feed.headers[.contentType]?.hasPrefix("application/atom+xml") == true)
            #expect(feed.body.contains("【已查證】台21線那瑪夏段坍方，請改道。"))
            #expect(!feed.body.contains("高雄市那瑪夏區台21線發生土石流"))
            #expect(feed.body.contains("已向公路局確認"))
            #expect(!(try await b.get("/feeds/eoc.atom")).body.contains("<entry>"))
            #expect(try await b.get("/feeds/nothing.atom").status == .notFound)
            // No channel ticked is refused rather than approved into nowhere.
            let other = try await b.get("/items/\(f.id("flood"))")
            let none = try await b.post(
                "/items/\(f.id("flood"))/decision",
                form: [("_csrf", other.csrf ?? ""), ("decision", "approve"), ("channels_present", "1")])
            #expect(none.status == .badRequest)
            let unknown = try await b.post(
                "/items/\(f.id("flood"))/decision",
                form: [("_csrf", other.csrf ?? ""), ("decision", "approve"), ("channels", "twitter")])
            #expect(unknown.status == .badRequest)
            #expect(unknown.body.contains("沒有「twitter」這個頻道"), "\(unknown.body.suffix(500))")
        }
        #expect(try await f.database.publications(postID: id).map(\.channel) == ["community-feed"])
        let audit = try #require(try await f.database.auditEntries(action: "approve", postId: id).first)
        #expect(audit.actor == "mod")
        #expect(audit.before == "{\"state\":\"queued\"}")
        #expect(audit.after?.contains("\"publicText\":\"【已查證】台21線那瑪夏段坍方，請改道。\"") == true)
        // `sieve publish` (ChannelPublisher) writes the same edited wording.
        #expect(try await f.database.publishableItems(channel: "community-feed").first?.text == "【已查證】台21線那瑪夏段坍方，請改道。")
    }

    @Test(arguments: Backend.available) func rejectingNeedsAReasonAndRecordsIt(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("rumour")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let item = try await b.get("/items/\(id)")
            let missing = try await b.post("/items/\(id)/decision", form: [("_csrf", item.csrf ?? ""), ("decision", "reject")])
            #expect(missing.status == .badRequest)
            #expect(missing.body.contains("not_disaster"))
            let ok = try await b.post(
                "/items/\(id)/decision", form: [("_csrf", item.csrf ?? ""), ("decision", "reject"), ("reason", "rumour")])
            #expect(ok.status == .seeOther)
            // Deciding twice is a conflict, not a second review.
            let again = try await b.post(
                "/items/\(id)/decision", form: [("_csrf", item.csrf ?? ""), ("decision", "reject"), ("reason", "spam")])
            #expect(again.status == .conflict)
            let history = try await b.get("/items/\(id)")
            #expect(history.body.contains("謠言") && history.body.contains("已退回"))
        }
        #expect(try await f.database.reviews(postID: id).map(\.reason) == ["rumour"])
    }

    @Test(arguments: Backend.available) func keyboardStyleDecisionAnswersJSON(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("power")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let queue = try await b.get("/")
            let r = try await b.post(
                "/items/\(id)/decision", form: [("decision", "approve")],
                headers: [HTTPField.Name("X-CSRF-Token")!: queue.csrf ?? "", .accept: "application/json"])
            #expect(r.status == .ok)
            #expect(r.body == "{\"id\":\(id),\"state\":\"approved\",\"state_label\":\"已核准\"}")
        }
        // No channel named: every configured channel.
        #expect(try await f.database.publications(postID: id).map(\.channel) == ["community-feed", "eoc-feed"])
    }

    @Test(arguments: Backend.available) func mergingMarksTheDuplicateAndGrowsTheCluster(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let dup = f.id("rumour"), head = f.id("landslide")
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("mod")
            let item = try await b.get("/items/\(dup)")
            #expect(try await b.post("/items/\(dup)/merge", form: [("_csrf", item.csrf ?? ""), ("into", "\(dup)")]).status == .badRequest)
            #expect(try await b.post("/items/\(dup)/merge", form: [("_csrf", item.csrf ?? ""), ("into", "99999")]).status == .notFound)
            let r = try await b.post("/items/\(dup)/merge", form: [("_csrf", item.csrf ?? ""), ("into", "#\(head)")])
            #expect(r.status == .seeOther)
            #expect(r.location == "/items/\(head)?done=\(dup):merge")
            let queue = try await b.get("/")
            #expect(!listedIDs(queue.body).contains(dup))
            #expect(queue.body.contains("×2"))
            let headPage = try await b.get("/items/\(head)")
            #expect(headPage.body.contains("相似貼文（2）"))
            #expect(headPage.body.contains("href=\"/items/\(dup)\""))
        }
        let merged = try await f.database.item(id: dup)
        #expect(merged.duplicateOf == head)
        #expect(merged.state == "rejected")
        #expect(try await f.database.item(id: head).clusterSize == 2)
        #expect(try await f.database.reviews(postID: dup).first?.reason == "duplicate")
        #expect(try await f.database.auditEntries(action: "merge").first?.after == "{\"duplicateOf\":\(head),\"state\":\"rejected\"}")
    }

    @Test(arguments: Backend.available) func bulkActionDecidesTheCheckedItemsAndSkipsLockedOnes(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let holder = Browser(client)
            try await holder.login("mod2")
            _ = try await holder.get("/items/\(f.id("power"))")
            let b = Browser(client)
            try await b.login("mod")
            let queue = try await b.get("/?type=power_outage")
            #expect(queue.body.contains("name=\"ids\" value=\"\(f.id("power"))\""))
            let r = try await b.post(
                "/bulk",
                form: [
                    ("_csrf", queue.csrf ?? ""), ("back", "/?type=power_outage"), ("decision", "reject"), ("reason", "not_disaster"),
                    ("ids", "\(f.id("chatter"))"), ("ids", "\(f.id("rumour"))"), ("ids", "\(f.id("power"))"),
                ])
            #expect(r.status == .seeOther)
            #expect(r.location == "/?type=power_outage&bulk=2,1")
            let flash = try await b.get(r.location!)
            #expect(flash.body.contains("批次處理：2 則完成，1 則略過"))
            let missing = try await b.post("/bulk", form: [("_csrf", queue.csrf ?? ""), ("decision", "escalate")])
            #expect(missing.status == .badRequest)
            let evil = try await b.post(
                "/bulk", form: [("_csrf", queue.csrf ?? ""), ("back", "//evil.example/"), ("decision", "escalate"), ("ids", "\(f.id("flood"))")])
            #expect(evil.location == "/?bulk=1,0")
        }
        #expect(try await f.database.item(id: f.id("chatter")).state == "rejected")
        #expect(try await f.database.item(id: f.id("rumour")).state == "rejected")
        #expect(try await f.database.item(id: f.id("power")).state == "queued")
    }

    @Test(arguments: Backend.available) func aDecisionShowsOnTheNextPageViewDespiteThePageCache(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        try await f.application().test(.router) { client in
            let b = Browser(client), other = Browser(client)
            try await b.login("mod")
            try await other.login("mod2")
            let before = try await other.get("/")
            #expect(listedIDs(before.body).contains(f.id("rumour")))
            let page = try await b.get("/")
            let r = try await b.post(
                "/items/\(f.id("rumour"))/decision", form: [("decision", "reject"), ("reason", "rumour")],
                headers: [HTTPField.Name("X-CSRF-Token")!: page.csrf ?? "", .accept: "application/json"])
            #expect(r.status == .ok)
            let after = try await other.get("/")
            #expect(!listedIDs(after.body).contains(f.id("rumour")))
            #expect(after.body.contains("共 4 則待審"))
            let api = try await other.get("/api/v1/queue")
            #expect(!api.body.contains("\"id\":\(f.id("rumour")),"))
        }
    }
}
