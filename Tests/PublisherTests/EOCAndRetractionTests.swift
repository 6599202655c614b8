import Crawler
import Foundation
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

@Suite("EOC leads, retraction and feeds")
struct EOCAndRetractionTests {
    /// An escalated item reaches the EOC webhook at once, signed, with place, coordinates, type, casualties,
    /// an incidents array and the moderator's note; the CAP channel gets a Restricted Alert.
    @Test func escalationGoesToTheEOCAsALead() async throws {
        let f = try await Fixture()
        let eoc = try FakePlatform(kind: .webhook)
        var hook = eoc.channel(name: "eoc")
        hook.events = [.escalated, .approved]
        let cap = ChannelConfig(name: "eoc-cap", kind: .cap, path: f.dir.path("cap"), title: "EOC", events: [.escalated, .approved])
        let ids = try await f.addItems(1, people: [PeopleMention(kind: "trapped", count: 3, surface: "3 人受困"), PeopleMention(kind: "injured", count: nil, surface: "有人受傷")])
        try await f.escalate(ids, channels: ["eoc", "eoc-cap"])
        let publisher = f.publisher([(eoc, hook)], extra: [cap])
        let report = await publisher.deliverPending(quick)
        #expect(report.delivered == 2, "\(report)")
        let event = try #require(eoc.webhookEvents.first)
        #expect(event["event"] as? String == "lead")
        let item = try #require(event["item"] as? [String: Any])
        #expect(item["place"] as? String == "高雄市那瑪夏區")
        let coordinates = try #require(item["coordinates"] as? [String: Any])
        #expect(coordinates["latitude"] as? Double == 23.2601 && coordinates["longitude"] as? Double == 120.7044)
        #expect(item["types"] as? [String] == ["landslide", "trapped"])
        let casualties = try #require(item["casualties"] as? [String: Any])
        #expect(casualties["trapped"] as? Int == 3)
        #expect(casualties["injured"] == nil)  // mentioned without a number
        #expect((item["people"] as? [[String: Any]])?.count == 2)
        #expect((item["incidents"] as? [Any])?.isEmpty == true)
        #expect(item["note"] as? String == "現場有人受困，請 EOC 派員")
        #expect((item["message"] as? String)?.hasPrefix("【EOC 線索】") == true)
        // The payload decodes as the published type.
        let payload = try JSONDecoder().decode(WebhookPayload.self, from: JSONSerialization.data(withJSONObject: event))
        #expect(payload.item.coordinates == EOCLead.Coordinates(latitude: 23.2601, longitude: 120.7044))
        // CAP: a restricted Alert with the position as a circle.
        let files = try FileManager.default.contentsOfDirectory(atPath: f.dir.path("cap")).filter { $0.hasSuffix(".xml") }
        #expect(files.count == 1)
        let xml = try String(contentsOfFile: f.dir.path("cap/\(files[0])"), encoding: .utf8)
        #expect(xml.contains("<msgType>Alert</msgType>") && xml.contains("<scope>Restricted</scope>"))
        #expect(xml.contains("<circle>23.2601,120.7044 0</circle>"))
        #expect(xml.contains("現場有人受困，請 EOC 派員"))
    }

    /// Escalate → approve → retract: CAP Alert, Update (references the Alert), Cancel (references both), each
    /// valid against the OASIS CAP 1.2 schema; Mastodon and Telegram delete, Slack records "not supported".
    @Test func retractionWithdrawsEverywhereItCan() async throws {
        _ = try await retractionCycle()
    }

    @Test(.enabled(if: TestPaths.capSchemaCheck, Comment(rawValue: TestPaths.capSchemaCheckAbsent)))
    func retractionCAPMessagesAreValid() async throws {
        let (messages, f) = try await retractionCycle()
        try await validateCAP(messages, dir: f.dir)
    }

