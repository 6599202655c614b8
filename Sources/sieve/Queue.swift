import ArgumentParser
import Foundation
import SieveCore
import Store

struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the items awaiting review, most urgent first.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print a JSON array instead of a table.")
    var json = false

    @Option(name: .long, help: "At most this many items (1 or more).")
    var limit = 50

    @Option(name: .long, help: ArgumentHelp(
        "The table's language: zh-TW or en (default: $SIEVE_LANG, else English when $LC_ALL/$LC_MESSAGES/$LANG is English, else zh-TW).",
        valueName: "lang"))
    var lang: String?

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let lang, CLILanguage.parse(lang) == nil { throw ValidationError("--lang must be zh-TW or en, got \"\(lang)\"") }
    }

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let items = try await database.queue(limit: limit)
            var xrefs: [Int64: XrefResult] = [:]
            for item in items { xrefs[item.id] = try await database.crossReference(postID: item.id) }
            if json {
                print(QueueJSON.render(items, xrefs: xrefs))
            } else {
                print(QueueTable.render(items, xrefs: xrefs, color: stdoutIsTTY, lang: lang.flatMap(CLILanguage.parse) ?? CLILanguage.fromEnvironment()))
            }
        }
    }
}

enum QueueJSON {
    static func render(_ items: [QueueItem], xrefs: [Int64: XrefResult] = [:]) -> String {
        let objects: [[String: Any]] = items.map { item in
            var o: [String: Any] = [
                "id": item.id, "source": item.source, "text": item.text, "state": item.state,
                "external_id": item.externalID,
                "url": item.url ?? NSNull(), "title": item.title ?? NSNull(), "author": item.author ?? NSNull(),
                "published": item.published.map(TaipeiTime.rfc3339) ?? NSNull(),
                "fetched": TaipeiTime.rfc3339(item.fetchedAt),
            ]
            if let a = item.assessment {
                o["scores"] = ["disaster": a.disaster, "rumour": a.rumour, "priority": item.priority ?? 0]
                o["types"] = a.types
                o["places"] = a.places.map { p -> [String: Any] in
                    ["surface": p.surface, "name": p.name, "level": p.level, "county": p.county ?? NSNull()]
                }
                o["reasons"] = a.reasons
                o["model"] = a.model
                // The calibrated models' verdicts (不確定: abstained; 待查證: in the rumour model's flag band).
                o["labels"] = ["disaster": a.disasterLabel as Any? ?? NSNull(), "rumour": a.rumourLabel as Any? ?? NSNull(), "emic_type": a.emicType as Any? ?? NSNull()] as [String: Any]
            } else {
                o["scores"] = [String: Any]()
                o["types"] = [String]()
                o["places"] = [Any]()
                o["reasons"] = [String]()
            }
            if let x = xrefs[item.id] {
                var xo: [String: Any] = [
                    "verdict": x.verdict.rawValue, "score": x.score, "explanation": x.lines(), "notes": x.explanation.map { ["key": $0.key, "args": $0.args] as [String: Any] },
                    "matches": x.matches.map { ["id": $0.externalID, "kind": $0.kind.rawValue, "score": $0.score, "summary": $0.summary] as [String: Any] },
                ]
                if let k = x.knownRumour {
                    xo["known_rumour"] = ["id": k.rumourID, "similarity": k.similarity, "verdict": k.verdict, "url": k.url ?? NSNull()] as [String: Any]
                }
                o["xref"] = xo
            } else {
                o["xref"] = NSNull()
            }
            return o
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

enum QueueTable {
    static func render(_ items: [QueueItem], xrefs: [Int64: XrefResult] = [:], color: Bool, lang: Language = .zhHant) -> String {
        func t(_ zh: String, _ args: [String: String] = [:]) -> String { Messages.app(zh, lang, args) }
        if items.isEmpty { return t("佇列是空的。（`sieve run` 會抓取並分類新貼文。）") }
        let bold = color ? "\u{1B}[1m" : "", dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        let red = color ? "\u{1B}[31m" : "", yellow = color ? "\u{1B}[33m" : ""
        var lines: [String] = []
        lines.append(bold + pad("ID", 5) + pad(t("災情"), 9) + pad(t("謠言"), 12) + pad(t("類型"), 22) + pad(t("地點"), 18) + pad(t("查核"), 13) + pad(t("來源"), 18) + t("內容") + reset)
        for item in items {
            let a = item.assessment
            // 不確定 (the model abstained) and 待查證 (the rumour model's flag band) as on the web pages.
            let disaster = a.map { ScoreText.shown($0.disaster, label: $0.disasterLabel, lang) } ?? "-"
            let types = a?.types.prefix(2).joined(separator: ",") ?? ""
            let rumour = a.map { ScoreText.shown($0.rumour, label: $0.rumourLabel, lang) } ?? "-"
            let place = a?.places.first?.display ?? ""
            let excerpt = (item.title.map { $0 + "｜" } ?? "") + item.text.replacingOccurrences(of: "\n", with: " ")
            let flagged = a.map { $0.rumour >= 0.6 || $0.rumourLabel == "像謠言" || $0.rumourLabel == "待查證" } ?? false
            let flag = flagged ? red : ((a?.disaster ?? 0) >= 0.6 ? yellow : "")
            let x = xrefs[item.id]
            let label = switch x?.verdict {
            case .corroborated?: t("證實")
            case .contradicted?: t("矛盾")
            case .unconfirmed?: t("未證實")
            case nil: "-"
            }
            let verdict = x?.verdict == .contradicted ? red + pad(label, 13) + reset : pad(label, 13)
            lines.append(
                flag + pad(String(item.id), 5) + pad(disaster, 9) + pad(rumour, 12) + reset + pad(types, 22) + pad(place, 18)
                    + verdict + pad(item.source, 18) + truncate(excerpt, 40))
            if let a, !a.reasons.isEmpty {
                // The reasons in the table's language when the classifier stored them as data; else as written.
                let lines3 = lang != .zhHant && a.reasonNotes.count == a.reasons.count ? a.reasonNotes.map { $0.render(lang) } : a.reasons
                lines.append(dim + "     └ " + lines3.prefix(3).joined(separator: lang == .zhHant ? "；" : "; ") + reset)
            }
            if let x, x.verdict != .unconfirmed || x.knownRumour != nil, let first = x.explanation.first {
                lines.append(dim + "     └ " + t("查核：") + truncate(first.render(lang == .zhHant ? .zhHant : .en), 110) + reset)
            }
        }
        lines.append("")
        lines.append(t("{n} 則待審。決定：sieve review ID approve|reject|escalate --note \"…\"", ["n": "\(items.count)"]))
        return lines.joined(separator: "\n")
    }

    /// Terminal column width: East Asian wide/full-width characters take two columns.
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    static func truncate(_ s: String, _ columns: Int) -> String {
        var out = "", w = 0
        for ch in s {
            let cw = width(String(ch))
            if w + cw > columns - 1 { return out + "…" }
            out.append(ch)
            w += cw
        }
        return out
    }

    static func pad(_ s: String, _ columns: Int) -> String {
        let t = width(s) >= columns ? truncate(s, columns - 1) : s
        return t + String(repeating: " ", count: max(1, columns - width(t)))
    }
}


/// The language of the CLI's tables: `--lang`, else `SIEVE_LANG`, else the locale variables.
enum CLILanguage {
    static func parse(_ text: String) -> Language? {
        let t = text.lowercased()
        if t.hasPrefix("zh") { return .zhHant }
        if t.hasPrefix("en") { return .en }
        return nil
    }

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        if let s = env["SIEVE_LANG"], let l = parse(s) { return l }
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let v = env[key], !v.isEmpty else { continue }
            return v.lowercased().hasPrefix("en") ? .en : .zhHant
        }
        return .zhHant
    }
}
