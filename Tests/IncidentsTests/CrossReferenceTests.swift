import Classifier
import Foundation
import Incidents
import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

@Suite("Cross-reference")
struct CrossReferenceTests {
    let dir = TempDir()

    func closureDB() async throws -> AppDatabase {
        let db = try await AppDatabase(path: dir.path("x-\(UUID().uuidString).sqlite"))
        let csv = dir.write("c-\(UUID().uuidString).csv", "縣市,日期,狀態\n臺北市,2026-09-15,照常上班、照常上課\n新北市,2026-09-15,停止上班、停止上課\n")
        try await db.saveIncidents(try await Fixture.importer.read(csv).incidents)
        return db
    }

    @Test func closureRumourAgainstAnOfficialNormalDayIsContradicted() async throws {
        let xref = try await Fixture.referencer(try await closureDB())
        let r = Fixture.check(xref, "網傳臺北市明天停班停課！！快分享", at: "2026-09-14T21:00:00+08:00")
        #expect(r.verdict == .contradicted)
        #expect(r.lines().first?.contains("照常上班上課") == true)
        #expect(r.lines().first?.contains("2026-09-15") == true)
        #expect(r.lines(.en).first?.hasPrefix("contradicted: the post claims work and school closed (臺北市) on 2026-09-15; the official notice for 臺北市 says work and school as usual") == true)
        #expect(r.lines().first?.hasPrefix("矛盾：貼文稱 臺北市 2026-09-15 停班停課") == true)
        // The same claim written in Simplified Chinese and with a short county name.
        let s = Fixture.check(xref, "网传北市明天停班停课", at: "2026-09-14T21:00:00+08:00")
        #expect(s.verdict == .contradicted)
    }

    @Test func closureClaimWithAnOfficialClosureIsCorroborated() async throws {
        let xref = try await Fixture.referencer(try await closureDB())
        let r = Fixture.check(xref, "新北市明天停班停課，大家注意安全", at: "2026-09-14T21:00:00+08:00")
        #expect(r.verdict == .corroborated)
        #expect(r.lines().first?.contains("停止上班上課") == true)
        // "Work goes on" when the county closed is contradicted; a county without a notice stays unconfirmed.
        #expect(Fixture.check(xref, "新北市明天照常上班上課喔", at: "2026-09-14T21:00:00+08:00").verdict == .contradicted)
        let none = Fixture.check(xref, "桃園市明天停班停課", at: "2026-09-14T21:00:00+08:00")
        #expect(none.verdict == .unconfirmed)
        #expect(none.lines(.en).contains { $0.contains("no official closure notice for 桃園市") })
        // 「未達停班停課標準」 is a claim of a normal day, not of a closure.
        #expect(Fixture.check(xref, "臺北市明天未達停班停課標準", at: "2026-09-14T21:00:00+08:00").verdict == .corroborated)
    }

    @Test func reportsMatchTheirIncidentByPlaceTimeAndType() async throws {
        let db = try await AppDatabase(path: dir.path("m.sqlite"))
        let tsv = """
            CASE_ID,CASE_DT,COUNTY_N,TOWN_N,CASE_LOC,GEOMETRY_TYPE,COORDINATE,DISASTER_MAIN_TYPE,DISASTER_SUB_TYPE,CASE_DESCRIPTION,CASE_STATUS,CASE_TYPE,INJURED_NO,DEATH_NO,TRAPPED_NO,MISSING_NO,SHELTER_NO,IS_TRAFFIC,IS_SERIOUS
            T1,2026/9/14 下午 08:50:00,新北市,汐止區,新北市汐止區康寧街137號,點,"121.65,25.06",積淹水災情,房屋積淹水,康寧街淹水及腰，一家人受困二樓,處理中,網路災情通報,0,0,5,0,0,False,True
            T2,2026/9/14 下午 08:40:00,新北市,汐止區,新北市汐止區大同路二段,點,"121.64,25.07",路樹災情,路樹倒塌,大同路二段路樹倒塌,已處理,網路災情通報,0,0,0,0,0,False,False
            T3,2026/9/14 下午 08:45:00,高雄市,茄萣區,高雄市茄萣區莒光路三段137號,點,"120.19,22.90",積淹水災情,道路積淹水,莒光路淹水,處理中,網路災情通報,0,0,0,0,0,False,False
            """
        try await db.saveIncidents(try await Fixture.parse(tsv, name: "emic.csv").incidents)
        let xref = try await Fixture.referencer(db)
        let r = Fixture.check(xref, "汐止康寧街137號淹水及腰，一家5口受困二樓，拜託救援", at: "2026-09-14T21:05:00+08:00")
        #expect(r.verdict == .corroborated)
        #expect(r.matches.first?.externalID == "T1")
        #expect(r.matches.first?.reasons.contains("same township") == true)
        // Same words, another county: not this incident.
        let far = Fixture.check(xref, "台東市中華路淹水及腰", at: "2026-09-14T21:05:00+08:00")
        #expect(far.matches.allSatisfy { $0.externalID != "T1" && $0.externalID != "T3" })
        #expect(far.verdict == .unconfirmed)
        // Right place, three days later: too late to be the same event.
        let late = Fixture.check(xref, "汐止康寧街137號淹水及腰", at: "2026-09-17T21:05:00+08:00")
        #expect(late.verdict == .unconfirmed)
    }

