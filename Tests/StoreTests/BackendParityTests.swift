import Foundation
import SieveCore
import Store
import Testing
import TestSupport

/// Every other Store operation (incidents, known rumours, cross-reference, the EOC's items, retraction, the
/// outbox listing, training labels, the robots cache) gives the same answers on both backends.
@Suite("Store: the same answers on SQLite and PostgreSQL", .serialized)
struct BackendParityTests {
    let dir = TempDir()

    func open(_ backend: Backend, _ test: String = #function) async throws -> AppDatabase? { try await backend.open(in: dir, test) }

    @Test(arguments: Backend.available) func knownRumoursWithPicturesAndNotes(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let views = ["dct64:00000000000000ff", "dct64:0000000000000f0f", "dct256:" + String(repeating: "a", count: 64)]
        let picture = NewKnownRumour.Image(hashes: views, ocrText: "網傳停班停課", width: 720, height: 400)
        let first = try await db.addKnownRumour(NewKnownRumour(claim: "網傳明天停班停課", note: "沒有發布", origin: "cli", image: picture))
        #expect(first.isNew)
        // The same claim again with the same picture: the same rumour, a new note, no second picture.
        let again = try await db.addKnownRumour(NewKnownRumour(claim: "網傳明天停班停課", note: "人事行政總處沒有發布", origin: "cli", image: picture))
        #expect(again.id == first.id && !again.isNew)
        // Another picture of it.
        var other = picture
        other.hashes = ["dct64:1111111111111111"]
        _ = try await db.addKnownRumour(NewKnownRumour(claim: "網傳明天停班停課", note: nil, origin: "cli", image: other))
        let images = try await db.knownRumourImages()
        #expect(images.count == 2)
        #expect(images.first == KnownRumourImage(rumourID: first.id, hashes: views, ocrText: "網傳停班停課", width: 720, height: 400))
        let rumour = try #require(try await db.knownRumours().first { $0.id == first.id })
        #expect(rumour.note == "人事行政總處沒有發布")
        #expect(rumour.origin == "cli" && rumour.verdict == "RUMOR")
        // A picture without text: its own claim.
        let photo = try await db.addKnownRumour(NewKnownRumour(claim: "(圖片 00ff)", note: "舊照片", origin: "cli", image: other))
        #expect(photo.isNew && photo.id != first.id)
        #expect(try await db.knownRumourImages().count == 3)
    }

    @Test(arguments: Backend.available) func incidentsCrossReferenceAndPublishing(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let sent = Date(timeIntervalSince1970: 1_788_000_000.25)
        var quake = Incident(kind: .emic, externalID: "E1", sent: sent, headline: "秀林鄉土石流", areas: [IncidentArea(county: "花蓮縣", township: "秀林鄉")])
        quake.point = GeoPoint(lat: 24.1, lon: 121.6)
        var s = try await db.saveIncidents([quake, Incident(kind: .cap, externalID: "C1", sent: sent, headline: "豪雨特報")])
        #expect(s.inserted == 2)
        s = try await db.saveIncidents([quake])  // same content again: unchanged (dates compared at the stored precision)
        #expect(s.unchanged == 1 && s.inserted == 0 && s.updated == 0)
        var cancel = Incident(kind: .cap, externalID: "C2", sent: sent)
        cancel.msgType = "Cancel"
        cancel.references = ["cwa,C1,2026-09-01T00:00:00+08:00"]
        #expect(try await db.saveIncidents([cancel]).cancelled == 1)
        #expect(try await db.incidents(kinds: [.cap]).first?.state == "cancelled")
        #expect(try await db.incidents(activeAt: sent.addingTimeInterval(60)).map(\.externalID) == ["E1"])
        let stored = try #require(try await db.incidents(kinds: [.emic]).first)
        #expect(stored.point == GeoPoint(lat: 24.1, lon: 121.6))
        #expect(try await db.incident(id: stored.id!)?.areas.first?.township == "秀林鄉")
        #expect(try await db.incidentCount() == 2)
        #expect(try await db.addKnownRumours([("停班停課是假的", "RUMOR", nil), ("停班停課是假的", "RUMOR", nil)], origin: "import:x") == 1)
        #expect(try await db.evidenceVersion() != nil)

        let ids = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])
        try await db.recordFetch(
            DocumentRecord(sourceId: ids["news"]!, url: "https://e.org/rss", status: 200),
            posts: (1...3).map { ExtractedPost(externalID: "p\($0)", title: "標題\($0)", text: "秀林鄉土石流 \($0)") })
        let posts = try await db.leasePostsToAssess()
        try await db.saveAssessments(posts.map {
            ($0.id, Assessment(disaster: 0.9, rumour: 0.2, types: ["landslide"], places: [], reasons: ["r"], model: "m"), 0.5)
        })
        let toCheck = try await db.leasePostsToCrossReference()
        #expect(toCheck.count == 3 && toCheck[0].text.hasPrefix("標題1\n"))
        let rumour = try #require(try await db.knownRumours().first)
        let result = XrefResult(
            verdict: .corroborated, score: 0.8,
            matches: [IncidentMatch(incidentID: stored.id!, externalID: "E1", kind: .emic, score: 0.8, summary: "EMIC", reasons: ["同鄉鎮"])],
            knownRumour: KnownRumourMatch(rumourID: rumour.id, similarity: 0.7, verdict: "RUMOR", claim: rumour.claim, url: nil),
            explanation: [XrefNote("xref.text", ["text": "line 1"]), XrefNote("xref.text", ["text": "line 2"])])
        try await db.saveCrossReferences(toCheck.map { ($0.id, result, 0.9) }, evidence: try await db.evidenceVersion())
        #expect(try await db.crossReference(postID: posts[0].id) == result)
        #expect(try await db.knownRumours().first?.spreadCount == 3)
        #expect(try await db.leasePostsToCrossReference().isEmpty)
        #expect(try await db.queue().map(\.priority) == [0.9, 0.9, 0.9])

