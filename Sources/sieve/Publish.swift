import ArgumentParser
import Foundation
import Publisher

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver approved items to every channel (v0: write the Atom feed files).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: false)
            let database = try global.openDatabase(config)
            let reports = ChannelPublisher(database: database, channels: config.channels).publishAll()
            var failed = false
            for r in reports {
                if let error = r.error {
                    failed = true
                    print("  ✗ \(r.channel): \(error)")
                } else {
                    print("  ✓ \(r.channel): \(r.path) — \(r.total) item(s), \(r.newlyPublished) new")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
