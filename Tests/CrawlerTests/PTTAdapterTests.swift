import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

/// A Taipei wall-clock time.
func taipei(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Date {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "Asia/Taipei")!
    return cal.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
}

/// A file under Tests/CrawlerTests/Fixtures.
func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("Tests/CrawlerTests/Fixtures/\(name)"))
}

@Suite("PTT adapter")
struct PTTAdapterTests {
    let adapter = PTTAdapter()

    /// One of the saved ptt.cc pages, extracted as if fetched from its ptt.cc URL (taken from the file name).
    func page(_ file: String) throws -> AdapterResult? {
        guard let dir = TestPaths.sharedData("ptt") else { return nil }
        let data = try Data(contentsOf: dir.appendingPathComponent(file))
        let parts = file.components(separatedBy: "_M.")
        let url = "https://www.ptt.cc/bbs/\(parts[0])/M.\(parts[1])"
        return try adapter.extract(data, url: url, headers: [:])
    }

    func post(_ file: String) throws -> ExtractedPost? {
        guard let result = try page(file) else { return nil }
        try #require(result.posts.count == 1)
        return result.posts[0]
    }

    func counts(_ p: ExtractedPost) -> [String: Int] {
        Dictionary(grouping: p.replies, by: \.kind).mapValues(\.count)
    }

    // MARK: Every saved page

    struct Expected: Sendable, CustomTestStringConvertible {
        var file: String
        var id: String
        var board: String
        var title: String
        var author: String
        var nickname: String?
        var published: Date
        var pushes: [String: Int]
        var ip: String?
        var bodyStart: String
        var testDescription: String { file }
    }

