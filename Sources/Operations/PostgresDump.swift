import Foundation
import SieveCore
import Store

/// Backups of a PostgreSQL database with PostgreSQL's own tools: `pg_dump -Fc` (one consistent snapshot while
/// writers continue) and `pg_restore --clean --single-transaction` (all or nothing). The password travels in
/// `PGPASSWORD`, never on a command line; Sieve's own URL options (`pool`, `query_timeout`) are left out of the
/// URL the tools get.
public enum PostgresDump {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The folders searched for the client tools after `$PATH` (newest first: pg_dump must not be older than the
    /// server).
    static let toolFolders = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]

    static func tool(_ name: String) throws(Failure) -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in toolFolders + path where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw Failure(description: "\(name) not found (apt-get install postgresql-client-15, or put it on PATH)")
    }

    /// The URL for libpq tools (hosts, database, user, libpq options) and the environment carrying the password.
    static func libpq(_ url: String) throws(Failure) -> (url: String, environment: [String: String]) {
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: url)
        } catch {
            throw Failure(description: error.description)
        }
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? s }
        let hosts = location.endpoints.map { ($0.host.contains(":") ? "[\($0.host)]" : $0.host) + ":\($0.port)" }.joined(separator: ",")
        var options = ["connect_timeout=\(location.connectTimeout)", "sslmode=\(location.requireTLS ? "require" : "disable")"]
        if location.requirePrimary { options.append("target_session_attrs=read-write") }
        if let dir = location.socketDirectory { options.append("host=\(dir)") }
        var environment = ProcessInfo.processInfo.environment
        if let password = location.password { environment["PGPASSWORD"] = password }
        return ("postgresql://\(escape(location.user))@\(hosts)/\(escape(location.database))?" + options.joined(separator: "&"), environment)
    }

    static func run(_ tool: String, _ arguments: [String], environment: [String: String]) throws(Failure) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = environment
        // stderr into a file, stdout through a pipe read to its end: neither can fill up and block the tool.
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent("sieve-\(UUID().uuidString).stderr").path
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        let output = Pipe()
        do {
            let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
            defer { try? errors.close() }
            process.standardError = errors
            process.standardOutput = output
            try process.run()
        } catch {
            throw Failure(description: "cannot run \(tool): \(error)")
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = FileManager.default.contents(atPath: errorsPath) ?? Data()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(URL(fileURLWithPath: tool).lastPathComponent) failed (exit \(process.terminationStatus)): \(message.prefix(600))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a `pg_dump -Fc` archive holds a Sieve database (its table of contents lists Sieve's migrations
    /// table and its post table).
    public static func check(archive: String) throws(Failure) {
        let listing = try run(try tool("pg_restore"), ["--list", archive], environment: ProcessInfo.processInfo.environment)
        guard listing.contains("TABLE public sieve_migrations"), listing.contains("TABLE public post ") else {
            throw Failure(description: "\(archive) is a PostgreSQL archive but not of a Sieve database (no sieve_migrations or post table)")
        }
    }

    /// Dumps the database at `url` into `destination` (written beside it, checked, then renamed into place).
    public static func backup(url: String, to destination: String) throws(Failure) -> (bytes: Int, seconds: Double) {
        let started = Date()
        let (libpqURL, environment) = try libpq(url)
        let temp = destination + ".partial"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        _ = try run(try tool("pg_dump"), ["--format=custom", "--no-owner", "--no-privileges", "--file", temp, "--dbname", libpqURL], environment: environment)
        try check(archive: temp)
        guard rename(temp, destination) == 0 else {
            throw Failure(description: "cannot rename \(temp) to \(destination): \(String(cString: strerror(errno)))")
        }
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? nil) ?? 0
        return (bytes, Date().timeIntervalSince(started))
    }

    /// Replaces the database's contents by the archive, in one transaction: on any error nothing changes.
    public static func restore(url: String, from archive: String) throws(Failure) -> Double {
        let started = Date()
        try check(archive: archive)
        let (libpqURL, environment) = try libpq(url)
        _ = try run(
            try tool("pg_restore"),
            ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname", libpqURL, archive],
            environment: environment)
        return Date().timeIntervalSince(started)
    }
}
