import Classifier
import Foundation
import Incidents
import SieveCore

/// Where `[[import]]` files are looked for: `--data`, then `$SIEVE_DATA`, then the nearest `shared/data` folder
/// above the scenario file or the working directory (the layout CI and these machines have).
public enum DrillData {
    public static func folder(explicit: String?, scenarioFile: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit { return explicit }
        if let env = environment["SIEVE_DATA"], !env.isEmpty { return env }
        for start in [URL(fileURLWithPath: scenarioFile).deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("shared/data")
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }
}

extension Scenario {
    /// The scenario with its `[[import]]` tables read into events. Deterministic: the same file and data give the
    /// same timeline, event for event.
    public func resolved(dataFolder: String?) throws(ScenarioError) -> Scenario {
        var out = self
        var ids = Set(events.map(\.id))
        for (n, spec) in imports.enumerated() {
            guard let dataFolder else {
                throw ScenarioError(
                    file: file, line: spec.line, key: "import[\(n + 1)].file",
                    message: "\(spec.file) is read from the data folder, and none was found (pass --data DIR or set SIEVE_DATA; CI has ../shared/data)")
            }
            let path = URL(fileURLWithPath: dataFolder).appendingPathComponent(spec.file).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ScenarioError(file: file, line: spec.line, key: "import[\(n + 1)].file", message: "cannot read \(path)")
            }
            let imported: [ScenarioEvent]
            do {
                imported = try EMICImport.events(from: data, name: path, spec: spec, scenarioStart: start)
            } catch {
                throw ScenarioError(file: file, line: spec.line, key: "import[\(n + 1)]", message: error.description)
            }
            for e in imported where ids.insert(e.id).inserted && e.offset >= 0 && e.offset <= duration {
                out.events.append(e)
            }
        }
        out.events.sort { ($0.offset, $0.id) < ($1.offset, $1.id) }
        return out
    }
}

/// Real EMIC reports → official records and the posts people wrote about the same thing.
enum EMICImport {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func events(from data: Data, name: String, spec: ScenarioImport, scenarioStart: Date) throws(Failure) -> [ScenarioEvent] {
        let table: CSVTable
        do { table = try CSVTable.parse(data, name: name, headerContains: "CASE_ID") } catch { throw Failure(description: error.description) }
        func col(_ n: String) throws(Failure) -> Int {
            guard let i = table.column(n) else { throw Failure(description: "\(name): no \(n) column") }
            return i
        }
        let (id, dt, county, town, loc, coord, main, sub, desc) = (
            try col("CASE_ID"), try col("CASE_DT"), try col("COUNTY_N"), try col("TOWN_N"), try col("CASE_LOC"), try col("COORDINATE"),
            try col("DISASTER_MAIN_TYPE"), try col("DISASTER_SUB_TYPE"), try col("CASE_DESCRIPTION")
        )
        let optional = ["INJURED_NO", "DEATH_NO", "TRAPPED_NO", "IS_SERIOUS", "CASE_TYPE"].map { table.column($0) }
        struct Row {
            var time: Date
            var f: [String]
        }
        var rows: [Row] = []
        for row in table.rows {
            let f = row.fields
            guard f.count > max(id, dt, county, town, loc, coord, main, sub, desc), let time = OfficialTime.parseEMIC(f[dt]) else { continue }
            guard time >= spec.from, time < spec.to else { continue }
            if !spec.counties.isEmpty && !spec.counties.contains(f[county]) { continue }
            let text = f[desc]
            if !spec.exercises && (text.contains("演練") || text.contains("演習") || text.contains("測試")) { continue }
            guard !clean(text).isEmpty else { continue }
            rows.append(Row(time: time, f: f))
        }
        rows.sort { ($0.time, $0.f[id]) < ($1.time, $1.f[id]) }
        // Evenly over the window: every k-th report.
        if rows.count > spec.limit {
            let step = Double(rows.count) / Double(spec.limit)
            rows = (0..<spec.limit).map { rows[Int(Double($0) * step)] }
        }
        var rng = SplitMix64(seed: spec.seed)
        var out: [ScenarioEvent] = []
        for r in rows {
            let f = r.f
            func int(_ i: Int?) -> Int { i.flatMap { $0 < f.count ? Int(f[$0]) : nil } ?? 0 }
            let serious = optional[3].map { $0 < f.count && f[$0].lowercased() == "true" } ?? false
            let (injured, dead, trapped) = (int(optional[0]), int(optional[1]), int(optional[2]))
            let parts = f[coord].split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            let caseID = f[id]
            let offset = r.time.timeIntervalSince(scenarioStart)
            let wantsOfficial = Double(rng.next() % 1000) / 1000 < spec.official
            if wantsOfficial {
                var e = ScenarioEvent(id: "emic-\(caseID)", offset: offset, kind: .emic, text: f[desc], origin: "EMIC \(caseID)")
                e.county = f[county]
                e.town = f[town]
                e.location = f[loc]
                e.type = f[main]
                e.subtype = f[sub]
                if parts.count == 2 { (e.lon, e.lat) = (parts[0], parts[1]) }
                (e.injured, e.dead, e.trapped, e.serious) = (injured, dead, trapped, serious)
                out.append(e)
            }
            // The post: written a few minutes before the report reached EMIC (people post first, then call).
            let lead = TimeInterval(120 + Int(rng.next() % 900))
            var p = ScenarioEvent(
                id: "post-\(caseID)", offset: offset - lead, kind: .post,
                text: wording(clean(f[desc]), town: f[town], location: shortLocation(clean(f[loc]), county: f[county], town: f[town]), type: f[main], rng: &rng),
                origin: "EMIC \(caseID)")
            p.channel = channel(caseType: optional[4].flatMap { $0 < f.count ? f[$0] : nil }, rng: &rng)
            p.author = "drill-\(String(rng.next() % 100_000, radix: 36))"
            p.county = f[county]
            p.town = f[town]
            p.truth = .report
            p.expect = serious || injured + dead + trapped > 0 ? .escalate : .approve
            p.note = "EMIC \(caseID) (\(f[main])\(f[sub].isEmpty ? "" : "／\(f[sub])"))"
            out.append(p)
        }
        return out
    }

