import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("sieve.toml")
struct ConfigTests {
    @Test func demoConfigLoads() throws {
        let path = TestPaths.packageRoot.appendingPathComponent("sieve.demo.toml").path
        let c = try SieveConfig.load(path: path, required: true)
        #expect(c.database == "demo.sqlite")
        #expect(c.sources.map(\.kind).contains(.html))
        #expect(c.sources.count >= 4)
        let html = try #require(c.sources.first { $0.kind == .html })
        #expect(html.rules?.item?.isEmpty == false)
        #expect(html.rules?.fields?.text.isEmpty == false)
        // Relative file: URLs resolve against the config's folder.
        let rss = try #require(c.sources.first { $0.kind == .rss })
        #expect(rss.url.hasPrefix("file://" + TestPaths.packageRoot.path))
        #expect(c.channels.first?.kind == .atom)
    }

    @Test func starterConfigIsValid() throws {
        let c = try SieveConfig.parse(SieveConfig.starterTOML, file: "sieve.toml")
        #expect(c.sources.count == 1)
        #expect(c.channels.count == 1)
        #expect(c.crawler.maxRedirects == 5)
    }

    @Test func typoInKeyNamesFileLineAndKey() {
        let toml = """
            database = "x.sqlite"

            [[source]]
            name = "a"
            kind = "rss"
            url = "https://example.org/a.xml"

            [[source]]
            name = "b"
            knd = "rss"
            url = "https://example.org/b.xml"
            """
        #expect(throws: ConfigError(file: "conf/sieve.toml", line: 10, key: "source[2].knd",
            message: "unknown key (did you mean `kind`?); allowed here: name, kind, url, interval, schedule, rules, article, allow_private, cookies, proxy, max_pages, max_items, respect_robots")) {
            try SieveConfig.parse(toml, file: "conf/sieve.toml")
        }
    }

    @Test func errorsAreOneLineWithFileAndLine() {
        let cases: [(String, Int?, String)] = [
            ("[[source]]\nname = \"a\"\nkind = \"rsss\"\nurl = \"https://e.org/\"\n", 3, "did you mean \"rss\""),
            ("[[source]]\nname = \"a\"\nkind = \"rss\"\n", 1, "source[1].url: missing"),
            ("[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"gopher://x\"\n", 4, "unsupported URL"),
            ("[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"https://e.org/\"\ninterval = \"soon\"\n", 5, "interval"),
            ("[[source]]\nname = \"a\"\nkind = \"html\"\nurl = \"https://e.org/\"\n", 1, "XPath rules"),
            ("database = 3\n", 1, "expected a string"),
            ("database = \"a\"\n[crawler]\ntimeout = -1\n", 3, "crawler.timeout"),
            ("database = \"unterminated\n", 1, "TOML syntax"),
            ("[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"https://e.org/\"\n[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"https://e.org/\"\n", 6, "duplicate source name"),
        ]
        for (toml, line, fragment) in cases {
            do {
                _ = try SieveConfig.parse(toml, file: "s.toml")
                Issue.record("expected an error for: \(toml)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.description.contains(fragment), "\(error)")
                #expect(error.description.hasPrefix("s.toml:"), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func missingFileIsFineUnlessRequired() throws {
        let c = try SieveConfig.load(path: "/nonexistent/sieve.toml", required: false)
        #expect(c.sources.isEmpty)
        #expect(throws: ConfigError.self) { try SieveConfig.load(path: "/nonexistent/sieve.toml", required: true) }
    }

    @Test func intervals() {
        #expect(parseIntervalSeconds("90") == 90)
        #expect(parseIntervalSeconds("15m") == 900)
        #expect(parseIntervalSeconds("1h30m") == 5400)
        #expect(parseIntervalSeconds("2d") == 172_800)
        #expect(parseIntervalSeconds("soon") == nil)
        #expect(parseIntervalSeconds("0") == nil)
        #expect(parseIntervalSeconds("5x") == nil)
    }
}

/// The TOML parser under TOMLKit aborted the process (an assertion in toml++) on a key starting with a character
/// that is neither a bare-key character nor a quote — `[é]` — found by fuzzing. It is now a named error.
@Suite("Config: keys the TOML parser cannot take")
struct ConfigKeyPrecheckTests {
    @Test func unquotedNonASCIIKeysAreNamedErrors() {
        for (text, line) in [("[é]\n", 1), ("database = \"x\"\n[\u{FFFD}source]]\nname = \"a\"\n", 2), ("名稱 = 1\n", 1), ("a = { 鍵 = 1 }\n", 1)] {
            #expect {
                _ = try SieveConfig.parse(text, file: "bad.toml")
            } throws: { error in
                let e = error as? ConfigError
                return e?.line == line && (e?.message.contains("a key may not contain") ?? false)
            }
        }
    }

    /// Found by the second fuzzing campaign: a header cut off by the end of its line (`[` alone, `[ `) or a key part
    /// that starts with a dot (`[.a]`) hit the same toml++ assertion.
    @Test func headersWithAMissingKeyAreNamedErrors() {
        for (text, line) in [("a = 1\n[\nb = 2\n", 2), ("[ \n", 1), ("[.a]\n", 1), ("[a..b]\n", 1), (".a = 1\n", 1), ("[", 1), ("[a\n", 1)] {
            #expect {
                _ = try SieveConfig.parse(text, file: "bad.toml")
            } throws: { error in
                let e = error as? ConfigError
                return e?.line == line && (e.map { $0.message.contains("a key is missing") || $0.message.contains("not closed") } ?? false)
            }
        }
    }

    @Test func quotedKeysValuesAndMultilineArraysStillParse() throws {
        let text = """
            database = "汐止.sqlite"   # 註解：é
            [server]
            host = "127.0.0.1"
            trusted_proxies = [
              "127.0.0.1",
              "10.0.0.0/8",
            ]
            [[source]]
            name = "新聞"
            kind = "rss"
            url = "https://e.example/é?q=[1]"
            [source.rules]
            item = "//article[@class='post']"
            text = '''
            .//div[@class="body"]
            '''
            """
        let config = try SieveConfig.parse(text, file: "ok.toml")
        #expect(config.database == "汐止.sqlite")
        #expect(config.server.trustedProxies.count == 2)
        #expect(config.sources.first?.name == "新聞")
    }

    /// `[server] map_boundaries`: a path relative to the config file's folder, or absolute; empty is refused.
    @Test func mapBoundariesAreFoundBesideTheConfigFile() throws {
        let dir = TempDir()
        let file = dir.path("sieve.toml")
        try "[server]\nmap_boundaries = \"data/boundaries/towns.json\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config = try SieveConfig.load(path: file, required: true)
        #expect(config.server.mapBoundaries == dir.path("data/boundaries/towns.json"))
        #expect(try SieveConfig.parse("[server]\nmap_boundaries = \"/srv/towns.json\"\n", file: "a.toml").server.mapBoundaries == "/srv/towns.json")
        #expect(try SieveConfig.parse("[server]\nport = 8080\n", file: "a.toml").server.mapBoundaries == nil)
        #expect {
            _ = try SieveConfig.parse("[server]\nmap_boundaries = \"\"\n", file: "b.toml")
        } throws: { error in
            let e = error as? ConfigError
            return e?.line == 2 && (e?.message.contains("must not be empty") ?? false) && "\(error)".contains("server.map_boundaries")
        }
        // map_villages: the same rules.
        try "[server]\nmap_villages = \"data/boundaries/villages.json\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try SieveConfig.load(path: file, required: true).server.mapVillages == dir.path("data/boundaries/villages.json"))
        #expect {
            _ = try SieveConfig.parse("[server]\nport = 8080\nmap_villages = \"\"\n", file: "c.toml")
        } throws: { error in
            let e = error as? ConfigError
            return e?.line == 3 && "\(error)".contains("server.map_villages")
        }
    }

    @Test func mapTilesMustBeAURLTemplateWithZXY() throws {
        let ok = try SieveConfig.parse("[server]\nmap_tiles = \"https://tile.example.org/{z}/{x}/{y}.png\"\nmap_tiles_attribution = \"© OSM\"\n", file: "a.toml")
        #expect(ok.server.mapTiles == "https://tile.example.org/{z}/{x}/{y}.png" && ok.server.mapTilesAttribution == "© OSM")
        for bad in ["https://tile.example.org/{z}/{x}.png", "ftp://tile.example.org/{z}/{x}/{y}.png", "tiles/{z}/{x}/{y}.png", "https://a b/{z}/{x}/{y}"] {
            #expect {
                _ = try SieveConfig.parse("[server]\nmap_tiles = \"\(bad)\"\n", file: "b.toml")
            } throws: { error in
                (error as? ConfigError)?.line == 2 && "\(error)".contains("server.map_tiles") && "\(error)".contains("{z}, {x} and {y}")
            }
        }
    }
}
