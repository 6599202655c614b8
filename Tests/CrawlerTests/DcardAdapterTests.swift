import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Dcard adapter")
struct DcardAdapterTests {
    let adapter = DcardAdapter()

    func file(_ name: String) throws -> Data? {
        guard let dir = TestPaths.sharedData("dcard") else { return nil }
        return try Data(contentsOf: dir.appendingPathComponent(name))
    }

    func utc(_ s: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)!
    }

    /// Equal to the millisecond (Calendar and ISO8601DateFormatter round fractions differently).
    func close(_ a: Date?, _ b: Date) -> Bool {
        guard let a else { return false }
        return abs(a.timeIntervalSince(b)) < 0.001
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func forumPostListFollowsPostsAndThePreviousPage() throws {
        let data = try #require(try file("post_metas.json"))
        let url = "https://www.dcard.tw/_api/forums/funny/posts?popular=false"
        let r = try adapter.extract(data, url: url, headers: [:])
        #expect(r.posts.isEmpty)
        #expect(r.follow.count == 31)
        #expect(r.follow.first == FollowLink(url: "https://www.dcard.tw/_api/posts/224362515", role: .item))
        #expect(r.follow[29] == FollowLink(url: "https://www.dcard.tw/_api/posts/224362147", role: .item))
        #expect(r.follow.filter { $0.role == .item }.count == 30)
        #expect(r.follow.last == FollowLink(url: "https://www.dcard.tw/_api/forums/funny/posts?popular=false&before=224362147", role: .page))
        // The next page of the next page replaces `before`.
        let again = try adapter.extract(data, url: "https://www.dcard.tw/_api/forums/funny/posts?before=1&popular=false", headers: [:])
        #expect(again.follow.last?.url == "https://www.dcard.tw/_api/forums/funny/posts?popular=false&before=224362147")
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func singlePost() throws {
        let data = try #require(try file("single_post_content.json"))
        let r = try adapter.extract(data, url: "https://www.dcard.tw/_api/posts/224341009", headers: [:])
        let p = try #require(r.posts.first)
        #expect(r.posts.count == 1)
        #expect(p.externalID == "dcard:224341009")
        #expect(p.url == "https://www.dcard.tw/f/girl/p/224341009")
        #expect(p.title == "#圖 1件比基尼征服8種男人的眼👀")
        // anonymousDepartment: school only.
        #expect(p.author == "逢甲大學")
        #expect(close(p.published, utc("2016-07-10T21:32:42.884Z")))
        #expect(p.text.hasPrefix("每到夏天我要去！海～邊～（去海邊！🌊\n海邊有個漂亮高雄妹～\n沒錯！今天就是要來介紹高雄妹"))
        #expect(p.extra["forum"] == "girl")
        #expect(p.extra["forumName"] == "女孩")
        #expect(p.extra["tags"] == "交叉,比基尼,董事長,圖,泳衣,男人")
        #expect(p.extra["commentCount"] == "375")
        #expect(p.replies.isEmpty)
        #expect(r.follow == [FollowLink(url: "https://www.dcard.tw/_api/posts/224341009/comments", role: .item)])
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func commentsArePostsOfTheirOwn() throws {
        let data = try #require(try file("single_post_comments.json"))
        let url = "https://www.dcard.tw/_api/posts/224341009/comments"
        let r = try adapter.extract(data, url: url, headers: [:])
        // 375 comments, 4 of them hidden (no content).
        #expect(r.posts.count == 371)
        #expect(Set(r.posts.map(\.externalID)).count == 371)
        let first = r.posts[0]
        #expect(first.externalID == "dcard:224341009/b/1")
        #expect(first.text == "好有創意XD")
        #expect(first.author == "普渡大學")
        #expect(close(first.published, utc("2016-07-10T21:35:05.547Z")))
        #expect(first.extra["post"] == "dcard:224341009")
        #expect(first.extra["floor"] == "1")
        #expect(first.extra["commentID"] == "b830f731-aa46-4c31-962d-41d03344b8f8")
        #expect(!r.posts.contains { $0.externalID == "dcard:224341009/b/148" })  // hidden
        let host = r.posts.filter { $0.extra["host"] == "true" }
        #expect(host.map(\.externalID) == ["dcard:224341009/b/174", "dcard:224341009/b/175", "dcard:224341009/b/178", "dcard:224341009/b/179"])
        #expect(r.posts.last?.text == "呃………反正每個人都有自己的想法啦\n原po別放在心上\n個人覺得滿幽默的:)))")
        #expect(r.follow == [FollowLink(url: url + "?after=375", role: .page)])
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func firstCommentPageLinksTheNext() throws {
        let data = try #require(try file("single_post_single_comments.json"))
        let url = "https://www.dcard.tw/_api/posts/224341009/comments"
        let r = try adapter.extract(data, url: url, headers: [:])
        #expect(r.posts.count == 30)
        #expect(r.posts.last?.externalID == "dcard:224341009/b/30")
        #expect(r.posts.last?.author == "臺東大學")
        #expect(r.follow == [FollowLink(url: url + "?after=30", role: .page)])
        // Ids do not depend on the page a comment was read from.
        let all = try #require(try file("single_post_comments.json"))
        let full = try adapter.extract(all, url: url + "?after=0", headers: [:])
        #expect(Array(full.posts.prefix(30)) == r.posts)
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func savedBundlesKeepCommentsAsReplies() throws {
        let data = try #require(try file("posts.json"))
        let r = try adapter.extract(data, url: "file:///posts.json", headers: [:])
        #expect(r.posts.count == 30)
        #expect(r.posts.map(\.replies.count).reduce(0, +) == 67)  // 70 comments, 3 hidden
        let p = try #require(r.posts.first { $0.externalID == "dcard:224362388" })
        #expect(p.title == "#圖#我妹的超狂讀書方法")
        #expect(p.author == "勤益科大")
        #expect(p.url == "https://www.dcard.tw/f/funny/p/224362388")
        #expect(p.replies.count == 6)
        #expect(p.replies[0].kind == "comment")
        #expect(p.replies[0].author == "臺灣大學")
        #expect(p.replies[0].text == "你妹是歐陽妮妮?")
        #expect(close(p.replies[0].published, utc("2016-07-15T10:48:25.591Z")))
        #expect(p.replies[0].rawTime == "2016-07-15T10:48:25.591Z")
        #expect(p.replies[5].author == "吳鳳科技大學 消防系")
        let named = try #require(r.posts.first { $0.externalID == "dcard:224362473" })
        #expect(named.author == "暨南大學 中文系")
        #expect(named.title == "所以你那裡大嗎？（微甲")
    }

    @Test(.enabled(if: TestPaths.has("dcard"), "../shared/data/dcard is absent")) func listingsWithNothingToExtract() throws {
        for (name, url) in [
            ("forums.json", "https://www.dcard.tw/_api/forums"),
            ("forums_all.json", "https://www.dcard.tw/_api/forums"),
            ("single_post_links.json", "https://www.dcard.tw/_api/posts/224341009/links"),
        ] {
            let data = try #require(try file(name))
            let r = try adapter.extract(data, url: url, headers: [:])
            #expect(r == AdapterResult(), "\(name)")
        }
        // The end of a post list: no more pages.
        let end = try adapter.extract(Data("[]".utf8), url: "https://www.dcard.tw/_api/forums/funny/posts?before=1", headers: [:])
        #expect(end == AdapterResult())
    }

    @Test func anonymousAuthor() throws {
        let json = """
            {"id": 230000001, "title": "汐止淹水", "content": "康寧街積水及膝\\n車子不要開進來", "createdAt": "2026-09-14T14:10:00.000Z",
             "forumAlias": "talk", "forumName": "閒聊", "school": "臺灣大學", "anonymousSchool": true, "anonymousDepartment": true,
             "commentCount": 0, "deletedAt": null}
            """
        let r = try adapter.extract(Data(json.utf8), url: "https://www.dcard.tw/_api/posts/230000001", headers: [:])
        let p = try #require(r.posts.first)
        #expect(p.author == "匿名")
        #expect(p.text == "康寧街積水及膝\n車子不要開進來")
        #expect(p.published == taipei(2026, 9, 14, 22, 10))
        #expect(r.follow.isEmpty)  // no comments to fetch
    }

    @Test func malformedJSONSaysWhere() {
        let url = "https://www.dcard.tw/_api/posts/1"
        let bad = Data("[\n  {\"id\": 1,\n   \"title\": \"x\",,\n  }\n]".utf8)
        #expect {
            try adapter.extract(bad, url: url, headers: [:])
        } throws: { error in
            guard let e = error as? AdapterError else { return false }
            return e.url == url && e.message.hasPrefix("malformed JSON") && e.message.contains("line 3")
        }
        for body in [Data(), Data("{\"error\": 1202, \"message\": \"Post not found\"}".utf8), Data("[1, 2]".utf8),
            Data("[{\"id\": \"x\", \"title\": 5}]".utf8), Data("\"text\"".utf8)]
        {
            #expect {
                try adapter.extract(body, url: url, headers: [:])
            } throws: { error in
                (error as? AdapterError)?.url == url
            }
        }
    }
}
