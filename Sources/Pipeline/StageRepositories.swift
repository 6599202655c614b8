import Foundation
import SieveCore
import Store

/// What the classify stage needs from the Store: lease unassessed posts, save their assessments (which queues
/// them and releases the lease). `AppDatabase` conforms on both backends.
public protocol AssessmentRepository: Sendable {
    /// Posts waiting to be assessed with ids above `after`, in id order (the stage's loop passes the last id of the
    /// batch it is still saving, so the next batch never holds the same posts).
    func leasePostsToAssess(limit: Int, lease: TimeInterval, now: Date, after: Int64) async throws(StoreError) -> [PostToAssess]
    func saveAssessments(_ items: [(postID: Int64, assessment: Assessment, priority: Double)]) async throws(StoreError)
}

/// What the cross-reference stage needs from the Store: the evidence (incidents, known rumours, rejected posts as
/// rumours) and its version, lease queued posts due for a check, save the results. `AppDatabase` conforms on both
/// backends.
public protocol CrossReferenceRepository: Sendable {
    @discardableResult func syncRejectedRumours(now: Date) async throws(StoreError) -> Int
    func evidenceVersion() async throws(StoreError) -> Date?
    func incidents(kinds: Set<IncidentKind>?, activeAt: Date?, from: Date?, to: Date?, limit: Int?) async throws(StoreError)
        -> [Incident]
    func knownRumours() async throws(StoreError) -> [KnownRumour]
    /// The known rumours' pictures (for crawled posts' pictures).
    func knownRumourImages() async throws(StoreError) -> [KnownRumourImage]
    /// Posts due for a check with ids above `after`, in id order (see `leasePostsToAssess`).
    func leasePostsToCrossReference(limit: Int, lease: TimeInterval, now: Date, after: Int64) async throws(StoreError) -> [PostForXref]
    func saveCrossReferences(
        _ items: [(postID: Int64, result: XrefResult, priority: Double)], evidence: Date?, now: Date
    ) async throws(StoreError)
}

/// What a worker running both stages needs to classify and cross-reference each post in one pass: both stages'
/// repositories, and saving an assessment with its cross-reference (which queues the post checked and releases
/// the lease). `AppDatabase` conforms on both backends.
public protocol AssessAndCheckRepository: AssessmentRepository, CrossReferenceRepository {
    func saveAssessedAndChecked(
        _ items: [(postID: Int64, assessment: Assessment, result: XrefResult, priority: Double)], evidence: Date?, now: Date
    ) async throws(StoreError)
}

extension AppDatabase: AssessAndCheckRepository {}
