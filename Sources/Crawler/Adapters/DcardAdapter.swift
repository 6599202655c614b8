import Foundation
import Net
import SieveCore

/// Dcard's 2016-era JSON API (`https://www.dcard.tw/_api/…`).
///
/// - `/_api/forums/NAME/posts` (and `/_api/posts?popular=…`): an array of post metas → one
///   `FollowLink(.item)` per post to `/_api/posts/ID`, and the next page `?before=LAST_ID` as `.page`
///   (other query parameters kept). An empty array is the end: no links.
/// - `/_api/posts/ID`: one post, id "dcard:ID", url `https://www.dcard.tw/f/FORUM/p/ID`, author = school and
///   department as shown (「匿名」 when hidden), the forum alias in `extra["forum"]`. When it has comments, the
///   comments list `/_api/posts/ID/comments` is followed as an `.item`.
/// - `/_api/posts/ID/comments` (`?after=FLOOR`): **each comment is a post of its own**, id
///   "dcard:ID/b/FLOOR" (Dcard's own 「B1, B2 …」 floor numbering, stable), parent in `extra["post"]`. They are
///   posts rather than replies because an adapter sees one response at a time: replies would have to overwrite
///   the stored parent post, and a disaster report in a comment deserves its own assessment. Hidden/deleted
///   comments (no content) are skipped. The next page `?after=LAST_FLOOR` is a `.page` link.
/// - Saved bundles (`[{ "content": post, "comments": [...], "links": {...} }]`, as dcard-spider writes them):
///   posts with their comments as `replies`.
/// - `/_api/forums` (forum list) and `/_api/posts/ID/links`: recognised, nothing to extract.
public struct DcardAdapter: SourceAdapter {
    public static let name = "dcard"
    static let site = "https://www.dcard.tw"

    public init() {}

    // MARK: Shapes

    /// A post as `/_api/posts/ID` returns it; post metas in lists are the same without `content`.
    struct Post: Decodable {
        var id: Int
        var title: String?
        var content: String?
        var excerpt: String?
        var createdAt: String?
        var updatedAt: String?
        var forumAlias: String?
        var forumName: String?
        var school: String?
        var department: String?
        var anonymousSchool: Bool?
        var anonymousDepartment: Bool?
        var gender: String?
        var tags: [String]?
        var likeCount: Int?
        var commentCount: Int?
        var replyId: Int?
        var replyTitle: String?
        var deletedAt: String?
        var pinned: Bool?
    }

    struct Comment: Decodable {
        var id: String?
        var postId: Int
        var floor: Int
        var content: String?
        var createdAt: String?
        var school: String?
        var department: String?
        var anonymous: Bool?
        var hidden: Bool?
        var host: Bool?
        var gender: String?
        var likeCount: Int?
    }

    struct Bundle: Decodable {
        var content: Post
        var comments: [Comment]?
    }

    // MARK: Extraction

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        let json = try AdapterJSON.object(body, url: url)
        let path = URLComponents(string: url)?.path ?? url

