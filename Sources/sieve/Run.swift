import ArgumentParser
import Classifier
import Crawler
import Foundation
import Pipeline
import SieveCore
import Store

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Crawl every due source, classify what is new, and queue it: once (cron-friendly).",
        discussion: """
            A source is due when its interval has elapsed since its last fetch (--all fetches every source).
            Idempotent: a second run adds nothing that is already stored. A second concurrent run exits at once
            (code 3). Exit 0 when every source succeeded, 1 with a summary when some failed, 2 on config errors.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Fetch every source, due or not.")
    var all = false

    func run() async throws {
        try await runCLI {
            let config = try global.loadConfig(required: true)
            let database = try await global.openDatabase(config, mode: .create)
            try await global.refuseExerciseStore(database, command: "run")
            let lock = try global.runLock(database)
            let scorer = try loadScorer()
            let pipeline = Pipeline(config: config, database: database, logger: global.makeLogger())
            let official = try await pipeline.importOfficial(force: all, lexicon: scorer.rules.lexicon)
            let summary = try await pipeline.crawl(force: all)
            let assessed = try await Pipeline.classify(database: database, scorer: scorer)
            let checked = try await Pipeline.crossReference(database: database, lexicon: scorer.rules.lexicon, tokenizer: scorer.tokenizer)
            let queued = try await database.queue(limit: 100_000).count
            withExtendedLifetime(lock) {}
            printOfficialSummary(official)
            printCrawlSummary(summary)
            print("classified \(assessed) new post(s); cross-referenced \(checked); \(queued) item(s) await review (`sieve queue`)")
            if !summary.failed.isEmpty || official.contains(where: { $0.error != nil }) { throw ExitCode(1) }
        }
    }
}

/// The project's lexicons (plus a runtime word list) and, when found, the shipped models (or those in `models`).
func loadScorer(words: String? = nil, models: String? = nil, useModels: Bool = true) throws -> PostClassifier {
    var lexicon: Lexicon
    do {
        lexicon = try Lexicon.standard()
        if let words { try lexicon.addWords(file: URL(fileURLWithPath: words)) }
    } catch {
        throw CLIError.config(error.description)
    }
    var set = ModelSet()
    if useModels, let dir = models ?? ModelSet.locateDirectory() {
        do {
            set = try ModelSet.load(directory: dir)
        } catch {
            throw CLIError.config(error.description)
        }
        if models != nil && set.isEmpty {
            throw CLIError.config("\(dir): no model files (disaster.nbm, rumour.nbm, type.nbm); `make models` builds them")
        }
    }
    return PostClassifier(lexicon: lexicon, models: set)
}

func printOfficialSummary(_ results: [OfficialImportResult]) {
    for r in results {
        if let error = r.error {
            print("  ✗ \(r.name): \(error)")
        } else if let s = r.summary {
            print("  ✓ \(r.name): \(s.inserted) new incident(s), \(s.updated) updated"
                + (s.cancelled > 0 ? ", \(s.cancelled) cancelled" : "") + (s.warnings.isEmpty ? "" : ", \(s.warnings.count) warning(s)"))
        }
    }
}

func printCrawlSummary(_ summary: CrawlSummary) {
    for r in summary.results {
        if let error = r.error {
            print("  ✗ \(r.name): \(error)")
        } else if r.pages == 0 {
            print("  · \(r.name): not due (fetched within its interval; --all fetches it anyway)")
        } else {
            print("  ✓ \(r.name): \(r.extracted) post(s), \(r.newPosts) new")
        }
    }
    let failed = summary.failed.count
    let s = summary.stats
    print("crawled \(summary.results.count) source(s): \(summary.newPosts) new post(s)"
        + (s.nearDuplicates > 0 ? " (\(s.nearDuplicates) near-duplicate(s) clustered)" : "")
        + ", \(s.pages) page(s) fetched (\(s.unchanged) unchanged)"
        + (failed > 0 ? ", \(failed) source(s) failed" : ""))
}
