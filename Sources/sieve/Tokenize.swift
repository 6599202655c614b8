import ArgumentParser
import Classifier
import Foundation

struct Tokenize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize stdin line by line: tokens separated by single spaces, one output line per input line.")

    @Option(name: .long, help: "Extra word list: one word per line, optional frequency after it.")
    var words: String?

    func run() async throws {
        try await runCLI {
            let scorer = try loadScorer(words: words, useModels: false)
            let tokenizer = scorer.tokenizer
            var out = ""
            while let line = readLine(strippingNewline: true) {
                let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
                out += tokenizer.words(Normalizer.normalize(text)).joined(separator: " ")
                out += "\n"
                if out.utf8.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out = ""
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
