import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

@Suite("URL canonicalisation, charsets, scheduling")
struct CrawlerUnitTests {
    @Test func canonicalURLs() {
        let cases: [(String, String)] = [
            ("HTTP://Example.ORG:80/a?b=2&a=1#frag", "http://example.org/a?a=1&b=2"),
            ("https://example.org:443", "https://example.org/"),
            ("https://e.org/x?utm_source=fb&utm_medium=x&id=5&fbclid=abc", "https://e.org/x?id=5"),
            ("https://e.org/x?fbclid=abc", "https://e.org/x"),
            ("https://e.org/%e5%8f%b0?q=%e5", "https://e.org/%E5%8F%B0?q=%E5"),
            ("https://e.org:8443/p", "https://e.org:8443/p"),
            ("file:///tmp/a.xml", "file:///tmp/a.xml"),
        ]
        for (input, expected) in cases { #expect(CanonicalURL.canonicalize(input) == expected, "\(input)") }
        #expect(CanonicalURL.hostKey("https://WWW.ptt.cc/bbs/x") == "https://www.ptt.cc:443")
        #expect(CanonicalURL.hostKey("file:///x") == "")
    }

    @Test func big5FromHeaderMetaOrDeclaration() {
        let big5: [UInt8] = [0xBB, 0xE4, 0xAD, 0xB7]  // 颱風
        let viaHeader = Charset.decode(Data(big5), headerCharset: "big5")
        #expect(String(decoding: viaHeader.utf8, as: UTF8.self) == "颱風")
        var page = Data("<html><head><meta charset=\"big5\"></head><body>".utf8)
        page.append(contentsOf: big5)
        let viaMeta = Charset.decode(page, headerCharset: nil)
        #expect(String(decoding: viaMeta.utf8, as: UTF8.self).hasSuffix("颱風"))
        #expect(viaMeta.charset.lowercased() == "big5")
        var xml = Data("<?xml version=\"1.0\" encoding=\"cp950\"?><x>".utf8)
        xml.append(contentsOf: big5)
        #expect(String(decoding: Charset.decode(xml, headerCharset: nil).utf8, as: UTF8.self).hasSuffix("颱風"))
    }

    @Test func wrongDeclarationsAndInvalidBytes() {
        // Declared Big5, actually UTF-8: read as UTF-8, with a note.
        let utf8 = Data("颱風來了".utf8)
        let d = Charset.decode(utf8, headerCharset: "big5")
        #expect(String(decoding: d.utf8, as: UTF8.self) == "颱風來了")
        #expect(d.note?.contains("declared charset big5") == true)
        // Invalid UTF-8 is replaced, never a crash.
        let bad = Data([0x41, 0xFF, 0xFE, 0x42, 0xE5, 0x8F])
        let r = Charset.decode(bad, headerCharset: "utf-8")
        #expect(r.replaced >= 2)
        #expect(String(decoding: r.utf8, as: UTF8.self).hasPrefix("A\u{FFFD}"))
        // Truncated Big5 and an unknown label.
        let t = Charset.decode(Data([0xBB, 0xE4, 0xAD]), headerCharset: "big5")
        #expect(String(decoding: t.utf8, as: UTF8.self).hasPrefix("颱"))
        let u = Charset.decode(Data("abc".utf8), headerCharset: "x-no-such-charset")
        #expect(String(decoding: u.utf8, as: UTF8.self) == "abc")
        // BOMs.
        #expect(String(decoding: Charset.decode(Data([0xEF, 0xBB, 0xBF, 0x41]), headerCharset: "big5").utf8, as: UTF8.self) == "A")
        #expect(String(decoding: Charset.decode(Data([0xFF, 0xFE, 0x41, 0x00]), headerCharset: nil).utf8, as: UTF8.self) == "A")
    }

    @Test func schedulerKeepsPerHostDelayAndConcurrency() async {
        let s = PoliteScheduler(settings: CrawlerSettings(concurrency: 3, perHostConcurrency: 1, perHostDelay: 2))
        let t0 = Date(timeIntervalSince1970: 1000)
        #expect(await s.tryStart(host: "a", now: t0) == .start)
        #expect(await s.tryStart(host: "a", now: t0) == .busy)  // one in flight per host
        await s.finished(host: "a", outcome: .success, now: t0.addingTimeInterval(0.5))
        #expect(await s.tryStart(host: "a", now: t0.addingTimeInterval(1)) == .later(t0.addingTimeInterval(2)))
        #expect(await s.tryStart(host: "a", now: t0.addingTimeInterval(2)) == .start)
        #expect(await s.tryStart(host: "b", now: t0) == .start)
        #expect(await s.tryStart(host: "c", now: t0) == .start)
        #expect(await s.tryStart(host: "d", now: t0) == .busy)  // global limit 3
    }

    @Test func crawlDelayIsCappedAndRetryAfterHonoured() async {
        let s = PoliteScheduler(settings: CrawlerSettings(perHostDelay: 1, maxCrawlDelay: 10))
        await s.setCrawlDelay(3600, host: "slow")
        #expect(await s.delay(host: "slow") == 10)
        await s.setCrawlDelay(0.1, host: "fast")
        #expect(await s.delay(host: "fast") == 1)
        let t0 = Date(timeIntervalSince1970: 1000)
        #expect(await s.tryStart(host: "h", now: t0) == .start)
        await s.finished(host: "h", outcome: .throttled(retryAfter: 120), now: t0)
        #expect(await s.tryStart(host: "h", now: t0.addingTimeInterval(60)) == .later(t0.addingTimeInterval(120)))
    }

    @Test func circuitBreakerOpensAndHalfOpens() async {
        let s = PoliteScheduler(settings: CrawlerSettings(perHostDelay: 0, circuitBreakerFailures: 3, circuitBreakerSeconds: 60))
        let t0 = Date(timeIntervalSince1970: 1000)
        for _ in 0..<3 {
            #expect(await s.tryStart(host: "h", now: t0) == .start)
            await s.finished(host: "h", outcome: .transientFailure, now: t0)
        }
        #expect(await s.tryStart(host: "h", now: t0.addingTimeInterval(30)) == .circuitOpen(t0.addingTimeInterval(60)))
        // After the pause one request may try; another failure opens the circuit again at once.
        #expect(await s.tryStart(host: "h", now: t0.addingTimeInterval(61)) == .start)
        await s.finished(host: "h", outcome: .transientFailure, now: t0.addingTimeInterval(62))
        if case .circuitOpen = await s.tryStart(host: "h", now: t0.addingTimeInterval(63)) {} else {
            Issue.record("expected the circuit to open again")
        }
    }

    @Test func backoffGrowsWithJitterAndRespectsRetryAfter() {
        #expect(PoliteScheduler.retryDelay(attempts: 1, retryAfter: nil, jitter: 1) == 2)
        #expect(PoliteScheduler.retryDelay(attempts: 4, retryAfter: nil, jitter: 1) == 16)
        #expect(PoliteScheduler.retryDelay(attempts: 30, retryAfter: nil, jitter: 1) == 600)
        #expect(PoliteScheduler.retryDelay(attempts: 4, retryAfter: nil, jitter: 0.25) == 4)
        #expect(PoliteScheduler.retryDelay(attempts: 1, retryAfter: 90, jitter: 0.5) == 90)
    }
}
