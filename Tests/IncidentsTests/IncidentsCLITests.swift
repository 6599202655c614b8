import Foundation
import Incidents
import SieveCore
import Testing
import TestSupport

/// `sieve incidents`, `sieve xref`, `sieve rumours` and `sieve run` with official sources, through the executable.
@Suite("Incident commands", .serialized)
struct IncidentsCLITests {
    let dir = TempDir()
    var sieve: URL { TestPaths.sieveBinary }

    func run(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(sieve, args + ["--database", dir.path("cli.sqlite")], cwd: TestPaths.packageRoot, stdin: stdin)
    }

    @Test func importListAndBatchCrossReference() async throws {
        let closures = dir.write("closures.csv", "縣市,日期,狀態\n臺北市,2026-09-15,照常上班、照常上課\n新北市,2026-09-15,停止上班、停止上課\n")
        let cap = dir.write("a.cap", Fixture.cap(id: "CLI-1", sent: "2026-09-14T18:00:00+08:00", expires: "2099-01-01T00:00:00+08:00"))
        let test = dir.write("t.cap", Fixture.cap(id: "CLI-T", status: "Test"))
        let imported = try await run(["incidents", "import", closures, cap, test])
        #expect(imported.status == 0, Comment(rawValue: imported.stderr))
        #expect(imported.stdout.contains("closures.csv: 2 record(s): 2 new"))
        #expect(imported.stdout.contains("t.cap: 0 record(s)"))
        #expect(imported.stderr.contains("status Test"))
        let again = try await run(["incidents", "import", "--format", "closures", closures])
        #expect(again.stdout.contains("0 new, 0 updated, 2 unchanged"))

        let list = try await run(["incidents", "list", "--active"])
        #expect(list.stdout.contains("CLI-1"))
        #expect(!list.stdout.contains("CLI-T"))
        let json = try await run(["incidents", "list", "--json", "--kind", "closure"])
        #expect(json.stdout.split(separator: "\n").count == 2)

        let posts = """
            {"id":"a","text":"網傳臺北市明天停班停課，快分享","published":"2026-09-14T21:00:00+08:00"}
            {"id":"b","text":"新北市明天停班停課","published":"2026-09-14T21:00:00+08:00"}
            not json
            {"id":7,"text":"今晚吃牛肉麵","published":"2026-09-14T21:00:00+08:00"}
            {"id":"c","text":"x","published":"yesterday"}
            """
        let xref = try await run(["xref", "--input", "-"], stdin: posts)
        #expect(xref.status == 1, "bad lines give exit 1")
        #expect(xref.stderr.contains("-:3: not a JSON object"))
        let lines = xref.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 5, "one output line per input line")
        #expect(lines[0]["id"] as? String == "a" && lines[0]["verdict"] as? String == "contradicted")
        #expect(lines[1]["verdict"] as? String == "corroborated")
        let matches = lines[1]["matches"] as? [[String: Any]]
        #expect(matches?.first?["id"] as? String == "新北市 2026-09-15")
        #expect(lines[2]["line"] as? Int == 3 && lines[2]["error"] != nil)
        #expect(lines[3]["id"] as? Int == 7 && lines[3]["verdict"] as? String == "unconfirmed")
        #expect((lines[4]["error"] as? String)?.contains("published") == true)

