import Foundation
import SieveCore
import Testing

struct MessagesTests {
    /// Every key in every language it must have: all six for what the public reads, Chinese and English for the rest.
    @Test func noKeyIsMissingInAnyLanguage() {
        var missing: [String] = []
        for (key, texts) in Messages.table {
            for language in Messages.required(for: key) where (texts[language] ?? "").isEmpty {
                missing.append("\(key) [\(language.rawValue)]")
            }
        }
        #expect(missing.isEmpty, "missing: \(missing.sorted())")
        // Placeholders survive translation: the same {names} in every language.
        for (key, texts) in Messages.table {
            let names = { (s: String) in Set(s.split(separator: "{", omittingEmptySubsequences: false).dropFirst().compactMap { $0.split(separator: "}").first.map(String.init) }) }
            let expected = names(texts[.zhHant] ?? "")
            for (language, text) in texts {
                #expect(names(text) == expected, "\(key) [\(language.rawValue)] has placeholders \(names(text)), Chinese has \(expected)")
            }
        }
        #expect(Messages.table.keys.filter { $0.hasPrefix("county.") }.count == 22)
        // Every kind of official record has its name (the web app's labels come from here too).
        for kind in IncidentKind.allCases { #expect(Messages.table["kind.\(kind.rawValue)"] != nil, "kind.\(kind.rawValue)") }
    }

    @Test func fillsPlaceholdersAndFallsBack() {
        #expect(Messages.text("public.reports", .vi, ["n": "3"]) == "Tin đã xác minh (3)")
        #expect(Messages.text("no.such.key", .en) == "no.such.key")
        #expect(Messages.county("新北市", .en) == "New Taipei City (新北市)")
        #expect(Messages.county("新北市", .zhHant) == "新北市")
    }

    @Test func negotiatesTheLanguage() {
        #expect(Language.negotiate(query: "vi", acceptLanguage: "en") == .vi)
        #expect(Language.negotiate(query: "tl", acceptLanguage: nil) == .fil)
        #expect(Language.negotiate(query: "xx", acceptLanguage: "id-ID,id;q=0.9,en;q=0.8") == .id)
        #expect(Language.negotiate(query: nil, acceptLanguage: "fr-FR, th;q=0.5, en;q=0.7") == .en)
        #expect(Language.negotiate(query: nil, acceptLanguage: "zh-CN,zh;q=0.9") == .zhHant)
        #expect(Language.negotiate(query: nil, acceptLanguage: "de, fr") == .zhHant)
        #expect(Language.negotiate(query: nil, acceptLanguage: nil) == .zhHant)
        #expect(Language.negotiate(query: nil, acceptLanguage: "en;q=0") == .zhHant)
        #expect(Language.negotiate(query: "en", acceptLanguage: nil, among: [.zhHant]) == .zhHant)
    }

    @Test func placeholdersAreFilledInOnePass() {
        #expect(Messages.fill("提到{word}（{source}）", ["word": "土石流", "source": "EMIC"]) == "提到土石流（EMIC）")
        // A value is not searched for placeholders; unknown names and stray braces stay as written.
        #expect(Messages.fill("{a}{b}", ["a": "{b}", "b": "x"]) == "{b}x")
        #expect(Messages.fill("{a} {unknown} {", ["a": "1"]) == "1 {unknown} {")
        #expect(Messages.fill("{{a}}", ["a": "1"]) == "{1}")
        #expect(Messages.fill("沒有參數", [:]) == "沒有參數")
        #expect(Messages.fill("{a}{a}", ["a": "颱風"]) == "颱風颱風")
        #expect(Messages.app("項目編號須是正整數，收到「{got}」", .zhHant, ["got": "x"]) == "項目編號須是正整數，收到「x」")
    }

    /// The byte-scanning `fill` against the Character-walking one it replaced, on 20,000 seeded random templates
    /// over braces, names, CJK and ASCII (names with braces included): the same output every time.
    @Test func byteScanMatchesTheCharacterWalkingFill() {
        func reference(_ template: String, _ args: [String: String]) -> String {
            guard !args.isEmpty, template.contains("{") else { return template }
            var out = ""
            var rest = Substring(template)
            while let open = rest.firstIndex(of: "{") {
                out += rest[..<open]
                let afterOpen = rest.index(after: open)
                if let close = rest[afterOpen...].firstIndex(of: "}"), let value = args[String(rest[afterOpen..<close])] {
                    out += value
                    rest = rest[rest.index(after: close)...]
                } else {
                    out += "{"
                    rest = rest[afterOpen...]
                }
            }
            return out + rest
        }
        var rng = SplitMix64(seed: 7)
        let pieces = ["{", "}", "a", "b", "{a}", "{b}", "颱", "風", "（", " ", "{{", "}}", "x"]
        let argSets: [[String: String]] = [
            ["a": "土石流", "b": "{a}"], ["a": ""], ["{a": "Q", "b": "}"], ["颱": "台", "a}": "no"],
        ]
        var compared = 0
        for _ in 0..<20_000 {
            let template = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let args = argSets.randomElement(using: &rng)!
            let got = Messages.fill(template, args), want = reference(template, args)
            if got != want { Issue.record("fill(\(template), \(args)) = \(got), expected \(want)"); break }
            compared += 1
        }
        #expect(compared == 20_000)
    }
}

@Suite("Scores as moderators see them")
struct ScoreTextTests {
    @Test func numbersHaveTwoDecimals() {
        #expect(ScoreText.number(0.9) == "0.90")
        #expect(ScoreText.number(1) == "1.00")
        #expect(ScoreText.number(0.05) == "0.05")
        #expect(ScoreText.number(-0.004) == "0.00")
        #expect(ScoreText.number(nil) == "—" && ScoreText.number(.nan) == "—")
    }

    @Test func labelsSayUnsureAndCheck() {
        #expect(ScoreText.shown(0.42, label: "待查證") == "待查證 0.42")
        #expect(ScoreText.shown(0.42, label: "待查證", .en) == "Check 0.42")
        #expect(ScoreText.shown(0.55, label: "不確定") == "不確定")
        #expect(ScoreText.shown(0.55, label: "不確定", .en) == "Unsure")
        #expect(ScoreText.shown(0.91, label: "像謠言") == "0.91")
        #expect(ScoreText.shown(0.91, label: nil) == "0.91")
    }
}
