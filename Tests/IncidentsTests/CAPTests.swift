import Foundation
import Incidents
import SieveCore
import Store
import Testing
import TestSupport

@Suite("CAP alerts")
struct CAPTests {
    let dir = TempDir()

    @Test(.enabled(if: TestPaths.has("cap"), "../shared/data/cap is absent")) func oasisExamplesAndTaiwanFileImport() async throws {
        let cap = try #require(TestPaths.sharedData("cap"))
        let db = try await AppDatabase(path: dir.path("cap.sqlite"))
        var identifiers: [String] = []
        for name in ["oasis_example_1.xml", "oasis_example_2.xml", "oasis_example_3.xml", "oasis_example_4.xml", "taiwan_wra_reservoir.cap"] {
            let parsed = try await Fixture.importer.read(cap.appendingPathComponent(name).path)
            #expect(parsed.incidents.count == 1, "\(name)")
            identifiers += parsed.incidents.map(\.externalID)
            try await db.saveIncidents(parsed.incidents)
        }
        #expect(identifiers == ["43b080713727", "KSTO1055887203", "TRI13970876.2", "KAR0-0306112239-SW", "WRA_ReservoirWarn_201405142010"])
        let all = try await db.incidents()
        #expect(all.count == 5)
        let wra = try #require(all.first { $0.externalID == "WRA_ReservoirWarn_201405142010" })
        #expect(wra.areas.first?.county == "苗栗縣")
        #expect(wra.areas.first?.township == "頭屋鄉")
        #expect(wra.areas.first?.geocode == "1000512")
        #expect(wra.type == "flood")
        #expect(wra.sent == Fixture.date("2014-05-14T20:10:00+08:00"))
        #expect(wra.expires == Fixture.date("2014-05-14T21:10:00+08:00"))
        #expect(!wra.isActive(), "expired in 2014")
        // Example 3 is an Update referencing an alert we never saw: it is stored and says what it references.
        let update = try #require(all.first { $0.externalID == "TRI13970876.2" })
        #expect(update.msgType == "Update")
        #expect(update.references == ["trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00"])
        // Example 4 is told in English and Spanish: one incident, the first language.
        #expect(all.first { $0.externalID == "KAR0-0306112239-SW" }?.event == "Child Abduction")
        // Example 2 has a polygon (lat,lon pairs).
        let storm = try #require(all.first { $0.externalID == "KSTO1055887203" })
        #expect(storm.polygons.first?.first.map { $0.lat > 30 && $0.lon < -100 } == true)
    }

