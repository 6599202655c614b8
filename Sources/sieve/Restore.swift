import ArgumentParser
import Foundation
import Operations
import Pipeline
import Publisher
import SieveCore
import Store

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database by a backup, keeping the current file as <database>.bak.",
        discussion: """
            Refuses (exit 1) a file that is not a Sieve database, fails PRAGMA integrity_check, or was written by
            a newer Sieve; refuses (exit 3) while any other Sieve process has the database open (`sieve serve`, a
            worker, a run, a publish …: each holds a shared lock on <database>.store.lock; restore needs it alone).
            A backup from an older Sieve is migrated after it is put in place. On PostgreSQL SRC is a `sieve backup`
            (pg_dump -Fc) archive, restored with pg_restore --clean in one transaction; stop the web nodes and
            workers first (no lock file reaches other machines).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The backup to restore (a file written by `sieve backup`, or any copy of a Sieve database).")
    var source: String

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            if PostgresLocation.isPostgresURL(config.database) {
                // No lock file can stop processes on other machines: the operator stops the web nodes and workers
                // first (a restore waits for their locks, then replaces everything in one transaction).
                do {
                    let seconds = try PostgresDump.restore(url: config.database, from: source)
                    print("restored \(source) into \(PostgresLocation.redact(config.database)) with pg_restore in one transaction, \(String(format: "%.2f", seconds)) s")
                } catch {
                    throw CLIError.failure("restore into \(PostgresLocation.redact(config.database)) failed, nothing changed: \(error)")
                }
                let database = try await global.openDatabase(config, mode: .existing)  // applies migrations newer than the dump
                print("\(try await database.postCount()) post(s) in the restored database")
                return
            }
            let target = config.database
            if URL(fileURLWithPath: source).standardizedFileURL == URL(fileURLWithPath: target).standardizedFileURL {
                throw CLIError.config("\(source) is the database itself; name a backup file")
            }
            let runLock: RunLock
            let publishLock: PublisherLock
            do {
                runLock = try RunLock(databasePath: target)
            } catch {
                throw CLIError.busy("cannot restore: \(error); stop that `sieve run`, `crawl` or `schedule` first")
            }
            do {
                publishLock = try PublisherLock(databasePath: target)
            } catch {
                throw CLIError.busy("cannot restore: \(error); stop that `sieve publish` first")
            }
            defer { withExtendedLifetime((runLock, publishLock)) {} }
            // Every process with the store open holds this lock shared; renaming the file under one of them would
            // leave it writing to the old file (split brain, lost decisions).
            var storeLock: FileLock?
            do {
                storeLock = try FileLock(path: target + ".store.lock", mode: .exclusive)
            } catch is FileLock.Busy {
                throw CLIError.busy("cannot restore: another Sieve process has \(target) open (sieve serve, a worker …); stop it first")
            } catch {
                throw CLIError.failure("cannot restore: \(error)")
            }
            let existed = FileManager.default.fileExists(atPath: target)
            let inspection = try AppDatabase.restore(from: source, to: target)
            storeLock = nil  // migrating below opens the store, which takes the lock shared
            _ = storeLock
            print("restored \(source) into \(target): \(inspection.posts) post(s), integrity ok")
            if existed { print("the previous database is kept as \(target).bak") }
            if !inspection.migrations.pending.isEmpty {
                _ = try await global.openDatabase(config, mode: .existing)
                print("migrated the restored database: \(inspection.migrations.pending.joined(separator: ", "))")
            }
        }
    }
}
