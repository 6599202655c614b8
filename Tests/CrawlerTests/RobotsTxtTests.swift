import Crawler
import Foundation
import Testing
import TestSupport

@Suite("robots.txt (RFC 9309)")
struct RobotsTxtTests {
    /// Every expectation in ../shared/data/robots (google/robotstxt-spec-test). STANDARD ones must all pass;
    /// GOOGLE_SPECIFIC ones are counted and the differences listed (README documents them).
    @Test(.enabled(if: TestPaths.has("robots"), "../shared/data/robots is absent")) func conformanceSuite() throws {
        let dir = try #require(TestPaths.sharedData("robots"))
        var standard = 0, standardFailed: [String] = []
        var google = 0, googleDiffer: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".textproto") {
            let text = try Data(contentsOf: dir.appendingPathComponent(name))
            for test in try TextProto.parseSpec(text) {
                let robots = RobotsTxt(test.robotstxt)
                for e in test.expectations {
                    let allowed = robots.isAllowed(e.url, userAgent: e.userAgent)
                    let ok = allowed == (e.outcome == "ALLOWED")
                    let label = "\(name): UA \(e.userAgent) \(e.url) expected \(e.outcome)"
                    if e.googleSpecific {
                        google += 1
                        if !ok { googleDiffer.append(label) }
                    } else {
                        standard += 1
                        if !ok { standardFailed.append(label) }
                    }
                }
            }
        }
        print("robots conformance: STANDARD \(standard - standardFailed.count)/\(standard) pass; GOOGLE_SPECIFIC \(google - googleDiffer.count)/\(google) agree")
        for d in googleDiffer { print("  differs (GOOGLE_SPECIFIC): \(d)") }
        #expect(standard >= 100)
        #expect(standardFailed.isEmpty, Comment(rawValue: standardFailed.joined(separator: "\n")))
    }

    @Test func basics() {
        let r = RobotsTxt("""
            User-agent: *
            Disallow: /private
            Allow: /private/ok$
            Crawl-delay: 2

            User-agent: Sieve
            Disallow: /no-sieve/*.xml$
            Crawl-delay: 7.5
            Sitemap: https://e.org/sitemap.xml
            """)
        #expect(r.isAllowed("https://e.org/private/x", userAgent: "OtherBot") == false)
        #expect(r.isAllowed("https://e.org/private/ok", userAgent: "OtherBot"))
        #expect(r.isAllowed("https://e.org/private/ok2", userAgent: "OtherBot") == false)
        // Sieve has its own group, so the * rules don't apply to it.
        #expect(r.isAllowed("https://e.org/private/x", userAgent: "Sieve/0.1 (+https://x)"))
        #expect(r.isAllowed("https://e.org/no-sieve/a/b.xml", userAgent: "sieve") == false)
        #expect(r.isAllowed("https://e.org/no-sieve/a/b.xml?x", userAgent: "sieve"))
        #expect(r.crawlDelay(userAgent: "Sieve/0.1") == 7.5)
        #expect(r.crawlDelay(userAgent: "Other") == 2)
        #expect(r.sitemaps == ["https://e.org/sitemap.xml"])
        #expect(RobotsTxt.disallowAll.isAllowed("https://e.org/", userAgent: "Sieve") == false)
        #expect(RobotsTxt.disallowAll.isAllowed("https://e.org/robots.txt", userAgent: "Sieve"))
        #expect(RobotsTxt.allowAll.isAllowed("https://e.org/x", userAgent: "Sieve"))
    }
}

/// The protobuf text format, just enough for specification.proto's messages.
enum TextProto {
    struct Expectation {
        var url = "", userAgent = "", outcome = "", googleSpecific = false
    }
    struct Test {
        var robotstxt = Data()
        var expectations: [Expectation] = []
    }

    enum Token: Equatable {
        case ident(String), string([UInt8]), punct(Character)
    }

    struct ParseError: Error {}

    static func tokens(_ data: Data) throws -> [Token] {
        let b = [UInt8](data)
        var out: [Token] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "#") {
                while i < b.count && b[i] != 0x0A { i += 1 }
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == UInt8(ascii: ",") {
                i += 1
            } else if c == UInt8(ascii: "\"") {
                i += 1
                var s: [UInt8] = []
                while i < b.count && b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") {
                        i += 1
                        let e = b[i]
                        switch e {
                        case UInt8(ascii: "n"): s.append(0x0A); i += 1
                        case UInt8(ascii: "r"): s.append(0x0D); i += 1
                        case UInt8(ascii: "t"): s.append(0x09); i += 1
                        case UInt8(ascii: "x"):
                            var v = 0, n = 0
                            i += 1
                            while n < 2, i < b.count, let d = Int(String(UnicodeScalar(b[i])), radix: 16) { v = v * 16 + d; i += 1; n += 1 }
                            s.append(UInt8(v))
                        case UInt8(ascii: "0")...UInt8(ascii: "7"):
                            var v = 0, n = 0
                            while n < 3, i < b.count, b[i] >= 0x30, b[i] <= 0x37 { v = v * 8 + Int(b[i] - 0x30); i += 1; n += 1 }
                            s.append(UInt8(v & 0xFF))
                        default: s.append(e); i += 1
                        }
                    } else {
                        s.append(b[i])
                        i += 1
                    }
                }
                i += 1
                if case .string(let prev)? = out.last {  // adjacent literals concatenate
                    out[out.count - 1] = .string(prev + s)
                } else {
                    out.append(.string(s))
                }
            } else if "[]{}:".utf8.contains(c) {
                out.append(.punct(Character(UnicodeScalar(c))))
                i += 1
            } else {
                var s = ""
                while i < b.count, !" \n\r\t:[]{},\"".utf8.contains(b[i]) { s.append(Character(UnicodeScalar(b[i]))); i += 1 }
                out.append(.ident(s))
            }
        }
        return out
    }

    static func parseSpec(_ data: Data) throws -> [Test] {
        let t = try tokens(data)
        var i = 0
        var tests: [Test] = []
        var current: Test? = nil
        var expectation: Expectation? = nil
        var depth = 0
        while i < t.count {
            switch t[i] {
            case .punct("{"):
                depth += 1
                if depth == 1 { current = Test() } else if depth == 2 { expectation = Expectation() }
            case .punct("}"):
                if depth == 2, let e = expectation { current?.expectations.append(e); expectation = nil }
                if depth == 1, let c = current { tests.append(c); current = nil }
                depth -= 1
            case .ident(let name) where i + 2 < t.count && t[i + 1] == .punct(":"):
                let value = t[i + 2]
                i += 2
                switch (name, value) {
                case ("robotstxt", .string(let s)): current?.robotstxt = Data(s)
                case ("testurl", .string(let s)): expectation?.url = String(decoding: s, as: UTF8.self)
                case ("useragent", .string(let s)): expectation?.userAgent = String(decoding: s, as: UTF8.self)
                case ("expected_outcome", .ident(let o)): expectation?.outcome = o
                case ("test_type", .ident(let o)): expectation?.googleSpecific = o == "GOOGLE_SPECIFIC"
                default: break
                }
            default: break
            }
            i += 1
        }
        return tests
    }
}
