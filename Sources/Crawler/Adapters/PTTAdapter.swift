import CLibXML2
import Foundation
import Net
import SieveCore

/// ptt.cc's web BBS (批踢踢實業坊).
///
/// - Board index pages (`/bbs/BOARD/index.html`, `indexNNN.html`): every article row (`div.r-ent`) becomes a
///   `FollowLink(role: .item)` and the 「‹ 上頁」 button a `FollowLink(role: .page)`. Index pages yield no posts
///   (their titles and authors are truncated); rows of deleted articles 「(本文已被刪除)」 have no link and are skipped.
/// - Article pages (`/bbs/BOARD/M.1519661420.A.098.html`): one post. External id = the article file id
///   ("M.1519661420.A.098", from the page's canonical link, else the URL); board, title, author id (nickname in
///   `extra["nickname"]`), the 時間 line as Taipei time, the body without header, pushes and footer; pushes become
///   `replies` (推/噓/→) with their "MM/DD HH:MM" times resolved from the article's year (rolling the year over
///   when a push would otherwise be older than the one before it, as pushes are written in order); the poster's IP
///   in `extra["ip"]`; problems (「檔案過大！部分文章無法顯示」, invalid push dates) in `extra["warning"]` and the
///   result's warnings.
/// - A 404 page (deleted article) yields nothing and a warning.
///
/// Boards marked 18+ (Gossiping …) answer with a confirmation form unless the request carries the cookie
/// `over18=1`; setting it is the HTTP client's job. The form is reported as an error that says so.
public struct PTTAdapter: SourceAdapter {
    public static let name = "ptt"

