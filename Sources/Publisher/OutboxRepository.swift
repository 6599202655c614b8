import Foundation
import SieveCore
import Store

/// What the publish stage needs from the Store: the outbox (deliveries leased to this process, confirmed before a
/// send, settled after it), the approved items a channel or feed carries, and the CAP events. Owned by the stage
/// that uses it; `AppDatabase` conforms on both backends.
public protocol OutboxRepository: Sendable {
    /// The SQLite file or the PostgreSQL URL without its password (for messages).
    var path: String { get }
    /// True on PostgreSQL: several processes share the outbox through leases.
    var sharesWork: Bool { get }
    /// Deliveries due on `channels` (not `excludedChannels`), leased to this process until `now + lease`.
    func leaseDueDeliveries(
        now: Date, limit: Int, channels: [String], excludedChannels: Set<String>, lease: TimeInterval
    ) async throws(StoreError) -> [OutboxEntry]
    /// Right before a send: still this process's, not retracted; the lease extended to `until`.
    func confirmDelivery(_ id: Int64, leaseUntil until: Date) async throws(StoreError) -> Bool
    func markDelivered(_ id: Int64, remoteID: String?, at date: Date) async throws(StoreError)
    func markAttemptFailed(_ id: Int64, error: String, retryAt: Date?) async throws(StoreError)
    func markUnsupported(_ id: Int64, reason: String) async throws(StoreError)
    /// Gives a leased delivery back (a channel's rate limit, a shutdown), due again at `at`.
    func release(_ id: Int64, until at: Date, reason: String?) async throws(StoreError)
    /// Deliveries left `delivering` by a process that is gone go back to pending.
    func reclaimOrphans() async throws(StoreError) -> Int
    /// When the next delivery on `channels` falls due.
    func nextDue(channels: [String]) async throws(StoreError) -> Date?
    func outbox(statuses: [OutboxStatus], limit: Int) async throws(StoreError) -> [OutboxListing]
    /// What a channel's feed carries: its delivered approvals, newest first.
    func publishableItems(channel: String, limit: Int) async throws(StoreError) -> [PublishableItem]
    /// Every approved item, newest approval first (`sieve publish --feeds`).
    func approvedItems(limit: Int) async throws(StoreError) -> [PublishableItem]
    func capEvents(channel: String?, limit: Int) async throws(StoreError) -> [CAPEvent]
    /// The drill this store holds (an exercise store), nil for production.
    func exercise() async throws(StoreError) -> ExerciseInfo?
}

extension AppDatabase: OutboxRepository {}

extension OutboxRepository {
    func approvedItems() async throws(StoreError) -> [PublishableItem] { try await approvedItems(limit: 500) }
    func publishableItems(channel: String) async throws(StoreError) -> [PublishableItem] {
        try await publishableItems(channel: channel, limit: 200)
    }
    func capEvents(channel: String?) async throws(StoreError) -> [CAPEvent] { try await capEvents(channel: channel, limit: 1000) }
    func markDelivered(_ id: Int64, remoteID: String?) async throws(StoreError) {
        try await markDelivered(id, remoteID: remoteID, at: Date())
    }
}
