import Foundation
import GRDB
import Observability
import Operations
import Pipeline
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

/// The Prometheus exposition after real work, and the health checks.
@Suite("Metrics and health", .serialized)
struct MetricsTests {
    let dir = TempDir()

    /// The value of the one sample line starting with `series` (name and labels), if present.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func aCrawlClassifyXrefAndPublishShowUpInTheExposition() async throws {
        SieveMetrics.bootstrap()
        let server = try TestHTTPServer { req, conn in
            switch req.path {
            case "/feed": conn.respond(status: 200, body: Ops.rss("m", items: 3))
            default: conn.respond(status: 404, body: "gone")
            }
        }
        defer { server.stop() }
        let sources = [
            SourceConfig(name: "feed", kind: .rss, url: server.baseURL + "/feed", allowPrivate: true, respectRobots: false),
            SourceConfig(name: "gone", kind: .rss, url: server.baseURL + "/gone", allowPrivate: true, respectRobots: false),
        ]
        let channel = ChannelConfig(name: "metrics-feed-\(server.port)", kind: .atom, path: dir.path("m.atom"))
        let config = SieveConfig(database: dir.path("m.sqlite"), crawler: Ops.crawler, sources: sources, channels: [channel])
        let database = try await AppDatabase(path: config.database)
        let pipeline = Pipeline(config: config, database: database, logger: Ops.quiet)
        let summary = try await pipeline.crawl()
        #expect(summary.newPosts == 3)
        #expect(try await Pipeline.classify(database: database, scorer: Ops.classifier) == 3)
        #expect(try await Pipeline.crossReference(database: database, lexicon: Ops.classifier.rules.lexicon, tokenizer: Ops.classifier.tokenizer) == 3)
        let item = try #require(try await database.queue(limit: 1).first)
        _ = try await database.review(postID: item.id, decision: .approve, reviewer: "t", note: nil, channels: [channel.name])
        let report = await OutboxPublisher(database: database, channels: [channel]).deliverPending()
        #expect(report.delivered == 1)

        let text = await SieveMetrics.render(database: database)
        let host = "http://127.0.0.1:\(server.port)"
        #expect(Self.value(text, "sieve_fetches_total{host=\"\(host)\"}") == 2, Comment(rawValue: text))
        #expect(Self.value(text, "sieve_fetch_errors_total{host=\"\(host)\"}") == 1)
        #expect(Self.value(text, "sieve_publish_total{channel=\"\(channel.name)\",outcome=\"delivered\"}") == 1)
        #expect((Self.value(text, "sieve_classification_duration_seconds_count") ?? 0) >= 3)
        #expect(text.contains("sieve_classification_duration_seconds_bucket{le=\"0.001\"}"))
        #expect((Self.value(text, "sieve_xref_total{verdict=\"unconfirmed\"}") ?? 0) >= 1)
        #expect((Self.value(text, "sieve_posts_stored_total") ?? 0) >= 3)
        // Gauges come from this database at render time: 2 still queued (one approved), the oldest just fetched.
        #expect(Self.value(text, "sieve_queue_depth{queue=\"review\"}") == 2)
        #expect(Self.value(text, "sieve_queue_depth{queue=\"frontier\"}") == 0)
        #expect(Self.value(text, "sieve_queue_depth{queue=\"outbox\"}") == 0)
        let age = try #require(Self.value(text, "sieve_queue_oldest_age_seconds{queue=\"review\"}"))
        #expect(age >= 0 && age < 120)
        #expect(Self.value(text, "sieve_database_up") == 1)
        #expect(text.contains("# HELP sieve_fetches_total Frontier entries fetched or tried, by host.\n# TYPE sieve_fetches_total counter"))
        #expect(text.contains("# TYPE sieve_classification_duration_seconds histogram"))
        #expect(text.contains("# TYPE sieve_queue_depth gauge"))
    }

    @Test func schedulerJobsAreCounted() async throws {
        SieveMetrics.bootstrap()
        var config = SieveConfig(database: dir.path("j.sqlite"))
        config.backup = BackupSettings(schedule: .every(seconds: 60), dir: dir.path("jb"), keep: 1)
        let database = try await AppDatabase(path: config.database)
        let before = await Self.value(SieveMetrics.render(database: nil), "sieve_job_runs_total{job=\"backup\",outcome=\"ok\"}") ?? 0
        let outcomes = await Scheduler(config: config, database: database, scorer: Ops.classifier, logger: Ops.quiet).runDue()
        #expect(outcomes.map(\.result) == [.ok])
        let text = await SieveMetrics.render(database: nil)
        #expect(Self.value(text, "sieve_job_runs_total{job=\"backup\",outcome=\"ok\"}") == before + 1)
        #expect((Self.value(text, "sieve_job_last_success_timestamp_seconds{job=\"backup\"}") ?? 0) > Date().timeIntervalSince1970 - 60)
        #expect(text.contains("sieve_job_duration_seconds_bucket{job=\"backup\",le=\"0.1\"}"))
    }

    @Test func healthAndReadiness() async throws {
        #expect(Health.liveness() == Health.Check(status: 200, body: #"{"status":"ok"}"#))
        let database = try await AppDatabase(path: dir.path("h.sqlite"))
        let ready = await Health.readiness(database: database)
        #expect(ready.status == 200)
        #expect(ready.body == #"{"status":"ready","migrations":\#(AppDatabase.migrationNames.count)}"#)
        #expect(await Health.readiness(databasePath: dir.path("h.sqlite")).ok)
        let missing = await Health.readiness(databasePath: dir.path("absent.sqlite"))
        #expect(missing.status == 503)
        #expect(missing.body.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("absent.sqlite")))
        try await database.writer!.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-newer')") }
        let newer = await Health.readiness(database: database)
        #expect(newer.status == 503)
        #expect(newer.body.contains("v99-newer"))
        dir.write("garbage.sqlite", "this is not sqlite")
        #expect(await Health.readiness(databasePath: dir.path("garbage.sqlite")).status == 503)
    }
}
