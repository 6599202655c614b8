import Classifier
import Foundation
import Logging
import ServiceLifecycle
import Store

/// Full-text search over the tokenizer's tokens: posts are stored in an FTS5 table as their space-joined tokens,
/// and a query is tokenized the same way, so 「那瑪夏 土石流」 finds posts whose text segments into those words.
public struct SearchIndex: Sendable {
    let tokenizer: Tokenizer
    /// The dictionary alone, without the lexicon's long phrases: splits 「明天全台停班停課」 into its words.
    let wordSplitter: Tokenizer

    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
        self.wordSplitter = Tokenizer(words: [])
    }

    /// The project's tokenizer (lexicons found as the classifier finds them); without lexicons, the dictionary alone.
    public static func standard() -> SearchIndex {
        if let lexicon = try? Lexicon.standard() { return SearchIndex(tokenizer: Tokenizer(lexicon: lexicon)) }
        return SearchIndex(tokenizer: Tokenizer(words: []))
    }

    /// The tokens of `text` (normalised, lower-cased, punctuation dropped), each long token followed by the words
    /// it splits into, so a search for 「停班停課」 finds the lexicon phrase 「明天全台停班停課」.
    public func tokens(_ text: String) -> [String] {
        var out: [String] = []
        for token in words(text) {
            out.append(token)
            let parts = split(token)
            if parts.count > 1 { out += parts }
        }
        return out
    }

    func words(_ text: String) -> [String] {
        tokenizer.tokenize(Normalizer.normalize(text)).filter { $0.kind != .punctuation }.map { $0.text.lowercased() }
    }

    /// The dictionary words of a long token ([token] when it is short or does not split).
    func split(_ token: String) -> [String] {
        guard token.count >= 3, token.unicodeScalars.contains(where: { $0.value >= 0x3400 }) else { return [token] }
        let parts = wordSplitter.tokenize(token).map { $0.text.lowercased() }
        return parts.isEmpty ? [token] : parts
    }

    /// An FTS5 MATCH expression: every word of the query must match, as a prefix (「土石流」 also finds 「土石流警戒」)
    /// or, for a long word, as the phrase of its parts; nil when the query has no searchable token.
    public func matchExpression(_ query: String) -> String? {
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let terms = words(query).map { token -> String in
            let parts = split(token)
            guard parts.count > 1 else { return quote(token) + "*" }
            return "(" + quote(token) + "* OR " + quote(parts.joined(separator: " ")) + "*)"
        }
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    /// Indexes posts not yet in the index, `batch` at a time, at most `maxBatches` batches (nil: until none is
    /// left); returns how many were added. `sweep`: on PostgreSQL, look for missing posts among all of them, not
    /// only the newest (see `AppDatabase.postsToIndex`).
    @discardableResult
    public func catchUp(_ database: any ModerationRepository, batch: Int = 500, maxBatches: Int? = nil, sweep: Bool = false)
        async throws(StoreError) -> Int
    {
        var total = 0, batches = 0
        while maxBatches.map({ batches < $0 }) ?? true {
            let posts = try await database.postsToIndex(limit: batch, sweep: sweep)
            if posts.isEmpty { break }
            try await database.indexPosts(posts.map { ($0.id, tokens($0.text).joined(separator: " ")) })
            total += posts.count
            batches += 1
        }
        return total
    }
}

/// Keeps the search index up with newly crawled posts while the server runs.
struct SearchIndexer: Service {
    let index: SearchIndex
    let database: any ModerationRepository
    let logger: Logger
    var interval: Duration = .seconds(5)

    /// How often the indexer sweeps all posts for ones a late commit left behind (PostgreSQL; the first pass sweeps).
    var sweepInterval: TimeInterval = 600

    func run() async throws {
        var nextSweep = Date()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var indexed = 0
            let sweep = database.sharesWork && Date() >= nextSweep
            do {
                indexed = try await index.catchUp(database, maxBatches: 1, sweep: sweep)
                if indexed > 0 { logger.debug("indexed \(indexed) post(s) for search") }
                if sweep && indexed == 0 { nextSweep = Date().addingTimeInterval(sweepInterval) }
            } catch {
                logger.error("search index: \(error)")
            }
            if indexed > 0 {
                await Task.yield()  // a backlog is worked off batch by batch, between requests
                continue
            }
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return  // cancelled: the server is stopping
            }
        }
    }
}
