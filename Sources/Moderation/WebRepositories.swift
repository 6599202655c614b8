import Foundation
import Observability
import Publisher
import SieveCore
import Store

/// What the web app needs from the Store for people: accounts, sessions, login throttling, single sign-on and the
/// audit log. Owned by Moderation; `AppDatabase` conforms on both backends.
public protocol AccountsRepository: Sendable {
    func audit(actor: String, action: String, postId: Int64?, before: String?, after: String?, ip: String?) async throws(StoreError)
    @discardableResult func recordLoginFailure(key: String, maxFailures: Int, window: TimeInterval, lockout: TimeInterval, backoff: Bool, now: Date) async throws(StoreError) -> Date?
    func createSession(account: String, idHash: String, csrfToken: String, expiresAt: Date, replacing oldHash: String?, ip: String?, userAgent: String?, method: String) async throws(StoreError)
    func clearLoginFailures(key: String) async throws(StoreError)
    func auditEntries(actor: String?, action: String?, postId: Int64?, limit: Int?, offset: Int) async throws(StoreError) -> [AuditEntry]
    func account(named name: String) async throws(StoreError) -> Account?
    func account(tokenHash: String, now: Date) async throws(StoreError) -> Account?
    func ssoAccount(issuer: String, subject: String, preferredName: String, role: AccountRole, ip: String?, now: Date) async throws(StoreError) -> SSOAccount
    func session(idHash: String, now: Date) async throws(StoreError) -> WebSession?
    @discardableResult func revokeSSOAccount(issuer: String, subject: String, claim: String, ip: String?, now: Date) async throws(StoreError) -> String?
    func loginLockedUntil(key: String, now: Date) async throws(StoreError) -> Date?
    func loginLockedUntil(keys: [String], now: Date) async throws(StoreError) -> Date?
    func deleteSession(idHash: String) async throws(StoreError)
    func consumeOIDCLogin(stateHash: String, now: Date) async throws(StoreError) -> OIDCLoginRecord?
    @discardableResult func beginOIDCLogin(stateHash: String, nonce: String, codeVerifier: String, next: String, expiresAt: Date, limit: Int, now: Date) async throws(StoreError) -> Bool
    func accounts() async throws(StoreError) -> [Account]
}

/// What the moderation room needs from the Store: the queue and its items, decisions (approve, reject, escalate,
/// edit, merge, retract) with moderators' locks, the search index, the dashboard, the outbox's admin actions, the
/// public page and the official incidents shown beside a post. Owned by Moderation; `AppDatabase` conforms on both
/// backends.
public protocol ModerationRepository: Sendable {
    /// The drill this store holds (an exercise store: every page shows the exercise banner), nil for production.
    func exercise() async throws(StoreError) -> ExerciseInfo?
    /// The trainer's controls (`/drill`): the clock, an injected post, the drill's events and decisions so far.
    func updateExercise(_ info: ExerciseInfo) async throws(StoreError)
    func injectExerciseEvent(_ e: ExerciseEventRecord) async throws(StoreError) -> Bool
    func exerciseEvents() async throws(StoreError) -> [ExerciseEventRecord]
    func exerciseDecisions() async throws(StoreError) -> [ExerciseDecision]
    /// The SQLite file or the PostgreSQL URL without its password.
    var path: String { get }
    /// True on PostgreSQL (several web nodes share the database).
    var sharesWork: Bool { get }
    func itemDetail(id: Int64, now: Date) async throws(StoreError) -> ItemDetail
    @discardableResult func decide(postID: Int64, _ d: WebDecision, by user: String, ip: String?, force: Bool, now: Date) async throws(StoreError) -> ReviewRecord
    func item(id: Int64) async throws(StoreError) -> QueueItem
    func sourceNames() async throws(StoreError) -> [String]
    func retryDelivery(_ id: Int64, actor: String, ip: String?, now: Date) async throws(StoreError) -> PublicationRecord
    @discardableResult func retract(postID: Int64, reviewer: String, note: String?, ip: String?, force: Bool, now: Date) async throws(StoreError) -> [PublicationRecord]
    func queueSummary() async throws(StoreError) -> (open: Int, queued: Int, escalated: Int, latestID: Int64)
    func queuePage(_ f: QueueFilter, now: Date) async throws(StoreError) -> QueuePage
    func publicItems(limit: Int) async throws(StoreError) -> [(item: PublishableItem, retraction: RetractionRecord?)]
    func postsToIndex(limit: Int, sweep: Bool) async throws(StoreError) -> [(id: Int64, text: String)]
    func merge(postID: Int64, into target: Int64, by user: String, ip: String?, now: Date) async throws(StoreError)
    @discardableResult func lock(postID: Int64, user: String, duration: TimeInterval, ip: String?, now: Date) async throws(StoreError) -> ItemLock
    func indexPosts(_ entries: [(id: Int64, tokens: String)]) async throws(StoreError)
    func incidents(kinds: Set<IncidentKind>?, activeAt: Date?, from: Date?, to: Date?, limit: Int?) async throws(StoreError) -> [Incident]
    @discardableResult func edit(postID: Int64, reviewer: String, text: String, note: String?, ip: String?, now: Date) async throws(StoreError) -> [PublicationRecord]
    func dropDelivery(_ id: Int64, actor: String, ip: String?, now: Date) async throws(StoreError) -> PublicationRecord
    func dashboardStats(hours: Int, topSeries: Int, now: Date) async throws(StoreError) -> DashboardStats
    func mapActivity(from: Date, to: Date) async throws(StoreError) -> MapActivity
}

/// Everything the web app reads and writes: the moderation room, accounts, the outbox it shows and the feeds it
/// serves, the migration status `/readyz` reports, and the tipline's tips.
public typealias WebRepository = ModerationRepository & AccountsRepository & OutboxRepository & HealthRepository & TiplineRepository

extension AppDatabase: AccountsRepository, ModerationRepository {}
