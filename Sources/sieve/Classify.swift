import ArgumentParser
import Foundation
import Pipeline

struct Classify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assess stored posts that have not been assessed yet and put them in the queue.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            let n = try Pipeline.classify(database: database, scorer: try loadScorer())
            print("classified \(n) post(s)")
        }
    }
}