    static let pages: [Expected] = [
        Expected(
            file: "Gossiping_M.1119222611.A.7A9.html", id: "M.1119222611.A.7A9", board: "Gossiping", title: "第一耶！",
            author: "gogoegg", nickname: "--", published: taipei(2005, 6, 20, 7, 11, 31),
            pushes: ["推": 338, "噓": 833, "→": 320], ip: "140.113.191.11",
            bodyStart: "1 Gossiping 綜合 ◎記者，你的名字是抄襲。"),
        Expected(
            file: "Gossiping_M.1119222660.A.94E.html", id: "M.1119222660.A.94E", board: "Gossiping",
            title: "Re: (問題)華航空難留言", author: "Muroi", nickname: "I Honestly Love You",
            published: taipei(2005, 6, 20, 7, 28, 27), pushes: ["推": 489, "噓": 148, "→": 204],
            ip: "138.130.212.179", bodyStart: "看到這推文,忍不住要寫一個飛機沒油的例子"),
        Expected(
            file: "Gossiping_M.1123769450.A.A1A.html", id: "M.1123769450.A.A1A", board: "Gossiping",
            title: "[名人] 有沒有人有希特勒的八卦阿", author: "MOTHERGOOSE", nickname: nil,
            published: taipei(2005, 8, 10, 15, 3, 16), pushes: ["推": 7, "→": 1], ip: "220.132.142.235",
            bodyStart: "希特勒 有性病 聽說是年輕時"),
        Expected(
            file: "Gossiping_M.1173456473.A.F4F.html", id: "M.1173456473.A.F4F", board: "Gossiping",
            title: "Re: 有沒有俄國人的八卦？", author: "julysecond", nickname: "還是台灣好",
            published: taipei(2007, 3, 10, 0, 7, 48), pushes: ["推": 33, "→": 7], ip: "220.133.23.50",
            bodyStart: "喔喔~~終於有我可以回答的八卦了(不久前在那住過一陣子)"),
        Expected(
            file: "Gossiping_M.1175469904.A.05B.html", id: "M.1175469904.A.05B", board: "Gossiping",
            title: "[八卦] 食品與營養", author: "a9051338", nickname: "冰雨", published: taipei(2007, 4, 2, 7, 24, 47),
            pushes: ["推": 35, "→": 10], ip: "140.118.229.94", bodyStart: "這學期修了一門通識 「食品與健康」"),
        Expected(
            file: "Gossiping_M.1519661420.A.098.html", id: "M.1519661420.A.098", board: "Gossiping",
            title: "[公告] Gossiping 板 開始舉辦樂透!", author: "ocean5566", nickname: nil,
            published: taipei(2018, 2, 27, 0, 10, 18), pushes: ["推": 6, "噓": 19, "→": 9], ip: nil,
            bodyStart: "誰第二高票當選板主\n請到 Gossiping 板 按'f'參與樂透!"),
        Expected(
            file: "Soft_Job_M.1181801925.A.86E.html", id: "M.1181801925.A.86E", board: "Soft_Job",
            title: "[公告] Soft_Job 板試閱", author: "Junchoon", nickname: "裘髯客",
            published: taipei(2007, 6, 14, 14, 18, 43), pushes: ["推": 3, "→": 2], ip: "125.232.236.105",
            bodyStart: "Soft_Job 板申請開板連署達到門檻"),
        Expected(
            file: "Soft_Job_M.1181803258.A.666.html", id: "M.1181803258.A.666", board: "Soft_Job", title: "搶頭香",
            author: "eggimage", nickname: "雞蛋非人哉啊....", published: taipei(2007, 6, 14, 14, 40, 56),
            pushes: ["推": 5], ip: "207.74.195.202", bodyStart: "呵呵"),
        Expected(
            file: "Soft_Job_M.1181804025.A.7A7.html", id: "M.1181804025.A.7A7", board: "Soft_Job",
            title: "恭喜開板 ^^", author: "everforwind", nickname: "ob", published: taipei(2007, 6, 14, 14, 53, 44),
            pushes: [:], ip: "140.112.91.4", bodyStart: "呵呵真高興有這個版，我也是唸資工的，最近剛要畢業，未來"),
        Expected(
            file: "Soft_Job_M.1181824048.A.244.html", id: "M.1181824048.A.244", board: "Soft_Job",
            title: "[閒聊] 開版妙戊", author: "eric1125", nickname: "ERIC", published: taipei(2007, 6, 14, 20, 27, 24),
            pushes: [:], ip: "61.221.67.170", bodyStart: "恭喜恭喜阿\n身為資訊軟體人"),
        Expected(
            file: "Soft_Job_M.1519661420.A.098.html", id: "M.1528204397.A.81C", board: "Soft_Job",
            title: "[請益] 大家是如何在就業中找工作的?", author: "adsl15888", nickname: "去留",
            published: taipei(2018, 6, 5, 21, 13, 13), pushes: ["推": 18, "→": 20], ip: "119.42.265.151",
            bodyStart: "我一直很好奇這個問題"),
        Expected(
            file: "WomenTalk_M.1143885175.A.C8D.html", id: "M.1143885175.A.C8D", board: "WomenTalk",
            title: "[公告] Kennyq水桶", author: "JANKO", nickname: "右邊的朋友你們好!!!",
            published: taipei(2006, 4, 1, 18, 9, 31), pushes: ["推": 3, "噓": 1, "→": 5], ip: "59.113.21.53",
            bodyStart: "Kennyq在18381的推文中 已經符合版規第一條"),
    ]

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent"), arguments: pages)
    func article(_ e: Expected) throws {
        let p = try #require(try post(e.file))
        #expect(p.externalID == e.id)
        #expect(p.url == "https://www.ptt.cc/bbs/\(e.board)/\(e.id).html")
        #expect(p.title == e.title)
        #expect(p.author == e.author)
        #expect(p.extra["nickname"] == e.nickname)
        #expect(p.extra["board"] == e.board)
        #expect(p.extra["ip"] == e.ip)
        #expect(p.published == e.published)
        #expect(counts(p) == e.pushes)
        #expect(p.text.hasPrefix(e.bodyStart))
        // The header, the footer and the pushes are not body text.
        for noise in ["※ 發信站", "◆ From:", "※ 編輯", "※ 文章網址", "轉錄至看板", "推薦值歸零", e.title] {
            #expect(!p.text.contains(noise), "\(noise) in the body of \(e.file)")
        }
        #expect(!p.text.hasPrefix("作者"))
        #expect(!p.text.split(separator: "\n").contains("--"))
        for reply in p.replies {
            #expect(reply.author?.isEmpty == false)
            #expect(["推", "噓", "→"].contains(reply.kind))
            #expect(reply.rawTime != nil)
        }
        // The same page gives the same post again: ids are stable.
        #expect(try self.post(e.file) == p)
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func allThirteenPagesAreRead() throws {
        let dir = try #require(TestPaths.sharedData("ptt"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".html") }
        #expect(files.count == 13)
        let covered = Set(Self.pages.map(\.file) + ["Gossiping_M.1577579359.A.B76.html"])
        #expect(Set(files) == covered)
        for file in files { _ = try page(file) }
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func pushesInDetail() throws {
        let p = try #require(try post("Gossiping_M.1519661420.A.098.html"))
        #expect(p.replies.count == 34)
        #expect(p.replies[0] == Reply(kind: "→", author: "a81255316", text: "滾", published: taipei(2018, 2, 27, 0, 10), rawTime: "02/27 00:10"))
        #expect(p.replies[8].author == "Liquid")
        #expect(p.replies[8].text == "幹! 你不要一直洗版手動置底")
        #expect(p.replies.last == Reply(kind: "推", author: "zxasqw0246", text: "請支持DQ", published: taipei(2018, 2, 27, 18, 16), rawTime: "02/27 18:16"))
        #expect(p.text.contains("樂透結束時間: 02/27/2018 22:00:25 Tue"))
        #expect(p.extra["warning"] == nil)
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func oversizedArticleWith1491Pushes() throws {
        let r = try #require(try page("Gossiping_M.1119222611.A.7A9.html"))
        let p = try #require(r.posts.first)
        #expect(p.replies.count == 1491)
        #expect(p.extra["warning"] == "檔案過大！部分文章無法顯示")
        #expect(r.warnings.contains { $0.contains("檔案過大！部分文章無法顯示") && $0.contains("M.1119222611.A.7A9") })
        // Old pushes have a date and an IP but no time.
        #expect(p.replies[0] == Reply(kind: "→", author: "bullets", text: "被M了，恭喜!!", published: taipei(2005, 6, 20), rawTime: "06/20"))
        #expect(p.replies[2].text == "")
        #expect(p.replies[2].rawTime == "09/21 08:15")
        let last = try #require(p.replies.last)
        #expect(last.author == "p6579")
        #expect(last.text == "見證歷史的時刻到了")
        #expect(last.rawTime == "12/30 20:30")
        // Pushes are in order, so the year rolls over instead of going back in time.
        let dates = p.replies.compactMap(\.published)
        #expect(dates.count == 1491)
        #expect(zip(dates, dates.dropFirst()).allSatisfy { $0 <= $1.addingTimeInterval(86_400) })
        #expect(p.text.hasSuffix("不行po的話快回信給我 我自d"))
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func deletedArticleYieldsNothingButAWarning() throws {
        let r = try #require(try page("Gossiping_M.1577579359.A.B76.html"))
        #expect(r.posts.isEmpty)
        #expect(r.follow.isEmpty)
        #expect(r.warnings.count == 1)
        #expect(r.warnings[0].contains("404"))
        #expect(r.warnings[0].contains("https://www.ptt.cc/bbs/Gossiping/M.1577579359.A.B76.html"))
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func invalidPushDateKeepsRawTime() throws {
        let r = try #require(try page("WomenTalk_M.1143885175.A.C8D.html"))
        let p = try #require(r.posts.first)
        #expect(p.replies.count == 9)
        let invalid = p.replies.filter { $0.published == nil }
        #expect(invalid.count == 6)
        #expect(invalid.allSatisfy { $0.rawTime?.hasPrefix("03/32 ") == true && $0.author == "Kennyq" })
        #expect(p.replies[0] == Reply(kind: "→", author: "Kennyq", text: "你天生麗質我就沒話講...", published: nil, rawTime: "03/32 03:24"))
        #expect(r.warnings.filter { $0.contains("invalid date \"03/32") }.count == 6)
        #expect(p.extra["warning"] == "6 push time(s) unreadable")
        #expect(p.replies.last == Reply(kind: "推", author: "JANKO", text: "已處理 謝謝 :)", published: taipei(2006, 4, 1, 22, 33), rawTime: "04/01 22:33"))
        // The signature is part of the body; the quoted pushes are replies, not body text.
        #expect(p.text.contains("一閃一閃亮晶晶"))
        #expect(!p.text.contains("你天生麗質"))
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func pushYearRollsOverAndLeapDaysFindALeapYear() throws {
        let p = try #require(try post("Soft_Job_M.1181803258.A.666.html"))
        #expect(p.replies.map(\.published) == [
            taipei(2007, 6, 14, 14, 52), taipei(2008, 5, 27, 19, 31), taipei(2009, 3, 16, 12, 9),
            taipei(2009, 11, 15, 10, 38), taipei(2010, 7, 15, 11, 32),
        ])
        let r = try #require(try page("Gossiping_M.1119222660.A.94E.html"))
        #expect(r.warnings.isEmpty)
        let g = try #require(r.posts.first)
        #expect(g.replies.count == 841)
        let leap = g.replies.filter { $0.rawTime?.hasPrefix("02/29") == true }
        #expect(leap.count == 2)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Taipei")!
        for reply in leap {
            let d = try #require(reply.published)
            let c = cal.dateComponents([.year, .month, .day], from: d)
            #expect(c.month == 2 && c.day == 29 && c.year! % 4 == 0)
        }
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func headerOnlyInTheBody() throws {
        // 「作者: julysecond (還是台灣好) 站內: Gossiping」 as text; a stray </div> in the footer.
        let p = try #require(try post("Gossiping_M.1173456473.A.F4F.html"))
        #expect(p.extra["warning"] == nil)
        #expect(p.replies.count == 40)
        #expect(p.replies[1].author == "iamsosorry")
        #expect(p.text.hasSuffix("西班牙芒果牌全部三折時就是路邊攤的價錢了(我看到的只是都市)"))
        // Old-style header spans (「 作者 」「 MOTHERGOOSE 」) and the rule under them.
        let q = try #require(try post("Gossiping_M.1123769450.A.A1A.html"))
        #expect(!q.text.contains("───"))
        #expect(q.replies[0].rawTime == "08/11")
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func timeGluedToTitle() throws {
        // 「[閒聊] 開版妙戊時間: Thu Jun 14 20:27:24 2007」 and no 時間 line.
        let p = try #require(try post("Soft_Job_M.1181824048.A.244.html"))
        #expect(p.title == "[閒聊] 開版妙戊")
        #expect(p.published == taipei(2007, 6, 14, 20, 27, 24))
        #expect(p.text == "恭喜恭喜阿\n身為資訊軟體人\n一定要來簽到一下\n以後大家多多交流吧\n我只是個小小菜鳥程式設計師...XD")
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func canonicalLinkNamesTheArticle() throws {
        // Saved as M.1519661420.A.098, but the page is M.1528204397.A.81C (its canonical link and 文章網址).
        let r = try #require(try page("Soft_Job_M.1519661420.A.098.html"))
        let p = try #require(r.posts.first)
        #expect(p.externalID == "M.1528204397.A.81C")
        #expect(r.warnings.contains { $0.contains("canonical") && $0.contains("M.1528204397.A.81C") })
        // The author's lines between pushes stay in the body.
        #expect(p.text.contains("請問104開起來 會被老闆發現嗎?"))
        #expect(p.text.contains("人資又不是白請的 怎麼可能這點能力會沒有"))
        #expect(!p.text.contains("104開起來，獵人頭有興趣就會找你了"))
    }

    @Test(.enabled(if: TestPaths.has("ptt"), "../shared/data/ptt is absent")) func truncatedPagesAreReadOrRefusedByName() throws {
        let dir = try #require(TestPaths.sharedData("ptt"))
        let url = "https://www.ptt.cc/bbs/X/M.1000000000.A.001.html"
        for file in Self.pages.map(\.file) {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            for fraction in [0.05, 0.3, 0.5, 0.77, 0.99] {
                let cut = data.prefix(Int(Double(data.count) * fraction))  // may split a UTF-8 sequence
                do {
                    let r = try adapter.extract(cut, url: url, headers: [:])
                    // Whatever is read names its post and says something (a title at least), never an empty shell.
                    for p in r.posts {
                        #expect(!p.externalID.isEmpty && !((p.title ?? "").isEmpty && p.text.isEmpty), "\(file) cut at \(fraction)")
                    }
                    if fraction == 0.99 { #expect(r.posts.count == 1, "\(file): the article is all there but its last bytes") }
                } catch {
                    #expect("\(error)".contains(url), "\(file) cut at \(fraction): \(error)")
                }
            }
        }
    }

    // MARK: Index pages

    @Test func boardIndex() throws {
        let url = "https://www.ptt.cc/bbs/Gossiping/index.html"
        let r = try adapter.extract(try fixture("ptt-index.html"), url: url, headers: [:])
        #expect(r.posts.isEmpty)
        #expect(r.warnings.isEmpty)
        #expect(r.follow == [
            FollowLink(url: "https://www.ptt.cc/bbs/Gossiping/M.1789394101.A.2C4.html", role: .item),
            FollowLink(url: "https://www.ptt.cc/bbs/Gossiping/M.1789395012.A.3F1.html", role: .item),
            FollowLink(url: "https://www.ptt.cc/bbs/Gossiping/M.1789395340.A.0B7.html", role: .item),
            FollowLink(url: "https://www.ptt.cc/bbs/Gossiping/M.1788001234.A.9D2.html", role: .item),
            FollowLink(url: "https://www.ptt.cc/bbs/Gossiping/index39120.html", role: .page),
        ])
    }

    @Test func oldestIndexPageHasNoPreviousPage() throws {
        let html = """
            <html><body><div id="main-container"><div class="btn-group btn-group-paging">
            <a class="btn wide disabled">最舊</a><a class="btn wide disabled">&lsaquo; 上頁</a>
            <a class="btn wide" href="/bbs/Test/index2.html">下頁 &rsaquo;</a></div>
            <div class="r-list-container"><div class="r-ent"><div class="title"><a href="/bbs/Test/M.1000000000.A.001.html">[測試] 一</a></div></div></div>
            </div></body></html>
            """
        let r = try adapter.extract(Data(html.utf8), url: "https://www.ptt.cc/bbs/Test/index1.html", headers: [:])
        #expect(r.follow == [FollowLink(url: "https://www.ptt.cc/bbs/Test/M.1000000000.A.001.html", role: .item)])
    }

    // MARK: Errors

    @Test func over18PageSaysWhatIsMissing() {
        let html = """
            <html><head><title>批踢踢實業坊</title></head><body><div class="bbs-screen bbs-content center clear">
            <div class="over18-notice"><p>本網站已依網站內容分級規定處理</p></div>
            <form action="/ask/over18" method="post"><input type="hidden" name="from" value="/bbs/Gossiping/index.html">
            <button class="btn-big" type="submit" name="yes" value="yes">我同意，我已年滿十八歲</button></form></div></body></html>
            """
        let url = "https://www.ptt.cc/ask/over18?from=%2Fbbs%2FGossiping%2Findex.html"
        #expect {
            try adapter.extract(Data(html.utf8), url: url, headers: [:])
        } throws: { error in
            let e = error as? AdapterError
            return e?.url == url && e?.message.contains("over18=1") == true
        }
    }

    @Test func malformedContentIsAnErrorNamingTheURL() {
        let url = "https://www.ptt.cc/bbs/Test/M.1000000000.A.001.html"
        for body in [Data(), Data("<html><body><p>502 Bad Gateway</p></body></html>".utf8), Data([0xFF, 0x00, 0x8B, 0x1F])] {
            #expect {
                try adapter.extract(body, url: url, headers: [:])
            } throws: { error in
                (error as? AdapterError)?.url == url
            }
        }
    }

    @Test func articleWithoutHeaderOrIdInURL() throws {
        // Still extracted from what is there; the id comes from the canonical link.
        let html = """
            <html><head><link rel="canonical" href="https://www.ptt.cc/bbs/Test/M.1789395012.A.ABC.html"></head>
            <body><div id="main-container"><div id="main-content" class="bbs-screen bbs-content">颱風夜 停電了
            <div class="push"><span class="hl push-tag">推 </span><span class="f3 hl push-userid">a</span><span class="f3 push-content">: 同</span><span class="push-ipdatetime"> 02/30 25:61
            </span></div></div></div></body></html>
            """
        let r = try adapter.extract(Data(html.utf8), url: "https://www.ptt.cc/bbs/Test/", headers: [:])
        let p = try #require(r.posts.first)
        #expect(p.externalID == "M.1789395012.A.ABC")
        #expect(p.text == "颱風夜 停電了")
        #expect(p.title == nil)
        #expect(p.author == nil)
        #expect(p.extra["board"] == "Test")
        // No 時間 line: the article id's timestamp.
        #expect(p.published == Date(timeIntervalSince1970: 1_789_395_012))
        #expect(p.replies == [Reply(kind: "推", author: "a", text: "同", published: nil, rawTime: "02/30 25:61")])
        #expect(p.extra["warning"]?.contains("no article header") == true)
        #expect(r.warnings.count == 1)
    }
}
