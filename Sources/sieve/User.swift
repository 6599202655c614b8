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
        discussion: """
            Changes take effect at once in the database; a running `sieve serve` notices within 5 seconds (its
            session cache). Every change is written to the audit log as cli:<login name> (or --actor).
            """,
        subcommands: [
            UserAdd.self, UserToken.self, UserTokens.self, UserRevokeToken.self, UserList.self, UserDisable.self,
            UserEnable.self, UserPasswd.self, UserLogoutAll.self,
        ])
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

    @OptionGroup var actor: ActorOptions

    func validate() throws {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ValidationError("NAME must be 1–64 characters without spaces")
        }
    }

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .create)
            if try await database.account(named: name) != nil { throw CLIError.config(StoreError.accountExists(name).description) }
            let password = try PasswordPrompt.read(for: name)
            let hash = ModerationApp.hashPassword(password, cost: config.server.bcryptCost)
            try await database.createAccount(name: name, role: role, passwordHash: hash)
            try await database.audit(actor: actor.name, action: "user_add", after: jsonText(["name": name, "role": role.rawValue]))
            print("created \(role.rawValue) account \(name)")
        }
    }
}

/// A new password: asked twice without echo on a terminal, else the first line of stdin (8–72 bytes, bcrypt's limit).
enum PasswordPrompt {
    static func read(for name: String) throws -> String {
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

    static func check(_ password: String) throws -> String {
        guard password.count >= 8 else { throw CLIError.config("the password must be at least 8 characters") }
        guard password.utf8.count <= 72 else { throw CLIError.config("the password must be at most 72 bytes (bcrypt ignores the rest)") }
        return password
    }

    /// Reads a line from the terminal with echo turned off.
    static func promptHidden(_ prompt: String) throws -> String {
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

    @Option(name: .long, help: "How long the token works: 90d, 12h, … (default 90d).")
    var expires: String = "90d"

    func validate() throws {
        guard parseIntervalSeconds(expires) != nil else {
            throw ValidationError("--expires must be a duration such as 90d, 12h or 30m, got \"\(expires)\"")
        }
    }

    @OptionGroup var actor: ActorOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            guard try await database.account(named: name) != nil else {
                throw CLIError.config(StoreError.noSuchAccount(name).description)
            }
            let (token, hash) = APITokens.generate()
            let until = Date().addingTimeInterval(TimeInterval(parseIntervalSeconds(expires)!))
            let id = try await database.createAPIToken(account: name, tokenHash: hash, label: label, expiresAt: until, actor: actor.name)
            print(token)
            FileHandle.standardError.write(Data("token \(id) for \(name), valid until \(TaipeiTime.rfc3339(until)) (revoke: sieve user revoke-token \(name) --id \(id))\n".utf8))
        }
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            for a in try await database.accounts() {
                // "sso": made by single sign-on (no password).
                print("\(a.name)\t\(a.role.rawValue)\t\(TaipeiTime.rfc3339(a.createdAt))\(a.disabled ? "\tdisabled" : "")\(a.passwordHash.isEmpty ? "\tsso" : "")")
            }
        }
    }
}

/// A small JSON object for an audit line.
func jsonText(_ object: [String: String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

struct UserTokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "List API tokens (id, account, label, created, last used, expiry); never the tokens.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only this account's tokens.")
    var name: String?

    func run() async throws {
        try await runCLI {
            let database = try await global.openDatabase(try global.loadConfig(required: false), mode: .existing)
            let tokens = try await database.apiTokens(account: name)
            if tokens.isEmpty { print("no API tokens") }
            let now = Date()
            for t in tokens {
                let expiry = t.expiresAt.map { ($0 <= now ? "expired " : "expires ") + TaipeiTime.rfc3339($0) } ?? "never expires"
                print("\(t.id)\t\(t.account)\t\(t.label ?? "-")\tcreated \(TaipeiTime.rfc3339(t.createdAt))\t\(expiry)")
            }
        }
    }
}

struct UserRevokeToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-token", abstract: "Revoke one API token of an account (--id), or all of them (--all).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: "The account.")
    var name: String

    @Option(name: .long, help: "The token's id (see `sieve user tokens NAME`).")
    var id: Int64?

    @Flag(name: .long, help: "Revoke every token of the account.")
    var all = false

    func validate() throws {
        guard (id != nil) != all else { throw ValidationError("give either --id ID or --all") }
    }

    func run() async throws {
        try await runCLI {
            let database = try await global.openDatabase(try global.loadConfig(required: false), mode: .existing)
            let n = try await database.revokeAPITokens(account: name, id: id, actor: actor.name)
            if let id, n == 0 { throw CLIError.failure("\(name) has no API token with id \(id) (see `sieve user tokens \(name)`)") }
            print("revoked \(n) API token(s) of \(name)")
        }
    }
}

struct UserDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable an account: it cannot log in, its sessions end, its API tokens stop working.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions
    @Argument(help: "The account.") var name: String

    func run() async throws {
        try await runCLI {
            let database = try await global.openDatabase(try global.loadConfig(required: false), mode: .existing)
            try await database.setAccountDisabled(name, true, actor: actor.name)
            print("disabled \(name); its sessions ended")
        }
    }
}

struct UserEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled account again.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions
    @Argument(help: "The account.") var name: String

    func run() async throws {
        try await runCLI {
            let database = try await global.openDatabase(try global.loadConfig(required: false), mode: .existing)
            try await database.setAccountDisabled(name, false, actor: actor.name)
            print("enabled \(name)")
        }
    }
}

struct UserPasswd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set a new password (asked for on a terminal, else the first line of stdin); every session of the account ends.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions
    @Argument(help: "The account.") var name: String

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            guard try await database.account(named: name) != nil else { throw CLIError.config(StoreError.noSuchAccount(name).description) }
            let password = try PasswordPrompt.read(for: name)
            try await database.changePassword(
                name, passwordHash: ModerationApp.hashPassword(password, cost: config.server.bcryptCost), actor: actor.name)
            print("changed the password of \(name); its sessions ended")
        }
    }
}

struct UserLogoutAll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout-all", abstract: "End every web session of an account (API tokens are revoked separately).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: ActorOptions
    @Argument(help: "The account.") var name: String

    func run() async throws {
        try await runCLI {
            let database = try await global.openDatabase(try global.loadConfig(required: false), mode: .existing)
            let n = try await database.endSessions(account: name, actor: actor.name)
            print("ended \(n) session(s) of \(name)")
        }
    }
}
