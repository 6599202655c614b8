import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("JSON Feed adapter")
struct JSONFeedAdapterTests {
    let adapter = JSONFeedAdapter()
    let url = "https://www.xizhi.example.gov.tw/feeds/disaster.json"

    @Test func version11() throws {
        let r = try adapter.extract(try fixture("jsonfeed-1.1.json"), url: url, headers: [:])
        #expect(r.posts.count == 3)
        // The last item has neither content nor title.
        #expect(r.warnings == ["\(url): items[3] has no content_text, content_html, summary or title; skipped"])

        let shelter = r.posts[0]
        #expect(shelter.externalID == "https://www.xizhi.example.gov.tw/news/2026-0914-03")
        #expect(shelter.url == "https://www.xizhi.example.gov.tw/news/2026-0914-03")
        #expect(shelter.title == "康寧街一帶積水，開設社后國小收容所")
        // content_text wins over content_html.
        #expect(shelter.text == "石虎颱風外圍環流帶來強降雨，康寧街、樟樹一路一帶積水約50公分。\n本所已於21:30開設社后國小收容所，需要協助撤離的民眾請撥1999。")
        #expect(shelter.published == taipei(2026, 9, 14, 21, 45))
        #expect(shelter.author == "汐止區公所災害應變中心")  // the feed's author
        #expect(shelter.language == "zh-TW")  // the feed's language
        #expect(shelter.extra["tags"] == "石虎颱風,積水,收容所")
        #expect(shelter.extra["modified"] == "2026-09-14T22:05:00+08:00")

        let notice = r.posts[1]
        #expect(notice.externalID == "2026-0914-02")
        #expect(notice.url == "https://www.xizhi.example.gov.tw/news/2026-0914-02")  // relative to feed_url
        #expect(notice.text == "依新北市政府公告，明（15）日照常上班、照常上課。\n網路流傳「明天全台停班停課」為不實訊息。")
        #expect(notice.author == "汐止區公所民政課")
        #expect(notice.language == "zh-Hant-TW")

        let warning = r.posts[2]
        #expect(warning.url == "https://www.cwa.example.gov.tw/typhoon/2026-shihu")  // external_url
        #expect(warning.text == "暴風圈預計今晚進入新北市陸地，請做好防颱準備。")  // summary
        #expect(warning.published == taipei(2026, 9, 15, 1, 30))  // date_modified, UTC
        #expect(warning.extra["externalURL"] == "https://www.cwa.example.gov.tw/typhoon/2026-shihu")

        #expect(r.follow == [FollowLink(url: "https://www.xizhi.example.gov.tw/feeds/disaster.json?page=2", role: .page)])
    }

    @Test func version10() throws {
        let r = try adapter.extract(try fixture("jsonfeed-1.0.json"), url: "https://namasia.example.org/feed.json", headers: [:])
        #expect(r.warnings.isEmpty)
        #expect(r.follow.isEmpty)
        #expect(r.posts.count == 2)
        let road = r.posts[0]
        #expect(road.externalID == "20260914002")  // a number, coerced to a string
        #expect(road.text == "台21線115公里處坍方，雙向道路中斷，\n搶修時間未定，請改道台29線。")
        #expect(road.author == "建設課")  // 1.0 `author`
        #expect(road.published == taipei(2026, 9, 14, 22, 10))
        #expect(road.language == nil)
        let evac = r.posts[1]
        #expect(evac.title == nil)
        #expect(evac.author == "那瑪夏區公所")
        #expect(evac.text == "達卡努瓦里土石流紅色警戒，已預防性撤離 32 人。")
    }

    @Test func itemWithoutIdFallsBackToItsURL() throws {
        let json = """
            {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
              {"url": "https://e.example/a", "content_text": "a"},
              {"content_text": "b"},
              {"id": "x", "content_text": "c"}, {"id": "x", "content_text": "d"}]}
            """
        let r = try adapter.extract(Data(json.utf8), url: "https://e.example/feed.json", headers: [:])
        #expect(r.posts.map(\.externalID).first == "https://e.example/a")
        #expect(r.posts[1].externalID.hasPrefix("h:"))
        #expect(r.posts.count == 3)  // the repeated id is dropped
        #expect(r.warnings.count == 3)
        // The hash is stable.
        #expect(try adapter.extract(Data(json.utf8), url: "https://e.example/feed.json", headers: [:]) == r)
    }

    @Test func invalidFeedsAreErrors() {
        let cases: [(String, String)] = [
            (#"{"version": "https://jsonfeed.org/version/2", "items": []}"#, "version 2 is not supported"),
            (#"{"title": "no version", "items": []}"#, "no \"version\""),
            (#"{"version": "1.1", "items": []}"#, "not a JSON Feed version"),
            (#"{"version": "https://jsonfeed.org/version/1.1", "title": "t"}"#, "\"items\" array"),
            (#"{"version": "https://jsonfeed.org/version/1.1", "items": {"id": "1"}}"#, "\"items\" array"),
            (#"{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": 5}]}"#, "items[0].title"),
            (#"[{"version": "https://jsonfeed.org/version/1.1"}]"#, "is an object"),
            (#"{"version": "https://jsonfeed.org/version/1.1", "items": [}"#, "malformed JSON"),
            ("", "empty"),
        ]
        for (body, needle) in cases {
            #expect {
                try adapter.extract(Data(body.utf8), url: url, headers: [:])
            } throws: { error in
                guard let e = error as? AdapterError else { return false }
                return e.url == url && e.message.contains(needle)
            }
        }
    }
}
