import ArgumentParser
import Foundation

import CCurl

@main
struct Sieve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sieve",
        abstract: "Find disaster reports in public posts, flag rumours, queue them for moderators, publish what is verified.",
        discussion: """
            Exit codes: 0 success; 1 some sources failed (the others were processed); 2 configuration or usage error;
            3 another `sieve run` holds the lock.
            """,
        subcommands: [
            Init.self, Run.self, Crawl.self, Classify.self, Queue.self, Review.self, Publish.self, Outbox.self, Retract.self, Edit.self, Tokenize.self,
            Robots.self, Extract.self, Train.self, Eval.self, IncidentsCommand.self, Xref.self, Check.self, Rumours.self, Tips.self, Serve.self, User.self,
            ScheduleCommand.self, Migrate.self, Backup.self, Restore.self, Worker.self, Doctor.self, DrillCommand.self,
        ])

    static func main() async {
        // Two malloc arenas instead of 8 per core: the crawl's many short-lived threads otherwise each keep
        // their own arena, and peak RSS grows with no gain in speed.
        sieve_malloc_arena_max(2)
        // As ArgumentParser's own main, except that a usage error (a bad option or value) exits with 2, the code
        // `sieve --help` documents for configuration and usage errors, instead of sysexits' 64.
        do {
            var command = try parseAsRoot(nil)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error).rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
