import Crawler
import Foundation
import Net
import SieveCore
import Testing
import TestSupport

/// The SSRF guard where it had holes: behind a proxy (the guard saw only the proxy's address), special-purpose
/// IPv4 and IPv6 blocks it did not know, and a source's cookie sent to whatever host a redirect named.
@Suite("SSRF guard: proxies, special-purpose addresses, cookies")
struct SSRFTests {
    /// Addresses that must never be reached from public sources, given as literals (no DNS involved).
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "100.64.0.1", "198.18.0.1", "198.19.255.254",
        "192.0.0.8", "192.0.2.1", "203.0.113.9", "::1", "fd00::1", "fe80::1", "fec0::1", "64:ff9b::7f00:1",
        "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1", "2001:0:4136:e378::1", "::ffff:127.0.0.1", "::127.0.0.1",
        "2001:db8::1",
    ])
    func specialPurposeAddressesAreRefused(_ address: String) throws {
        let host = address.contains(":") ? "[\(address)]" : address
        #expect(throws: FetchError.self) { try HTTPClient.checkAddress("http://\(host)/") }
    }

    @Test(arguments: ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::5db8:d822"])
    func publicAddressesPass(_ address: String) throws {
        let host = address.contains(":") ? "[\(address)]" : address
        try HTTPClient.checkAddress("http://\(host)/")
    }

    @Test func theEnvironmentsProxyIsReadAsLibcurlReadsIt() {
        let env = ["http_proxy": "http://p:1", "HTTPS_PROXY": "http://s:2", "NO_PROXY": "internal.example,.corp"]
        #expect(HTTPClient.effectiveProxy(for: "http://a.example/", configured: nil, environment: env) == "http://p:1")
        #expect(HTTPClient.effectiveProxy(for: "https://a.example/", configured: nil, environment: env) == "http://s:2")
        #expect(HTTPClient.effectiveProxy(for: "https://internal.example/", configured: nil, environment: env) == nil)
        #expect(HTTPClient.effectiveProxy(for: "https://x.corp/", configured: nil, environment: env) == nil)
        #expect(HTTPClient.effectiveProxy(for: "http://a.example/", configured: nil, environment: ["HTTP_PROXY": "http://no:1"]) == nil)  // curl ignores upper case here
        #expect(HTTPClient.effectiveProxy(for: "http://a.example/", configured: nil, environment: ["ALL_PROXY": "socks5h://q:3"]) == "socks5h://q:3")
        #expect(HTTPClient.effectiveProxy(for: "http://a.example/", configured: "http://conf:4", environment: env) == "http://conf:4")
        #expect(HTTPClient.effectiveProxy(for: "file:///etc/hosts", configured: "http://conf:4", environment: env) == nil)
    }

    /// A proxy in the environment (here the test's own, on loopback — operators' proxies are often on private
    /// addresses): a public target goes through it; a private one is refused before the proxy hears of it. Before,
    /// the guard only ever saw the proxy's address: every request was refused, or — with a public proxy — a private
    /// target went through.
    @Test func behindAProxyTheTargetIsCheckedNotTheProxy() async throws {
        let proxy = try TestHTTPServer { request, conn in
            conn.respond(status: 200, headers: ["Content-Type": "text/plain"], body: "via proxy: \(request.path)")
        }
        let client = HTTPClient(settings: CrawlerSettings(), environment: ["http_proxy": proxy.baseURL])
        let through = try await client.fetch("http://93.184.216.34/feed.xml")
        #expect(String(decoding: through.body, as: UTF8.self) == "via proxy: http://93.184.216.34/feed.xml")
        for target in ["http://127.0.0.1:9/", "http://10.0.0.5/admin", "http://[::1]:8080/", "http://169.254.169.254/latest/meta-data/"] {
            await #expect(throws: FetchError.self) { _ = try await client.fetch(target) }
        }
        #expect(proxy.requests.count == 1)
        // A redirect through the proxy to a private address is refused at that hop.
        let redirecting = try TestHTTPServer { request, conn in
            conn.respond(status: 302, headers: ["Location": "http://169.254.169.254/latest/"], body: "")
        }
        let viaRedirect = HTTPClient(settings: CrawlerSettings(), environment: ["http_proxy": redirecting.baseURL])
        await #expect(throws: FetchError.self) { _ = try await viaRedirect.fetch("http://93.184.216.34/") }
        #expect(redirecting.requests.count == 1)
    }

    /// A source's cookie goes to its own host only: a redirect to another host is followed without it (libcurl
    /// sent CURLOPT_COOKIE to every host of a redirect chain).
    @Test func aCookieIsNotSentToAnotherHost() async throws {
        let server = try TestHTTPServer { request, conn in
            switch request.path {
            case "/start": conn.respond(status: 302, headers: ["Location": "http://localhost:\(request.headers["host"]?.split(separator: ":").last ?? "")/elsewhere"], body: "")
            case "/same": conn.respond(status: 302, headers: ["Location": "/final"], body: "")
            default: conn.respond(status: 200, body: "cookie=\(request.headers["cookie"] ?? "none")")
            }
        }
        let client = HTTPClient(settings: CrawlerSettings(), environment: [:])
        let options = FetchOptions(cookie: "over18=1; session=secret", allowPrivate: true)
        let other = try await client.fetch(server.baseURL + "/start", options: options)
        #expect(String(decoding: other.body, as: UTF8.self) == "cookie=none")
        #expect(other.finalURL.hasPrefix("http://localhost:"))
        #expect(other.redirects == 1)
        let same = try await client.fetch(server.baseURL + "/same", options: options)
        #expect(String(decoding: same.body, as: UTF8.self) == "cookie=over18=1; session=secret")
    }
}
