import Foundation
import Logging
import Moderation
import Publisher
import SieveCore
@testable import Store
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI's side of the hardening issue, through the real binary: decisions audited and claims respected, no
/// database created by mistake, restore refused under a running process, and the first-hour snags.
@Suite("sieve CLI hardening")
struct CLIHardeningTests {
    let dir = TempDir()
    var database: String { dir.path("cli.sqlite") }

    func sieve(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(TestPaths.sieveBinary, args, cwd: dir.url, stdin: stdin)
    }

    /// A database with two queued posts; returns their ids.
    func seeded() async throws -> (AppDatabase, [Int64]) {
        let db = try await AppDatabase(path: database)
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://news.example/")])["news"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://news.example/"),
            posts: [ExtractedPost(externalID: "a", text: "汐止淹水"), ExtractedPost(externalID: "b", text: "台21線坍方")])
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map { ($0.id, Assessment(disaster: 0.9, rumour: 0.1, types: ["flood"], places: [], reasons: [], model: "t"), 1) })
        return (db, posts.map(\.id))
    }

    /// `sieve review` wrote no audit line and overrode a moderator's open item; under cron its actor was `cli:?`.
    @Test func cliDecisionsAreAuditedAndRespectClaims() async throws {
        let (db, ids) = try await seeded()
        try await db.lock(postID: ids[0], user: "amy", duration: 600)
        let refused = try await sieve(["review", String(ids[0]), "approve", "--database", database])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("being handled by amy"), "\(refused.stderr)")
        let forced = try await sieve(["review", String(ids[0]), "approve", "--force", "--actor", "ops", "--database", database])
        #expect(forced.status == 0, "\(forced.stderr)")
        let plain = try await sieve(["review", String(ids[1]), "reject", "--reason", "spam", "--database", database])
        #expect(plain.status == 0, "\(plain.stderr)")
        let audit = try await db.auditEntries()
        #expect(audit.contains { $0.action == "claim_override" && $0.actor == "cli:ops" })
        #expect(audit.contains { $0.action == "approve" && $0.actor == "cli:ops" && $0.postId == ids[0] })
        let reject = try #require(audit.first { $0.action == "reject" })
        #expect(reject.actor.hasPrefix("cli:") && reject.actor != "cli:?" && reject.actor.count > 4, "\(reject.actor)")
        let retract = try await sieve(["retract", String(ids[0]), "--actor", "ops", "--note", "誤報", "--database", database])
        #expect(retract.status == 0, "\(retract.stderr)")
        #expect(try await db.auditEntries(action: "retract").first?.actor == "cli:ops")
    }

    /// A mistyped path: read-only commands create nothing; commands that create a database say so.
    @Test func aMistypedDatabasePathCreatesNothing() async throws {
        for args in [["queue"], ["outbox", "list"], ["incidents", "list"], ["review", "1", "approve"]] {
            let r = try await sieve(args + ["--database", "/nonexistent/dir/x.sqlite"])
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("no such database"), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent"))
        let typo = try await sieve(["queue", "--database", dir.path("typo.sqlite")])
        #expect(typo.status == 1 && !FileManager.default.fileExists(atPath: dir.path("typo.sqlite")))
        let migrate = try await sieve(["migrate", "--database", dir.path("fresh.sqlite")])
        #expect(migrate.status == 0)
        #expect(migrate.stderr.contains("created a new database"), "\(migrate.stderr)")
    }

    /// `sieve restore` renamed the live file under a running `sieve serve --no-scheduler` (which held no lock).
    @Test func restoreIsRefusedWhileAnotherProcessHasTheDatabaseOpen() async throws {
        let (db, _) = try await seeded()
        _ = try await db.backup(to: dir.path("backup.sqlite"))
        let refused = try await sieve(["restore", dir.path("backup.sqlite"), "--database", database])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("has \(database) open"), "\(refused.stderr)")
        _ = db
    }

    @Test func restoreWorksWhenNobodyHasTheDatabaseOpen() async throws {
        do {
            let (db, _) = try await seeded()
            _ = try await db.backup(to: dir.path("backup.sqlite"))
        }
        let restored = try await sieve(["restore", dir.path("backup.sqlite"), "--database", database])
        #expect(restored.status == 0, "\(restored.stderr)")
    }

    /// The issue's hostile feed through the command a new user runs on it: a named refusal, at once.
    @Test(.timeLimit(.minutes(1))) func extractRefusesTheBillionLaughsFeed() async throws {
        let file = dir.write("laughs.xml", Self.laughs)
        let r = try await sieve(["extract", "--adapter", "feed", file])
        #expect(r.status == 1)
        #expect(r.stderr.contains("entity expansion"), "\(r.stderr)")
    }

    static let laughs = """
        <?xml version="1.0"?>
        <!DOCTYPE rss [
        <!ENTITY lol0 "lol">
        \((1...8).map { i in "<!ENTITY lol\(i) \"\(String(repeating: "&lol\(i - 1);", count: 10))\">" }.joined(separator: "\n"))
        ]>
        <rss version="2.0"><channel><title>t</title><item><title>x</title><description>&lol8;</description></item></channel></rss>
        """

    /// The first-hour snags, each as a new user met it.
    @Test func firstHourSnags() async throws {
        let help = try await sieve(["extract", "--help"])
        #expect(!help.stdout.contains("joined("), "\(help.stdout)")
        #expect(help.stdout.contains("feed, html, article, ptt"))
        let reviewHelp = try await sieve(["help", "review"])
        #expect(!reviewHelp.stdout.contains("$USER") && !reviewHelp.stdout.contains("(default: cli)"), "\(reviewHelp.stdout)")
        let feed = dir.write("f.xml", "<rss version=\"2.0\"><channel><item><title>t</title><description>d</description></item></channel></rss>")
        await #expect(try sieve(["extract", "--adapter", "feed", feed, "--verbose"]).status == 0)
        _ = try await seeded()
        let zero = try await sieve(["queue", "--limit", "0", "--database", database])
        #expect(zero.status != 0 && zero.stderr.contains("--limit must be at least 1"), "\(zero.stderr)")
        let ids = try await AppDatabase(path: database).queue().map(\.id)
        let retract = try await sieve(["retract", String(ids[0]), "--database", database])
        #expect(retract.status == 1)
        #expect(retract.stderr.contains("only approved or escalated items can be retracted"), "\(retract.stderr)")
    }

    /// `sieve serve` on a busy port said "serving http://…" before failing.
    @Test func serveOnABusyPortDoesNotClaimToBeServing() async throws {
        _ = try await seeded()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let r = try await sieve(["serve", "--port", String(port), "--no-scheduler", "--database", database])
        #expect(r.status == 1)
        #expect(!r.stderr.contains("serving http"), "\(r.stderr)")
        #expect(r.stderr.contains("Address already in use"), "\(r.stderr)")
    }

    /// Accounts can be shut from the CLI, tokens expire and can be revoked, and every step is audited.
    @Test func accountsAndTokensFromTheCLI() async throws {
        await #expect(try sieve(["user", "add", "amy", "--role", "moderator", "--database", database], stdin: "first-password\n").status == 0)
        let token = try await sieve(["user", "token", "amy", "--expires", "1h", "--database", database])
        #expect(token.status == 0, "\(token.stderr)")
        #expect(token.stderr.contains("valid until"))
        let db = try await AppDatabase(path: database)
        let secret = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await db.account(tokenHash: APITokens.hash(secret))?.name == "amy")
        let list = try await sieve(["user", "tokens", "amy", "--database", database])
        #expect(list.stdout.contains("expires"), "\(list.stdout)")
        await #expect(try sieve(["user", "disable", "amy", "--database", database]).status == 0)
        #expect(try await db.account(named: "amy")?.disabled == true)
        await #expect(try sieve(["user", "enable", "amy", "--database", database]).status == 0)
        await #expect(try sieve(["user", "passwd", "amy", "--database", database], stdin: "second-password\n").status == 0)
        await #expect(try sieve(["user", "logout-all", "amy", "--database", database]).status == 0)
        let revoke = try await sieve(["user", "revoke-token", "amy", "--all", "--database", database])
        #expect(revoke.status == 0 && revoke.stdout.contains("revoked 1"), "\(revoke.stdout)\(revoke.stderr)")
        #expect(try await db.account(tokenHash: APITokens.hash(secret)) == nil)
        let actions = Set(try await db.auditEntries().map(\.action))
        #expect(actions.isSuperset(of: ["user_add", "token_create", "user_disable", "user_enable", "password_change", "logout_all", "token_revoke"]))
    }
}