    /// Escalate → approve → retract across every kind of channel; returns the CAP channel's messages.
    func retractionCycle() async throws -> ([CAPMessage], Fixture) {
        let f = try await Fixture()
        let mastodon = try FakePlatform(kind: .mastodon)
        let telegram = try FakePlatform(kind: .telegram)
        let slack = try FakePlatform(kind: .slack)
        let eoc = try FakePlatform(kind: .webhook)
        var hook = eoc.channel(name: "eoc")
        hook.events = [.escalated, .approved]
        let cap = ChannelConfig(name: "cap", kind: .cap, path: f.dir.path("cap"), title: "EOC", events: [.escalated, .approved])
        let atom = ChannelConfig(name: "atom", kind: .atom, path: f.dir.path("feed.atom"), title: "已查證")
        let ids = try await f.addItems(2)
        try await f.escalate([ids[0]], channels: ["eoc", "cap"])
        let publisher = f.publisher([(mastodon, mastodon.channel()), (telegram, telegram.channel()), (slack, slack.channel()), (eoc, hook)], extra: [cap, atom])
        _ = await publisher.deliverPending(quick)
        try await f.approve(ids, channels: ["mastodon", "telegram", "slack", "eoc", "cap", "atom"])
        let first = await publisher.deliverPending(quick)
        #expect(first.delivered == 12, "\(first)")
        #expect(try String(contentsOfFile: f.dir.path("feed.atom"), encoding: .utf8).contains("post/\(ids[0])</id>"))

        let retractRows = try await f.db.retract(postID: ids[0], reviewer: "mod", note: "經查為舊聞")
        #expect(Set(retractRows.map(\.channel)) == ["mastodon", "telegram", "slack", "eoc", "cap", "atom"])
        let second = await publisher.deliverPending(quick)
        #expect(second.setupErrors.isEmpty)
        let outcome = await Dictionary(uniqueKeysWithValues: try f.rows().filter { $0.action == "retract" }.map { ($0.channel, $0) })
        #expect(outcome["mastodon"]?.status == "delivered")
        #expect(outcome["telegram"]?.status == "delivered")
        #expect(outcome["slack"]?.status == "unsupported")
        #expect(outcome["slack"]?.lastError?.contains("not supported by channel") == true)
        #expect(outcome["eoc"]?.status == "delivered")
        #expect(outcome["cap"]?.status == "delivered" && outcome["atom"]?.status == "delivered")
        #expect(mastodon.posts.filter(\.deleted).count == 1 && mastodon.posts.count == 2)
        #expect(telegram.posts.filter(\.deleted).count == 1)
        #expect(eoc.webhookEvents.map { $0["event"] as? String } == ["lead", "published", "published", "retracted"])
        // The feed drops the withdrawn item and keeps the other.
        let atomXML = try String(contentsOfFile: f.dir.path("feed.atom"), encoding: .utf8)
        #expect(!atomXML.contains("post/\(ids[0])</id>") && atomXML.contains("post/\(ids[1])</id>"))

        // CAP: Alert (lead), Update (approval), Cancel (retraction) for the first item; Alert for the second.
        let messages = try await Feeds.capMessages(f.db, channel: "cap")
        let mine = messages.filter { $0.postID == ids[0] }
        #expect(mine.map(\.msgType) == ["Alert", "Update", "Cancel"])
        #expect(Set(messages.map(\.identifier)).count == messages.count, "identifiers are unique")
        #expect(mine[1].xml.contains("<references>\(CAPWriter.sender),\(mine[0].identifier),\(mine[0].sent)</references>"))
        #expect(mine[2].xml.contains("\(mine[0].identifier),\(mine[0].sent) \(CAPWriter.sender),\(mine[1].identifier)"))
        #expect(mine[2].xml.contains("經查為舊聞"))
        #expect(messages.allSatisfy { $0.sent.hasSuffix("+08:00") })
        return (messages, f)
    }

    /// Facebook (DELETE /{post-id}) and Discord (DELETE the webhook's message) delete what they posted.
    @Test func facebookAndDiscordDeleteOnRetraction() async throws {
        let f = try await Fixture()
        let facebook = try FakePlatform(kind: .facebook)
        let discord = try FakePlatform(kind: .discord)
        let ids = try await f.addItems(1)
        try await f.approve(ids, channels: ["facebook", "discord"])
        let publisher = f.publisher([(facebook, facebook.channel()), (discord, discord.channel())])
        #expect(await publisher.deliverPending(quick).delivered == 2)
        _ = try await f.db.retract(postID: ids[0], reviewer: "mod", note: nil)
        let report = await publisher.deliverPending(quick)
        #expect(report.delivered == 2, "\(report)")
        #expect(facebook.posts.count == 1 && facebook.posts.allSatisfy(\.deleted))
        #expect(discord.posts.count == 1 && discord.posts.allSatisfy(\.deleted))
        #expect(try await f.rows().filter { $0.action == "retract" }.allSatisfy { $0.status == "delivered" })
    }

