import ArgumentParser
import Foundation
import Operations
import Store

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to DEST: SQLite's online backup API, or pg_dump on PostgreSQL (consistent while writers run).",
        discussion: """
            The copy is one consistent snapshot, written to a temporary file beside DEST, checked with
            PRAGMA integrity_check and only then renamed to DEST. DEST may be a folder: the backup is then named
            <database>-YYYYMMDDTHHMMSSZ.sqlite inside it (the names scheduled backups use). Restore with
            `sieve restore`. On PostgreSQL the backup is a `pg_dump -Fc` archive (<database>-YYYYMMDDTHHMMSSZ.dump in a
            folder), checked with pg_restore --list before it is renamed into place.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Backup file, or an existing folder to put a time-stamped backup in.")
    var destination: String

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            if PostgresLocation.isPostgresURL(config.database) {
                let database = try await global.openDatabase(config, mode: .existing)
                var isDir: ObjCBool = false
                var dest = destination
                if destination.hasSuffix("/") { try? FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true) }
                if FileManager.default.fileExists(atPath: destination, isDirectory: &isDir), isDir.boolValue {
                    let name = (try? PostgresLocation(url: config.database).database) ?? "sieve"
                    dest = URL(fileURLWithPath: destination).appendingPathComponent("\(name)-\(Backups.stamp(Date())).dump").path
                }
                let posts = try await database.postCount()
                do {
                    let result = try PostgresDump.backup(url: config.database, to: dest)
                    print("backed up \(PostgresLocation.redact(config.database)) to \(dest) with pg_dump: \(result.bytes) bytes, about \(posts) post(s), \(String(format: "%.2f", result.seconds)) s")
                } catch {
                    throw CLIError.failure("backup of \(PostgresLocation.redact(config.database)) failed: \(error)")
                }
                return
            }
            guard FileManager.default.fileExists(atPath: config.database) else {
                throw CLIError.config("database \(config.database) does not exist; nothing to back up (--database PATH?)")
            }
            let database = try await global.openDatabase(config, mode: .existing)
            var isDir: ObjCBool = false
            var dest = destination
            if destination.hasSuffix("/") {
                try? FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            }
            if FileManager.default.fileExists(atPath: destination, isDirectory: &isDir), isDir.boolValue {
                dest = URL(fileURLWithPath: destination)
                    .appendingPathComponent("\(Backups.stem(of: config.database))-\(Backups.stamp(Date())).sqlite").path
            }
            let result = try await database.backup(to: dest)
            print("backed up \(config.database) to \(result.path): \(result.bytes) bytes, \(result.posts) post(s), "
                + "integrity ok, \(String(format: "%.2f", result.seconds)) s")
        }
    }
}
