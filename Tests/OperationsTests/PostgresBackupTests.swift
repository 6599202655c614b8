import Foundation
import Operations
import SieveCore
import Store
import Testing
import TestSupport

/// `sieve backup` / `sieve restore` on PostgreSQL (pg_dump -Fc, pg_restore --clean in one transaction) and the
/// scheduled backup job there.
@Suite("PostgreSQL backups")
struct PostgresBackupTests {
    let dir = TempDir()

    func sieve(_ args: [String], _ url: String) async throws -> ProcessResult {
        try await runProcess(TestPaths.sieveBinary, args + ["--database", url], cwd: dir.url)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func aBackupRestoresWhatWasThereAndNothingLater() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let db = try await AppDatabase(path: url)
        let source = try await db.syncSources([SourceConfig(name: "news", kind: .rss, url: "https://e.org/rss")])["news"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://e.org/rss", status: 200),
            posts: (1...3).map { ExtractedPost(externalID: "p\($0)", title: "t\($0)", text: "土石流 \($0)") })

        let backup = try await sieve(["backup", dir.path("backups") + "/"], url)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("with pg_dump"), "\(backup.stdout)")
        let archives = Backups.list(dir: dir.path("backups"), stem: try PostgresLocation(url: url).database)
        try #require(archives.count == 1, "\(backup.stdout)")

        // Later posts, then the restore: the database is back to the three.
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://e.org/rss?2", status: 200),
            posts: [ExtractedPost(externalID: "p4", title: "t4", text: "淹水")])
        #expect(try await db.postCount() == 4)
        let restore = try await sieve(["restore", archives[0].path], url)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("3 post(s) in the restored database"), "\(restore.stdout)")
        #expect(try await AppDatabase(path: url).postCount() == 3)

        // Not a Sieve archive: refused, nothing changed.
        let other = try #require(try await TestPostgres.freshDatabase(#function + "-other"))
        _ = try await TestPostgres.psql(other, "CREATE TABLE notes (id int)")
        let foreign = dir.path("foreign.dump")
        _ = try await runProcess(
            URL(fileURLWithPath: "/usr/lib/postgresql/15/bin/pg_dump"), ["--format=custom", "--file", foreign, "--dbname", other], cwd: dir.url)
        let refused = try await sieve(["restore", foreign], url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not of a Sieve database"), "\(refused.stderr)")
        #expect(try await AppDatabase(path: url).postCount() == 3)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable)))
    func theScheduledBackupJobWritesADumpAndKeepsTheNewest() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let db = try await AppDatabase(path: url)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<3 {
            let outcome = try await Backups.run(database: db, dir: dir.path("b"), keep: 2, now: t0.addingTimeInterval(Double(i) * 3600), url: url)
            #expect(outcome.backup.path.hasSuffix(".dump") && outcome.backup.bytes > 0)
        }
        let kept = Backups.list(dir: dir.path("b"), stem: try PostgresLocation(url: url).database)
        #expect(kept.count == 2)
        #expect(kept.first?.date == t0.addingTimeInterval(7200))
    }
}
