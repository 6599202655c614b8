import Foundation
import GRDB
import Observability
import Operations
import Pipeline
import SieveCore
import Store
import Testing
import TestSupport

/// Online backups while a writer writes, restores, and what restore refuses.
@Suite("Backup and restore", .serialized)
struct BackupRestoreTests {
    let dir = TempDir()
    var sieve: URL { TestPaths.sieveBinary }

    func seeded(_ name: String, batches: Int, perBatch: Int = 2) async throws -> (AppDatabase, Int64) {
        let database = try await AppDatabase(path: dir.path(name))
        let id = try await database.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://example.org/")])["s"]!
        for b in 0..<batches { try await Ops.insertPosts(database, sourceID: id, batch: b, count: perBatch) }
        return (database, id)
    }

    @Test func backupsTakenWhileAWriterWritesAreConsistentSnapshots() async throws {
        let (database, sourceID) = try await seeded("live.sqlite", batches: 200, perBatch: 3)
        let writing = Locked(true)
        let writer = Task.detached {
            var batch = 1000
            while writing.withLock({ $0 }) {
                try await Ops.insertPosts(database, sourceID: sourceID, batch: batch, count: 3)
                batch += 1
            }
            return batch - 1000
        }
        var counts: [Int] = []
        for i in 0..<5 {
            let path = dir.path("snap-\(i).sqlite")
            let result = try await database.backup(to: path)
            #expect(result.path == URL(fileURLWithPath: path).standardizedFileURL.path)
            #expect(try Ops.integrity(path) == "ok")
            let posts = try Ops.count(path, "SELECT COUNT(*) FROM post")
            // Each writer transaction adds 3 posts and a document saying 3: a torn copy would break either.
            #expect(posts % 3 == 0)
            #expect(try Ops.count(path, "SELECT COALESCE(SUM(postCount), 0) FROM document") == posts)
            #expect(result.posts == posts)
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a backup is one self-contained file")
            counts.append(posts)
        }
        writing.withLock { $0 = false }
        let written = try await writer.value
        #expect(written > 0, "the writer was writing during the backups")
        #expect(counts == counts.sorted())
        #expect(counts.first! >= 600)
        // No temporary files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func restoreRoundTripKeepsTheOldFileAsBak() async throws {
        do {
            let (database, sourceID) = try await seeded("sieve.sqlite", batches: 10)
            let backup = try await run(["backup", dir.path("b1.sqlite"), "--database", dir.path("sieve.sqlite")])
            #expect(backup.status == 0, Comment(rawValue: backup.stderr))
            #expect(backup.stdout.contains("20 post(s), integrity ok"))
            for b in 10..<15 { try await Ops.insertPosts(database, sourceID: sourceID, batch: b, count: 2) }
            #expect(try await database.postCount() == 30)
            // Closed before the restore, as an operator stops every process using the database first.
            try (database.writer as? DatabasePool)?.close()
        }
        let restore = try await run(["restore", dir.path("b1.sqlite"), "--database", dir.path("sieve.sqlite")])
        #expect(restore.status == 0, Comment(rawValue: restore.stdout + restore.stderr))
        #expect(restore.stdout.contains("restored"))
        #expect(restore.stdout.contains("kept as \(dir.path("sieve.sqlite")).bak"))
        #expect(try Ops.count(dir.path("sieve.sqlite"), "SELECT COUNT(*) FROM post") == 20)
        #expect(try Ops.count(dir.path("sieve.sqlite.bak"), "SELECT COUNT(*) FROM post") == 30, "the .bak has every commit")
        #expect(try Ops.integrity(dir.path("sieve.sqlite")) == "ok")
        let reopened = try await AppDatabase(path: dir.path("sieve.sqlite"))
        #expect(try await reopened.postCount() == 20)
        #expect(try await reopened.migrationStatus().isCurrent)
        // A backup into a folder gets a time-stamped name.
        try FileManager.default.createDirectory(atPath: dir.path("folder"), withIntermediateDirectories: true)
        let intoFolder = try await run(["backup", dir.path("folder"), "--database", dir.path("sieve.sqlite")])
        #expect(intoFolder.status == 0, Comment(rawValue: intoFolder.stderr))
        #expect(Backups.list(dir: dir.path("folder"), stem: "sieve").count == 1)
    }

