import Classifier
import Foundation
import Incidents
import SieveCore
import Store
import Testing
import TestSupport

@Suite("CWA, EMIC and closure notices")
struct OfficialFormatTests {
    let dir = TempDir()

    /// A report as the current API writes it (upper-case keys), with this test's own numbers.
    static let quakeUpper = """
        {"success":"true","result":{"resource_id":"E-A0015-001"},"records":{"datasetDescription":"地震報告","Earthquake":[
         {"EarthquakeNo":115016,"ReportType":"地震報告","ReportContent":"09/14-18:49花蓮縣近海發生規模5.8有感地震，最大震度花蓮縣5弱。",
          "Web":"https://scweb.cwa.gov.tw/zh-tw/earthquake/details/2026016",
          "EarthquakeInfo":{"OriginTime":"2026-09-14 18:49:50","Source":"中央氣象署","FocalDepth":10.6,
            "Epicenter":{"Location":"花蓮縣政府東方 20.0 公里 (位於花蓮縣近海)","EpicenterLatitude":23.99,"EpicenterLongitude":121.80},
            "EarthquakeMagnitude":{"MagnitudeType":"芮氏規模","MagnitudeValue":5.8}},
          "Intensity":{"ShakingArea":[
            {"AreaDesc":"花蓮縣地區","CountyName":"花蓮縣","InfoStatus":"observe","AreaIntensity":"5弱"},
            {"AreaDesc":"宜蘭縣地區","CountyName":"宜蘭縣","InfoStatus":"observe","AreaIntensity":"4級"},
            {"AreaDesc":"臺北市地區","CountyName":"臺北市","InfoStatus":"observe","AreaIntensity":"2級"}]}}]}}
        """

    /// The older API's layout: lower-case keys, values wrapped in objects.
    static let quakeLower = """
        {"success":"true","records":{"earthquake":[{"earthquakeNo":112099,"reportContent":"台東縣近海發生規模4.1有感地震",
          "earthquakeInfo":{"originTime":"2023-09-01 03:04:05","depth":{"value":15.2,"unit":"公里"},
            "epiCenter":{"location":"臺東縣政府東方 30 公里","epiCenterLat":{"value":22.75,"unit":"度"},"epiCenterLon":{"value":121.45,"unit":"度"}},
            "magnitude":{"magnitudeType":"芮氏規模","magnitudeValue":4.1}},
          "intensity":{"shakingArea":[{"areaDesc":"最大震度3級地區","areaName":"臺東縣、花蓮縣","areaIntensity":{"value":3,"unit":"級"}}]}}]}}
        """

    @Test func cwaEarthquakeReportsInBothKeyStyles() async throws {
        let upper = try await Fixture.parse(Self.quakeUpper, name: "E-A0015-001.json")
        let q = try #require(upper.incidents.first)
        #expect(q.kind == .quake && q.externalID == "115016" && q.type == "earthquake")
        #expect(q.sent == Fixture.date("2026-09-14T18:49:50+08:00"), "OriginTime is Taipei time")
        #expect(q.details.magnitude == 5.8 && q.details.depthKm == 10.6)
        #expect(q.point == GeoPoint(lat: 23.99, lon: 121.80))
        #expect(q.details.intensities == ["花蓮縣": 5, "宜蘭縣": 4, "臺北市": 2])

        let lower = try await Fixture.parse(Self.quakeLower, name: "old.json")
        let l = try #require(lower.incidents.first)
        #expect(l.externalID == "112099" && l.details.magnitude == 4.1 && l.details.depthKm == 15.2)
        #expect(l.point == GeoPoint(lat: 22.75, lon: 121.45))
        #expect(l.details.intensities == ["臺東縣": 3, "花蓮縣": 3])
    }

