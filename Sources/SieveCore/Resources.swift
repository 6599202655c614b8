import Foundation

/// Where Sieve's read-only resources (the `Lexicons/` and `Models/` folders) are found, the same way for every
/// command, so a binary works from any working directory — from the source tree as well as installed with
/// `make install PREFIX=…` (binary in `PREFIX/bin`, resources in `PREFIX/share/sieve`).
///
/// Looked at in order, the first folder holding the marker file wins:
/// 1. the folder's own variable (`SIEVE_LEXICONS`, `SIEVE_MODELS`), used as given;
/// 2. `$SIEVE_SHARE/<name>` (one variable for an installation's whole share folder);
/// 3. `<the executable's real folder>/../share/sieve/<name>` (an installation, wherever its prefix is; symbolic
///    links to the binary are followed);
/// 4. the nearest `<name>/` above the working directory, then above the executable (the source tree: `swift run`,
///    `.build/debug/sieve`);
/// 5. `/usr/local/share/sieve/<name>`, `/usr/share/sieve/<name>`.
public enum Resources {
    public struct Folder: Sendable {
        public var name: String
        public var marker: String
        public var environment: String

        public static let lexicons = Folder(name: "Lexicons", marker: "places.tsv", environment: "SIEVE_LEXICONS")
        public static let models = Folder(name: "Models", marker: "disaster.nbm", environment: "SIEVE_MODELS")
        /// Drill scenarios (`sieve drill list`).
        public static let drills = Folder(name: "Drills", marker: "README.md", environment: "SIEVE_DRILLS")
    }

    /// The standard prefixes' share folders, after everything else.
    public static let systemShareFolders = ["/usr/local/share/sieve", "/usr/share/sieve"]

    /// The running executable's real path (symbolic links resolved), when the system says.
    public static var executablePath: String? {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: link).resolvingSymlinksInPath().path
    }

    /// The places `folder` is looked for, in order, with the reason each is there (for `sieve doctor` and errors).
    public static func candidates(
        _ folder: Folder, environment env: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath, executable: String? = executablePath
    ) -> [(path: String, from: String)] {
        var out: [(String, String)] = []
        if let own = env[folder.environment], !own.isEmpty { return [(own, "$\(folder.environment)")] }
        if let share = env["SIEVE_SHARE"], !share.isEmpty { out.append(("\(share)/\(folder.name)", "$SIEVE_SHARE")) }
        let exeDir = executable.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
        if let exeDir {
            let installed = exeDir.deletingLastPathComponent().appendingPathComponent("share/sieve/\(folder.name)")
            out.append((installed.standardizedFileURL.path, "installed beside \(exeDir.path)"))
        }
        for (start, label) in [(URL(fileURLWithPath: workingDirectory), "above the working directory"), (exeDir, "above the executable")]
        {
            guard var dir = start?.standardizedFileURL else { continue }
            for _ in 0..<12 {
                out.append((dir.appendingPathComponent(folder.name).path, label))
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        for share in systemShareFolders { out.append(("\(share)/\(folder.name)", "system prefix")) }
        return out
    }

    /// The folder, or nil when none of the candidates holds its marker (a folder given by its own variable is
    /// returned as given; loading it then says what is missing).
    public static func locate(
        _ folder: Folder, environment env: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath, executable: String? = executablePath
    ) -> URL? {
        if let own = env[folder.environment], !own.isEmpty { return URL(fileURLWithPath: own) }
        for c in candidates(folder, environment: env, workingDirectory: workingDirectory, executable: executable) where FileManager.default.fileExists(atPath: "\(c.path)/\(folder.marker)") {
            return URL(fileURLWithPath: c.path)
        }
        return nil
    }

    /// What to say when `folder` was not found: where it was looked for and how to point at it.
    public static func notFoundMessage(_ folder: Folder) -> String {
        let exe = executablePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().deletingLastPathComponent().path }
        return "\(folder.name.lowercased()) folder not found (no \(folder.marker)) in \(exe.map { "\($0)/share/sieve/\(folder.name), " } ?? "")"
            + "above \(FileManager.default.currentDirectoryPath), or \(systemShareFolders.map { "\($0)/\(folder.name)" }.joined(separator: ", ")); "
            + "install with `make install`, run from the project folder, or set \(folder.environment)=/path/to/\(folder.name) (or SIEVE_SHARE)"
    }
}