    /// Editing the wording after publication: Mastodon and Telegram edit in place, Slack records "not supported",
    /// the webhook gets "updated", the Atom feed carries the new wording, and the CAP feed gets an Update that
    /// references the earlier Alert — valid against the schema.
    @Test func editingAfterPublicationCorrectsEveryChannelThatCan() async throws {
        _ = try await editAfterPublication()
    }

    @Test(.enabled(if: TestPaths.capSchemaCheck, Comment(rawValue: TestPaths.capSchemaCheckAbsent)))
    func editingAfterPublicationGivesValidCAP() async throws {
        let (messages, f) = try await editAfterPublication()
        try await validateCAP(messages, dir: f.dir)
    }

    /// Approve, publish, then edit the wording; returns the CAP channel's messages.
    func editAfterPublication() async throws -> ([CAPMessage], Fixture) {
        let f = try await Fixture()
        let mastodon = try FakePlatform(kind: .mastodon)
        let telegram = try FakePlatform(kind: .telegram)
        let slack = try FakePlatform(kind: .slack)
        let eoc = try FakePlatform(kind: .webhook)
        var hook = eoc.channel(name: "eoc")
        hook.events = [.approved]
        let cap = ChannelConfig(name: "cap", kind: .cap, path: f.dir.path("cap"), title: "EOC", events: [.approved])
        let atom = ChannelConfig(name: "atom", kind: .atom, path: f.dir.path("feed.atom"), title: "已查證")
        let ids = try await f.addItems(1)
        try await f.approve(ids, channels: ["mastodon", "telegram", "slack", "eoc", "cap", "atom"])
        let publisher = f.publisher([(mastodon, mastodon.channel()), (telegram, telegram.channel()), (slack, slack.channel()), (eoc, hook)], extra: [cap, atom])
        #expect(await publisher.deliverPending(quick).delivered == 6)
        let rows = try await f.db.edit(postID: ids[0], reviewer: "mod", text: "【更正】台21線那瑪夏段已搶通，恢復通行。", note: "公路局更正")
        #expect(Set(rows.map(\.channel)) == ["mastodon", "telegram", "slack", "eoc", "cap", "atom"])
        let second = await publisher.deliverPending(quick)
        #expect(second.setupErrors.isEmpty)
        let outcome = await Dictionary(uniqueKeysWithValues: try f.rows().filter { $0.action == "update" }.map { ($0.channel, $0) })
        #expect(outcome["mastodon"]?.status == "delivered" && outcome["telegram"]?.status == "delivered")
        #expect(outcome["slack"]?.status == "unsupported")
        #expect(mastodon.posts.count == 1 && mastodon.posts[0].text.contains("【更正】"))
        #expect(telegram.posts.count == 1 && telegram.posts[0].text.contains("【更正】"))
        #expect(eoc.webhookEvents.map { $0["event"] as? String } == ["published", "updated"])
        #expect(try String(contentsOfFile: f.dir.path("feed.atom"), encoding: .utf8).contains("【更正】"))
        let messages = try await Feeds.capMessages(f.db, channel: "cap")
        #expect(messages.map(\.msgType) == ["Alert", "Update"])
        #expect(messages[1].xml.contains("<references>\(CAPWriter.sender),\(messages[0].identifier),\(messages[0].sent)</references>"))
        #expect(messages[1].xml.contains("【更正】"))
        // Only approved items can be edited.
        await #expect(throws: StoreError.self) { try await f.db.edit(postID: 999_999, reviewer: "mod", text: "x", note: nil) }
        return (messages, f)
    }

