import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Mastodon adapter")
struct MastodonAdapterTests {
    let adapter = MastodonAdapter()
    let publicURL = "https://mastodon.example.tw/api/v1/timelines/public?limit=4"
    let linkHeader = """
        <https://mastodon.example.tw/api/v1/timelines/public?limit=4&max_id=113145670000000001>; rel="next", \
        <https://mastodon.example.tw/api/v1/timelines/public?limit=4&min_id=113145700000000004>; rel="prev"
        """

    @Test func publicTimeline() throws {
        let r = try adapter.extract(try fixture("mastodon-public.json"), url: publicURL, headers: ["link": linkHeader])
        #expect(r.warnings.isEmpty)
        #expect(r.posts.map(\.externalID) == [
            "mastodon:mastodon.example.tw:113145700000000004",
            "mastodon:mastodon.example.tw:113145600000000001",  // the boosted status, not the boost
            "mastodon:mastodon.example.tw:113145680000000002",
            "mastodon:mastodon.example.tw:113145670000000001",
        ])

        // Chinese paragraphs and <br> keep their line breaks; hashtags stay readable.
        let flood = r.posts[0]
        #expect(flood.text == "汐止康寧街積水已經淹到機車坐墊了\n二樓鄰居說一樓全泡水，有長輩還在裡面等救援\n請大家不要開車進來\n#石虎颱風 #汐止")
        #expect(flood.url == "https://mastodon.example.tw/@kangning_resident/113145700000000004")
        #expect(flood.author == "kangning_resident")
        #expect(flood.extra["displayName"] == "康寧街住戶")
        #expect(flood.extra["tags"] == "石虎颱風,汐止")
        #expect(flood.extra["visibility"] == "public")
        #expect(flood.language == "zh-TW")
        #expect(flood.published == taipei(2026, 9, 14, 22, 5, 12))
        #expect(flood.title == nil)

        // A boost: the boosted status's words, author, url and time; the booster noted.
        let boost = r.posts[1]
        #expect(boost.text == "【海上陸上颱風警報】石虎颱風暴風圈已進入臺北市、新北市及基隆市陸地，請嚴加戒備。\n詳情：https://www.cwa.gov.tw/V8/C/P/Typhoon/TY_NEWS.html")
        #expect(boost.author == "cwa_news@social.example.org")
        #expect(boost.url == "https://social.example.org/@cwa_news/112999000000000777")
        #expect(boost.published == taipei(2026, 9, 14, 21, 40))
        #expect(boost.extra["boostedBy"] == "emic_watch")
        #expect(boost.extra["boostID"] == "113145690000000003")
        #expect(boost.language == "zh-TW")

        // A content warning comes first; the reply and the photo are noted.
        let cw = r.posts[2]
        #expect(cw.text == "災情照片：淹水畫面\n基隆河水位還在漲，社后橋下的河濱公園已經整片看不到了。\n內湖那側的抽水站有在運轉")
        #expect(cw.extra["spoiler"] == "災情照片：淹水畫面")
        #expect(cw.extra["sensitive"] == "true")
        #expect(cw.extra["inReplyTo"] == "113145650000000000")
        #expect(cw.extra["displayName"] == nil)
        #expect(cw.extra["media"]?.hasSuffix("/original/9f8e7d.jpg") == true)
        #expect(cw.pictures == ["https://files.mastodon.example.tw/media_attachments/files/113/145/679/000/000/000/original/9f8e7d.jpg"])
        #expect(r.posts[0].pictures.isEmpty)
        let cwTime = try #require(cw.published)
        #expect(abs(cwTime.timeIntervalSince(taipei(2026, 9, 14, 21, 58, 3)) - 0.512) < 0.001)

        // No url: the uri; entities decoded.
        let english = r.posts[3]
        #expect(english.url == "https://mastodon.example.tw/users/expat_in_taipei/statuses/113145670000000001")
        #expect(english.text == "Power just went out in Neihu & the MRT brown line is suspended. Stay safe, everyone #TyphoonShihu")
        #expect(english.language == "en")

        // The Link header's next page.
        #expect(r.follow == [
            FollowLink(url: "https://mastodon.example.tw/api/v1/timelines/public?limit=4&max_id=113145670000000001", role: .page)
        ])
    }

    @Test func withoutLinkHeaderTheNextPageIsDerivedFromTheSmallestId() throws {
        let r = try adapter.extract(try fixture("mastodon-public.json"), url: publicURL, headers: [:])
        // The smallest timeline entry id (the boost's own id counts, the boosted status's does not).
        #expect(r.follow == [
            FollowLink(url: "https://mastodon.example.tw/api/v1/timelines/public?limit=4&max_id=113145670000000001", role: .page)
        ])
        // An old max_id is replaced, min_id dropped (it would page forward), other parameters kept.
        let again = try adapter.extract(
            try fixture("mastodon-public.json"),
            url: "https://mastodon.example.tw/api/v1/timelines/public?local=true&max_id=9&min_id=1", headers: [:])
        #expect(again.follow.map(\.url) == ["https://mastodon.example.tw/api/v1/timelines/public?local=true&max_id=113145670000000001"])
        // Ids compare as numbers, not as strings.
        let json = #"[{"id": "99", "content": "<p>a</p>"}, {"id": "100", "content": "<p>b</p>"}]"#
        let numeric = try adapter.extract(Data(json.utf8), url: "https://m.example/api/v1/timelines/public", headers: [:])
        #expect(numeric.follow.map(\.url) == ["https://m.example/api/v1/timelines/public?max_id=99"])
    }

    @Test func hashtagTimeline() throws {
        let url = "https://mastodon.example.tw/api/v1/timelines/tag/%E7%9F%B3%E8%99%8E%E9%A2%B1%E9%A2%A8?limit=2"
        let link = """
            <https://mastodon.example.tw/api/v1/timelines/tag/%E7%9F%B3%E8%99%8E%E9%A2%B1%E9%A2%A8?limit=2&max_id=113145700000000004>; rel="next"
            """
        let r = try adapter.extract(try fixture("mastodon-tag.json"), url: url, headers: ["link": link])
        #expect(r.posts.count == 2)
        let remote = r.posts[0]
        #expect(remote.externalID == "mastodon:mastodon.example.tw:113145710000000010")
        #expect(remote.author == "namasia@g0v.example.social")
        #expect(remote.text == "台21線那瑪夏段坍方，道路中斷，\n請改道台29線。\n#石虎颱風")
        #expect(remote.url == "https://g0v.example.social/@namasia/222000111")
        // The same status on another timeline of the same instance has the same id.
        let onPublic = try adapter.extract(try fixture("mastodon-public.json"), url: publicURL, headers: [:])
        #expect(r.posts[1] == onPublic.posts[0])
        #expect(r.follow.map(\.url) == [
            "https://mastodon.example.tw/api/v1/timelines/tag/%E7%9F%B3%E8%99%8E%E9%A2%B1%E9%A2%A8?limit=2&max_id=113145700000000004"
        ])
    }

    @Test func linkHeaderVariants() throws {
        let body = try fixture("mastodon-tag.json")
        // prev only: this is the last page.
        let last = try adapter.extract(body, url: publicURL, headers: ["link": #"<https://mastodon.example.tw/x?min_id=5>; rel="prev""#])
        #expect(last.follow.isEmpty)
        // Reversed order, unquoted rel, relative target.
        let reversed = try adapter.extract(
            body, url: publicURL, headers: ["link": #"</api/v1/timelines/public?min_id=7>; rel="prev", </api/v1/timelines/public?max_id=3>;rel=next"#])
        #expect(reversed.follow.map(\.url) == ["https://mastodon.example.tw/api/v1/timelines/public?max_id=3"])
    }

    @Test func emptyPageEndsPaging() throws {
        let r = try adapter.extract(Data("[]".utf8), url: publicURL, headers: [:])
        #expect(r == AdapterResult())
    }

    @Test func errorsNameTheURL() {
        for body in [
            #"{"error": "The access token is invalid"}"#, #"{"error": "Record not found"}"#, "[{\"id\": 5}]", "<html>502</html>",
            "[{\"content\": \"<p>no id</p>\"}]", "",
        ] {
            #expect {
                try adapter.extract(Data(body.utf8), url: publicURL, headers: [:])
            } throws: { error in
                guard let e = error as? AdapterError else { return false }
                return e.url == publicURL && (!body.contains("error") || e.message.contains("Mastodon API error"))
            }
        }
    }
}
