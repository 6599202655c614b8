import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

/// When the client hung up on `/slow` (nil: not yet; .some(nil): it still held the connection after 4 s).
private let slowClientGaveUpAfter = Locked<TimeInterval??>(nil)

@Suite("HTTPClient against a real loopback server")
struct HTTPClientTests {
    static func server() throws -> TestHTTPServer {
        try TestHTTPServer { request, conn in
            let path = request.path
            switch path {
            case "/ok":
                conn.respond(status: 200, headers: ["Content-Type": "application/rss+xml; charset=utf-8", "ETag": "\"v1\""], body: "<rss/>")
            case "/missing":
                conn.respond(status: 404, body: "not here")
            case "/hop1": conn.respond(status: 302, headers: ["Location": "/hop2"], body: "")
            case "/hop2": conn.respond(status: 301, headers: ["Location": "/hop3"], body: "")
            case "/hop3": conn.respond(status: 302, headers: ["Location": "/ok"], body: "")
            case "/loop-a": conn.respond(status: 302, headers: ["Location": "/loop-b"], body: "")
            case "/loop-b": conn.respond(status: 302, headers: ["Location": "/loop-a"], body: "")
            case "/slow":
                // Headers, then nothing for 4 s: the total timeout must end it (the server notes when the client hung up).
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                let held = conn.waitForPeerClose(timeout: 4)
                slowClientGaveUpAfter.withLock { $0 = .some(held) }
            case "/big":
                conn.respond(status: 200, body: Data(repeating: 0x61, count: 300_000))
            case "/big-chunked":
                // No Content-Length: the limit must be enforced while streaming.
                conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = String(repeating: "b", count: 16_384)
                for _ in 0..<64 {
                    guard conn.write(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") else { return }
                }
                conn.write("0\r\n\r\n")
            case "/gzip":
                conn.respond(status: 200, headers: ["Content-Encoding": "gzip", "Content-Type": "application/rss+xml"], body: Data(Self.gzippedFeed))
            case "/gzip-bomb":
                // 5 KB on the wire, 5 MB decoded: the limit applies to the decoded body.
                conn.respond(status: 200, headers: ["Content-Encoding": "gzip"], body: Self.gzipBomb)
            case "/ua":
                conn.respond(status: 200, body: request.headers["user-agent"] ?? "")
            default:
                conn.respond(status: 500, body: "unexpected \(path)")
            }
        }
    }

    static let gzippedFeed: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xb3, 0x29, 0x2a, 0x2e, 0x56, 0x28, 0x4b, 0x2d,
        0x2a, 0xce, 0xcc, 0xcf, 0xb3, 0x55, 0x32, 0xd2, 0x33, 0x50, 0xb2, 0xb3, 0x49, 0xce, 0x48, 0xcc, 0xcb, 0x4b,
        0xcd, 0xb1, 0xb3, 0x29, 0xc9, 0x2c, 0xc9, 0x49, 0xb5, 0x7b, 0xb9, 0x68, 0xe3, 0xcb, 0x45, 0x2b, 0x6c, 0xf4,
        0x21, 0x3c, 0x1b, 0x7d, 0xb8, 0xb4, 0x3e, 0x50, 0xaf, 0x1d, 0x00, 0x36, 0x6b, 0x5c, 0xed, 0x41, 0x00, 0x00,
        0x00,
    ]

    /// 5 MiB of zeros through the system's gzip.
    /// 5 MiB of zeros as one gzip member, about 33 KB: a fixed-Huffman deflate block of a literal zero, 20,321
    /// copies of 258 bytes at distance 1, and 61 more literal zeros (RFC 1951 §3.2.6), written here rather than by
    /// running gzip.
    static let gzipBomb: Data = {
        let size = 5 << 20
        var out = Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        var bits: UInt32 = 0, count = 0
        func put(_ value: UInt32, _ n: Int) {  // LSB first
            bits |= value << count
            count += n
            while count >= 8 {
                out.append(UInt8(bits & 0xff))
                bits >>= 8
                count -= 8
            }
        }
        func code(_ c: UInt32, _ n: Int) { for i in stride(from: n - 1, through: 0, by: -1) { put((c >> i) & 1, 1) } }  // Huffman codes MSB first
        put(1, 1)  // BFINAL
        put(1, 2)  // BTYPE 01: fixed Huffman
        let literalZero: (UInt32, Int) = (0b0011_0000, 8)
        code(literalZero.0, literalZero.1)
        let copies = (size - 1) / 258, rest = (size - 1) % 258
        for _ in 0..<copies {
            code(0b1100_0101, 8)  // length code 285: 258 bytes
            code(0, 5)  // distance code 0: distance 1
        }
        for _ in 0..<rest { code(literalZero.0, literalZero.1) }
        code(0, 7)  // end of block (256)
        put(0, (8 - count % 8) % 8)  // pad to a whole byte
        // CRC-32 of the zeros, then the size, little-endian.
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for _ in 0..<size { crc = table[Int(crc & 0xff)] ^ (crc >> 8) }
        crc ^= 0xFFFF_FFFF
        for v in [crc, UInt32(size)] { for k in 0..<4 { out.append(UInt8((v >> (8 * k)) & 0xff)) } }
        return out
    }()