    @Test func updateAndCancelChangeTheIncident() async throws {
        let db = try await AppDatabase(path: dir.path("uc.sqlite"))
        let now = Fixture.date("2026-09-14T19:00:00+08:00")
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(id: "A-1")).incidents)
        #expect(try await db.incidents(activeAt: now).map(\.externalID) == ["A-1"])

        let update = Fixture.cap(
            id: "A-2", sent: "2026-09-14T18:30:00+08:00", msgType: "Update",
            references: "test@ncdr.nat.gov.tw,A-1,2026-09-14T18:00:00+08:00", description: "豪雨範圍擴大到鳳林鎮")
        let s1 = try await db.saveIncidents(try await Fixture.parse(update).incidents)
        #expect(s1.superseded == 1)
        #expect(try await db.incidents(activeAt: now).map(\.externalID) == ["A-2"])
        #expect(try await db.incidents().first { $0.externalID == "A-1" }?.state == "superseded")

        let cancel = Fixture.cap(
            id: "A-3", sent: "2026-09-14T18:50:00+08:00", msgType: "Cancel",
            references: "test@ncdr.nat.gov.tw,A-2,2026-09-14T18:30:00+08:00")
        let s2 = try await db.saveIncidents(try await Fixture.parse(cancel).incidents)
        #expect(s2.cancelled == 1)
        #expect(try await db.incidents(activeAt: now).isEmpty)
        #expect(try await db.incidents().first { $0.externalID == "A-2" }?.state == "cancelled")
        #expect(try await db.incidents().count == 2, "a Cancel is not an incident of its own")

        // Importing the original again does not bring a cancelled alert back.
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(id: "A-2", sent: "2026-09-14T18:30:00+08:00", description: "changed")).incidents)
        #expect(try await db.incidents(activeAt: now).isEmpty)
    }

    @Test func testAlertsAndExpiredAlertsCreateNothingActive() async throws {
        let db = try await AppDatabase(path: dir.path("t.sqlite"))
        let test = try await Fixture.parse(Fixture.cap(id: "T-1", status: "Test"))
        #expect(test.incidents.isEmpty)
        #expect(test.skipped.first?.contains("status Test") == true)
        let exercise = try await Fixture.parse(Fixture.cap(id: "T-2", status: "Exercise"))
        #expect(exercise.incidents.isEmpty)
        let expired = try await Fixture.parse(Fixture.cap(id: "T-3", sent: "2026-01-01T08:00:00+08:00", expires: "2026-01-01T09:00:00+08:00"))
        try await db.saveIncidents(expired.incidents)
        #expect(try await db.incidents(activeAt: Fixture.date("2026-09-14T12:00:00+08:00")).isEmpty)
        #expect(try await db.incidents().count == 1, "the expired alert is kept, but not active")
    }

    @Test func unknownGeocodesAreKeptWithAWarning() async throws {
        let parsed = try await Fixture.parse(Fixture.cap(id: "G-1", areaDesc: "某處", geocode: "99999"))
        let i = try #require(parsed.incidents.first)
        #expect(i.areas.contains { $0.geocode?.contains("99999") == true && $0.county == nil })
        #expect(parsed.warnings.contains { $0.contains("unknown geocode") && $0.contains("99999") })
        #expect(i.warnings.contains { $0.contains("99999") })
        // A township code we have no list for still gives its county, and the description gives the township.
        let known = try await Fixture.parse(Fixture.cap(id: "G-2", areaDesc: "花蓮縣光復鄉", geocode: "1001503"))
        #expect(known.incidents.first?.areas.first?.county == "花蓮縣")
        #expect(known.incidents.first?.areas.first?.township == "光復鄉")
    }

    @Test func badInput() async throws {
        // A time ending in Z (invalid in CAP 1.2) is read as UTC, with a warning.
        let z = try await Fixture.parse(Fixture.cap(id: "Z-1", sent: "2026-09-14T10:00:00Z", expires: "2026-09-15T10:00:00Z"))
        #expect(z.incidents.first?.sent == Fixture.date("2026-09-14T18:00:00+08:00"))
        #expect(z.warnings.contains { $0.contains("Z") && $0.contains("offset") })
        // No <info>: stored, with a warning, no area.
        let noInfo = try await Fixture.parse(Fixture.cap(id: "N-1", info: false))
        #expect(noInfo.incidents.count == 1)
        #expect(noInfo.incidents.first?.areas.isEmpty == true)
        #expect(noInfo.warnings.contains { $0.contains("no <info>") })
        // Two alerts with one identifier in one document: one incident, a warning.
        let two = "<alerts>" + Fixture.cap(id: "D-1").replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "")
            + Fixture.cap(id: "D-1", description: "第二版").replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "") + "</alerts>"
        let dup = try await Fixture.parse(two)
        #expect(dup.incidents.count == 1)
        #expect(dup.incidents.first?.description == "第二版")
        #expect(dup.warnings.contains { $0.contains("duplicate identifier D-1") })
        // Across imports the same identifier updates, it never duplicates.
        let db = try await AppDatabase(path: dir.path("dup.sqlite"))
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(id: "D-2")).incidents)
        let again = try await db.saveIncidents(try await Fixture.parse(Fixture.cap(id: "D-2")).incidents)
        #expect(again.unchanged == 1)
        #expect(try await db.incidentCount() == 1)
        // Malformed XML: an error naming the source and line.
        await #expect {
            _ = try await Fixture.parse("<?xml version=\"1.0\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n<identifier>x</identifier>\n<sent>oops</alert>", name: "broken.cap")
        } throws: { error in
            let e = error as? IncidentImportError
            return e?.source == "broken.cap" && e?.line == 4 && e?.description.contains("malformed XML") == true
        }
        // Not a date-time in <sent>.
        await #expect(throws: IncidentImportError.self) {
            _ = try await Fixture.parse(Fixture.cap(id: "S-1", sent: "yesterday"))
        }
    }

    @Test func capFeedLinksToCAPFiles() async throws {
        let a = dir.write("a.cap", Fixture.cap(id: "F-1"))
        _ = dir.write("b.cap", Fixture.cap(id: "F-2", status: "Test"))
        let feed = dir.write("feed.atom", """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>urn:test:cap</id><title>CAP</title><updated>2026-09-14T18:00:00+08:00</updated>
              <entry><id>F-1</id><title>豪雨</title><updated>2026-09-14T18:00:00+08:00</updated><link href="a.cap"/></entry>
              <entry><id>F-2</id><title>測試</title><updated>2026-09-14T18:00:00+08:00</updated><link href="b.cap"/></entry>
              <entry><id>F-3</id><title>壞的</title><updated>2026-09-14T18:00:00+08:00</updated><link href="missing.cap"/></entry>
            </feed>
            """)
        _ = a
        let parsed = try await Fixture.importer.read(feed)
        #expect(parsed.incidents.map(\.externalID) == ["F-1"])
        #expect(parsed.skipped.count == 1)
        #expect(parsed.warnings.contains { $0.contains("missing.cap") })
    }

    @Test func workSchoolClosureAlertsBecomeNotices() async throws {
        let xml = Fixture.cap(
            id: "W-1", sent: "2026-09-14T20:00:00+08:00", event: "停班停課", eventCode: "workSchlClos", areaDesc: "臺北市",
            geocode: "63", description: "臺北市：明天停止上班、停止上課。",
            extraArea: "<area><areaDesc>新北市</areaDesc><geocode><valueName>Taiwan_Geocode_103</valueName><value>65</value></geocode></area>")
        let parsed = try await Fixture.parse(xml)
        let notices = parsed.incidents.filter { $0.kind == .closure }
        #expect(notices.count == 2)
        #expect(notices.allSatisfy { $0.details.closureDate == "2026-09-15" && $0.details.closure == .closed })
        #expect(Set(notices.compactMap { $0.areas.first?.county }) == ["臺北市", "新北市"])
    }
}

