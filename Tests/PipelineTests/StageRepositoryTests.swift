import Classifier
import Foundation
import Pipeline
import SieveCore
import Store
import Testing

/// The classify stage against its own repository protocol, without a database: what it leases it saves, batch by
/// batch, and a failed save stops it with the error instead of losing it.
@Suite("Pipeline: the classify stage on a repository of its own")
struct StageRepositoryTests {
    actor Assessments: AssessmentRepository {
        var waiting: [PostToAssess]
        var saved: [[Int64]] = []
        let failOnSave: Int?

        init(_ n: Int, failOnSave: Int? = nil) {
            waiting = (1...Int64(n)).map { PostToAssess(id: $0, text: "花蓮縣秀林鄉土石流 \($0)") }
            self.failOnSave = failOnSave
        }

        func leasePostsToAssess(limit: Int, lease: TimeInterval, now: Date, after: Int64) async throws(StoreError) -> [PostToAssess] {
            let batch = Array(waiting.filter { $0.id > after }.prefix(limit))
            waiting.removeFirst(batch.count)
            return batch
        }

        func saveAssessments(_ items: [(postID: Int64, assessment: Assessment, priority: Double)]) async throws(StoreError) {
            if saved.count == failOnSave { throw StoreError.database("disk full") }
            saved.append(items.map(\.postID))
        }
    }

    struct FixedScorer: PostScorer {
        let model = "fixed"
        func assess(title: String?, text: String, published: Date?) -> Assessment {
            Assessment(disaster: 0.9, rumour: 0.1, types: ["landslide"], places: [], reasons: ["fixed"], model: model)
        }
    }

    @Test func everyLeasedBatchIsSavedOnce() async throws {
        let repository = Assessments(5)
        let n = try await Pipeline.classify(database: repository, scorer: FixedScorer(), batch: 2)
        #expect(n == 5)
        #expect(await repository.saved == [[1, 2], [3, 4], [5]])
    }

    /// Saves run beside the next batches' classification, up to three at a time: when the second save fails, the
    /// loop hears it when it next needs a place (after leasing the fifth batch) and stops with that error; the
    /// saves started meanwhile are waited for (here they fail too), and no batch after the fifth is leased.
    @Test func aFailedSaveStopsTheStageWithItsError() async throws {
        let repository = Assessments(15, failOnSave: 1)
        await #expect(throws: StoreError.self) {
            try await Pipeline.classify(database: repository, scorer: FixedScorer(), batch: 2)
        }
        #expect(await repository.saved == [[1, 2]])
        #expect(await repository.waiting.count == 5)  // [11, 12], [13, 14] and [15] were never leased
    }
}
