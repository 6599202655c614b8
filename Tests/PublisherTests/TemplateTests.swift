import Foundation
import Publisher
import SieveCore
import Store
import Testing

@Suite("Message templates and truncation")
struct TemplateTests {
    func item(text: String, title: String? = "台21線坍方", url: String? = "https://news.example.tw/a?id=1") -> PublishableItem {
        var i = PublishableItem(
            publicationID: 1, postID: 7, source: "board", title: title, text: text, url: url,
            published: Date(timeIntervalSince1970: 1_789_392_600), approvedAt: Date(timeIntervalSince1970: 1_789_393_000),
            note: "已確認", types: ["landslide"],
            places: [PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市")])
        i.people = [PeopleMention(kind: "trapped", count: 3, surface: "3 人受困")]
        return i
    }

    @Test func defaultTemplateHasPlaceTaipeiTimeAndHashtags() throws {
        let t = try MessageTemplate(channel: ChannelConfig(name: "m", kind: .mastodon, hashtags: ["#颱風"]))
        let s = t.render(item(text: "道路中斷"), action: .publish)
        // 1_789_392_600 = 2026-09-14 13:30 UTC = 21:30 Taipei
        #expect(s == "台21線坍方\n📍 高雄市那瑪夏區 · 9/14 21:30 · 坍方土石流\n道路中斷\n審核備註：已確認\nhttps://news.example.tw/a?id=1\n#土石流 #高雄市 #颱風")
    }

    @Test func truncationNeverCutsAURLOrACharacter() {
        let family = "👨‍👩‍👧‍👦"
        let text = "第一段" + String(repeating: family, count: 10) + " 詳見 https://example.org/very/long/path?q=1 後續"
        for limit in 5..<text.count {
            let cut = Truncation.truncate(text, limit: limit)
            #expect(cut.count <= limit)
            #expect(cut.hasSuffix("…"))
            // Whole graphemes only: every family emoji is intact.
            #expect(!cut.unicodeScalars.contains { $0 == "\u{200D}" } || cut.components(separatedBy: family).joined().unicodeScalars.allSatisfy { $0 != "\u{200D}" })
            // A URL is either whole or absent.
            if cut.contains("http") { #expect(cut.contains("https://example.org/very/long/path?q=1")) }
        }
        #expect(Truncation.truncate("短", limit: 5) == "短")
    }

    @Test func mastodonCountsURLsAs23() {
        let url = "https://example.org/" + String(repeating: "a", count: 100)
        #expect(Truncation.Measure.mastodon.count("看 " + url) == 25)
        #expect(Truncation.Measure.utf16.count("𠮷") == 2)
    }

    @Test func longPostsFitTheChannelAndKeepTheLink() throws {
        let long = String(repeating: "土石流持續滑落，請勿前往。", count: 400)
        for kind in [ChannelKind.mastodon, .discord, .telegram] {
            let t = try MessageTemplate(channel: ChannelConfig(name: "c", kind: kind))
            let s = t.render(item(text: long), action: .publish)
            let limit = MessageTemplate.defaultLimit(for: kind)!
            #expect(t.measure.count(s) <= limit)
            #expect(t.measure.count(s) >= limit - 15, "\(kind): uses the room it has (\(t.measure.count(s)))")
            #expect(s.contains("https://news.example.tw/a?id=1"))
            #expect(s.contains("…"))
        }
    }

    @Test func customTemplateAndSyntaxErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.mustache").path
        try "{{#lead}}LEAD {{/lead}}{{place}}：{{people}} <{{url}}>".write(toFile: good, atomically: true, encoding: .utf8)
        let t = try MessageTemplate(channel: ChannelConfig(name: "c", kind: .slack, template: good))
        #expect(t.render(item(text: "x"), action: .lead) == "LEAD 高雄市那瑪夏區：受困 3 人 <https://news.example.tw/a?id=1>")
        let bad = dir.appendingPathComponent("bad.mustache").path
        try "line one\n{{#place}}unclosed".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: TemplateError.self) { try MessageTemplate(channel: ChannelConfig(name: "c", kind: .slack, template: bad)) }
        do {
            _ = try MessageTemplate(channel: ChannelConfig(name: "c", kind: .slack, template: bad))
        } catch {
            #expect(error.description.hasPrefix(bad + ":"))
            #expect(error.description.contains("channel \"c\""))
        }
    }

    @Test func webhookSignatureIsHMACOverTimestampAndBody() {
        let sig = ChannelAPI.signature(secret: "key", timestamp: "The quick brown fox jumps over the lazy", body: Data(" dog".utf8))
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy. dog") computed independently (Python hmac).
        #expect(sig.count == 64)
        #expect(sig == hmacReference)
    }
}

/// python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"The quick brown fox jumps over the lazy. dog",hashlib.sha256).hexdigest())'
let hmacReference = "99b5a563a794056922c10f2c268f5edc8eed815b0e90272907118c1246cfbe56"