    public init() {}

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        guard !body.isEmpty else { throw AdapterError(url: url, message: "empty body, expected a ptt.cc page") }
        guard let doc = try AdapterHTMLDocument(body, url: url) else {
            throw AdapterError(url: url, message: "could not be parsed as HTML")
        }
        if doc.first("//form[contains(@action, 'over18')]") != nil {
            throw AdapterError(
                url: url,
                message: "ptt.cc served its 18+ confirmation page; the request needs the cookie over18=1")
        }
        if let main = doc.first("//div[@id='main-content']") {
            return try article(doc, main: main, url: url)
        }
        if doc.first("//div[\(xpathHasClass("r-ent"))]") != nil || doc.first("//div[\(xpathHasClass("r-list-container"))]") != nil {
            return index(doc, url: url)
        }
        let title = doc.string("//title") ?? ""
        let screen = doc.string("//div[\(xpathHasClass("bbs-screen"))]") ?? ""
        if title.hasPrefix("404") || screen.contains("404") {
            return AdapterResult(warnings: ["\(url): ptt.cc says \"\(screen.isEmpty ? title : screen)\" (deleted article?)"])
        }
        throw AdapterError(
            url: url, message: "neither a ptt.cc article (no div#main-content) nor a board index (no div.r-ent)")
    }

    // MARK: Board index

    func index(_ doc: AdapterHTMLDocument, url: String) -> AdapterResult {
        var result = AdapterResult()
        var seen = Set<String>()
        for row in doc.nodes("//div[\(xpathHasClass("r-ent"))]") {
            guard let href = doc.string(".//div[\(xpathHasClass("title"))]//a/@href", in: row) else { continue }
            let link = AdapterURL.resolve(href, against: url)
            if seen.insert(link).inserted { result.follow.append(FollowLink(url: link, role: .item)) }
        }
        for a in doc.nodes("//div[\(xpathHasClass("btn-group-paging"))]//a | //a[\(xpathHasClass("btn"))]") {
            let label = XML.text(a)
            guard label.contains("上頁"), let href = XML.attribute(a, "href"), !href.isEmpty else { continue }
            result.follow.append(FollowLink(url: AdapterURL.resolve(href, against: url), role: .page))
            break
        }
        return result
    }

    // MARK: Article

    struct Header {
        var author: String?
        var board: String?
        var title: String?
        var time: String?
    }

    func article(_ doc: AdapterHTMLDocument, main: XMLNodePtr, url: String) throws(AdapterError) -> AdapterResult {
        // The content: div#main-content, plus whatever a stray </div> in old articles pushed out of it.
        var nodes = [main]
        var sibling = main.pointee.next
        while let s = sibling {
            if XML.isElement(s), XML.attribute(s, "id") == "article-polling" { break }
            nodes.append(s)
            sibling = s.pointee.next
        }

        var walker = Walker()
        for n in nodes { walker.walk(n) }

        var warnings: [String] = []
        var header = walker.header
        var lines = walker.text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\u{3000}" })
                .joined(separator: " ")
        }.filter { !$0.isEmpty }

        // Old articles carry the header as text ("作者: id (nick) 站內: Board" / " 作者  id  看板  Board ").
        if header.author == nil && header.title == nil {
            var consumed = 0
            for line in lines.prefix(6) {
                if let m = line.wholeMatch(of: /作者[:：]?\s*(.+?)\s+(?:看板|站內)[:：]?\s*(\S+)/) {
                    header.author = String(m.1)
                    header.board = header.board ?? String(m.2)
                } else if let m = line.wholeMatch(of: /作者[:：]\s*(.+)|作者\s+(.+)/) {
                    header.author = String(m.1 ?? m.2 ?? "")
                } else if let m = line.wholeMatch(of: /標題[:：]?\s*(.*)/) {
                    header.title = String(m.1)
                } else if let m = line.wholeMatch(of: /時間[:：]?\s*(.+)/) {
                    header.time = String(m.1)
                } else if consumed > 0 && line.allSatisfy({ $0 == "─" || $0 == "-" || $0 == "═" }) {
                    // the rule under an old header
                } else {
                    break
                }
                consumed += 1
            }
            lines.removeFirst(consumed)
        }

        // Footer lines and the signature separator are not the article.
        var ip: String?
        var editIP: String?
        lines = lines.filter { line in
            if line.hasPrefix("※ 發信站") || line.hasPrefix("◆ From:") || line.hasPrefix("※ Origin") {
                if let m = line.firstMatch(of: /(?:來自|From)[:：]\s*([0-9A-Fa-f.:]+[0-9A-Fa-f])/) { ip = ip ?? String(m.1) }
                return false
            }
            if line.hasPrefix("※ 編輯") {
                if let m = line.firstMatch(of: /(\d{1,3}(?:\.\d{1,3}){3})/) { editIP = editIP ?? String(m.1) }
                return false
            }
            // 「※ 文章網址」, 「※ user:轉錄至看板 X」, a moderator's 「※user 於 … 將推薦值歸零」
            if line.hasPrefix("※ 文章網址")
                || (line.hasPrefix("※") && (line.contains("轉錄至看板") || line.contains("推薦值歸零")))
            {
                return false
            }
            return line != "--"
        }
        ip = ip ?? editIP

        // Identity: the page's canonical link names the article it is; the fetched URL is the fallback.
        let canonical = doc.string("//link[@rel='canonical']/@href")
        let urlParts = Self.articleParts(url)
        let canonicalParts = canonical.flatMap(Self.articleParts)
        guard let parts = canonicalParts ?? urlParts ?? walker.articleURL.flatMap(Self.articleParts) else {
            throw AdapterError(url: url, message: "no article id (M.<time>.A.<hex>) in the URL or the page's canonical link")
        }
        if let c = canonicalParts, let u = urlParts, c.id != u.id {
            warnings.append("\(url): the page's canonical link names article \(c.id), not \(u.id)")
        }
        let articleURL: String
        if let canonical, canonicalParts != nil {
            articleURL = canonical
        } else if urlParts != nil {
            articleURL = url
        } else {
            articleURL = "https://www.ptt.cc/bbs/\(parts.board)/\(parts.id).html"
        }

        // Title: a missing 時間 line sometimes ends up glued to the title.
        var title = header.title?.trimmingCharacters(in: .whitespaces)
        if header.time == nil, let t = title,
            let m = t.wholeMatch(of: /(.*?)\s*時間[:：]\s*([A-Z][a-z]{2}\s+[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s+\d{4})\s*/)
        {
            title = String(m.1)
            header.time = String(m.2)
        }
        if title == nil || title?.isEmpty == true {
            let pageTitle = doc.string("//meta[@property='og:title']/@content") ?? doc.string("//title")
            if let p = pageTitle {
                let t = p.replacing(/\s+-\s+看板\s+\S+\s+-\s+批踢踢實業坊$/, with: "")
                if t != "閱讀文章" && !t.isEmpty { title = t }
            }
        }

        var published: Date?
        if let raw = header.time {
            published = Self.parseCTime(raw)
            if published == nil { warnings.append("\(url): unreadable article time \"\(raw)\"") }
        }
        if published == nil, let seconds = parts.seconds {
            published = Date(timeIntervalSince1970: TimeInterval(seconds))
        }

        var author = header.author?.trimmingCharacters(in: .whitespaces)
        var nickname: String?
        if let a = author, let m = a.wholeMatch(of: /(\S+)\s*\((.*)\)/) {
            author = String(m.1)
            nickname = String(m.2)
        }
        let board = header.board?.trimmingCharacters(in: .whitespaces) ?? parts.board

        // Pushes: times are "MM/DD HH:MM" (or "MM/DD" on old pages) without a year.
        var replies: [Reply] = []
        var reference = published
        let calendar: Calendar = {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = TaipeiTime.zone
            return c
        }()
        var year = published.map { calendar.component(.year, from: $0) }
        for (i, push) in walker.pushes.enumerated() {
            var reply = Reply(kind: push.tag, author: push.user, text: push.text, rawTime: push.rawTime)
            if let raw = push.rawTime {
                if let y = year, let t = Self.pushTime(raw) {
                    var date = Self.date(year: y, month: t.month, day: t.day, hour: t.hour, minute: t.minute, calendar)
                    if let d = date, let r = reference, d < r.addingTimeInterval(-86_400) {
                        date = Self.date(year: y + 1, month: t.month, day: t.day, hour: t.hour, minute: t.minute, calendar)
                        if date != nil { year = y + 1 }
                    } else if date == nil, t.month == 2, t.day == 29 {
                        // A 02/29 push was written in a leap year: the next one from here.
                        for next in (y + 1)...(y + 4) {
                            date = Self.date(year: next, month: 2, day: 29, hour: t.hour, minute: t.minute, calendar)
                            if date != nil {
                                year = next
                                break
                            }
                        }
                    }
                    if let date {
                        reply.published = date
                        reference = date
                    } else {
                        warnings.append("\(url): push \(i + 1) by \(push.user ?? "?") has an invalid date \"\(raw)\"")
                    }
                } else if year == nil {
                    warnings.append("\(url): push \(i + 1) has no year to resolve \"\(raw)\" against")
                } else {
                    warnings.append("\(url): push \(i + 1) by \(push.user ?? "?") has an invalid date \"\(raw)\"")
                }
            }
            replies.append(reply)
        }

        var postWarnings: [String] = []
        if let oversized = walker.notice {
            postWarnings.append(oversized)
            warnings.append("\(url): \(oversized)")
        }
        let invalidPushes = replies.filter { $0.rawTime != nil && $0.published == nil }.count
        if invalidPushes > 0 { postWarnings.append("\(invalidPushes) push time(s) unreadable") }
        if header.author == nil && header.title == nil { postWarnings.append("no article header") }

        var extra: [String: String] = ["board": board]
        if let ip { extra["ip"] = ip }
        if let nickname, !nickname.isEmpty { extra["nickname"] = nickname }
        if let w = joinedWarnings(postWarnings) { extra["warning"] = w }

        let post = ExtractedPost(
            externalID: parts.id, url: articleURL, title: title, author: author, published: published,
            text: lines.joined(separator: "\n"), language: "zh-Hant", replies: replies, extra: extra)
        return AdapterResult(posts: [post], warnings: warnings)
    }

    /// Board and article id from ".../bbs/BOARD/M.1519661420.A.098.html".
    static func articleParts(_ url: String) -> (board: String, id: String, seconds: Int?)? {
        guard let m = url.firstMatch(of: /\/bbs\/([A-Za-z0-9_\-]+)\/(M\.(\d+)\.A\.[0-9A-Fa-f]{3})(?:\.html)?/) else {
            return nil
        }
        return (String(m.1), String(m.2), Int(m.3))
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "Tue Feb 27 00:10:18 2018" (ctime, Taipei time); the weekday is optional.
    static func parseCTime(_ raw: String) -> Date? {
        var parts = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = parts.first, !months.contains(first), first.first?.isLetter == true { parts.removeFirst() }
        guard parts.count >= 4, let month = months.firstIndex(of: parts[0]), let day = Int(parts[1]),
            let year = Int(parts[3])
        else { return nil }
        let hms = parts[2].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        return FeedDateParser.makeDate(
            year: year, month: month + 1, day: day, hour: hms[0], minute: hms[1], second: hms[2], offset: nil,
            defaultZone: TaipeiTime.zone)
    }

    /// "02/27 00:12" or "08/11" → month, day, hour, minute (no range checks).
    static func pushTime(_ raw: String) -> (month: Int, day: Int, hour: Int, minute: Int)? {
        let parts = raw.split(separator: " ")
        let md = parts[0].split(separator: "/").compactMap { Int($0) }
        guard md.count == 2 else { return nil }
        var hour = 0, minute = 0
        if parts.count > 1 {
            let hm = parts[1].split(separator: ":").compactMap { Int($0) }
            guard hm.count == 2 else { return nil }
            hour = hm[0]
            minute = hm[1]
        }
        return (md[0], md[1], hour, minute)
    }

    /// A Taipei date, or nil when the fields do not name a real day (03/32, 02/30, 25:00 …).
    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, _ calendar: Calendar) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        let c = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        guard let d = calendar.date(from: c) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day], from: d)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return d
    }

    // MARK: Walking the content

    struct Push {
        var tag: String
        var user: String?
        var text: String
        var rawTime: String?
    }

    /// Collects the body text, header meta lines and pushes in document order.
    struct Walker {
        var text = ""
        var header = Header()
        var pushes: [Push] = []
        /// 「檔案過大！部分文章無法顯示」 and similar boxes.
        var notice: String?
        /// The 「※ 文章網址」 link, when present.
        var articleURL: String?

        static let blocks: Set<String> = ["div", "p", "br", "pre", "li", "tr", "table", "blockquote", "h1", "h2", "h3"]

        mutating func walk(_ node: XMLNodePtr) {
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let c = node.pointee.content { text += XML.string(c) ?? "" }
            case XML_ELEMENT_NODE:
                let name = XML.localName(node).lowercased()
                if name == "script" || name == "style" || name == "iframe" { return }
                if XML.hasClass(node, "article-metaline") || XML.hasClass(node, "article-metaline-right") {
                    meta(node)
                    return
                }
                if XML.hasClass(node, "warning-box") {
                    notice = HTMLText.text(of: node)
                    text += "\n"
                    return
                }
                if XML.hasClass(node, "push") {
                    push(node)
                    text += "\n"
                    return
                }
                if XML.hasClass(node, "richcontent") { return }
                if name == "a", articleURL == nil, let href = XML.attribute(node, "href"),
                    text.suffix(40).contains("文章網址")
                {
                    articleURL = href
                }
                let block = Self.blocks.contains(name)
                if block { text += "\n" }
                var child = node.pointee.children
                while let c = child {
                    walk(c)
                    child = c.pointee.next
                }
                if block { text += "\n" }
            default:
                break
            }
        }

        mutating func meta(_ node: XMLNodePtr) {
            var tag: String?
            var value: String?
            for child in XML.children(node) {
                if XML.hasClass(child, "article-meta-tag") { tag = XML.text(child).trimmingCharacters(in: .whitespaces) }
                if XML.hasClass(child, "article-meta-value") { value = XML.text(child) }
            }
            guard let tag, let value else { return }
            switch tag {
            case "作者": header.author = value
            case "看板", "站內": header.board = value
            case "標題": header.title = value
            case "時間": header.time = value
            default: break
            }
        }

        mutating func push(_ node: XMLNodePtr) {
            var tag = "", user: String?, content = "", ipTime = ""
            for child in XML.children(node) {
                if XML.hasClass(child, "push-tag") {
                    tag = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
                } else if XML.hasClass(child, "push-userid") {
                    user = XML.text(child).trimmingCharacters(in: .whitespacesAndNewlines)
                } else if XML.hasClass(child, "push-content") {
                    content = HTMLText.text(of: child)
                } else if XML.hasClass(child, "push-ipdatetime") {
                    ipTime = XML.text(child)
                }
            }
            if content.hasPrefix(":") || content.hasPrefix("：") { content.removeFirst() }
            content = content.trimmingCharacters(in: .whitespaces)
            // "61.229.147.118 03/32 03:24", "02/27 00:12", "220.135.33.3 08/11"
            let tokens = ipTime.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
            var rawTime: String?
            if let i = tokens.firstIndex(where: { $0.wholeMatch(of: /\d{1,2}\/\d{1,2}/) != nil }) {
                rawTime = tokens[i]
                if i + 1 < tokens.count, tokens[i + 1].wholeMatch(of: /\d{1,2}:\d{2}/) != nil {
                    rawTime! += " " + tokens[i + 1]
                }
            }
            pushes.append(Push(tag: tag, user: user?.isEmpty == true ? nil : user, text: content, rawTime: rawTime))
        }
    }
}
