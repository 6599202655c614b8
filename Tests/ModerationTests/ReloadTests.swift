import Foundation
import Operations
import SieveCore
import Testing
import TestSupport

/// SIGHUP re-reads the config of a running `sieve serve` (what `systemctl reload` sends), and every response
/// carries a request id that the log lines share.
@Suite("sieve serve: reload on SIGHUP, request ids")
struct ReloadTests {
    let dir = TempDir()

    func config(channels: [String], port: Int) -> String {
        var text = "database = \"\(dir.path("web.sqlite"))\"\n[server]\nport = \(port)\nsecure_cookies = false\n"
        for c in channels {
            text += "[[channel]]\nname = \"\(c)\"\nkind = \"atom\"\npath = \"\(dir.path("\(c).atom"))\"\ntitle = \"\(c)\"\n"
        }
        return text
    }

    @Test func theReloaderPutsAGoodConfigInForceAndRefusesABrokenOne() throws {
        let path = dir.write("sieve.toml", config(channels: ["alpha"], port: 8080))
        let live = LiveConfig(try SieveConfig.load(path: path, required: true))
        let reloader = ConfigReloader(path: path, live: live, signals: nil, logger: .init(label: "test")) { $0.database = "/kept/by/override.sqlite" }
        dir.write("sieve.toml", config(channels: ["alpha", "beta"], port: 8080))
        #expect(reloader.reload() == .reloaded(restartNeeded: ["database"]))
        #expect(live.current.channels.map(\.name) == ["alpha", "beta"])
        #expect(live.current.database == "/kept/by/override.sqlite")
        #expect(live.generation == 1)
        // A typo: refused with its place, and nothing changes.
        dir.write("sieve.toml", config(channels: ["alpha"], port: 8080) + "[[channel]]\nname = \"gamma\"\nkind = \"atom\"\npth = \"x\"\n")
        guard case .refused(let message) = reloader.reload() else {
            Issue.record("a broken config was put in force")
            return
        }
        #expect(message.contains("sieve.toml:"), "\(message)")
        #expect(live.current.channels.map(\.name) == ["alpha", "beta"])
        #expect(live.generation == 1)
        // A config file that went missing is refused too (not replaced by the defaults: no sources, no channels).
        try FileManager.default.removeItem(atPath: path)
        guard case .refused(let missing) = reloader.reload() else {
            Issue.record("a missing config file was put in force as the defaults")
            return
        }
        #expect(missing.contains("not found"), "\(missing)")
        #expect(live.current.channels.map(\.name) == ["alpha", "beta"])
        // The address needs a restart, and says so.
        dir.write("sieve.toml", config(channels: ["alpha"], port: 9090))
        #expect(reloader.reload() == .reloaded(restartNeeded: ["server.port"]))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "/usr/bin/curl is not installed (apt-get install -y curl)"))
    func aRunningServerReloadsOnSIGHUPWithoutFailingARequest() async throws {
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        let port = try freeLoopbackPort()
        let path = dir.write("sieve.toml", config(channels: ["alpha"], port: port))
        let child = try ChildProcess.start(
            TestPaths.sieveBinary, ["serve", "--config", path, "--no-scheduler", "--publish-every", "0", "--access-log"],
            cwd: dir.url, stderrPath: dir.path("serve.log"))
        let process = child.process
        defer { if process.isRunning { process.terminate() } }
        let log = { (try? String(contentsOfFile: self.dir.path("serve.log"), encoding: .utf8)) ?? "" }
        let base = "http://127.0.0.1:\(port)"
        @Sendable func get(_ path: String, _ extra: [String] = []) async throws -> (status: String, headers: String) {
            let r = try await runProcess(curl, ["-s", "-D", "-", "-o", "/dev/null", "-w", "%{http_code}"] + extra + [base + path], timeout: 30)
            return (String(r.stdout.suffix(3)), r.stdout)
        }
        var up = false
        for _ in 0..<300 where !up {
            up = (try? await get("/healthz"))?.status == "200"
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(up, "sieve serve did not answer: \(log())")
        #expect(try await get("/feeds/beta.atom").status == "404")

        // Requests keep coming while the config is replaced.
        let stop = Locked(false)
        // Twenty requests per curl run (one kept-alive connection, a status line each), until told to stop and at
        // least 200 have run.
        let load = Task { () -> (ok: Int, failed: [String]) in
            var ok = 0
            var failed: [String] = []
            while !stop.withLock({ $0 }) || ok + failed.count < 200 {
                let urls = (0..<20).flatMap { _ in ["-o", "/dev/null", base + "/feeds/alpha.atom"] }
                let r = try? await runProcess(curl, ["-s", "-w", "%{http_code}\\n"] + urls, timeout: 30)
                let codes = r?.stdout.split(separator: "\n").map(String.init) ?? []
                ok += codes.filter { $0 == "200" }.count
                failed += codes.filter { $0 != "200" }
                if codes.count < 20 { failed.append("curl ran \(codes.count) of 20: \(r?.stderr ?? "no result")") }
            }
            return (ok, failed)
        }
        try await Task.sleep(for: .milliseconds(300))
        dir.write("sieve.toml", config(channels: ["alpha", "beta"], port: port))
        kill(process.processIdentifier, SIGHUP)
        var reloaded = false
        for _ in 0..<100 where !reloaded {
            reloaded = try await get("/feeds/beta.atom").status == "200"
            if !reloaded { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reloaded, "the new channel's feed never appeared: \(log())")
        // A broken config is refused; the server goes on with the one in force.
        dir.write("sieve.toml", config(channels: ["alpha", "beta"], port: port) + "[server]\nport = 1\n")
        kill(process.processIdentifier, SIGHUP)
        #expect(await waitUntil(timeout: 10) { log().contains("config reload refused") }, "\(log())")
        try await Task.sleep(for: .milliseconds(300))
        stop.withLock { $0 = true }
        let result = await load.value
        #expect(process.isRunning)
        #expect(try await get("/feeds/beta.atom").status == "200")
        #expect(result.failed.isEmpty, "\(result.failed.count) failed requests during reloads, e.g. \(result.failed.prefix(5))")
        #expect(result.ok >= 200, "only \(result.ok) requests ran")
        #expect(log().contains("\"msg\":\"config reloaded\""), "\(log())")
        #expect(log().contains("sieve.toml:"), "the refusal names the place: \(log())")

        // Request ids: a proxy's well-formed id is kept, anything else replaced; the access log line carries it.
        let given = try await get("/healthz", ["-H", "X-Request-Id: haproxy-7f3a.42"])
        #expect(given.headers.lowercased().contains("x-request-id: haproxy-7f3a.42"), "\(given.headers)")
        let forged = try await get("/healthz", ["-H", "X-Request-Id: bad id\"}"])
        let forgedID = forged.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-request-id:") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? ""
        #expect(forgedID.count == 16 && forgedID.allSatisfy(\.isHexDigit), "\(forged.headers)")
        #expect(await waitUntil(timeout: 5) { log().contains("\"request_id\":\"haproxy-7f3a.42\"") }, "\(log())")
        let line = log().split(separator: "\n").first { $0.contains("\"request_id\":\"haproxy-7f3a.42\"") }.map(String.init) ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        #expect(object?["path"] as? String == "/healthz" && object?["status"] as? String == "200", "\(line)")

        process.terminate()
        await child.exited()
        #expect(process.terminationStatus == 0, Comment(rawValue: log()))
    }
}