    @Test func restoreRefusesWhatIsNotASieveDatabaseOfThisVersion() async throws {
        let (_, _) = try await seeded("live.sqlite", batches: 2)
        let live = dir.path("live.sqlite")
        func restore(_ source: String) async throws -> ProcessResult { try await run(["restore", source, "--database", live]) }

        dir.write("notes.txt", "not a database at all\n")
        let text = try await restore(dir.path("notes.txt"))
        #expect(text.status == 1)
        #expect(text.stderr.contains("not an SQLite database"), Comment(rawValue: text.stderr))

        let other = try DatabaseQueue(path: dir.path("other.sqlite"))
        try await other.write { try $0.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
        try other.close()
        let foreign = try await restore(dir.path("other.sqlite"))
        #expect(foreign.status == 1)
        #expect(foreign.stderr.contains("not a Sieve database"), Comment(rawValue: foreign.stderr))

        let (future, _) = try await seeded("future.sqlite", batches: 1)
        try await future.writer!.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        let newer = try await restore(dir.path("future.sqlite"))
        #expect(newer.status == 1)
        #expect(newer.stderr.contains("newer Sieve"), Comment(rawValue: newer.stderr))
        #expect(newer.stderr.contains("v99-from-the-future"))

        let missing = try await restore(dir.path("nope.sqlite"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.sqlite"))

        // A run in progress: exit 3, nothing touched.
        let good = try await run(["backup", dir.path("good.sqlite"), "--database", live])
        #expect(good.status == 0)
        let lock = try RunLock(databasePath: live)
        let busy = try await restore(dir.path("good.sqlite"))
        #expect(busy.status == 3)
        #expect(busy.stderr.contains("cannot restore: another sieve run holds \(live).lock"), Comment(rawValue: busy.stderr))
        withExtendedLifetime(lock) {}

        #expect(!FileManager.default.fileExists(atPath: live + ".bak"), "every refusal left the live database alone")
        #expect(try Ops.count(live, "SELECT COUNT(*) FROM post") == 4)
    }

    @Test func migrateListsAndAppliesPendingMigrations() async throws {
        let path = dir.path("m.sqlite")
        let dry = try await run(["migrate", "--dry-run", "--database", path])
        #expect(dry.status == 0, Comment(rawValue: dry.stderr))
        #expect(dry.stdout.contains("applied: none"))
        #expect(dry.stdout.contains("pending: " + AppDatabase.migrationNames.joined(separator: ", ")))
        #expect(dry.stdout.contains("dry run: nothing changed"))
        #expect(!FileManager.default.fileExists(atPath: path), "a dry run creates nothing")

        let apply = try await run(["migrate", "--database", path])
        #expect(apply.status == 0, Comment(rawValue: apply.stderr))
        #expect(apply.stdout.contains("applied \(AppDatabase.migrationNames.count) migration(s)"))
        let again = try await run(["migrate", "--database", path])
        #expect(again.stdout.contains("pending: none"))
        #expect(again.stdout.contains("up to date"))

        // One migration missing (an older database): listed as pending, then applied.
        let db = try DatabaseQueue(path: path)
        let last = AppDatabase.migrationNames.last!
        try await db.write { try $0.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [last]) }
        try db.close()
        #expect(try await AppDatabase.migrationStatus(path: path).pending == [last])
        #expect(await Health.readiness(databasePath: path).status == 503)
        #expect(await Health.readiness(databasePath: path).body.contains("migrations pending: \(last)"))
        let db2 = try DatabaseQueue(path: path)
        try await db2.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-later')") }
        try db2.close()
        let newer = try await run(["migrate", "--database", path])
        #expect(newer.status == 1)
        #expect(newer.stderr.contains("written by a newer sieve"), Comment(rawValue: newer.stderr))
    }

    func run(_ args: [String]) async throws -> ProcessResult {
        try await runProcess(sieve, args, cwd: dir.url)
    }
}
