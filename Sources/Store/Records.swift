import Foundation
import GRDB
import SieveCore

/// A row of `source`.
public struct SourceRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
    public static let databaseTableName = "source"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var id: Int64?
    public var name: String
    public var kind: String
    public var url: String
    public var interval: Int
    public var lastFetchedAt: Date?
    public var lastStatus: String?
    public var lastError: String?
}

/// A row of `document`: one fetch of one URL, successful or not.
public struct DocumentRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
    public static let databaseTableName = "document"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var id: Int64?
    public var sourceId: Int64
    public var url: String
    public var finalURL: String?
    public var status: Int?
    public var contentType: String?
    public var etag: String?
    public var lastModified: String?
    public var bodyHash: String?
    public var bytes: Int?
    public var fetchedAt: Date
    public var durationMs: Int?
    public var error: String?
    public var postCount: Int

    public init(
        sourceId: Int64, url: String, finalURL: String? = nil, status: Int? = nil, contentType: String? = nil,
        etag: String? = nil, lastModified: String? = nil, bodyHash: String? = nil, bytes: Int? = nil,
        fetchedAt: Date = Date(), durationMs: Int? = nil, error: String? = nil, postCount: Int = 0
    ) {
        self.sourceId = sourceId
        self.url = url
        self.finalURL = finalURL
        self.status = status
        self.contentType = contentType
        self.etag = etag
        self.lastModified = lastModified
        self.bodyHash = bodyHash
        self.bytes = bytes
        self.fetchedAt = fetchedAt
        self.durationMs = durationMs
        self.error = error
        self.postCount = postCount
    }
}

/// A row of `post`.
public struct PostRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
    public static let databaseTableName = "post"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var id: Int64?
    public var sourceId: Int64
    public var externalID: String
    public var url: String?
    public var title: String?
    public var author: String?
    public var publishedAt: Date?
    public var fetchedAt: Date
    public var text: String
    public var language: String?
    public var state: String
    public var simhash: Int64?
    public var duplicateOf: Int64?
    public var clusterSize: Int
    /// The adapter's and crawl stage's extra fields, as JSON (`extraFields` decodes them).
    public var extra: String? = nil

    public var extraFields: [String: String] {
        guard let extra, let map = try? JSONDecoder().decode([String: String].self, from: Data(extra.utf8)) else { return [:] }
        return map
    }
}

/// A row of `review`.
public struct ReviewRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
    public static let databaseTableName = "review"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var id: Int64?
    public var postId: Int64
    public var decision: String
    public var reviewer: String
    public var note: String?
    public var decidedAt: Date
    public var reason: String?
}

/// A row of `publication`: one delivery in the outbox — an approved post (`publish`), an EOC lead (`lead`) or a
/// withdrawal (`retract`) on one channel.
public struct PublicationRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
    public static let databaseTableName = "publication"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var id: Int64?
    public var postId: Int64
    public var channel: String
    /// publish | lead | retract
    public var action: String
    /// pending | delivering | delivered | failed | dead | cancelled | unsupported | dropped
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Date
    /// When the channel accepted it.
    public var publishedAt: Date?
    public var nextAttemptAt: Date
    /// While `delivering`: until when the claiming publisher owns it.
    public var leaseUntil: Date?
    /// Sent as Idempotency-Key / X-Line-Retry-Key / X-Sieve-Idempotency-Key; the same on every retry.
    public var idempotencyKey: String
    /// The channel's id for what it published (Mastodon status id, Telegram message id …), for retraction.
    public var remoteID: String?
    /// The moderator's note at the decision (or the retraction's reason).
    public var note: String?
}

/// What the queue shows for one post.
public struct QueueItem: Sendable, Equatable, Codable {
    public var id: Int64
    public var source: String
    public var externalID: String
    public var url: String?
    public var title: String?
    public var author: String?
    public var published: Date?
    public var fetchedAt: Date
    public var text: String
    public var state: String
    public var assessment: Assessment?
    public var priority: Double?
    /// Posts in this near-duplicate cluster (1 = no reposts seen).
    public var clusterSize: Int = 1
    /// The cluster's first post, when this one is a near-duplicate.
    public var duplicateOf: Int64? = nil
}

/// A post to classify, with what its cross-reference needs when a worker checks it in the same pass
/// (`Pipeline.classifyAndCheck`).
public struct PostToAssess: Sendable, Equatable {
    public var id: Int64
    public var title: String?
    public var text: String
    public var published: Date?
    public var fetchedAt: Date?
    public var clusterSize: Int
    /// The post's extra fields as stored (JSON), read only when the post is also cross-referenced.
    public var extra: String?