    @Test func quakeClaimsAgainstCWA() async throws {
        let db = try await AppDatabase(path: dir.path("q.sqlite"))
        try await db.saveIncidents(try await Fixture.parse(OfficialFormatTests.quakeUpper, name: "eq.json").incidents)
        let xref = try await Fixture.referencer(db)
        let felt = Fixture.check(xref, "剛剛花蓮地震好大，櫃子都倒了", at: "2026-09-14T18:55:00+08:00")
        #expect(felt.verdict == .corroborated)
        #expect(felt.matches.first?.externalID == "115016")
        let inflated = Fixture.check(xref, "花蓮剛剛規模7.5的超大地震！", at: "2026-09-14T18:55:00+08:00")
        #expect(inflated.verdict == .contradicted)
        #expect(inflated.lines().first?.contains("5.8") == true)
        let noSuchQuake = Fixture.check(xref, "台南剛剛發生強震，規模6.2", at: "2026-09-16T03:00:00+08:00")
        #expect(noSuchQuake.verdict == .contradicted)
        #expect(noSuchQuake.lines(.en).first?.contains("no earthquake") == true)
        #expect(noSuchQuake.lines().first?.contains("沒有地震報告") == true)
    }

    @Test func evacuationOrdersThatDoNotExist() async throws {
        let db = try await AppDatabase(path: dir.path("e.sqlite"))
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(id: "R-1")).incidents)
        let xref = try await Fixture.referencer(db)
        let fake = Fixture.check(xref, "緊急！花蓮縣政府下令強制撤離光復鄉全鄉居民", at: "2026-09-14T19:00:00+08:00")
        #expect(fake.verdict == .contradicted)
        #expect(fake.lines(.en).first?.contains("evacuation order") == true)
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(
            id: "R-2", event: "撤離", eventCode: "evacuation", description: "光復鄉大興村強制撤離")).incidents)
        let real = await Fixture.check(try Fixture.referencer(db), "花蓮縣政府下令強制撤離光復鄉大興村", at: "2026-09-14T19:00:00+08:00")
        #expect(real.verdict != .contradicted)
    }

    @Test func knownRumoursAreMatchedAndTheirSpreadCounted() async throws {
        let db = try await AppDatabase(path: dir.path("r.sqlite"))
        let csv = dir.write("cofacts.csv", """
            claim,verdict,url
            "颱風天喝鹽水可以預防感冒，停水時記得先裝滿浴缸並加漂白水消毒，快轉給家人",RUMOR,https://cofacts.tw/article/1
            "自來水公司公告明天全台停水48小時",RUMOR,https://cofacts.tw/article/2
            "氣象署發布陸上颱風警報",NOT_RUMOR,https://cofacts.tw/article/3
            x,RUMOR,
            """)
        let file = try RumourFile.read(path: csv)
        #expect(file.claims.count == 3 && file.warnings.count == 1)
        #expect(try await db.addKnownRumours(file.claims, origin: "import:cofacts.csv") == 3)
        #expect(try await db.addKnownRumours(file.claims, origin: "import:cofacts.csv") == 0, "a claim is known once")
        let xref = try await Fixture.referencer(db)
        let repeatPost = "【轉傳】自來水公司公告：明天全台停水48小時！！請大家快儲水"
        let r = Fixture.check(xref, repeatPost, at: "2026-09-14T21:00:00+08:00")
        let k = try #require(r.knownRumour)
        #expect(k.verdict == "RUMOR" && k.url == "https://cofacts.tw/article/2")
        #expect(k.similarity >= 0.6)
        #expect(r.verdict == .contradicted)
        #expect(r.lines(.en).contains { $0.contains("matches known rumour #\(k.rumourID) (similarity") })
        #expect(Fixture.check(xref, "今晚的晚餐是牛肉麵，很好吃", at: "2026-09-14T21:00:00+08:00").knownRumour == nil)
        let simplified = Fixture.check(xref, "自来水公司公告明天全台停水48小时", at: "2026-09-14T21:00:00+08:00")
        #expect(simplified.knownRumour?.rumourID == k.rumourID, "Simplified text matches the Traditional claim")
    }

    /// A database holding two classified copies of one rumour (external ids "1" and "2"), queued.
    func twoCopiesOfARumourQueued(_ file: String) async throws -> AppDatabase {
        let db = try await AppDatabase(path: dir.path(file))
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .feed, url: "file:///dev/null")])
        let posts = [
            ExtractedPost(externalID: "1", url: nil, title: nil, author: nil, published: Fixture.date("2026-09-14T20:00:00+08:00"), text: "緊急通知：明天起全台封城三天，政府不敢說，快分享"),
            ExtractedPost(externalID: "2", url: nil, title: nil, author: nil, published: Fixture.date("2026-09-14T21:00:00+08:00"), text: "緊急通知!!明天起全台封城三天 政府不敢說 快分享"),
        ]
        try await db.recordFetch(DocumentRecord(sourceId: ids["s"]!, url: "file:///dev/null"), posts: posts)
        _ = try await Pipeline.classify(database: db, scorer: Fixture.classifier)
        return db
    }

    @Test func moderatorRumourRejectionsJoinTheMemoryAndSpreadIsCounted() async throws {
        let db = try await twoCopiesOfARumourQueued("mod.sqlite")
        let first = try #require(try await db.queue().first { $0.externalID == "1" })
        try await db.review(postID: first.id, decision: .reject, reviewer: "mod", note: nil, channels: [], reason: .rumour)
        let checked = try await Pipeline.crossReference(database: db, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer)
        #expect(checked == 1)
        let known = try await db.knownRumours()
        #expect(known.count == 1 && known[0].origin == "review" && known[0].spreadCount == 1)
        let second = try #require(try await db.queue().first { $0.externalID == "2" })
        let x = try #require(try await db.crossReference(postID: second.id))
        #expect(x.knownRumour?.rumourID == known[0].id)
        #expect(x.verdict == .contradicted)
        // Checking again without new evidence changes nothing and counts nothing twice.
        #expect(try await Pipeline.crossReference(database: db, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer) == 0)
        #expect(try await db.knownRumours()[0].spreadCount == 1)
    }

    /// A worker keeps its cross-reference index between rounds; evidence arriving in between (here a moderator's
    /// rumour rejection) replaces it, and the posts already checked are checked again against the new evidence.
    @Test func aCachedIndexIsReplacedWhenEvidenceArrives() async throws {
        let db = try await twoCopiesOfARumourQueued("cache.sqlite")
        let cache = CrossReferencerCache()
        func round() async throws -> Int {
            try await Pipeline.crossReference(database: db, lexicon: Fixture.lexicon, tokenizer: Fixture.classifier.tokenizer, cache: cache)
        }
        #expect(try await round() == 2)
        let second = try #require(try await db.queue().first { $0.externalID == "2" })
        #expect(try await db.crossReference(postID: second.id)?.knownRumour == nil)
        #expect(try await round() == 0)  // nothing new: nothing checked again
        let first = try #require(try await db.queue().first { $0.externalID == "1" })
        try await db.review(postID: first.id, decision: .reject, reviewer: "mod", note: nil, channels: [], reason: .rumour)
        #expect(try await round() == 1)
        let x = try #require(try await db.crossReference(postID: second.id))
        #expect(x.knownRumour?.rumourID == (try await db.knownRumours().first?.id))
        #expect(x.verdict == .contradicted)
    }

    /// EMIC reports re-posted as a person would write them find their own incident.
    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func emicReportsRepostedFindTheirIncident() async throws {
        let emic = try #require(TestPaths.sharedData("emic/emic_cases_dev.csv"))
        let lines = String(decoding: try Data(contentsOf: emic), as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let path = dir.write("emic.csv", lines.prefix(4001).joined(separator: "\n"))
        let incidents = try await Fixture.importer.read(path).incidents
        let db = try await AppDatabase(path: dir.path("recall.sqlite"))
        try await db.saveIncidents(incidents)
        let xref = try await Fixture.referencer(db)
        let (total, recall, count) = try await Self.recall(xref, db)
        print("EMIC re-posts: recall@1 \(String(format: "%.3f", recall)) over \(total) posts against \(count) incidents")
        #expect(total >= 150)
        #expect(recall >= 0.9)
    }

    static func recall(_ xref: CrossReferencer, _ db: AppDatabase) async throws -> (Int, Double, Int) {
        // Every 20th report with a description: description plus the place as written (county short form, no
        // township suffix), no structured fields.
        var total = 0, hits = 0
        let stored = try await db.incidents(kinds: [.emic])
        var twins: [String: Set<String>] = [:]
        for i in stored { twins["\(i.description ?? "")|\(i.address ?? "")|\(i.sent)", default: []].insert(i.externalID) }
        for (k, i) in stored.enumerated() where k % 20 == 0 {
            guard let desc = i.description, let county = i.areas.first?.county, let town = i.areas.first?.township else { continue }
            var street = i.address ?? ""
            for prefix in [county + town, county] where street.hasPrefix(prefix) { street = String(street.dropFirst(prefix.count)) }
            let short = county.replacingOccurrences(of: "臺", with: "台").replacingOccurrences(of: "市", with: "").replacingOccurrences(of: "縣", with: "")
            let text = k % 40 == 0 ? "\(desc)（\(short)\(town.dropLast())\(street)）" : "\(short)\(town)\(street) \(desc)"
            let r = xref.check(text: text, published: i.sent, assessment: Fixture.classifier.assess(title: nil, text: text, published: i.sent))
            total += 1
            let same = twins["\(i.description ?? "")|\(i.address ?? "")|\(i.sent)"] ?? []
            if let top = r.matches.first?.externalID, top == i.externalID || same.contains(top) { hits += 1 }
        }
        return (total, Double(hits) / Double(total), stored.count)
    }
}

