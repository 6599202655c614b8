import ArgumentParser
import Foundation
import Moderation
import SieveCore
import Store

#if canImport(Glibc)
    import Glibc
#endif

extension AccountRole: ExpressibleByArgument {}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the web app's accounts and API tokens.",
        subcommands: [UserAdd.self, UserToken.self, UserList.self])
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an account (the password is asked for on a terminal, else read from the first line of stdin).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Login name.")
    var name: String

    @Option(name: .long, help: "admin, moderator or eoc (read-only viewer for the emergency operations centre).")
    var role: AccountRole

    func validate() throws {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ValidationError("NAME must be 1–64 characters without spaces")
        }
    }

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            if try database.account(named: name) != nil { throw CLIError.config(StoreError.accountExists(name).description) }
            let password = try readPassword()
            let hash = ModerationApp.hashPassword(password, cost: config.server.bcryptCost)
            try database.createAccount(name: name, role: role, passwordHash: hash)
            try database.audit(actor: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "?")", action: "user_add", after: jsonText(["name": name, "role": role.rawValue]))
            print("created \(role.rawValue) account \(name)")
        }
    }

    func readPassword() throws -> String {
        if isatty(STDIN_FILENO) != 0 {
            let first = try promptHidden("Password for \(name): ")
            let second = try promptHidden("Again: ")
            guard first == second else { throw CLIError.config("the two passwords differ; nothing was created") }
            return try check(first)
        }
        guard let line = readLine(strippingNewline: true) else {
            throw CLIError.config("no password: give it on the first line of stdin (or run on a terminal to be asked)")
        }
        return try check(line.hasSuffix("\r") ? String(line.dropLast()) : line)
    }

    func check(_ password: String) throws -> String {
        guard password.count >= 8 else { throw CLIError.config("the password must be at least 8 characters") }
        guard password.utf8.count <= 72 else { throw CLIError.config("the password must be at most 72 bytes (bcrypt ignores the rest)") }
        return password
    }

    /// Reads a line from the terminal with echo turned off.
    func promptHidden(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var old = termios()
        tcgetattr(STDIN_FILENO, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CLIError.config("no password given") }
        return line
    }
}

struct UserToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create an API token for an account and print it once (only its SHA-256 is stored).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account the token acts as.")
    var name: String

    @Option(name: .long, help: "What the token is for (kept beside it).")
    var label: String?

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            guard try database.account(named: name) != nil else {
                throw CLIError.config(StoreError.noSuchAccount(name).description)
            }
            let (token, hash) = APITokens.generate()
            try database.createAPIToken(account: name, tokenHash: hash, label: label)
            try database.audit(actor: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "?")", action: "token_create", after: jsonText(["account": name]))
            print(token)
        }
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            for a in try database.accounts() {
                print("\(a.name)\t\(a.role.rawValue)\t\(TaipeiTime.rfc3339(a.createdAt))\(a.disabled ? "\tdisabled" : "")")
            }
        }
    }
}

/// A small JSON object for an audit line.
func jsonText(_ object: [String: String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}
