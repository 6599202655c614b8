import Foundation
import SieveCore
import Store

/// What the crawl stage needs from the Store: sources, the persistent frontier (leased entries), fetch records and
/// the posts they bring, the robots.txt cache. Owned by the stage that uses it; `AppDatabase` conforms on both
/// backends (SQLite row by row, PostgreSQL in batched statements).
public protocol FrontierRepository: Sendable {
    /// Makes the sources match the configuration; name → id.
    func syncSources(_ sources: [SourceConfig]) async throws(StoreError) -> [String: Int64]
    /// Entries left in flight by a process that is gone go back to pending.
    @discardableResult func recoverInflight(now: Date) async throws(StoreError) -> Int
    /// Due sources' seed URLs into the frontier.
    @discardableResult func enqueueSeeds(
        _ sources: [SourceConfig], ids: [String: Int64], hostOf: @escaping @Sendable (String) -> String, force: Bool, now: Date
    ) async throws(StoreError) -> Int
    /// Leases up to `limit` due entries to this process until `now + lease`.
    func leaseFrontierBatch(limit: Int, now: Date, sources: Set<Int64>?, lease: TimeInterval) async throws(StoreError)
        -> [FrontierEntry]
    /// Gives leased entries back untried.
    func releaseFrontier(_ ids: [Int64]) async throws(StoreError)
    func frontierCounts(now: Date) async throws(StoreError) -> (ready: Int, later: Int, inflight: Int, done: Int, failed: Int)
    func nextRetryTime() async throws(StoreError) -> Date?
    func pendingErrors(sources: Set<Int64>) async throws(StoreError) -> [Int64: String]
    /// A fetched page: its posts (near-duplicates linked), new links, the fetch record, the entry done — one transaction.
    func completeFetch(
        entry: FrontierEntry, document: DocumentRecord, posts: [PostToStore], links: [DiscoveredLink],
        maxPageDepth: Int, maxItems: Int, cycleStart: Date, now: Date
    ) async throws(StoreError) -> StoreOutcome
    func completeUnchanged(entry: FrontierEntry, document: DocumentRecord, now: Date) async throws(StoreError)
    func failFetch(entry: FrontierEntry, document: DocumentRecord, retryAt: Date?, now: Date) async throws(StoreError)
    /// Which of these external ids the source already has a post for.
    func existingPosts(sourceID: Int64, externalIDs: [String]) async throws(StoreError) -> Set<String>
    func cachedRobots(host: String, now: Date) async throws(StoreError) -> AppDatabase.CachedRobots?
    func saveRobots(host: String, status: Int?, body: Data?, error: String?, expiresAt: Date, now: Date) async throws(StoreError)
}

extension AppDatabase: FrontierRepository {}
