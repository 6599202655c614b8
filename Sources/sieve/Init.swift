import ArgumentParser
import Foundation
import SieveCore

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a commented starter sieve.toml.")

    @Option(name: .long, help: "Where to write it.")
    var config: String = "sieve.toml"

    @Flag(name: .long, help: "Overwrite an existing file.")
    var force = false

    func run() async throws {
        try await runCLI {
            if FileManager.default.fileExists(atPath: config) && !force {
                throw CLIError.config("\(config) already exists (use --force to overwrite)")
            }
            do {
                try Data(SieveConfig.starterTOML.utf8).write(to: URL(fileURLWithPath: config))
            } catch {
                throw CLIError.failure("cannot write \(config): \(error.localizedDescription)")
            }
            print("wrote \(config): edit its [[source]] and [[channel]] entries, then run `sieve run`")
        }
    }
}
