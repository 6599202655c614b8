import Crawler
import Foundation
import Testing
import TestSupport

@Test func scratchDumpPTT() throws {
    guard let dir = TestPaths.sharedData("ptt") else { return }
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone(identifier: "Asia/Taipei")
    var out = ""
    for name in files {
        let board = String(name.split(separator: "_M.")[0])
        let id = "M." + name.split(separator: "_M.")[1].dropLast(5)
        let url = "https://www.ptt.cc/bbs/\(board)/\(id).html"
        let data = try Data(contentsOf: dir.appendingPathComponent(name))
        do {
            let r = try PTTAdapter().extract(data, url: url, headers: [:])
            out += "=== \(name) posts=\(r.posts.count) follow=\(r.follow.count)\n  warnings: \(r.warnings.prefix(3)) (\(r.warnings.count))\n"
            for p in r.posts {
                out += "  id=\(p.externalID) url=\(p.url ?? "-")\n  title=\(p.title ?? "-") author=\(p.author ?? "-") pub=\(p.published.map { f.string(from: $0) } ?? "-")\n  extra=\(p.extra)\n  replies=\(p.replies.count) kinds=\(Dictionary(grouping: p.replies, by: \.kind).mapValues(\.count))\n"
                out += "  first replies: \(p.replies.prefix(3).map { "\($0.kind)|\($0.author ?? "")|\($0.text)|\($0.rawTime ?? "")|\($0.published.map { f.string(from: $0) } ?? "nil")" })\n"
                out += "  last reply: \(p.replies.suffix(1).map { "\($0.kind)|\($0.author ?? "")|\($0.text)|\($0.rawTime ?? "")|\($0.published.map { f.string(from: $0) } ?? "nil")" })\n"
                out += "  TEXT<<<\n\(p.text.prefix(600))\n  ...\n\(p.text.suffix(300))\n>>>\n"
            }
        } catch {
            out += "=== \(name) ERROR \(error)\n"
        }
    }
    try out.write(toFile: "/tmp/ptt-dump.txt", atomically: true, encoding: .utf8)
}

@Test func scratchErrors() throws {
    let cases: [(any SourceAdapter, String)] = [
        (DcardAdapter(), "[\n  {\"id\": 1,\n   \"title\": \"x\",,\n  }\n]"),
        (DcardAdapter(), "[{\"id\": \"x\", \"title\": 5}]"),
        (MastodonAdapter(), "[{\"id\": 5}]"),
        (SitemapAdapter(), "<?xml version=\"1.0\"?>\n<urlset>\n  <url><loc>https://a</loc></url>\n  <url>\n</urlset>"),
        (SitemapAdapter(), "<!DOCTYPE urlset [<!ENTITY x SYSTEM \"file:///etc/hostname\">]><urlset><url><loc>&x;</loc></url></urlset>"),
        (JSONFeedAdapter(), "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [{\"id\": \"1\", \"title\": 5}]}"),
    ]
    for (a, body) in cases {
        do { let r = try a.extract(Data(body.utf8), url: "U", headers: [:]); print("OK", r) } catch { print("ERR", error) }
    }
}