@Suite("Cross-reference by position")
struct GeoCrossReferenceTests {
    let dir = TempDir()

    @Test func distanceAndAlertAreasCountAsPlace() async throws {
        let db = try await AppDatabase(path: dir.path("geo.sqlite"))
        let csv = """
            CASE_ID,CASE_DT,COUNTY_N,TOWN_N,CASE_LOC,GEOMETRY_TYPE,COORDINATE,DISASTER_MAIN_TYPE,DISASTER_SUB_TYPE,CASE_DESCRIPTION,CASE_STATUS,CASE_TYPE,INJURED_NO,DEATH_NO,TRAPPED_NO,MISSING_NO,SHELTER_NO,IS_TRAFFIC,IS_SERIOUS
            G1,2026/9/14 下午 08:50:00,新北市,汐止區,新北市汐止區,點,"121.6590,25.0630",路樹災情,路樹倒塌,大樹倒塌擋住道路,處理中,網路災情通報,0,0,0,0,0,False,False
            """
        try await db.saveIncidents(try await Fixture.parse(csv, name: "emic.csv").incidents)
        let polygon = "<area><areaDesc>某溪流域</areaDesc><polygon>24.0,121.0 24.0,121.2 24.2,121.2 24.2,121.0 24.0,121.0</polygon></area>"
        try await db.saveIncidents(try await Fixture.parse(Fixture.cap(
            id: "P-1", event: "土石流", eventCode: "debrisFlow", areaDesc: "某處", geocode: nil, description: "土石流紅色警戒", extraArea: polygon)).incidents)
        let xref = try await Fixture.referencer(db)
        let text = "這裡有大樹倒塌擋住道路"  // no place name at all
        let t = Fixture.date("2026-09-14T21:00:00+08:00")
        let a = Fixture.classifier.assess(title: nil, text: text, published: t)
        let near = xref.check(text: text, published: t, assessment: a, location: GeoPoint(lat: 25.0632, lon: 121.6592))
        #expect(near.matches.first?.externalID == "G1")
        #expect(near.matches.first?.reasons.contains { $0.hasSuffix("km away") } == true)
        #expect(near.verdict == .corroborated)
        let far = xref.check(text: text, published: t, assessment: a, location: GeoPoint(lat: 22.6, lon: 120.3))
        #expect(far.verdict == .unconfirmed)
        let slide = "山上土石流衝下來了"
        let inArea = xref.check(text: slide, published: t, assessment: Fixture.classifier.assess(title: nil, text: slide, published: t),
                                location: GeoPoint(lat: 24.1, lon: 121.1))
        #expect(inArea.matches.first?.externalID == "P-1")
        #expect(inArea.matches.first?.reasons.contains("inside the alert area") == true)
        #expect(Geo.distanceKm(GeoPoint(lat: 25.0330, lon: 121.5654), GeoPoint(lat: 22.6273, lon: 120.3014)) > 290)
    }

    /// Explanations are stored as data and rendered per language; rows from before that are read as written.
    @Test func explanationNotesRoundTripAndOldRowsStillRead() {
        let notes = [
            XrefNote("xref.closure.missing", ["counties": "桃園市", "date": "2026-09-15", "claimed": "@xref.claim.closure"]),
            XrefNote("xref.none", ["n": "12"]),
        ]
        let stored = XrefNote.encode(notes)
        #expect(XrefNote.decode(stored) == notes)
        #expect(notes[0].render() == "事件資料中沒有 桃園市 2026-09-15 的官方停班停課公告（貼文稱 停班停課）")
        #expect(notes[0].render(.en) == "no official closure notice for 桃園市 on 2026-09-15 in the incident store (the post claims work and school closed)")
        #expect(XrefNote.decode("official record emic X matches\nline two").map { $0.render(.zhHant) } == ["official record emic X matches", "line two"])
        #expect(XrefNote.decode("").isEmpty)
    }
}