        if let object = json as? [String: Any] {
            if object["content"] is String, object["id"] != nil {
                let post = try AdapterJSON.decode(Post.self, from: body, url: url, what: "not a Dcard post")
                return single(post, url: url)
            }
            if let message = object["message"] ?? object["error"] {
                throw AdapterError(url: url, message: "Dcard API error: \(message)")
            }
            throw AdapterError(url: url, message: "a JSON object without \"id\" and \"content\" is not a Dcard post")
        }
        guard let array = json as? [Any] else {
            throw AdapterError(url: url, message: "expected a JSON array or object, found \(type(of: json))")
        }
        guard let first = array.first as? [String: Any] else {
            if array.isEmpty { return AdapterResult() }  // the end of a listing
            throw AdapterError(url: url, message: "expected an array of objects")
        }
        if first["floor"] != nil, first["postId"] != nil || path.hasSuffix("/comments") {
            let comments = try AdapterJSON.decode([Comment].self, from: body, url: url, what: "not Dcard comments")
            return self.comments(comments, url: url)
        }
        if first["content"] is [String: Any] {
            let bundles = try AdapterJSON.decode([Bundle].self, from: body, url: url, what: "not Dcard posts")
            return AdapterResult(posts: bundles.compactMap { b in
                guard var post = makePost(b.content) else { return nil }
                post.replies = (b.comments ?? []).compactMap(reply)
                return post
            })
        }
        if first["alias"] != nil, first["subscriptionCount"] != nil || path.hasSuffix("/forums") {
            return AdapterResult()  // the forum list: pick forums in the config instead of crawling them all
        }
        if first["id"] != nil, first["title"] != nil {
            let metas = try AdapterJSON.decode([Post].self, from: body, url: url, what: "not Dcard post metas")
            return listing(metas, url: url)
        }
        if path.hasSuffix("/links") { return AdapterResult() }
        throw AdapterError(url: url, message: "unrecognised Dcard JSON (keys: \(first.keys.sorted().joined(separator: ", ")))")
    }

    func listing(_ metas: [Post], url: String) -> AdapterResult {
        let base = AdapterURL.origin(url) ?? Self.site
        var result = AdapterResult()
        for meta in metas {
            result.follow.append(FollowLink(url: "\(base)/_api/posts/\(meta.id)", role: .item))
        }
        if let last = metas.last, let next = AdapterURL.setting("before", to: String(last.id), in: url) {
            result.follow.append(FollowLink(url: next, role: .page))
        }
        return result
    }

    func single(_ post: Post, url: String) -> AdapterResult {
        guard let extracted = makePost(post) else {
            return AdapterResult(warnings: ["\(url): post \(post.id) is deleted or empty"])
        }
        var result = AdapterResult(posts: [extracted])
        if (post.commentCount ?? 0) > 0 {
            let base = AdapterURL.origin(url) ?? Self.site
            result.follow.append(FollowLink(url: "\(base)/_api/posts/\(post.id)/comments", role: .item))
        }
        return result
    }

    func comments(_ comments: [Comment], url: String) -> AdapterResult {
        var result = AdapterResult()
        for c in comments {
            guard c.hidden != true, let text = c.content.map(HTMLText.tidy), !text.isEmpty else { continue }
            var extra: [String: String] = ["post": "dcard:\(c.postId)", "floor": String(c.floor)]
            if let id = c.id { extra["commentID"] = id }
            if c.host == true { extra["host"] = "true" }
            if let g = c.gender { extra["gender"] = g }
            if let l = c.likeCount { extra["likeCount"] = String(l) }
            result.posts.append(
                ExtractedPost(
                    externalID: "dcard:\(c.postId)/b/\(c.floor)", url: nil, title: nil,
                    author: Self.author(school: c.school, department: c.department, hideSchool: false,
                        hideDepartment: false),
                    published: c.createdAt.flatMap { FeedDateParser.parse($0) }, text: text, language: "zh-Hant",
                    extra: extra))
        }
        if let last = comments.last, let next = AdapterURL.setting("after", to: String(last.floor), in: url) {
            result.follow.append(FollowLink(url: next, role: .page))
        }
        return result
    }

    func makePost(_ p: Post) -> ExtractedPost? {
        guard p.deletedAt == nil else { return nil }
        let text = HTMLText.tidy(p.content ?? p.excerpt ?? "")
        guard !text.isEmpty || p.title?.isEmpty == false else { return nil }
        var extra: [String: String] = [:]
        if let f = p.forumAlias { extra["forum"] = f }
        if let f = p.forumName { extra["forumName"] = f }
        if let g = p.gender { extra["gender"] = g }
        if let tags = p.tags, !tags.isEmpty { extra["tags"] = tags.joined(separator: ",") }
        if let l = p.likeCount { extra["likeCount"] = String(l) }
        if let c = p.commentCount { extra["commentCount"] = String(c) }
        if let r = p.replyId { extra["replyTo"] = "dcard:\(r)" }
        if p.content == nil { extra["warning"] = "excerpt only" }
        let url = p.forumAlias.map { "\(Self.site)/f/\($0)/p/\(p.id)" } ?? "\(Self.site)/p/\(p.id)"
        return ExtractedPost(
            externalID: "dcard:\(p.id)", url: url, title: p.title,
            author: Self.author(school: p.school, department: p.department, hideSchool: p.anonymousSchool ?? false,
                hideDepartment: p.anonymousDepartment ?? false),
            published: p.createdAt.flatMap { FeedDateParser.parse($0) }, text: text, language: "zh-Hant", extra: extra)
    }

    func reply(_ c: Comment) -> Reply? {
        guard c.hidden != true, let text = c.content.map(HTMLText.tidy), !text.isEmpty else { return nil }
        return Reply(
            kind: "comment",
            author: Self.author(school: c.school, department: c.department, hideSchool: false, hideDepartment: false),
            text: text, published: c.createdAt.flatMap { FeedDateParser.parse($0) }, rawTime: c.createdAt)
    }

    /// What Dcard shows as the author: school and department, or 「匿名」.
    static func author(school: String?, department: String?, hideSchool: Bool, hideDepartment: Bool) -> String {
        if hideSchool { return "匿名" }
        let parts = [school, hideDepartment ? nil : department].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? "匿名" : parts.joined(separator: " ")
    }
}