    /// The citizen's words without the reporting system's marks: case numbers, "[現場狀況]", "(縣市政府填報)",
    /// "（演練）", masked phone numbers.
    static func clean(_ text: String) -> String {
        var t = text
        for pattern in [
            "^[0-9]{8,}[、,，:：]?", "\\[[^\\]]{1,8}\\]", "[（(][^）)]{0,8}(演練|填報|演習)[^）)]{0,8}[）)]", "【[^】]{0,6}】", "\\[電話\\]",
            "^\\d{4}/\\d{1,2}/\\d{1,2} \\d{1,2}:\\d{2}(:\\d{2})? - ",
        ] {
            t = t.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
        }
        t = t.replacingOccurrences(of: "演練續報", with: "").replacingOccurrences(of: "演練", with: "")
        t = t.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression).trimmingCharacters(in: .whitespacesAndNewlines)
        return String(t.prefix(400))
    }

    static func shortLocation(_ loc: String, county: String, town: String) -> String {
        var l = loc
        for prefix in [county, town] where l.hasPrefix(prefix) { l.removeFirst(prefix.count) }
        if l.hasPrefix(town) { l.removeFirst(town.count) }
        return String(l.prefix(24))
    }

    /// A few ways people write the same report (chosen by the seeded generator).
    static func wording(_ text: String, town: String, location: String, type: String, rng: inout SplitMix64) -> String {
        let place = location.isEmpty ? town : "\(town)\(location)"
        switch rng.next() % 5 {
        case 0: return "\(place)：\(text)"
        case 1: return "\(text)（\(town)）"
        case 2: return "有人知道\(town)這邊的狀況嗎？\(location.isEmpty ? "" : location + " ")\(text)"
        case 3: return "#\(town) \(text)"
        default: return "\(place)現在\(text)"
        }
    }

    static let channels = ["ptt", "dcard", "threads", "facebook", "mastodon"]

    static func channel(caseType: String?, rng: inout SplitMix64) -> String {
        if let caseType, caseType.contains("LINE") { return "line-openchat" }
        return channels[Int(rng.next() % UInt64(channels.count))]
    }
}
