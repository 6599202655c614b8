import ArgumentParser
import Foundation
import Logging
import Pipeline
import SieveCore
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = "sieve.toml"

    @Option(name: .long, help: "SQLite database file or postgres:// URL (overrides `database` in the config).")
    var database: String?

    @Flag(name: .long, help: "Log every fetch and step to stderr (as JSON lines when stderr is not a terminal).")
    var verbose = false

    /// Loads the config; `required` when the command needs sources.
    func loadConfig(required: Bool) throws -> SieveConfig {
        do {
            var c = try SieveConfig.load(path: config, required: required)
            if let database { c.database = database }
            return c
        } catch {
            throw CLIError.config(error.description)
        }
    }

    /// Opens the store. Commands that only read or change what is there use `.existing` and never create a
    /// database from a mistyped path; those that fill one (`run`, `crawl`, imports, `migrate`, `serve`, `user add` …)
    /// use `.create` and say on stderr when they did.
    /// Long-running commands (`serve`, `worker`, `schedule`) pass `pools: .serviceGroup` and put the store's
    /// `connections` first in their service group.
    func openDatabase(_ config: SieveConfig, mode: AppDatabase.OpenMode, pools: PostgresPools = .ownTask) async throws -> AppDatabase {
        do {
            let database = try await AppDatabase(path: config.database, mode: mode, pools: pools)
            if database.created {
                FileHandle.standardError.write(Data("sieve: created a new database \(database.path)\n".utf8))
            }
            return database
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    /// Refuses an exercise store (a drill's): crawling the configured sources or importing into it would mix real
    /// posts into the exercise; `sieve drill run` feeds it.
    func refuseExerciseStore(_ database: AppDatabase, command: String) async throws {
        if let drill = try await database.exercise() {
            throw CLIError.config(
                "\(database.path) is the exercise store of the drill \"\(drill.scenario)\": `sieve \(command)` would mix the configured sources into it (`sieve drill run` feeds it)")
        }
    }

    /// SQLite: the run lock (`<database>.lock`), so two runs never work at once (exit 3). PostgreSQL: none —
    /// runs and workers on several machines share the work through claims.
    func runLock(_ database: AppDatabase) throws -> RunLock? {
        guard !database.sharesWork else { return nil }
        do {
            return try RunLock(databasePath: database.path)
        } catch let busy as RunLock.Busy {
            throw CLIError.busy(busy.description)
        }
    }

    /// Human-readable logs on a terminal, JSON lines otherwise; errors only unless --verbose.
    func makeLogger(forceStructured: Bool = false) -> Logger {
        let structured = forceStructured || isatty(STDERR_FILENO) == 0
        var logger = Logger(label: "sieve") { label in
            structured ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = verbose ? .info : .error
        return logger
    }
}

/// Who runs a command that changes decisions or the outbox, for the audit log: `cli:<name>`.
struct ActorOptions: ParsableArguments {
    @Option(
        name: [.customLong("actor"), .customLong("reviewer")],
        help: "Who is acting, for the review history and the audit log (default: the login name).")
    var actor: String?

    /// `cli:` and the name given, else the login name ($USER, $LOGNAME, or the user database's entry for this uid,
    /// so cron jobs are attributed too).
    var name: String {
        let env = ProcessInfo.processInfo.environment
        let who = actor ?? env["USER"] ?? env["LOGNAME"] ?? getpwuid(geteuid()).flatMap { String(cString: $0.pointee.pw_name) }
        return "cli:" + (who?.isEmpty == false ? who! : "uid\(geteuid())")
    }
}

/// Errors the CLI reports as one line and an exit code.
enum CLIError: Error, CustomStringConvertible {
    case config(String)
    case failure(String)
    case busy(String)

    var description: String {
        switch self {
        case .config(let m), .failure(let m), .busy(let m): return m
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .config: return ExitCode(2)
        case .failure: return ExitCode(1)
        case .busy: return ExitCode(3)
        }
    }
}

/// Prints `error: …` and exits with the error's code (one line, never a stack).
func fail(_ error: CLIError) -> ExitCode {
    FileHandle.standardError.write(Data("sieve: \(error.description)\n".utf8))
    return error.exitCode
}

func runCLI(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        throw fail(error)
    } catch let error as StoreError {
        throw fail(.failure(error.description))
    }
}

var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) != 0 }
