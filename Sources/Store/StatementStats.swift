import Foundation
import SieveCore

/// How many statements and transactions each stage sent to the database (issue 16: "statements per post for each
/// stage"). A stage names itself with `StatementStats.$stage.withValue("crawl") { … }` around its loop; every
/// transaction started inside counts towards that name. On PostgreSQL each statement is one round trip, and each
/// transaction adds two more (BEGIN, COMMIT); on SQLite a statement is a call into the library.
public final class StatementStats: Sendable {
    /// The stage the current task works for ("other" when none was named).
    @TaskLocal public static var stage: String = "other"

    public struct Tally: Sendable, Equatable {
        public var statements = 0
        public var transactions = 0
        /// Statements plus, where each transaction costs its own BEGIN and COMMIT (PostgreSQL), those.
        public var roundTrips = 0
        public init() {}
    }

    private let tallies = Locked([String: Tally]())

    public init() {}

    func add(stage: String, statements: Int, roundTripsPerTransaction: Int) {
        tallies.withLock {
            $0[stage, default: Tally()].statements += statements
            $0[stage, default: Tally()].transactions += 1
            $0[stage, default: Tally()].roundTrips += statements + roundTripsPerTransaction
        }
    }

    /// What each stage has sent so far.
    public var snapshot: [String: Tally] { tallies.withLock { $0 } }
}

/// Counts the statements of one transaction (used by one thread at a time: the transaction's).
final class StatementCounter {
    var count = 0
}

/// A transaction's value and how many statements it ran.
struct Counted<T: Sendable>: Sendable {
    let value: T
    let statements: Int
}
