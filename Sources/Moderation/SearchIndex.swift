import Classifier
import Foundation
import Logging
import ServiceLifecycle
import Store

/// Full-text search over the tokenizer's tokens: posts are stored in an FTS5 table as their space-joined tokens,
/// and a query is tokenized the same way, so 「那瑪夏 土石流」 finds posts whose text segments into those words.
public struct SearchIndex: Sendable {
    let tokenizer: Tokenizer

    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// The project's tokenizer (lexicons found as the classifier finds them); without lexicons, the dictionary alone.
    public static func standard() -> SearchIndex {
        if let lexicon = try? Lexicon.standard() { return SearchIndex(tokenizer: Tokenizer(lexicon: lexicon)) }
        return SearchIndex(tokenizer: Tokenizer(words: []))
    }

    /// Space-joined tokens of `text` (normalised, lower-cased, punctuation dropped).
    public func tokens(_ text: String) -> [String] {
        tokenizer.tokenize(Normalizer.normalize(text)).filter { $0.kind != .punctuation }.map { $0.text.lowercased() }
    }

    /// An FTS5 MATCH expression: every token of the query as a quoted prefix phrase (all must match, and 「土石流」
    /// also finds the lexicon's longer word 「土石流警戒」); nil when the query has no searchable token.
    public func matchExpression(_ query: String) -> String? {
        let phrases = tokens(query).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }
        return phrases.isEmpty ? nil : phrases.joined(separator: " ")
    }

    /// Indexes every post not yet in the index; returns how many were added.
    @discardableResult
    public func catchUp(_ database: AppDatabase, batch: Int = 500) throws(StoreError) -> Int {
        var total = 0
        while true {
            let posts = try database.postsToIndex(limit: batch)
            if posts.isEmpty { return total }
            try database.indexPosts(posts.map { ($0.id, tokens($0.text).joined(separator: " ")) })
            total += posts.count
        }
    }
}

/// Keeps the search index up with newly crawled posts while the server runs.
struct SearchIndexer: Service {
    let index: SearchIndex
    let database: AppDatabase
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let n = try index.catchUp(database)
                if n > 0 { logger.info("indexed \(n) post(s) for search") }
            } catch {
                logger.error("search index: \(error)")
            }
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return  // cancelled: the server is stopping
            }
        }
    }
}
