import Classifier
import Foundation
import GRDB
import Logging
import SieveCore
import Store
import TestSupport

/// What the operations tests share: the classifier, feeds, a silent logger, a config on a temp folder.
enum Ops {
    static let classifier: PostClassifier = {
        let lexicon = try! Lexicon.load(directory: TestPaths.lexicons)
        let models = (try? ModelSet.load(directory: TestPaths.packageRoot.appendingPathComponent("Models").path)) ?? ModelSet()
        return PostClassifier(lexicon: lexicon, models: models)
    }()

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static let crawler = CrawlerSettings(
        connectTimeout: 2, totalTimeout: 10, maxBodyBytes: 1 << 20, concurrency: 8, perHostConcurrency: 8, perHostDelay: 0,
        maxAttempts: 1)

    /// An RSS feed whose items read like disaster reports.
    static func rss(_ prefix: String, items: Int) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>\(prefix)</title>"
        for i in 0..<items {
            s += "<item><guid>\(prefix)-\(i)</guid><title>汐止 淹水 \(prefix) \(i)</title>"
            s += "<link>https://news.example/\(prefix)/\(i)</link><description>新北市汐止區大同路淹水及膝，一家三口受困二樓 \(prefix)-\(i)</description>"
            s += "<pubDate>Mon, 14 Sep 2026 21:\(String(format: "%02d", i % 60)):00 +0800</pubDate></item>"
        }
        return s + "</channel></rss>"
    }

    /// Posts in one transaction per call: `count` posts and one document saying so.
    static func insertPosts(_ database: AppDatabase, sourceID: Int64, batch: Int, count: Int) async throws {
        let posts = (0..<count).map { i in
            ExtractedPost(externalID: "b\(batch)-\(i)", text: "台21線 那瑪夏 土石流 坍方 \(batch)-\(i) " + String(repeating: "字", count: 200))
        }
        try await database.recordFetch(DocumentRecord(sourceId: sourceID, url: "file:///batch/\(batch)"), posts: posts)
    }

    static func integrity(_ path: String) throws -> String {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        return try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    static func count(_ path: String, _ sql: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        return try queue.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }
}