/// `sieve serve`'s built-in publisher took no lock: a cron `sieve publish` freed its deliveries in flight and sent
/// them again. Now each of its rounds holds the publisher lock, and a cron run waits for the round to end.
@Suite("The web server's publisher and the publisher lock")
struct PublisherServiceLockTests {
    @Test func theServersPublisherAndACronPublishTakeTurns() async throws {
        let dir = TempDir()
        let db = try await AppDatabase(path: dir.path("s.sqlite"))
        let service = PublisherService(
            database: db, channels: [ChannelConfig(name: "feed", kind: .atom, path: dir.path("feed.atom"))],
            interval: .milliseconds(50), logger: Logger(label: "test"))
        // While someone else holds the lock the service skips its rounds, and a cron run waits for it.
        var held: PublisherLock? = try PublisherLock(databasePath: db.path)
        let task = Task { try await service.run() }
        let path = dir.path("s.sqlite")
        let waiting = Task.detached { try await runProcess(TestPaths.sieveBinary, ["publish", "--database", path]) }
        try await Task.sleep(for: .milliseconds(600))
        withExtendedLifetime(held) {}
        held = nil
        let waited = try await waiting.value
        #expect(waited.status == 0, "\(waited.stdout)\(waited.stderr)")
        // Released: the cron run gets its turn between the service's rounds.
        var turns = 0
        for _ in 0..<3 {
            let cron = try await runProcess(TestPaths.sieveBinary, ["publish", "--database", dir.path("s.sqlite")])
            #expect(cron.status == 0, "\(cron.stdout)\(cron.stderr)")
            if cron.status == 0 { turns += 1 }
        }
        #expect(turns == 3)
        task.cancel()
        _ = try? await task.value
    }
}
