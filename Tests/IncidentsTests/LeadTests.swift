import Foundation
import Incidents
import Pipeline
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

/// What the cross-reference found travels with the item to the EOC: matched incidents, verdict, coordinates.
@Suite("Cross-reference in EOC leads")
struct LeadTests {
    let dir = TempDir()

    @Test func escalatedLeadCarriesTheCorroboratingIncident() async throws {
        _ = try await escalatedLeadCAP()
    }

    /// The lead's CAP message is valid against the OASIS CAP 1.2 schema.
    @Test(.enabled(if: TestPaths.capSchemaCheck, Comment(rawValue: TestPaths.capSchemaCheckAbsent)))
    func escalatedLeadIsValidCAP() async throws {
        let cap = try await escalatedLeadCAP()
        let xsd = try #require(TestPaths.sharedData("cap/CAP-v1.2.xsd"))
        let file = dir.write("lead.xml", cap.xml)
        let r = try await runProcess(URL(fileURLWithPath: "/usr/bin/xmllint"), ["--noout", "--schema", xsd.path, file])
        #expect(r.status == 0, Comment(rawValue: r.stderr))
    }

    /// An EMIC report, a post that it corroborates, escalated: the lead and its CAP message carry the incident.
    func escalatedLeadCAP() async throws -> CAPMessage {
        let db = try await AppDatabase(path: dir.path("lead.sqlite"))
        let csv = """
            CASE_ID,CASE_DT,COUNTY_N,TOWN_N,CASE_LOC,GEOMETRY_TYPE,COORDINATE,DISASTER_MAIN_TYPE,DISASTER_SUB_TYPE,CASE_DESCRIPTION,CASE_STATUS,CASE_TYPE,INJURED_NO,DEATH_NO,TRAPPED_NO,MISSING_NO,SHELTER_NO,IS_TRAFFIC,IS_SERIOUS
            L1,2026/9/14 下午 08:50:00,新北市,汐止區,新北市汐止區康寧街137號,點,"121.659,25.063",積淹水災情,房屋積淹水,康寧街淹水及腰，一家人受困二樓,處理中,網路災情通報,0,0,5,0,0,False,True
            """
        try await db.saveIncidents(try await Fixture.parse(csv, name: "emic.csv").incidents)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .feed, url: "file:///dev/null")])
        try await db.recordFetch(
            DocumentRecord(sourceId: ids["s"]!, url: "file:///dev/null"),
            posts: [ExtractedPost(externalID: "1", published: Fixture.date("2026-09-14T21:00:00+08:00"), text: "汐止康寧街137號淹水及腰，一家5口受困二樓，拜託救援")])
        _ = try await Pipeline.classify(database: db, scorer: Fixture.classifier)
        _ = try await Pipeline.crossReference(database: db, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer)
        let post = try #require(try await db.queue().first)
        #expect(try await db.crossReference(postID: post.id)?.verdict == .corroborated)
        try await db.review(postID: post.id, decision: .escalate, reviewer: "mod", note: "119 已派車", channels: [])

        let events = try await db.capEvents()
        let event = try #require(events.first)
        #expect(event.item.verdict == "corroborated")
        #expect(event.item.incidents.first?.externalID == "L1")
        #expect(event.item.latitude == 25.063 && event.item.longitude == 121.659, "the EMIC report's position")
        let lead = EOCLead(item: event.item, message: "m")
        #expect(lead.incidents.first?.externalID == "L1" && lead.incidents.first?.kind == "emic")
        #expect(lead.coordinates?.latitude == 25.063)
        let json = String(decoding: try JSONEncoder().encode(lead), as: UTF8.self)
        #expect(json.contains("\"verdict\":\"corroborated\""))
        let cap = try #require(CAPWriter.messages(events: events).first)
        #expect(cap.xml.contains("<valueName>sieve:incident:emic</valueName><value>L1</value>"))
        #expect(cap.xml.contains("<valueName>sieve:xref</valueName><value>corroborated</value>"))
        return cap
    }
}
