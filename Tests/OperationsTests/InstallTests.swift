import Foundation
import SieveCore
import Testing
import TestSupport

/// `make install` / `make uninstall` (scripts/install.sh) and `sieve doctor`, on a staged tree (DESTDIR) and the
/// debug binary: the installed copy must find its resources from any working directory, with no SIEVE_* variable.
@Suite("install, uninstall, sieve doctor")
struct InstallTests {
    let dir = TempDir()

    /// The environment of an operator's shell: no SIEVE_* variables, a HOME of its own (cache), PATH.
    func cleanEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIEVE_") && $0.key != "CACHE_DIRECTORY" }
        env["HOME"] = dir.path("home")
        env["XDG_CACHE_HOME"] = nil
        return env.merging(extra) { $1 }
    }

    func install(_ args: [String] = [], prefix: String = "/opt/sieve-test") async throws -> ProcessResult {
        let script = TestPaths.packageRoot.appendingPathComponent("scripts/install.sh")
        var env = ProcessInfo.processInfo.environment
        env["PREFIX"] = prefix
        env["DESTDIR"] = dir.path("stage")
        env["BINARY"] = TestPaths.sieveBinary.path
        return try await runProcess(script, args, cwd: TestPaths.packageRoot, environment: env)
    }

    struct DoctorReport: Decodable {
        struct Check: Decodable {
            var name: String
            var status: String
            var detail: String
        }
        var ok: Bool
        var failed: Int
        var checks: [Check]
        func check(_ name: String) -> Check? { checks.first { $0.name == name } }
    }

    func doctor(_ binary: String, _ args: [String], cwd: URL, env: [String: String]) async throws -> (ProcessResult, DoctorReport?) {
        let r = try await runProcess(URL(fileURLWithPath: binary), ["doctor", "--json"] + args, cwd: cwd, environment: env)
        return (r, try? JSONDecoder().decode(DoctorReport.self, from: Data(r.stdout.utf8)))
    }

    @Test func theInstalledBinaryFindsItsResourcesFromAnyFolderAndUninstallRemovesWhatWasInstalled() async throws {
        let installed = try await install()
        #expect(installed.status == 0, "\(installed.stderr)")
        let stage = dir.path("stage")
        let share = "\(stage)/opt/sieve-test/share/sieve"
        let binary = "\(stage)/opt/sieve-test/bin/sieve"
        #expect(FileManager.default.isExecutableFile(atPath: binary))
        for f in ["Lexicons/places.tsv", "Models/disaster.nbm", "Models/rumour.nbm", "Models/type.nbm", "examples/sieve.toml", "MANIFEST"] {
            #expect(FileManager.default.fileExists(atPath: "\(share)/\(f)"), "\(f) missing")
        }
        // Unit files carry the final paths (not the staging folder).
        let unit = try String(contentsOfFile: "\(stage)/opt/sieve-test/lib/systemd/system/sieve-serve.service", encoding: .utf8)
        #expect(unit.contains("/opt/sieve-test/bin/sieve serve"))
        #expect(!unit.contains("@BINDIR@") && !unit.contains(stage))
        let config = "\(stage)/opt/sieve-test/etc/sieve/sieve.toml"
        #expect(FileManager.default.fileExists(atPath: config))

        // From an unrelated folder, through a symbolic link elsewhere, with no SIEVE_* variable.
        let elsewhere = dir.url.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let link = elsewhere.appendingPathComponent("bin/sieve").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: binary)
        let database = dir.path("data/sieve.sqlite")
        try FileManager.default.createDirectory(atPath: dir.path("data"), withIntermediateDirectories: true)
        for exe in [binary, link] {
            let (r, report) = try await doctor(exe, ["--config", config, "--database", database], cwd: elsewhere, env: cleanEnvironment())
            let parsed = try #require(report, "not JSON: \(r.stdout) \(r.stderr)")
            #expect(parsed.check("resources.lexicons")?.detail.hasPrefix("\(share)/Lexicons:") == true, "\(parsed.check("resources.lexicons")?.detail ?? "")")
            #expect(parsed.check("resources.models")?.status == "ok", "\(parsed.check("resources.models")?.detail ?? "")")
            #expect(parsed.check("resources.models")?.detail.hasPrefix("\(share)/Models:") == true)
            #expect(parsed.check("database.schema")?.status == "warn", "a database not created yet is a warning")
            #expect(parsed.check("library.sqlite")?.status == "ok")
            #expect(parsed.ok == true && r.status == 0, "\(r.stdout)")
        }
        // The installed binary works: it creates and migrates a database, then doctor finds the schema current.
        let migrate = try await runProcess(
            URL(fileURLWithPath: binary), ["migrate", "--config", config, "--database", database], cwd: elsewhere, environment: cleanEnvironment())
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let (_, afterMigrate) = try await doctor(binary, ["--config", config, "--database", database, "--deep"], cwd: elsewhere, env: cleanEnvironment())
        #expect(afterMigrate?.check("database.schema")?.status == "ok")
        #expect(afterMigrate?.check("database.integrity")?.detail.contains("integrity ok") == true)

        // A second install keeps the operator's config; uninstall keeps it when edited, removes everything else.
        try Data("# edited by the operator\n".utf8).write(to: URL(fileURLWithPath: config), options: .atomic)
        let again = try await install()
        #expect(again.status == 0 && again.stdout.contains("kept the existing config"), "\(again.stdout)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "# edited by the operator\n")
        let removed = try await install(["--uninstall"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("kept (edited since install): \(config)"))
        let left = FileManager.default.enumerator(atPath: "\(stage)/opt/sieve-test")?.compactMap { $0 as? String }
            .filter { p in
                var isDir: ObjCBool = false
                return FileManager.default.fileExists(atPath: "\(stage)/opt/sieve-test/\(p)", isDirectory: &isDir) && !isDir.boolValue
            } ?? []
        #expect(left == ["etc/sieve/sieve.toml"], "left behind: \(left)")
        let twice = try await install(["--uninstall"])
        #expect(twice.status == 1 && twice.stderr.contains("nothing to remove"))
    }

    @Test func anInstalledBinaryWithoutItsResourcesSaysWhereItLooked() async throws {
        let bin = dir.url.appendingPathComponent("bare/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("sieve").path
        try FileManager.default.copyItem(atPath: TestPaths.sieveBinary.path, toPath: copy)
        let (r, report) = try await doctor(copy, [], cwd: dir.url, env: cleanEnvironment())
        #expect(r.status == 1)
        let lexicons = try #require(report?.check("resources.lexicons"))
        #expect(lexicons.status == "fail")
        #expect(lexicons.detail.contains("\(dir.url.appendingPathComponent("bare").path)/share/sieve/Lexicons"), "\(lexicons.detail)")
        #expect(lexicons.detail.contains("SIEVE_LEXICONS"))
        // The variable fixes it.
        let (fixed, _) = try await doctor(
            copy, [], cwd: dir.url, env: cleanEnvironment(["SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(fixed.status == 0, "\(fixed.stdout)")
    }

    @Test func doctorChecksConfigAndSecretsWithoutPrintingThem() async throws {
        let secret = "tok-\(UUID().uuidString)"
        let good = dir.write("sieve.toml", """
            database = "\(dir.path("d.sqlite"))"
            [[channel]]
            name = "tg"
            kind = "telegram"
            chat_id = "@sieve_test"
            token_env = "SIEVE_DOCTOR_TEST_TOKEN"
            """)
        let (ok, okReport) = try await doctor(
            TestPaths.sieveBinary.path, ["--config", good], cwd: dir.url, env: cleanEnvironment(["SIEVE_DOCTOR_TEST_TOKEN": secret, "SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(okReport?.check("channel.tg")?.status == "ok", "\(ok.stdout)")
        #expect(!ok.stdout.contains(secret) && !ok.stderr.contains(secret))
        let (missing, missingReport) = try await doctor(
            TestPaths.sieveBinary.path, ["--config", good], cwd: dir.url, env: cleanEnvironment(["SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(missing.status == 1)
        #expect(missingReport?.check("channel.tg")?.status == "fail")
        #expect(missingReport?.check("channel.tg")?.detail.contains("SIEVE_DOCTOR_TEST_TOKEN (token_env) is not set") == true)

        let broken = dir.write("broken.toml", "database = \"x.sqlite\"\n[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \n")
        let (bad, badReport) = try await doctor(
            TestPaths.sieveBinary.path, ["--config", broken], cwd: dir.url, env: cleanEnvironment(["SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(bad.status == 1)
        let configCheck = try #require(badReport?.check("config"))
        #expect(configCheck.status == "fail")
        #expect(configCheck.detail.contains("broken.toml:5"), "\(configCheck.detail)")

        // The plain-text form: one line per check, and a summary.
        let text = try await runProcess(
            TestPaths.sieveBinary, ["doctor", "--config", good], cwd: dir.url,
            environment: cleanEnvironment(["SIEVE_DOCTOR_TEST_TOKEN": secret, "SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(text.stdout.contains("ok   channel.tg"), "\(text.stdout)")
        #expect(text.stdout.contains("checks: all passed"))
        #expect(!text.stdout.contains(secret))

        // The tipline's secrets: present (not shown), or which one is missing.
        dir.write("line-secret", secret)
        let tipline = dir.write("tipline.toml", """
            database = "\(dir.path("d.sqlite"))"
            [tipline]
            line_channel_secret_file = "line-secret"
            line_access_token_env = "SIEVE_DOCTOR_TEST_LINE_TOKEN"
            salt_file = "line-secret"
            """)
        let (tl, tlReport) = try await doctor(
            TestPaths.sieveBinary.path, ["--config", tipline], cwd: dir.url, env: cleanEnvironment(["SIEVE_SHARE": TestPaths.packageRoot.path]))
        #expect(tlReport?.check("tipline.salt")?.status == "ok")
        #expect(tlReport?.check("tipline.line")?.status == "fail")
        #expect(tlReport?.check("tipline.line")?.detail.contains("tipline.line_access_token_env: environment variable SIEVE_DOCTOR_TEST_LINE_TOKEN") == true)
        #expect(!tl.stdout.contains(secret) && !tl.stderr.contains(secret))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "systemd-analyze is not installed"))
    func unitFilesPassSystemdAnalyzeVerify() async throws {
        let r = try await runProcess(TestPaths.packageRoot.appendingPathComponent("scripts/check-units.sh"), [], cwd: TestPaths.packageRoot)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    }
}
