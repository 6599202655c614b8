import ArgumentParser
import Classifier
import Foundation
import Imaging
import SieveCore
import Store
import Tipline

/// What the tipline does, from the shell: a forwarded message (text, picture or both) checked against known
/// rumours (text and pictures), what moderators approved or withdrew, and official records.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a forwarded message — text, a picture, or both — and print one JSON object with the verdict.",
        discussion: """
            Prints one JSON object: verdict, matches (id, kind, score, why, url),
            answer (the lines a person gets), note, and with --image ocr_text and
            image_hash.

            verdict: rumour (repeats a claim found false, by its text or picture),
            contradicted (official data says otherwise), corroborated, retracted
            (was published, then withdrawn), unverified (nothing known).

            TEXT - reads the text from stdin. Pictures: PNG, JPEG, GIF, WebP, TIFF,
            BMP, at most 20 MB and 40 million pixels, read with Tesseract.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "A picture (screenshot or photo) that was forwarded.")
    var image: String?

    @Option(name: .long, help: "Language of the answer and the reasons: zh-Hant, en, vi, id, th, fil.")
    var lang = "zh-Hant"

    @Option(name: .long, help: "Tesseract languages for --image.")
    var ocrLanguages = OCR.Settings().languages

    @Option(name: .long, help: "When the message was received (RFC 3339; default now): 明天 and official records are read as of then.")
    var now: String?

    @Argument(help: "The forwarded text (- for stdin).")
    var text: String?

    static let maxImageBytes = 20 << 20

    func run() async throws {
        try await runCLI {
            guard text != nil || image != nil else { throw CLIError.config("give the forwarded TEXT, --image FILE, or both") }
            guard let language = Language.match(lang) else {
                throw CLIError.config("--lang: unknown language \(lang) (zh-Hant, en, vi, id, th, fil)")
            }
            var received = Date()
            if let now {
                guard let d = ISO8601DateFormatter().date(from: now) else { throw CLIError.config("--now: not an RFC 3339 time: \(now)") }
                received = d
            }
            let message = try readText(text)
            let config = try global.loadConfig(required: false)
            let database = try await global.openDatabase(config, mode: .existing)
            let picture = try await readPicture(image, languages: ocrLanguages)
            let checker = try await TipChecker.load(database: database, scorer: try loadScorer())
            let answer = checker.check(text: message, imageHashes: picture?.hashes ?? [], ocrText: picture?.ocr?.text, now: received)
            print(CheckJSON.encode(answer, language: language))
        }
    }
}

/// Reads `TEXT` or stdin for "-".
func readText(_ text: String?) throws -> String? {
    guard let text else { return nil }
    guard text == "-" else { return text }
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let s = String(data: data, encoding: .utf8) else { throw CLIError.config("stdin: the text is not UTF-8") }
    return s
}

/// Reads, hashes and OCRs a picture file; nil without one. Errors name the file.
func readPicture(_ path: String?, languages: String, views: Bool = false) async throws -> PictureReading? {
    guard let path else { return nil }
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = (attributes?[.size] as? NSNumber)?.intValue else { throw CLIError.config("\(path): cannot read the picture (no such file?)") }
    guard size <= Check.maxImageBytes else {
        throw CLIError.config("\(path): the picture is \(size) bytes, over the \(Check.maxImageBytes >> 20) MB limit")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.config("\(path): cannot read the picture") }
    var settings = OCR.Settings()
    settings.languages = languages
    settings.engines = 1
    do {
        return try await PictureReading.read(data, ocr: OCR(settings: settings), views: views)
    } catch .ocrUnavailable(let reason) {
        // Without Tesseract (or its language data) a picture still matches by its hash.
        FileHandle.standardError.write(Data("warning: \(path): OCR unavailable (\(reason)); matching the picture by its hash only\n".utf8))
        do { return try await PictureReading.read(data, ocr: nil, views: views) } catch { throw CLIError.config("\(path): \(error.description)") }
    } catch {
        throw CLIError.config("\(path): \(error.description)")
    }
}

enum CheckJSON {
    static func encode(_ a: TipAnswer, language: Language) -> String {
        var o: [String: Any] = [
            "verdict": a.verdict.rawValue,
            "matches": a.matches.map { m -> [String: Any] in
                var d: [String: Any] = ["id": m.id, "kind": m.kind.rawValue, "score": (m.score * 1000).rounded() / 1000, "why": m.why.render(language)]
                if let k = m.incidentKind { d["incident_kind"] = k.rawValue }
                if let u = m.url { d["url"] = u }
                return d
            },
            "answer": a.lines(language),
        ]
        if let t = a.ocrText { o["ocr_text"] = t }
        if let h = a.imageHashes.first { o["image_hash"] = h.description }
        if let n = a.note { o["note"] = n }
        guard let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}
