import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Maps
import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// `/map`: townships shaded by the reports of a time window, official incidents on top, links into the queue.
@Suite("Web app: map")
struct MapPageTests {
    static let window = "window=24h&end=2026-09-15T06:00"

    /// Boundary files for the test under way, in a folder removed after it.
    let files = TempDir()

    func fixture(_ backend: Backend, _ test: String = #function, boundaries: @Sendable (String) throws -> String?) async throws -> WebFixture? {
        let folder = files.path(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = try boundaries(folder)
        return try await WebFixture.on(backend, test) { config in config.server.mapBoundaries = path }
    }

    @Test(arguments: Backend.available)
    func townshipsAreShadedByPendingAndApprovedReportsForModeratorsAndTheEOC(_ backend: Backend) async throws {
        let f = try #require(try await fixture(backend) { try MapFixtures.writeTopoJSON(in: $0) })
        let db = f.database
        try await db.decide(postID: f.id("flood"), WebDecision(decision: .approve, channels: ["community-feed"]), by: "mod")
        try await db.decide(postID: f.id("chatter"), WebDecision(decision: .reject, reason: .notDisaster), by: "mod")
        var quake = Incident(kind: .quake, externalID: "114001", sent: WebFixture.base.addingTimeInterval(1800), event: "地震報告")
        quake.point = GeoPoint(lat: 23.9, lon: 121.6)
        quake.details.magnitude = 5.8
        var emic = Incident(kind: .emic, externalID: "E-1", sent: WebFixture.base.addingTimeInterval(600), event: "積淹水災情")
        emic.point = GeoPoint(lat: 25.06, lon: 121.64)
        emic.address = "新北市汐止區康寧街"
        var old = Incident(kind: .emic, externalID: "E-0", sent: WebFixture.base.addingTimeInterval(-3 * 86400), event: "路樹災情")
        old.point = GeoPoint(lat: 25.06, lon: 121.64)
        _ = try await db.saveIncidents([quake, emic, old], now: WebFixture.base)
        try await f.application().test(.router) { client in
            // Signed-in accounts only.
            let anonymous = try await Browser(client).get("/map")
            #expect(anonymous.status == .seeOther && (anonymous.location ?? "").hasPrefix("/login"))
            for account in ["eoc", "mod"] {
                let b = Browser(client)
                try await b.login(account)
                let page = try await b.get("/map?" + Self.window)
                #expect(page.status == .ok)
                #expect(page.body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sitmap\""))
                // 汐止: one approved report → shaded, linked to the approved items there; 那瑪夏: one pending.
                #expect(page.body.contains("新北市汐止區：待審 0、已核准 1"))
                #expect(page.body.contains("高雄市那瑪夏區：待審 1、已核准 0"))
                let xizhi = "/?county=\(Browser.escape("新北市"))&amp;township=\(Browser.escape("汐止區"))&amp;state=approved"
                #expect(page.body.contains("<a href=\"\(xizhi)&amp;from=2026-09-14T06%3A00&amp;to=2026-09-15T06%3A00\"><path class=\"t s1\""))
                // A post naming only its county is listed as such; the rejected chatter and place-less posts are not counted.
                #expect(page.body.contains("花蓮縣（只提到縣市）"))
                #expect(page.body.contains("3 則待審或已核准的報告"))
                // Official incidents of the window, not older ones.
                #expect(page.body.contains("mk mk-quake") && page.body.contains(">M5.8</text>"))
                #expect(page.body.contains("EMIC 災情 積淹水災情：新北市汐止區康寧街"))
                #expect(!page.body.contains("路樹災情"))
                #expect(page.body.contains("<a href=\"/map\"") && page.body.contains("aria-current=\"true\""))
            }
            let mod = Browser(client)
            try await mod.login("mod")
            // The queue opened from the map: only that township's reports.
            let queue = try await mod.get("/?county=\(Browser.escape("新北市"))&township=\(Browser.escape("汐止區"))&state=approved")
            #expect(queue.status == .ok && queue.body.contains("汐止康寧街淹水到腰"))
            let elsewhere = try await mod.get("/?county=\(Browser.escape("新北市"))&township=\(Browser.escape("瑞芳區"))&state=approved")
            #expect(elsewhere.status == .ok && !elsewhere.body.contains("汐止康寧街淹水到腰"))
            let pending = try await mod.get("/?county=\(Browser.escape("高雄市"))&township=\(Browser.escape("那瑪夏區"))")
            #expect(pending.body.contains("台21線坍方"))
            // A window before the reports: nothing shaded; the slider steps back and forth.
            let earlier = try await mod.get("/map?window=6h&end=2026-09-14T12:00")
            #expect(earlier.body.contains("0 則待審或已核准的報告") && earlier.body.contains("這段時間沒有提到地點的報告"))
            #expect(earlier.body.contains("← 往前 6 小時") && earlier.body.contains("往後 →"))
            // Zoomed into one county: its township names, a way back to the whole country.
            let county = try await mod.get("/map?\(Self.window)&county=\(Browser.escape("新北市"))")
            #expect(county.body.contains(">汐止區</text>") && county.body.contains(">瑞芳區</text>") && county.body.contains("回到全國"))
            #expect(!county.body.contains("高雄市那瑪夏區：待審"))  // outside the county's frame
            // Only pending reports shade.
            let onlyPending = try await mod.get("/map?\(Self.window)&layer=pending")
            #expect(onlyPending.body.contains("township=\(Browser.escape("汐止區"))&amp;state=approved&amp;from=2026-09-14T06%3A00&amp;to=2026-09-15T06%3A00\"><path class=\"t s0\""))
        }
    }

    /// With a village file, a report naming only a village (and its county) lands in the village's township —
    /// on the map and in the queue opened from it; a village name the county repeats stays with the county.
    @Test(arguments: Backend.available)
    func reportsNamingOnlyAVillageLandInItsTownship(_ backend: Backend) async throws {
        let folder = files.path(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let towns = try MapFixtures.writeTopoJSON(in: folder), villages = try MapFixtures.writeVillages(in: folder)
        func village(_ name: String) -> PlaceMention { PlaceMention(surface: name, name: name, level: "village", county: "新北市") }
        let seeds = WebFixture.defaultSeeds + [
            WebFixture.Seed(externalID: "changan", text: "新北市長安里積水三十公分。", minutes: 60, places: [village("長安里")]),
            WebFixture.Seed(externalID: "zhongzheng", text: "新北市中正里停電。", minutes: 70, places: [village("中正里")]),
            WebFixture.Seed(
                externalID: "both", text: "新北市瑞芳區長安里路樹倒塌。", minutes: 80,
                places: [village("長安里"), PlaceMention(surface: "瑞芳區", name: "瑞芳區", level: "township", county: "新北市")]),
        ]
        let f = try #require(try await WebFixture.on(backend, seeds: seeds) { c in
            c.server.mapBoundaries = towns
            c.server.mapVillages = villages
        })
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            let page = try await b.get("/map?window=24h&end=2026-09-15T06:00")
            #expect(page.status == .ok)
            // 汐止: the flood report and 長安里's; 瑞芳: the report naming its township (the township wins over the
            // village); 新北市 alone: 中正里, which is in both.
            #expect(page.body.contains("新北市汐止區：待審 2、已核准 0"), "\(page.body.suffix(3000))")
            #expect(page.body.contains("新北市瑞芳區：待審 1、已核准 0"))
            #expect(page.body.contains("新北市（只提到縣市）</a></td><td class=\"num\">1</td>"))
            #expect(page.body.contains("villages-fixture.json（內政部村里界），4 個村里"))
            let mod = Browser(client)
            try await mod.login("mod")
            let xizhi = try await mod.get("/?county=\(Browser.escape("新北市"))&township=\(Browser.escape("汐止區"))")
            #expect(xizhi.body.contains("新北市長安里積水") && xizhi.body.contains("汐止康寧街淹水到腰"))
            #expect(!xizhi.body.contains("新北市中正里停電") && !xizhi.body.contains("新北市瑞芳區長安里"))
            let ruifang = try await mod.get("/?county=\(Browser.escape("新北市"))&township=\(Browser.escape("瑞芳區"))")
            #expect(ruifang.body.contains("新北市瑞芳區長安里") && !ruifang.body.contains("新北市長安里積水"))
        }
        // The map page of the same reports with another village setting, as the EOC sees it.
        func map(villages: String?) async throws -> String {
            let f = try #require(try await WebFixture.on(backend, seeds: seeds) { c in
                c.server.mapBoundaries = towns
                c.server.mapVillages = villages
            })
            return try await f.application().test(.router) { client in
                let b = Browser(client)
                try await b.login("eoc")
                return try await b.get("/map?window=24h&end=2026-09-15T06:00").body
            }
        }
        // Without the village file the same reports count for the county.
        let plain = try await map(villages: nil)
        #expect(plain.contains("新北市汐止區：待審 1、已核准 0"))
        #expect(plain.contains("新北市（只提到縣市）</a></td><td class=\"num\">2</td>"))
        // A village file that is not one: the map says so, and the reports count for the county.
        let broken = try await map(villages: towns)
        #expect(broken.contains("讀不到村里界線檔：\(towns): objects: no geometry collection of villages"))
        #expect(broken.contains("新北市（只提到縣市）</a></td><td class=\"num\">2</td>"))
    }

    @Test(arguments: [
        ("window=5h", "window 須是 6h, 24h, 72h, 168h 之一，收到「5h」", "window must be one of 6h, 24h, 72h, 168h, got \"5h\""),
        ("end=yesterday", "end 須是時間，例如 2026-09-14T22:00（臺北時間）或 RFC 3339，收到「yesterday」",
         "end must be a time like 2026-09-14T22:00 (Taipei) or RFC 3339, got \"yesterday\""),
        ("county=" + Browser.escape("火星市"), "county 須是縣市名稱，例如臺北市，收到「火星市」", "county must be a county or city such as 臺北市, got \"火星市\""),
        ("layer=rumours", "layer 須是 all, pending, verified 之一，收到「rumours」", "layer must be one of all, pending, verified, got \"rumours\""),
    ])
    func badParametersAreRefusedWithTheReason(_ query: String, _ chinese: String, _ english: String) async throws {
        let f = try #require(try await fixture(.sqlite) { try MapFixtures.writeTopoJSON(in: $0) })
        try await f.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            let page = try await b.get("/map?" + query)
            #expect(page.status == .badRequest)
            #expect(page.body.contains(Markup.html(chinese)), "\(page.body.suffix(600))")
            let inEnglish = try await b.get("/map?" + query + "&lang=en")
            #expect(inEnglish.status == .badRequest)
            #expect(inEnglish.body.contains(Markup.html(english)), "\(inEnglish.body.suffix(600))")
        }
    }

    @Test func withoutBoundariesTheMapSaysWhyAndStillListsThePlaces() async throws {
        let none = try #require(try await fixture(.sqlite) { _ in nil })
        let broken = try #require(try await fixture(.sqlite) { dir in
            let path = dir + "/towns.json"
            try "{\"type\": \"Topology\", \"arcs\": [".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        })
        for (f, why) in [(none, "尚未設定鄉鎮界線（[server] map_boundaries）"), (broken, "讀不到鄉鎮界線檔：\(broken.config.server.mapBoundaries!): not JSON")] {
            try await f.application().test(.router) { client in
                let b = Browser(client)
                try await b.login("mod")
                let page = try await b.get("/map?" + Self.window)
                #expect(page.status == .ok)
                #expect(page.body.contains(Markup.html(why)))
                #expect(!page.body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sitmap\""))
                #expect(page.body.contains(">高雄市那瑪夏區</a>") && page.body.contains(">新北市汐止區</a>"))
            }
        }
    }

    @Test func aConfiguredTileLayerIsDrawnUnderTheTownshipsAndItsServerIsAllowedForImagesOnly() async throws {
        let folder = files.path(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = try MapFixtures.writeTopoJSON(in: folder)
        let tiled = try #require(try await WebFixture.on(.sqlite) { config in
            config.server.mapBoundaries = path
            config.server.mapTiles = "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png"
            config.server.mapTilesAttribution = "© OpenStreetMap contributors"
        })
        try await tiled.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            let page = try await b.get("/map?" + Self.window)
            #expect(page.body.contains("class=\"sitmap tiled\"") && page.body.contains("<image href=\"https://tiles.example.org:8443/osm/"))
            #expect(page.body.contains("底圖：© OpenStreetMap contributors"))
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("img-src 'self' data: https://tiles.example.org:8443;") && csp.contains("default-src 'self';"))
        }
        let plain = try #require(try await fixture(.sqlite) { try MapFixtures.writeTopoJSON(in: $0) })
        try await plain.application().test(.router) { client in
            let b = Browser(client)
            try await b.login("eoc")
            let page = try await b.get("/map?" + Self.window)
            #expect(!page.body.contains("<image") && page.body.contains("位置示意"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("img-src 'self' data:;") == true)
        }
    }

    /// With township shapes the public page names townships by their official romanisation outside Chinese and
    /// places an item without coordinates at its township's middle for "near me"; without them it keeps the Chinese
    /// name and gives no position.
    @Test func thePublicPageUsesTheShapesForTownshipNamesAndNearMe() async throws {
        let withShapes = try #require(try await fixture(.sqlite) { try MapFixtures.writeTopoJSON(in: $0) })
        let without = try #require(try await fixture(.sqlite) { _ in nil })
        for f in [withShapes, without] {
            try await f.database.decide(postID: f.id("flood"), WebDecision(decision: .approve, channels: ["community-feed"]), by: "mod")
        }
        try await withShapes.application().test(.router) { client in
            let en = try await Browser(client).get("/public?lang=en")
            #expect(en.body.contains("Xizhi District, New Taipei City"))
            let label = try #require(try fixtureShapes().township(county: "新北市", name: "汐止區")?.labelPoint)
            #expect(en.body.contains("data-lat=\"\(String(format: "%.4f", label.lat))\" data-lon=\"\(String(format: "%.4f", label.lon))\""))
            let county = try await Browser(client).get("/public?lang=vi&county=" + Browser.escape("新北市"))
            #expect(county.body.contains("Xizhi District (1)"))
        }
        try await without.application().test(.router) { client in
            let en = try await Browser(client).get("/public?lang=en")
            #expect(en.body.contains("汐止區, New Taipei City") && !en.body.contains("data-lat="))
        }
    }
}

/// The fixture's shapes as the app reads them (simplified the same way).
func fixtureShapes() throws -> Boundaries {
    try Boundaries.parse(Data(MapFixtures.topoJSON.utf8), path: "fixture.json")
}