    @Test func cwaTyphoonTrackAndForecastPayloads() async throws {
        let track = """
            {"success":"true","records":{"TropicalCyclones":{"TropicalCyclone":[{"Year":"2026","TyphoonName":"KOINU","CwaTyphoonName":"小犬","CwaTyNo":"14",
              "AnalysisData":{"Fix":[{"DateTime":"2026-09-13T08:00:00+08:00","CoordinateLongitude":"123.0","CoordinateLatitude":"20.1","MaxWindSpeed":"35"},
                                     {"DateTime":"2026-09-14T08:00:00+08:00","CoordinateLongitude":"121.9","CoordinateLatitude":"21.6","MaxWindSpeed":"40","Circle15ms":{"Radius":"200"}}]},
              "ForecastData":{"Fix":[{"InitialTime":"2026-09-14T08:00:00+08:00","ForecastHour":"48"}]}}]}}}
            """
        let t = try #require(try await Fixture.parse(track, name: "W-C0034-005.json").incidents.first)
        #expect(t.kind == .typhoon && t.externalID == "2026-14" && t.details.typhoonName == "小犬")
        #expect(t.circles.first?.radiusKm == 200)
        #expect(t.expires == Fixture.date("2026-09-17T08:00:00+08:00"))
        await #expect(throws: IncidentImportError.self) { _ = try await Fixture.parse("{\"records\": {\"foo\": 1}}", name: "x.json") }
        await #expect {
            _ = try await Fixture.parse("{\"records\": [1, 2,\n }", name: "bad.json")
        } throws: { ($0 as? IncidentImportError)?.description.hasPrefix("bad.json") == true }
    }

    /// A real CWA county forecast (F-C0032-001) is read and skipped as a whole: it carries no incidents.
    @Test(.enabled(if: TestPaths.has("cwa/F-C0032-001.json"), "../shared/data/cwa/F-C0032-001.json is absent"))
    func cwaForecastCarriesNoIncidents() async throws {
        let forecast = try #require(TestPaths.sharedData("cwa/F-C0032-001.json"))
        let f = try await Fixture.importer.read(forecast.path)
        #expect(f.incidents.isEmpty && f.skipped.count == 1, "a forecast carries no incidents")
    }

    @Test func emicExportWithTitleLineAndTabs() async throws {
        let tsv = """
            災情資料匯出 2026/09/14
            CASE_ID\tCASE_DT\tCOUNTY_N\tTOWN_N\tCASE_LOC\tGEOMETRY_TYPE\tCOORDINATE\tDISASTER_MAIN_TYPE\tDISASTER_SUB_TYPE\tCASE_DESCRIPTION\tCASE_STATUS\tCASE_TYPE\tINJURED_NO\tDEATH_NO\tTRAPPED_NO\tMISSING_NO\tSHELTER_NO\tIS_TRAFFIC\tIS_SERIOUS
            E1\t2026/9/14 下午 08:57:00\t高雄市\t茄萣區\t高雄市茄萣區莒光路三段137號\t點\t120.1885,22.9034\t路樹災情\t路樹倒塌\t路樹倒塌，造成鄰居無法出門\t已處理\t網路災情通報\t0\t0\t2\t0\t0\tFalse\tFalse
            E2\t2026/9/14 上午 12:30:00\t臺南市\t新營區\t臺南市新營區\t點\t120.2954,23.3015\t民生、基礎設施災情\t電力停電\t停電\t處理中\t網路災情通報\t0\t0\t0\t0\t0\tFalse\tFalse
            E3\tnot a date\t臺南市\t新營區\t\t\t\t\t\tx\t\t\t\t\t\t\t\t\t
            E4\t2026/9/14 上午 10:00:00\t臺南市
            """
        let path = dir.write("emic.tsv", tsv)
        let parsed = try await Fixture.importer.read(path)
        #expect(parsed.incidents.map(\.externalID) == ["E1", "E2"])
        let e1 = parsed.incidents[0]
        #expect(e1.sent == Fixture.date("2026-09-14T20:57:00+08:00"))
        #expect(e1.areas.first?.county == "高雄市" && e1.areas.first?.township == "茄萣區")
        #expect(e1.address == "高雄市茄萣區莒光路三段137號")
        #expect(e1.point == GeoPoint(lat: 22.9034, lon: 120.1885), "EMIC writes lon,lat")
        #expect(e1.type == "tree_down" && e1.details.people == ["trapped": 2])
        #expect(parsed.incidents[1].sent == Fixture.date("2026-09-14T00:30:00+08:00"), "上午 12:30 is half past midnight")
        #expect(parsed.incidents[1].type == "power_outage")
        #expect(parsed.warnings.contains { $0.contains("emic.tsv:5") && $0.contains("CASE_DT") })
        #expect(parsed.warnings.contains { $0.contains("emic.tsv:6") })
        // A header without the required columns is an error naming the file and line.
        let wrong = dir.write("wrong.csv", "title\nCASE_ID,WHEN\n1,2\n")
        await #expect { _ = try await Fixture.importer.read(wrong, format: .emic) } throws: {
            ($0 as? IncidentImportError)?.description.contains("wrong.csv:2: no CASE_DT column") == true
        }
    }

    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func realEMICFileImports() async throws {
        let emic = try #require(TestPaths.sharedData("emic/emic_cases_dev.csv"))
        // The first 2,000 rows, written with the real header (the whole file is the benchmark's job).
        let lines = String(decoding: try Data(contentsOf: emic), as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let path = dir.write("part.csv", lines.prefix(2001).joined(separator: "\n"))
        let parsed = try await Fixture.importer.read(path)
        #expect(parsed.incidents.count >= 1990)
        #expect(parsed.incidents.filter { $0.point != nil }.count > 1900)
        #expect(parsed.incidents.filter { $0.areas.first?.county != nil }.count > 1990)
    }

    @Test func closureTablesAndTheNoticePage() async throws {
        let ref = Fixture.date("2026-09-14T20:00:00+08:00")
        let csv = dir.write("closures.csv", "county,date,status\n臺北市,2026-09-15,停止上班、停止上課\n新北市,2026-09-15,照常上班、照常上課\n台中,2026/09/15,closed\n火星,2026-09-15,closed\n")
        let parsed = try await Fixture.importer.read(csv, reference: ref)
        #expect(parsed.incidents.count == 3)
        #expect(parsed.incidents.first { $0.areas.first?.county == "臺北市" }?.details.closure == .closed)
        #expect(parsed.incidents.first { $0.areas.first?.county == "新北市" }?.details.closure == .normal)
        #expect(parsed.incidents.first { $0.areas.first?.county == "臺中市" }?.details.closureDate == "2026-09-15")
        #expect(parsed.warnings.contains { $0.contains("closures.csv:5") && $0.contains("火星") })

        let html = dir.write("nds.html", """
            <html><body><h2>天然災害停止上班及上課情形 更新時間：115年9月14日 20時00分</h2>
            <table><tr><th>縣市名稱</th><th>停止上班上課情形</th></tr>
            <tr><td>臺北市</td><td><font color="red">今天照常上班、照常上課。明天停止上班、停止上課。</font></td></tr>
            <tr><td>桃園市</td><td>明天照常上班、照常上課。</td></tr>
            <tr><td>花蓮縣</td><td>明天停止上課，照常上班。</td></tr></table></body></html>
            """)
        let page = try await Fixture.importer.read(html, reference: Date())
        let byKey = Dictionary(uniqueKeysWithValues: page.incidents.map { ($0.externalID, $0.details.closure) })
        #expect(byKey["臺北市 2026-09-14"] == .normal)
        #expect(byKey["臺北市 2026-09-15"] == .closed)
        #expect(byKey["桃園市 2026-09-15"] == .normal)
        #expect(byKey["花蓮縣 2026-09-15"] == .partial)
    }
}