    public init(
        id: Int64, title: String? = nil, text: String, published: Date? = nil, fetchedAt: Date? = nil, clusterSize: Int = 1,
        extra: String? = nil
    ) {
        (self.id, self.title, self.text, self.published) = (id, title, text, published)
        (self.fetchedAt, self.clusterSize, self.extra) = (fetchedAt, clusterSize, extra)
    }

    /// The post as the cross-reference reads it, once assessed (title and text on separate lines, the position and
    /// picture hashes from its extra fields), as `leasePostsToCrossReference` would return it.
    public func forCrossReference(_ assessment: Assessment) -> PostForXref {
        PostForXref(
            id: id, text: [title, text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"), published: published,
            fetchedAt: fetchedAt ?? published ?? Date(timeIntervalSince1970: 0), assessment: assessment, clusterSize: clusterSize,
            location: AppDatabase.location(extra: extra), pictureHashes: AppDatabase.pictureHashes(extra: extra))
    }
}

/// An approved item as a channel publishes it.
public struct PublishableItem: Sendable, Equatable {
    public var publicationID: Int64
    public var postID: Int64
    public var source: String
    public var title: String?
    public var text: String
    public var url: String?
    public var published: Date?
    public var approvedAt: Date
    public var note: String?
    public var types: [String]
    public var places: [PlaceMention]
    /// Casualties, trapped and missing people the post mentions.
    public var people: [PeopleMention] = []
    /// WGS 84 position, when the source gave one (post extra `lat`/`lon`).
    public var latitude: Double? = nil
    public var longitude: Double? = nil
    /// The post's state: approved, escalated or retracted.
    public var state: String = PostState.approved.rawValue
    /// The cross-reference verdict and the official incidents it matched (best first).
    public var verdict: String? = nil
    public var incidents: [IncidentMatch] = []
    /// From an exercise store (a drill): title and text already carry 【演習】, CAP files say status Exercise.
    public var exercise = false

    public init(
        publicationID: Int64, postID: Int64, source: String, title: String?, text: String, url: String?,
        published: Date?, approvedAt: Date, note: String?, types: [String], places: [PlaceMention]
    ) {
        self.publicationID = publicationID
        self.postID = postID
        self.source = source
        self.title = title
        self.text = text
        self.url = url
        self.published = published
        self.approvedAt = approvedAt
        self.note = note
        self.types = types
        self.places = places
    }
}

// MARK: - Reading records from either backend

extension SourceRecord {
    init(_ r: SQLRow) throws {
        self.init(
            id: try r["id"], name: try r["name"], kind: try r["kind"], url: try r["url"], interval: try r["interval"],
            lastFetchedAt: try r["lastFetchedAt"], lastStatus: try r["lastStatus"], lastError: try r["lastError"])
    }
}

extension DocumentRecord {
    init(_ r: SQLRow) throws {
        self.init(
            sourceId: try r["sourceId"], url: try r["url"], finalURL: try r["finalURL"], status: try r["status"],
            contentType: try r["contentType"], etag: try r["etag"], lastModified: try r["lastModified"],
            bodyHash: try r["bodyHash"], bytes: try r["bytes"], fetchedAt: try r["fetchedAt"],
            durationMs: try r["durationMs"], error: try r["error"], postCount: try r["postCount"])
        id = try r["id"]
    }
}

extension PostRecord {
    init(_ r: SQLRow) throws {
        self.init(
            id: try r["id"], sourceId: try r["sourceId"], externalID: try r["externalID"], url: try r["url"],
            title: try r["title"], author: try r["author"], publishedAt: try r["publishedAt"], fetchedAt: try r["fetchedAt"],
            text: try r["text"], language: try r["language"], state: try r["state"], simhash: try r["simhash"],
            duplicateOf: try r["duplicateOf"], clusterSize: try r["clusterSize"], extra: try r["extra"])
    }
}

extension ReviewRecord {
    init(_ r: SQLRow) throws {
        self.init(
            id: try r["id"], postId: try r["postId"], decision: try r["decision"], reviewer: try r["reviewer"],
            note: try r["note"], decidedAt: try r["decidedAt"], reason: try r["reason"])
    }
}

extension PublicationRecord {
    init(_ r: SQLRow) throws {
        self.init(
            id: try r["id"], postId: try r["postId"], channel: try r["channel"], action: try r["action"],
            status: try r["status"], attempts: try r["attempts"], lastError: try r["lastError"],
            createdAt: try r["createdAt"], publishedAt: try r["publishedAt"], nextAttemptAt: try r["nextAttemptAt"],
            leaseUntil: try r["leaseUntil"], idempotencyKey: try r["idempotencyKey"], remoteID: try r["remoteID"],
            note: try r["note"])
    }
}
