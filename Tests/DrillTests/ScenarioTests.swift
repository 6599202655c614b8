import Classifier
import Drill
import Foundation
import Incidents
import SieveCore
import Testing
import TestSupport

@Suite("Drill scenarios: the file format, its errors, the shipped scenarios")
struct ScenarioTests {
    static let minimal = """
        [scenario]
        name = "test-night"
        title = "測試之夜"
        kind = "typhoon"
        start = "2025-07-06T18:00:00+08:00"
        duration = "2h"

        [[event]]
        at = "+0:10"
        channel = "ptt"
        text = "網傳明天停班停課"
        truth = "rumour"

        [[event]]
        id = "closure-1"
        at = "+0:05"
        kind = "closure"
        county = "臺南市"
        text = "明天照常上班、照常上課。"
        """

    @Test func aHandWrittenScenarioReadsWithDefaults() throws {
        let s = try Scenario.parse(Self.minimal, file: "t.toml")
        #expect(s.name == "test-night" && s.kind == .typhoon && s.duration == 7200)
        #expect(s.events.map(\.id) == ["closure-1", "e8"])  // sorted by offset; a post without id is e<line>
        let post = s.events[1]
        #expect(post.offset == 600 && post.truth == .rumour && post.expect == .reject && post.line == 8)
    }

    /// Every mistake names the file, the line and the key.
    @Test(arguments: [
        ("kind = \"typhoon\"", "kind = \"typhon\"", "t.toml:4: scenario.kind: unknown kind \"typhon\""),
        ("at = \"+0:10\"", "at = \"+3:10\"", "t.toml:9: event[1].at: +3:10 is after the scenario's end"),
        ("truth = \"rumour\"", "truth = \"rumor\"", "t.toml:12: event[1].truth: unknown truth \"rumor\""),
        ("truth = \"rumour\"", "truth = \"rumour\"\nexpect = \"approve\"", "t.toml:13: event[1].expect: a rumour should be rejected"),
        ("channel = \"ptt\"\n", "", "t.toml:8: event[1].channel: missing: a post event needs the channel"),
        ("id = \"closure-1\"", "id = \"e8\"", "t.toml:15: event[2].id: \"e8\" is used by an earlier event"),
        ("county = \"臺南市\"", "countie = \"臺南市\"", "t.toml:18: event[2].countie: unknown key"),
        ("at = \"+0:05\"", "at = \"5 minutes\"", "t.toml:16: event[2].at: \"5 minutes\" is not an offset"),
    ])
    func mistakesAreNamedWithTheirLine(_ change: (String, String, String)) {
        let text = Self.minimal.replacingOccurrences(of: change.0, with: change.1)
        #expect {
            _ = try Scenario.parse(text, file: "t.toml")
        } throws: { error in
            "\(error)".hasPrefix(change.2) || { print("got: \(error)"); return false }()
        }
    }

    @Test func brokenTOMLAndMissingTablesAreErrorsNotCrashes() {
        #expect(throws: ScenarioError.self) { try Scenario.parse("[scenario\nname = 1", file: "t.toml") }
        #expect(throws: ScenarioError.self) { try Scenario.parse("[[event]]\nat = \"0\"", file: "t.toml") }
        #expect(throws: ScenarioError.self) { try Scenario.parse("[é]\n", file: "t.toml") }
    }

    /// The four shipped scenarios load, import their real records, and come out the same every time.
    @Test(arguments: ["typhoon-danas-2025", "flood-meiyu-2026", "earthquake-central-2025", "tsunami-east-2025"])
    func shippedScenariosLoad(_ name: String) throws {
        let scenario = try Scenario.load(path: TestPaths.packageRoot.appendingPathComponent("Drills/\(name).toml").path)
        #expect(scenario.name == name)
    }

    @Test(
        .enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent"),
        arguments: ["typhoon-danas-2025", "flood-meiyu-2026", "earthquake-central-2025", "tsunami-east-2025"])
    func shippedScenariosResolveDeterministically(_ name: String) throws {
        let path = TestPaths.packageRoot.appendingPathComponent("Drills/\(name).toml").path
        let scenario = try Scenario.load(path: path)
        let data = try #require(TestPaths.sharedData("emic/emic_cases_dev.csv")).deletingLastPathComponent().deletingLastPathComponent().path
        let a = try scenario.resolved(dataFolder: data)
        let b = try scenario.resolved(dataFolder: data)
        #expect(a.events == b.events)
        let posts = a.events.filter { $0.kind == .post }
        #expect(posts.count >= 100, "\(posts.count) posts")
        #expect(posts.contains { $0.truth == .rumour } && posts.contains { $0.truth == .noise } && posts.contains { $0.expect == .escalate })
        #expect(a.events.contains { $0.kind == .emic })
        #expect(a.events.allSatisfy { $0.offset >= 0 && $0.offset <= a.duration })
        // Posts derived from real reports keep nothing of the reporting system's marks.
        #expect(!posts.contains { $0.text.contains("演練") || $0.text.contains("[電話]") })
        #expect(Set(a.events.map(\.id)).count == a.events.count)
    }

    @Test func anImportWithoutItsDataSaysWhereItLooked() throws {
        let path = TestPaths.packageRoot.appendingPathComponent("Drills/typhoon-danas-2025.toml").path
        let scenario = try Scenario.load(path: path)
        #expect {
            _ = try scenario.resolved(dataFolder: nil)
        } throws: { error in
            "\(error)".contains("typhoon-danas-2025.toml:") && "\(error)".contains("--data")
        }
    }

    /// Exercise CAP alerts are incidents only where asked (an exercise store); production ignores them.
    @Test func exerciseCAPAlertsCountOnlyInADrill() throws {
        let lexicon = try Lexicon.load(directory: TestPaths.lexicons)
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x-1</identifier><sender>a@b</sender>
            <sent>2025-07-06T18:00:00+08:00</sent><status>Exercise</status><msgType>Alert</msgType><scope>Public</scope>
            <info><event>颱風</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
            <headline>演習</headline><area><areaDesc>臺南市</areaDesc></area></info></alert>
            """
        let production = try CAPParser(gazetteer: Gazetteer(lexicon: lexicon)).parse(Data(xml.utf8), source: "x.cap")
        #expect(production.incidents.isEmpty && production.skipped.first?.contains("Exercise") == true)
        let drill = try CAPParser(gazetteer: Gazetteer(lexicon: lexicon), statuses: ["Actual", "Exercise"]).parse(Data(xml.utf8), source: "x.cap")
        #expect(drill.incidents.count == 1)
    }
}
