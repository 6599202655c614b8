import Foundation
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
@testable import Store
import Testing
import TestSupport

@Suite("sieve user / sieve serve / real browser")
struct CLITests {
    let dir = TempDir()

    func sieve(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(TestPaths.sieveBinary, args + ["--database", dir.path("cli.sqlite")], cwd: dir.url, stdin: stdin)
    }

    @Test func userAddReadsThePasswordFromStdinAndStoresABcryptHash() async throws {
        let r = try await sieve(["user", "add", "amy", "--role", "moderator"], stdin: "s3cret-password\nignored second line\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("created moderator account amy"))
        let db = try await AppDatabase(path: dir.path("cli.sqlite"))
        let account = try #require(try await db.account(named: "amy"))
        #expect(account.role == .moderator)
        #expect(account.passwordHash.hasPrefix("$2") && account.passwordHash.count == 60)
        #expect(!account.passwordHash.contains("s3cret"))
        // The stored hash logs in through the app.
        let app = ModerationApp(database: db, config: SieveConfig(), search: sharedSearch)
        try await Application(router: app.buildRouter().router).test(.router) { client in
            let b = Browser(client)
            let ok = try await b.login("amy", password: "s3cret-password")
            #expect(ok.status == .seeOther)
            let wrong = try await b.login("amy", password: "ignored second line")
            #expect(wrong.status == .unauthorized)
        }
        #expect(try await db.auditEntries(action: "user_add").first?.after == "{\"name\":\"amy\",\"role\":\"moderator\"}")

        let again = try await sieve(["user", "add", "amy", "--role", "admin"], stdin: "another-password\n")
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
        let short = try await sieve(["user", "add", "bob", "--role", "eoc"], stdin: "short\n")
        #expect(short.status == 2)
        #expect(short.stderr.contains("at least 8 characters"))
        let none = try await sieve(["user", "add", "bob", "--role", "eoc"], stdin: "")
        #expect(none.status == 2)
        let badRole = try await sieve(["user", "add", "bob", "--role", "root"], stdin: "long-enough-pw\n")
        #expect(badRole.status != 0)
        #expect(badRole.stderr.contains("root"))
    }

    @Test func userTokenPrintsATokenOnceAndStoresOnlyItsHash() async throws {
        await #expect(try sieve(["user", "add", "ops", "--role", "eoc"], stdin: "eoc-password-1\n").status == 0)
        let r = try await sieve(["user", "token", "ops", "--label", "EOC dashboard"])
        #expect(r.status == 0, "\(r.stderr)")
        let token = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("sieve_") && token.count > 40)
        let db = try await AppDatabase(path: dir.path("cli.sqlite"))
        let stored = try await db.read { tx in try await tx.column("SELECT tokenHash FROM apiToken", as: String.self) }
        #expect(stored == [APITokens.hash(token)])
        #expect(try await db.account(tokenHash: APITokens.hash(token))?.name == "ops")
        let missing = try await sieve(["user", "token", "nobody"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no account named \"nobody\""))
        let list = try await sieve(["user", "list"])
        #expect(list.stdout.hasPrefix("ops\teoc\t"))
    }

    @Test func serveRejectsABadPortAndABrokenServerSection() async throws {
        let r = try await sieve(["serve", "--port", "0"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--port must be 1…65535"))
        let cfg = dir.write("bad.toml", "[server]\nport = 99999\n")
        let bad = try await runProcess(TestPaths.sieveBinary, ["serve", "--config", cfg], cwd: dir.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.toml:2: server.port: must be between 1 and 65535"))
    }

    /// Headless Chromium (Debian's chromium + chromium-driver) with selenium: log in, filter, approve with the
    /// keyboard, find the item in the published feed. Skips with the reason when the browser stack is missing.
    @Test(.enabled(
        if: TestPaths.executable(TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python").path),
        ".venv-ui/bin/python is absent (`make ui-env` creates it with selenium and installs chromium)"))
    func realBrowserLogsInFiltersApprovesWithTheKeyboardAndSeesTheFeed() async throws {
        let python = TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python")
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/ui/moderation_ui.py").path
        let r = try await runProcess(python, [script, "--sieve", TestPaths.sieveBinary.path], timeout: 240)
        if r.status == 77 {
            print(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            return
        }
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("ui: 7 passed, 0 failed"), "\(r.stdout)\n\(r.stderr)")
    }
}

/// WCAG 2.1 A/AA with axe-core in headless Chromium (Tests/ui/axe_check.py): the public page (plain, large text and
/// high contrast, one county), login, queue, an item, the dashboard and the map — no serious or critical violation.
@Test(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python").path),
        "needs .venv-ui (`make ui-env`: selenium, axe-core-python, chromium)"))
func axeFindsNoSeriousOrCriticalViolations() async throws {
    let python = TestPaths.packageRoot.appendingPathComponent(".venv-ui/bin/python")
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/ui/axe_check.py").path
    let r = try await runProcess(python, [script, "--sieve", TestPaths.sieveBinary.path], timeout: 240)
    if r.status == 77 {
        print(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return
    }
    #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    #expect(r.stdout.contains("axe: 15 pages, 0 serious or critical violations"), "\(r.stdout)\n\(r.stderr)")
}
