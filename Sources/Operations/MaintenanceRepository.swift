import Foundation
import SieveCore
import Store

/// What the operators' jobs need from the Store: backups, the leases a live worker keeps renewing (and gives back
/// when it stops), and the counts `sieve worker --once` and the backups report. Owned by Operations; `AppDatabase`
/// conforms on both backends.
public protocol MaintenanceRepository: Sendable {
    /// The SQLite file or the PostgreSQL URL without its password.
    var path: String { get }
    /// True on PostgreSQL (backups through pg_dump, work shared through leases).
    var sharesWork: Bool { get }
    /// Extends this process's leases to `now + lease`; how many were renewed.
    func renewLeases(lease: TimeInterval, now: Date) async throws(StoreError) -> Int
    /// Gives back every lease this process holds (a worker stopping).
    func releaseLeases() async throws(StoreError)
    /// SQLite: a consistent copy of the database at `destination` (the online backup API).
    func backup(to destination: String) async throws(StoreError) -> BackupResult
    func postCount(state: PostState?) async throws(StoreError) -> Int
    func pendingWork(channels: [String], now: Date, horizon: TimeInterval, upTo: Int?) async throws(StoreError) -> PendingWork
}

extension AppDatabase: MaintenanceRepository {}
