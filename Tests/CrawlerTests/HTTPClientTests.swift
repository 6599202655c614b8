import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

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
                // Headers, then nothing: the total timeout must end it.
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                usleep(4_000_000)
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
            case "/ua":
                conn.respond(status: 200, body: request.headers["user-agent"] ?? "")
            default:
                conn.respond(status: 500, body: "unexpected \(path)")
            }
        }
    }

    let settings = CrawlerSettings(connectTimeout: 2, totalTimeout: 2, maxBodyBytes: 100_000, maxRedirects: 5)

    @Test func okReturnsBodyAndHeaders() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/ok")
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "<rss/>")
        #expect(r.headers["etag"] == "\"v1\"")
        #expect(r.declaredCharset == "utf-8")
    }

    @Test func notFoundIsANamedError() async throws {
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.httpStatus(url: s.baseURL + "/missing", status: 404)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/missing")
        }
    }

    @Test func redirectChainIsFollowed() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/hop1")
        #expect(r.status == 200)
        #expect(r.redirects == 3)
        #expect(r.finalURL == s.baseURL + "/ok")
    }

    @Test func redirectLoopStopsAtTheLimit() async throws {
        let s = try Self.server()
        defer { s.stop() }
        await #expect(throws: FetchError.tooManyRedirects(url: s.baseURL + "/loop-a", limit: 5)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/loop-a")
        }
        #expect(s.requests.count <= 7)
    }

    @Test func stalledResponseTimesOut() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let started = Date()
        await #expect(throws: FetchError.timeout(url: s.baseURL + "/slow", seconds: 2)) {
            try await HTTPClient(settings: settings).fetch(s.baseURL + "/slow")
        }
        #expect(Date().timeIntervalSince(started) < 3.9)
    }

    @Test func oversizedBodyIsCutOff() async throws {
        let s = try Self.server()
        defer { s.stop() }
        for path in ["/big", "/big-chunked"] {
            await #expect(throws: FetchError.tooLarge(url: s.baseURL + path, limit: 100_000)) {
                try await HTTPClient(settings: settings).fetch(s.baseURL + path)
            }
        }
    }

    @Test func userAgentNamesTheProject() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try await HTTPClient(settings: settings).fetch(s.baseURL + "/ua")
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
            try await HTTPClient(settings: settings).fetch(missing)
        }
    }

    @Test func refusedConnectionAndOtherSchemes() async throws {
        // A port nothing listens on: bind a server, stop it, reuse its port.
        let s = try Self.server()
        let url = s.baseURL + "/ok"
        s.stop()
        do {
            _ = try await HTTPClient(settings: settings).fetch(url)
            Issue.record("expected a connection error")
        } catch {
            #expect(error.name == "connect")
        }
        await #expect(throws: FetchError.unsupportedScheme(url: "ftp://example.org/x")) {
            try await HTTPClient(settings: settings).fetch("ftp://example.org/x")
        }
    }
}