    @Test func retractingBeforeDeliveryCancels() async throws {
        let f = try await Fixture()
        let ids = try await f.addItems(1)
        try await f.approve(ids, channels: ["mastodon", "atom"])
        let rows = try await f.db.retract(postID: ids[0], reviewer: "mod", note: nil)
        #expect(rows.allSatisfy { $0.status == "cancelled" })
        #expect(try await f.rows().filter { $0.action == "publish" }.allSatisfy { $0.status == "cancelled" })
        await #expect(throws: StoreError.invalidTransition(post: ids[0], from: "retracted", decision: "retract")) {
            try await f.db.retract(postID: ids[0], reviewer: "mod", note: nil)
        }
    }

    /// `sieve publish --feeds DIR`'s documents: Atom (feedparser, no bozo), JSON Feed 1.1 (read back by our
    /// own JSON Feed adapter), GeoJSON (longitude first), KML and CAP (XSD).
    @Test func feedsAreValid() async throws {
        _ = try await writtenFeeds()
    }

    /// KML and Atom are well-formed XML (xmllint).
    @Test(.enabled(if: TestPaths.xmllint, Comment(rawValue: TestPaths.xmllintAbsent))) func feedsAreWellFormedXML() async throws {
        let f = try await writtenFeeds()
        let r = try await runProcess(URL(fileURLWithPath: "/usr/bin/xmllint"), ["--noout", f.dir.path("feeds/community.kml"), f.dir.path("feeds/community.atom")])
        #expect(r.status == 0, Comment(rawValue: r.stderr))
    }

    /// feedparser reads the Atom feed without complaint (no bozo), all four entries.
    @Test(.enabled(if: TestPaths.feedparser, Comment(rawValue: TestPaths.feedparserAbsent))) func atomFeedReadsInFeedparser() async throws {
        let f = try await writtenFeeds()
        let python = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python")
        let r = try await runProcess(python, ["-c", "import sys, feedparser; d = feedparser.parse(sys.argv[1]); assert not d.bozo, d.bozo_exception; print(len(d.entries))", f.dir.path("feeds/community.atom")])
        #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4", Comment(rawValue: r.stderr + r.stdout))
    }

    @Test(.enabled(if: TestPaths.capSchemaCheck, Comment(rawValue: TestPaths.capSchemaCheckAbsent))) func feedCAPMessagesAreValid() async throws {
        let f = try await writtenFeeds()
        try await validateCAP(try await Feeds.capMessages(f.db), dir: f.dir)
    }

    /// Four approved items (one without a position) written as every feed `sieve publish --feeds` makes.
    func writtenFeeds() async throws -> Fixture {
        let f = try await Fixture()
        let ids = try await f.addItems(3)
        let noPosition = try await f.addItems(1, latitude: nil, longitude: nil)
        try await f.approve(ids + noPosition, channels: [])
        let written = try await Feeds.writeAll(to: f.dir.path("feeds"), database: f.db)
        #expect(written.count == 4 + 4 + 1)  // four feeds, four CAP messages, the CAP index

        let geo = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.dir.path("feeds/community.geojson")))) as? [String: Any]
        let features = try #require(geo?["features"] as? [[String: Any]])
        #expect(features.count == 4)
        let points = features.compactMap { ($0["geometry"] as? [String: Any])?["coordinates"] as? [Double] }
        #expect(points.count == 3)
        #expect(points.allSatisfy { $0 == [120.7044, 23.2601] }, "GeoJSON is [longitude, latitude]")
        #expect(features.contains { $0["geometry"] is NSNull })

        let kml = try String(contentsOfFile: f.dir.path("feeds/community.kml"), encoding: .utf8)
        #expect(kml.contains("<coordinates>120.7044,23.2601</coordinates>"))
        #expect(kml.components(separatedBy: "<Placemark").count - 1 == 3)

        let json = try Data(contentsOf: URL(fileURLWithPath: f.dir.path("feeds/community.json")))
        let parsed = try JSONFeedAdapter().extract(json, url: "https://sieve.example/community.json", headers: [:])
        #expect(parsed.posts.count == 4)
        #expect(parsed.posts.allSatisfy { $0.text.contains("那瑪夏區台21線") })
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(object?["version"] as? String == "https://jsonfeed.org/version/1.1")
        return f
    }
}

/// Validates every CAP message against the OASIS CAP 1.2 XSD with xmllint (tests that call it are enabled only with
/// `TestPaths.capSchemaCheck`).
func validateCAP(_ messages: [CAPMessage], dir: TempDir) async throws {
    let xsd = try #require(TestPaths.sharedData("cap/CAP-v1.2.xsd"))
    let xmllint = URL(fileURLWithPath: "/usr/bin/xmllint")
    try #require(FileManager.default.isExecutableFile(atPath: xmllint.path), "xmllint is absent")
    #expect(!messages.isEmpty)
    var paths: [String] = []
    for m in messages { paths.append(dir.write("validate/\(m.fileName)", m.xml)) }
    let r = try await runProcess(xmllint, ["--noout", "--schema", xsd.path] + paths)
    #expect(r.status == 0, Comment(rawValue: r.stderr))
    #expect(r.stderr.components(separatedBy: " validates").count - 1 == messages.count, Comment(rawValue: r.stderr))
}
