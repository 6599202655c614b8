import Foundation
import SieveCore
import Testing

@Suite("sieve.toml [server]")
struct ServerConfigTests {
    @Test func defaultsWhenAbsent() throws {
        let c = try SieveConfig.parse("database = \"x.sqlite\"\n", file: "sieve.toml")
        #expect(c.server == ServerSettings())
        #expect(c.server.host == "127.0.0.1" && c.server.port == 8080 && c.server.secureCookies)
    }

    @Test func readsEveryKey() throws {
        let toml = """
            [server]
            host = "0.0.0.0"
            port = 9090
            secure_cookies = false
            session_lifetime = "8h"
            claim_duration = "5m"
            page_size = 25
            login_max_failures = 3
            login_lockout = 600
            bcrypt_cost = 10
            """
        let s = try SieveConfig.parse(toml, file: "sieve.toml").server
        #expect(s == ServerSettings(
            host: "0.0.0.0", port: 9090, secureCookies: false, sessionLifetime: 8 * 3600, claimDuration: 300, pageSize: 25,
            loginMaxFailures: 3, loginLockout: 600, bcryptCost: 10))
    }

    @Test(arguments: [
        ("port = 70000", "sieve.toml:3: server.port: must be between 1 and 65535, found 70000"),
        ("port = \"80\"", "sieve.toml:3: server.port: expected a whole number, found string"),
        ("secure_cookies = \"no\"", "sieve.toml:3: server.secure_cookies: expected true or false, found string"),
        ("claim_duration = \"soon\"", "sieve.toml:3: server.claim_duration: expected seconds or a duration like \"10m\", \"12h\""),
        ("bcrypt_cost = 3", "sieve.toml:3: server.bcrypt_cost: must be between 4 and 31, found 3"),
        ("host = \"bad host\"", "sieve.toml:3: server.host: expected a host name or IP address such as \"127.0.0.1\", found \"bad host\""),
        ("prot = 80", "sieve.toml:3: server.prot: unknown key (did you mean `port`?)"),
    ])
    func badValuesNameFileLineAndKey(line: String, expected: String) {
        let toml = "database = \"x.sqlite\"\n[server]\n\(line)\n"
        #expect(throws: ConfigError.self) { try SieveConfig.parse(toml, file: "sieve.toml") }
        do {
            _ = try SieveConfig.parse(toml, file: "sieve.toml")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}