@Suite("Importing from URLs")
struct URLImportTests {
    @Test func capFeedAndFilesOverHTTP() async throws {
        let alert = Fixture.cap(id: "H-1")
        let server = try TestHTTPServer { r, c in
            switch r.path {
            case "/feed.atom":
                c.respond(status: 200, headers: ["Content-Type": "application/atom+xml"], body: """
                    <?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>
                    <updated>2026-09-14T18:00:00+08:00</updated>
                    <entry><id>H-1</id><title>a</title><updated>2026-09-14T18:00:00+08:00</updated><link href="/cap/H-1.cap"/></entry>
                    <entry><id>H-2</id><title>b</title><updated>2026-09-14T18:00:00+08:00</updated><link href="/cap/gone.cap"/></entry></feed>
                    """)
            case "/cap/H-1.cap": c.respond(status: 200, headers: ["Content-Type": "application/xml"], body: alert)
            default: c.respond(status: 404, body: "not found")
            }
        }
        defer { server.stop() }
        var importer = Fixture.importer
        // The SSRF guard refuses loopback unless the source allows private addresses.
        await #expect(throws: IncidentImportError.self) { _ = try await importer.read(server.baseURL + "/feed.atom") }
        importer.fetchOptions.allowPrivate = true
        let parsed = try await importer.read(server.baseURL + "/feed.atom")
        #expect(parsed.incidents.map(\.externalID) == ["H-1"])
        #expect(parsed.warnings.contains { $0.contains("/cap/gone.cap") && $0.contains("HTTP 404") })
        await #expect { _ = try await importer.read(server.baseURL + "/missing.json") } throws: {
            ($0 as? IncidentImportError)?.description == server.baseURL + "/missing.json: HTTP 404"
        }
    }

    /// A CAP feed fetched over http(s) may link only http(s) files: it linked `file:///…` and the importer read this
    /// machine's file.
    @Test func aRemoteCAPFeedCannotLinkLocalFiles() async throws {
        let dir = TempDir()
        let local = dir.write("local.cap", Fixture.cap(id: "LOCAL-1"))
        let server = try TestHTTPServer { r, c in
            c.respond(status: 200, headers: ["Content-Type": "application/atom+xml"], body: """
                <?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>
                <updated>2026-09-14T18:00:00+08:00</updated>
                <entry><id>L-1</id><title>a</title><updated>2026-09-14T18:00:00+08:00</updated><link href="file://\(local)"/></entry>
                <entry><id>L-2</id><title>b</title><updated>2026-09-14T18:00:00+08:00</updated><link href="ftp://x.example/a.cap"/></entry></feed>
                """)
        }
        defer { server.stop() }
        var importer = Fixture.importer
        importer.fetchOptions.allowPrivate = true
        let parsed = try await importer.read(server.baseURL + "/feed.atom")
        #expect(parsed.incidents.isEmpty)
        #expect(parsed.warnings.filter { $0.contains("refused") }.count == 2, "\(parsed.warnings)")
        // A local feed may still link local files (the operator's own).
        let feed = dir.write("feed.atom", """
            <?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>
            <updated>2026-09-14T18:00:00+08:00</updated>
            <entry><id>L-1</id><title>a</title><updated>2026-09-14T18:00:00+08:00</updated><link href="local.cap"/></entry></feed>
            """)
        #expect(try await Fixture.importer.read(feed).incidents.map(\.externalID) == ["LOCAL-1"])
    }
}