        // Approve one (the EOC webhook and a feed), escalate one, reject one as a rumour.
        try await db.review(postID: posts[0].id, decision: .approve, reviewer: "mod", note: "已確認", channels: ["hook", "feed"])
        try await db.review(postID: posts[1].id, decision: .escalate, reviewer: "mod", note: "請 EOC 派員", channels: ["hook"])
        try await db.review(postID: posts[2].id, decision: .reject, reviewer: "mod", note: nil, channels: [], reason: .rumour)
        #expect(try await db.syncRejectedRumours() == 1)
        #expect(try await db.labelledReviews().map(\.decision) == ["approve", "escalate", "reject"])
        #expect(try await db.labelledReviews().first?.text == "標題1\n秀林鄉土石流 1")
        let claimed = try await db.leaseDueDeliveries(channels: ["hook"])
        #expect(claimed.map(\.action) == [.lead, .publish])  // leads first
        let published = try #require(claimed.first { $0.action == .publish })
        // A corroborated item without its own position takes the matched incident's (the JSON dialect hook).
        #expect(published.item.latitude == 24.1 && published.item.verdict == "corroborated")
        #expect(published.item.incidents.map(\.externalID) == ["E1"])
        for e in claimed { try await db.markDelivered(e.publication.id!, remoteID: "m\(e.publication.id!)") }
        #expect(try await db.publishableItems(channel: "hook").map(\.postID) == [posts[0].id])
        #expect(try await db.approvedItems().map(\.postID) == [posts[0].id])
        #expect(try await db.capEvents().map(\.kind) == [.approved, .escalated])
        #expect(try await db.nextDue(channels: ["feed"]) != nil)

        // Retract the approval: the undelivered feed row is cancelled, the webhook gets a retraction.
        let retracts = try await db.retract(postID: posts[0].id, reviewer: "mod", note: "誤報")
        #expect(retracts.map(\.channel) == ["feed", "hook"])
        #expect(retracts.map(\.status) == ["cancelled", "pending"])
        #expect(try await db.retraction(postID: posts[0].id)?.note == "誤報")
        let withdrawal = try #require(try await db.leaseDueDeliveries(channels: ["hook"]).first)
        #expect(withdrawal.action == .retract && withdrawal.publishedRemoteIDs == ["m\(published.publication.id!)"])
        try await db.markAttemptFailed(withdrawal.publication.id!, error: "HTTP 500", retryAt: nil)
        #expect(try await db.retryDelivery(withdrawal.publication.id!, actor: "test").status == "pending")
        #expect(try await db.dropDelivery(withdrawal.publication.id!, actor: "test").status == "dropped")
        await #expect(throws: StoreError.deliveryState(id: withdrawal.publication.id!, status: "dropped", wanted: "drop")) {
            try await db.dropDelivery(withdrawal.publication.id!, actor: "test")
        }
        #expect(try await db.outbox(statuses: [.dropped]).map(\.title) == ["標題1"])
        #expect(try await db.outbox().count == 5)

        // robots.txt cache, with a binary body.
        let body = Data([0, 1, 2, 255])
        try await db.saveRobots(host: "e.org", status: 200, body: body, error: nil, expiresAt: Date().addingTimeInterval(60))
        #expect(try await db.cachedRobots(host: "e.org")?.body == body)
        #expect(try await db.cachedRobots(host: "e.org", now: Date().addingTimeInterval(120)) == nil)
    }
}
