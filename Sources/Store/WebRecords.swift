import Foundation
import SieveCore

/// What a web-app account may do.
public enum AccountRole: String, Sendable, Codable, CaseIterable {
    /// Everything a moderator can, plus the audit log and user pages.
    case admin
    /// Works the queue: approves, rejects, escalates, merges.
    case moderator
    /// Emergency operations centre: reads the queue, items and dashboard; never decides.
    case eoc

    public var canDecide: Bool { self != .eoc }
    public var isAdmin: Bool { self == .admin }
}

/// A web-app account.
public struct Account: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: AccountRole
    public var passwordHash: String
    public var createdAt: Date
    public var disabled: Bool
}

/// An API token as `sieve user tokens` lists it (the token itself is never stored).
public struct APITokenInfo: Sendable, Equatable {
    public var id: Int64
    public var account: String
    public var label: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// Nil: never expires (tokens made before expiry existed).
    public var expiresAt: Date?
}

/// A logged-in browser session, as the server remembers it (the cookie carries only a random id whose SHA-256 is
/// the key here).
public struct WebSession: Sendable, Equatable {
    public var idHash: String
    public var account: String
    public var role: AccountRole
    public var csrfToken: String
    public var expiresAt: Date
    /// How it signed in: "password" or "oidc".
    public var method: String = "password"
}

/// Someone is working on an item until `until`; others see it locked.
public struct ItemLock: Sendable, Equatable, Codable {
    public var postId: Int64
    public var user: String
    public var until: Date
}

/// One line of the audit log: who did what, when, to which item, with the state before and after (JSON).
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var postId: Int64?
    public var before: String?
    public var after: String?
    public var ip: String?
}

/// The cross-reference verdict on a post (table `xref`), when the cross-reference stage has run.
public struct CrossReference: Sendable, Equatable {
    /// "corroborated", "contradicted" or "unconfirmed".
    public var verdict: String
    public var score: Double?
    /// JSON, as the cross-reference stage wrote it.
    public var explanation: String?
    /// JSON array of matched incidents.
    public var matches: String?
}

/// Which queue rows to show.
public struct QueueFilter: Sendable, Hashable {
    /// Disaster type ("flood"); nil: any.
    public var type: String?
    /// County ("新北市"); nil: any.
    public var county: String?
    /// Township ("汐止區", within `county`); nil: any.
    public var township: String?
    /// With `township`: villages (村里) of that township whose reports count as the township's when they name none
    /// of the county's townships (the map places such reports there; see `VillagePoints`).
    public var townshipVillages: [String] = []
    /// Cross-reference verdict; "none" for items without one; nil: any.
    public var verdict: String?
    /// Source name; nil: any.
    public var source: String?
    /// queued or escalated; nil: both.
    public var state: PostState?
    /// Post time (published, else fetched) range.
    public var from: Date?
    public var to: Date?
    /// An FTS5 MATCH expression over the post's tokens (see `SearchIndex.matchExpression`); nil: no search.
    public var match: String?
    /// 1-based.
    public var page: Int
    public var pageSize: Int

    public init(
        type: String? = nil, county: String? = nil, verdict: String? = nil, source: String? = nil,
        state: PostState? = nil, from: Date? = nil, to: Date? = nil, match: String? = nil, page: Int = 1,
        pageSize: Int = 50
    ) {
        self.type = type
        self.county = county
        self.verdict = verdict
        self.source = source
        self.state = state
        self.from = from
        self.to = to
        self.match = match
        self.page = max(1, page)
        self.pageSize = max(1, min(500, pageSize))
    }
}

/// One queue row: the item, its cross-reference verdict and who holds it.
public struct QueueRow: Sendable, Equatable {
    public var item: QueueItem
    public var xref: CrossReference?
    public var lock: ItemLock?
}

/// One page of the queue.
public struct QueuePage: Sendable, Equatable {
    public var rows: [QueueRow]
    public var page: Int
    public var pageSize: Int
    public var hasNext: Bool
}

/// Everything the item page shows.
public struct ItemDetail: Sendable {
    public var row: QueueRow
    /// Other posts of the near-duplicate cluster (the cluster's first post and its near-duplicates).
    public var cluster: [QueueItem]
    public var reviews: [ReviewRecord]
    /// The latest approval's edited public wording, if any.
    public var publicText: String?
    public var publications: [PublicationRecord]
    public var audit: [AuditEntry]
}

/// What a moderator decided, as the web app and the API submit it.
public struct WebDecision: Sendable, Equatable {
    public var decision: ReviewDecision
    public var reason: RejectReason?
    public var note: String?
    /// Channels for an approval.
    public var channels: [String]
    /// Edited public wording for an approval (nil: publish the post as written).
    public var publicText: String?

    public init(
        decision: ReviewDecision, reason: RejectReason? = nil, note: String? = nil, channels: [String] = [],
        publicText: String? = nil
    ) {
        self.decision = decision
        self.reason = reason
        self.note = note
        self.channels = channels
        self.publicText = publicText
    }
}

/// Counts per time bucket and series (posts per hour by type or by county).
public struct HourlySeries: Sendable, Equatable {
    /// Hour starts, oldest first.
    public var hours: [Date]
    /// Series name → one count per hour.
    public var series: [(name: String, counts: [Int])]

    public static func == (a: HourlySeries, b: HourlySeries) -> Bool {
        a.hours == b.hours && a.series.map(\.name) == b.series.map(\.name)
            && a.series.map(\.counts) == b.series.map(\.counts)
    }
}

/// The dashboard's numbers.
public struct DashboardStats: Sendable {
    public var byType: HourlySeries
    public var byCounty: HourlySeries
    public var queued: Int
    public var escalated: Int
    public var oldestQueued: Date?
    public var averageQueuedAge: TimeInterval?
    /// reviewer → decision → count
    public var decisions: [(reviewer: String, counts: [String: Int])]
    /// Posts approved for the community channels (published or scheduled).
    public var communityPublished: Int
    /// Rows of the `incident` table (official announcements); nil when the table does not exist.
    public var officialAnnouncements: Int?
}