        let broken = dir.write("broken.cap", "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n<identifier>x")
        let bad = try await run(["incidents", "import", broken])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("broken.cap:2: malformed XML"))
        let unknown = try await run(["incidents", "import", "--format", "kml", closures])
        #expect(unknown.status == 2)
    }

    @Test func rumourImportAndList() async throws {
        let csv = dir.write("r.csv", "text,replyType,url\n自來水公司公告明天全台停水48小時,RUMOR,https://cofacts.tw/article/2\n")
        let r = try await run(["rumours", "import", csv])
        #expect(r.status == 0, Comment(rawValue: r.stderr))
        #expect(r.stdout.contains("1 claim(s), 1 new"))
        await #expect(try run(["rumours", "list"]).stdout.contains("自來水公司公告"))
        let x = try await run(["xref", "--input", "-"], stdin: #"{"id":"r","text":"轉傳：自來水公司公告明天全台停水48小時！","published":"2026-09-14T21:00:00+08:00"}"#)
        #expect(x.stdout.contains("\"known_rumour\":{"))
        #expect(x.stdout.contains("\"verdict\":\"contradicted\""))
    }

    /// The demo world end to end: official sources are imported by `sieve run`, queued posts are cross-referenced.
    @Test func runImportsOfficialSourcesAndCrossReferences() async throws {
        let config = dir.write("demo.toml", (try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("sieve.demo.toml"), encoding: .utf8))
            .replacingOccurrences(of: "file:Corpus/", with: "file:\(TestPaths.packageRoot.path)/Corpus/")
            .replacingOccurrences(of: "database = \"demo.sqlite\"", with: "database = \"\(dir.path("demo.sqlite"))\""))
        let r = try await runProcess(sieve, ["run", "--config", config], cwd: TestPaths.packageRoot)
        #expect(r.status == 1, "the demo's broken feed fails on purpose")
        #expect(r.stdout.contains("✓ ncdr-cap: 1 new incident(s)"))
        #expect(r.stdout.contains("✓ emic-reports: 4 new incident(s)"))
        #expect(r.stdout.contains("✓ closure-notices: 9 new incident(s)"))
        let q = try await runProcess(sieve, ["queue", "--json", "--config", config], cwd: TestPaths.packageRoot)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [[String: Any]])
        func verdict(_ title: String) -> String? {
            (items.first { ($0["title"] as? String)?.contains(title) == true }?["xref"] as? [String: Any])?["verdict"] as? String
        }
        #expect(verdict("明天全台停班停課") == "contradicted")
        #expect(verdict("已證實!!明天全臺停班停課") == "contradicted")
        #expect(verdict("汐止康寧街一帶淹水及腰") == "corroborated")
        #expect(verdict("照常上班上課") == "corroborated")
        #expect(verdict("颱風夜還是要喝珍奶") == "unconfirmed")
        // A contradicted rumour needs a fast answer: it ranks above the chatter.
        let ids = items.map { $0["title"] as? String ?? "" }
        let rumour = try #require(ids.firstIndex { $0.contains("明天全台停班停課") })
        let chatter = try #require(ids.firstIndex { $0.contains("珍奶") })
        #expect(rumour < chatter)
        // The calibrated models' labels travel with each item, and the table shows them as the web pages do.
        for item in items {
            let labels = try #require(item["labels"] as? [String: Any], "\(item)")
            #expect(labels["disaster"] is String && labels["rumour"] is String, "\(labels)")
        }
        let all = try await runProcess(sieve, ["queue", "--config", config, "--limit", "100", "--lang", "zh-TW"], cwd: TestPaths.packageRoot)
        let tableRows = all.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        for item in items {
            let id = try #require(item["id"] as? Int)
            let row = try #require(tableRows.first { $0.hasPrefix("\(id) ") }, "item \(id) in the table")
            let labels = item["labels"] as? [String: Any], scores = item["scores"] as? [String: Any]
            let rumour = try #require(scores?["rumour"] as? Double)
            switch labels?["rumour"] as? String {
            case "待查證": #expect(row.contains("待查證 \(ScoreText.number(rumour))"), "\(row)")
            case "不確定": #expect(row.contains("不確定"), "\(row)")
            default: #expect(!row.contains("待查證"), "\(row)")
            }
            if labels?["disaster"] as? String == "不確定" { #expect(row.contains("不確定"), "\(row)") }
        }
        let one = try await runProcess(sieve, ["xref", String(items[0]["id"] as? Int ?? 0), "--config", config], cwd: TestPaths.packageRoot)
        #expect(one.status == 0 && one.stdout.hasPrefix("post "))

        // The table in Chinese by default (a C locale), in English with --lang en or an English locale.
        let plain = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8"]
        let zh = try await runProcess(sieve, ["queue", "--config", config, "--limit", "5"], cwd: TestPaths.packageRoot, environment: plain)
        #expect(zh.stdout.hasPrefix("ID   災情") && zh.stdout.contains("└ 模型：") && zh.stdout.contains("└ 查核：") && zh.stdout.contains("則待審。"))
        var english = plain
        english["LANG"] = "en_US.UTF-8"
        for (args, env) in [(["--lang", "en"], plain), ([], english)] {
            let en = try await runProcess(sieve, ["queue", "--config", config, "--limit", "5"] + args, cwd: TestPaths.packageRoot, environment: env)
            #expect(en.stdout.hasPrefix("ID   Disaster Rumour      Type"), "\(en.stdout)")
            #expect(en.stdout.contains("└ model: ") && en.stdout.contains("└ Cross-reference: ") && en.stdout.contains("item(s). Decide with"))
            #expect(!en.stdout.contains("模型：") && !en.stdout.contains("查核：") && !en.stdout.contains("訓練資料"))
        }
        let bad = try await runProcess(sieve, ["queue", "--config", config, "--lang", "fr"], cwd: TestPaths.packageRoot, environment: plain)
        #expect(bad.status == 2 && bad.stderr.contains("--lang must be zh-TW or en, got \"fr\""))
    }
}
