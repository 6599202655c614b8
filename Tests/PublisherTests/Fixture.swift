import Foundation
import GRDB
import Publisher
import SieveCore
import Store
import TestSupport

/// A real SQLite file with queued items, ready to approve, escalate and publish.
final class Fixture: Sendable {
    let dir = TempDir()
    let db: AppDatabase
    private let sourceID: Int64
    private let counter = Locked(0)

    init() async throws {
        db = try await AppDatabase(path: dir.path("sieve.sqlite"))
        sourceID = try await db.syncSources([SourceConfig(name: "village-board", kind: .html, url: "https://e.org/")])["village-board"]!
    }

    /// Stores and assesses `count` posts; returns their ids (queued).
    @discardableResult
    func addItems(
        _ count: Int, text: String? = nil, url: String? = "https://news.example.tw/a?id=1&x=2",
        latitude: Double? = 23.2601, longitude: Double? = 120.7044, people: [PeopleMention] = []
    ) async throws -> [Int64] {
        var posts: [ExtractedPost] = []
        for _ in 0..<count {
            let counter = self.counter.withLock { n in
                n += 1
                return n
            }
            posts.append(ExtractedPost(
                externalID: "p\(counter)", url: url, title: "台21線坍方 #\(counter)",
                published: Date(timeIntervalSince1970: 1_789_392_600 + Double(counter) * 60),
                text: text ?? "那瑪夏區台21線 \(counter)K 坍方，交通中斷，有 3 人受困 & 等待救援 <緊急>"))
        }
        try await db.recordFetch(DocumentRecord(sourceId: sourceID, url: "https://e.org/"), posts: posts)
        let fresh = try await db.postsToAssess()
        try await db.saveAssessments(fresh.map {
            ($0.id, Assessment(
                disaster: 0.9, rumour: 0.05, types: ["landslide", "trapped"],
                places: [PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市")],
                reasons: [], model: "test", people: people), 1.0)
        })
        if let latitude, let longitude {
            let ids = fresh.map(\.id)
            try await db.writer!.write { d in
                for id in ids {
                    try d.execute(sql: "UPDATE post SET extra = ? WHERE id = ?", arguments: ["{\"lat\":\"\(latitude)\",\"lon\":\"\(longitude)\"}", id])
                }
            }
        }
        return fresh.map(\.id)
    }

    func approve(_ ids: [Int64], channels: [String], note: String? = "已向區公所確認") async throws {
        for id in ids { try await db.review(postID: id, decision: .approve, reviewer: "mod", note: note, channels: channels) }
    }

    func escalate(_ ids: [Int64], channels: [String], note: String? = "現場有人受困，請 EOC 派員") async throws {
        for id in ids { try await db.review(postID: id, decision: .escalate, reviewer: "mod", note: note, channels: channels) }
    }

    func rows(_ channel: String? = nil) async throws -> [PublicationRecord] {
        try await db.publications().filter { channel == nil || $0.channel == channel }
    }

    /// A publisher with the fakes' tokens in its environment.
    func publisher(_ fakes: [(FakePlatform, ChannelConfig)], extra: [ChannelConfig] = []) -> OutboxPublisher {
        var env: [String: String] = [:]
        var channels: [ChannelConfig] = []
        for (fake, c) in fakes {
            var channel = c
            if fake.kind != .discord && fake.kind != .slack {
                channel.tokenEnv = "TOKEN_\(c.name.uppercased().replacingOccurrences(of: "-", with: "_"))"
                env[channel.tokenEnv!] = fake.token
            }
            channels.append(channel)
        }
        return OutboxPublisher(database: db, channels: channels + extra, environment: env)
    }
}

/// Fast retries for tests: the first retry after ~50 ms.
let quick = DeliveryOptions(maxWait: 60, baseDelay: 0.05, maxDelay: 0.5)
