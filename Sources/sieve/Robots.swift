import ArgumentParser
import Crawler
import Foundation

struct Robots: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check URLs against a robots.txt file (RFC 9309): prints `allowed` or `disallowed` per URL.")

    @Argument(help: "A robots.txt file (- for stdin).")
    var robotsFile: String

    @Argument(help: "The crawler's user agent (its product token is matched, e.g. Sieve).")
    var userAgent: String

    @Argument(help: "URLs to check.")
    var urls: [String]

    func run() async throws {
        try await runCLI {
            let data: Data
            if robotsFile == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: robotsFile) else {
                    throw CLIError.config("\(robotsFile): cannot read robots.txt file")
                }
                data = d
            }
            let robots = RobotsTxt(data)
            for url in urls {
                print(robots.isAllowed(url, userAgent: userAgent) ? "allowed" : "disallowed")
            }
        }
    }
}
