import ArgumentParser
import Classifier
import Foundation

struct Tokenize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize stdin line by line: tokens separated by single spaces, one output line per input line.",
        discussion: "Tokens are substrings of the input line (whitespace dropped, punctuation kept as tokens) unless --normalize is given.")

    @Option(name: .long, help: "Extra word list: one word per line, optional frequency after it.")
    var words: String?

    @Flag(name: .long, help: "NFKC-normalise each line first (full-width → half-width); tokens are then of the normalised text.")
    var normalize = false

    func run() async throws {
        try await runCLI {
            let scorer = try loadScorer(words: words, useModels: false)
            let tokenizer = scorer.tokenizer
            var out = ""
            while let line = readLine(strippingNewline: true) {
                let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
                out += tokenizer.words(normalize ? Normalizer.normalize(text) : text).joined(separator: " ")
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
