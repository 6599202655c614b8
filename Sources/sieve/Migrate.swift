import ArgumentParser
import Foundation
import Store

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations and print which are applied and pending.",
        discussion: """
            Every command also migrates the database it opens; this one does it on purpose, and shows what it did.
            --dry-run only lists them, changing nothing (and creating nothing). Exit 1 when the database was
            written by a newer Sieve (it has migrations this binary does not know).
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "List applied and pending migrations without applying any.")
    var dryRun = false

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let before = try await migrationStatus(config.database)
            print("database: \(config.database)")
            print("applied: \(before.applied.isEmpty ? "none" : before.applied.joined(separator: ", "))")
            print("pending: \(before.pending.isEmpty ? "none" : before.pending.joined(separator: ", "))")
            if !before.unknown.isEmpty {
                throw CLIError.failure(
                    "\(config.database) was written by a newer sieve: it has migration(s) \(before.unknown.joined(separator: ", ")) this binary does not know; upgrade sieve")
            }
            if dryRun {
                print(before.pending.isEmpty ? "up to date (dry run)" : "would apply \(before.pending.count) migration(s) (dry run: nothing changed)")
                return
            }
            _ = try await global.openDatabase(config, mode: .create)  // opening applies the pending migrations, each in its own transaction
            let after = try await migrationStatus(config.database)
            let applied = before.pending.filter { after.applied.contains($0) }
            print(applied.isEmpty ? "up to date" : "applied \(applied.count) migration(s): \(applied.joined(separator: ", "))")
        }
    }

    func migrationStatus(_ path: String) async throws -> MigrationStatus {
        do {
            return try await AppDatabase.migrationStatus(path: path)
        } catch {
            throw CLIError.failure(error.description)
        }
    }
}