    /// Tests talk to 127.0.0.1, which the SSRF guard refuses unless a source allows it.
    let loopback = FetchOptions(allowPrivate: true)

    let settings = CrawlerSettings(connectTimeout: 2, totalTimeout: 2, maxBodyBytes: 100_000, maxRedirects: 5)

    @Test func okReturnsBodyAndHeaders() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/ok", options: loopback)
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "<rss/>")
        #expect(r.headers["etag"] == "\"v1\"")
        #expect(r.declaredCharset == "utf-8")
    }

    @Test func notFoundIsANamedError() async throws {
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.httpStatus(url: s.baseURL + "/missing", status: 404)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/missing", options: loopback)
        }
    }

    @Test func redirectChainIsFollowed() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/hop1", options: loopback)
        #expect(r.status == 200)
        #expect(r.redirects == 3)
        #expect(r.finalURL == s.baseURL + "/ok")
    }

    @Test func redirectLoopStopsAtTheLimit() async throws {
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.tooManyRedirects(url: s.baseURL + "/loop-a", limit: 5)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/loop-a", options: loopback)
        }
        #expect(s.requests.count <= 7)
    }

    @Test func stalledResponseTimesOut() async throws {
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.timeout(url: s.baseURL + "/slow", seconds: 2)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/slow", options: loopback)
        }
        // The 2 s timeout must end the transfer, not hang: measured where the client hangs up (the server's thread),
        // not by the test's clock — in a full parallel run the test task itself resumed ~70 s later, the machine's
        // two concurrency threads busy with CPU-bound tests, while the transfer had ended at 2 s.
        var held: TimeInterval?? = nil
        for _ in 0..<100 where held == nil {
            held = slowClientGaveUpAfter.withLock { $0 }
            if held == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let finished = try #require(held, "the slow handler never finished")
        let after = try #require(finished, "the client still held the stalled transfer after 4 s")
        #expect(after < 3.5, "the client gave up after \(after) s (timeout 2 s)")
    }

    @Test func oversizedBodyIsCutOff() async throws {
        let s = try Self.server()
        defer { s.stop() }
        for path in ["/big", "/big-chunked"] {
            await #expect(throws: FetchError.tooLarge(url: s.baseURL + path, limit: 100_000)) {
                try await HTTPClient(settings: settings).fetch(s.baseURL + path, options: loopback)
            }
        }
    }

    @Test func gzipIsDecoded() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/gzip", options: loopback)
        let feed = try FeedParser.parse(r.body, url: r.finalURL)
        #expect(feed.title?.value == "颱風")
    }

    @Test func gzipBombStopsAtTheDecodedLimit() async throws {
        #expect(Self.gzipBomb.count > 1000 && Self.gzipBomb.count < 100_000)
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.tooLarge(url: s.baseURL + "/gzip-bomb", limit: 100_000)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/gzip-bomb", options: loopback)
        }
    }

    @Test func privateAddressesAreRefusedByDefault() async throws {
        let s = try Self.server()
        defer { s.stop() }
        for url in [s.baseURL + "/ok", "http://localhost:\(s.port)/ok", "http://[::1]:\(s.port)/ok"] {
            await #expect(throws: FetchError.blockedAddress(url: url)) {
                try await HTTPClient(settings: settings).fetch(url)
            }
        }
        #expect(s.requests.isEmpty)
    }

    @Test func manyConcurrentTransfers() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let client = HTTPClient(settings: settings)
        let statuses = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<64 { group.addTask { try? await client.fetch(s.baseURL + "/ok", options: FetchOptions(allowPrivate: true)).status } }
            var out: [Int?] = []
            for await s in group { out.append(s) }
            return out
        }
        #expect(statuses.count == 64)
        #expect(statuses.allSatisfy { $0 == 200 })
    }

    @Test func userAgentNamesTheProject() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/ua", options: loopback)
        #expect(String(decoding: r.body, as: UTF8.self).hasPrefix("Sieve/"))
    }

    @Test func fileURLsAndMissingFiles() async throws {
        let dir = TempDir()
        let path = dir.write("feed.xml", "<rss version=\"2.0\"><channel/></rss>")
        let r = try await HTTPClient(settings: settings).fetch(URL(fileURLWithPath: path).absoluteString)
        #expect(r.status == nil)
        #expect(r.body.count > 10)
        let missing = URL(fileURLWithPath: dir.path("nope.xml")).absoluteString
        await #expect(throws: FetchError.fileNotFound(url: missing)) {
            try await HTTPClient(settings: settings).fetch(missing, options: loopback)
        }
    }

    @Test func refusedConnectionAndOtherSchemes() async throws {
        // A port nothing listens on: bind a server, stop it, reuse its port.
        let s = try Self.server()
        let url = s.baseURL + "/ok"
        s.stop()
        do {
            _ = try await HTTPClient(settings: settings).fetch(url, options: loopback)
            Issue.record("expected a connection error")
        } catch {
            #expect(error.name == "connect")
        }
        await #expect(throws: FetchError.unsupportedScheme(url: "ftp://example.org/x")) {
            try await HTTPClient(settings: settings).fetch("ftp://example.org/x", options: loopback)
        }
    }
}
