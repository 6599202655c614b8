import Foundation
import GRDB
import SieveCore

/// What makes a store an exercise store: the drill replayed into it. A store with this row is never production:
/// the publisher delivers only to channels marked `exercise = true` and prefixes every message 【演習】, the web
/// app shows the exercise banner, the public page shows nothing from it.
public struct ExerciseInfo: Sendable, Equatable {
    public enum State: String, Sendable {
        case running, paused, finished
    }

    public var scenario: String
    public var title: String
    /// The scenario clock at offset 0.
    public var scenarioStart: Date
    public var speed: Double
    /// The wall clock when the clock last (re)started, and the scenario offset it had then: offset(now) =
    /// baseOffset + (now − baseWall) × speed while running.
    public var baseWall: Date
    public var baseOffset: TimeInterval
    public var state: State
    /// Where the replay stops (the scenario's duration, or a shorter slice).
    public var endOffset: TimeInterval

    public init(
        scenario: String, title: String, scenarioStart: Date, speed: Double, baseWall: Date, baseOffset: TimeInterval, state: State,
        endOffset: TimeInterval
    ) {
        self.scenario = scenario
        self.title = title
        self.scenarioStart = scenarioStart
        self.speed = speed
        self.baseWall = baseWall
        self.baseOffset = baseOffset
        self.state = state
        self.endOffset = endOffset
    }

    /// The scenario offset (seconds since its start) at wall time `now`.
    public func offset(at now: Date) -> TimeInterval {
        guard state == .running else { return baseOffset }
        return min(endOffset, baseOffset + now.timeIntervalSince(baseWall) * speed)
    }

    /// The wall time at which the clock reaches `offset` (when running at the present speed).
    public func wallTime(of offset: TimeInterval) -> Date {
        baseWall.addingTimeInterval((offset - baseOffset) / speed)
    }
}

/// One scheduled event of the drill, as the store keeps it for scoring.
public struct ExerciseEventRecord: Sendable, Equatable {
    public var eventID: String
    public var kind: String
    public var offset: TimeInterval
    public var channel: String?
    public var truth: String?
    public var expect: String?
    public var note: String?
    public var origin: String
    public var text: String
    /// Wall time the event was due (its offset reached on the clock), once it was.
    public var dueAt: Date?
    /// Wall time it entered the store (posts: fetched; official records: imported).
    public var seenAt: Date?
    public var postID: Int64?

    public init(
        eventID: String, kind: String, offset: TimeInterval, channel: String?, truth: String?, expect: String?, note: String?,
        origin: String, text: String, dueAt: Date? = nil, seenAt: Date? = nil, postID: Int64? = nil
    ) {
        self.eventID = eventID
        self.kind = kind
        self.offset = offset
        self.channel = channel
        self.truth = truth
        self.expect = expect
        self.note = note
        self.origin = origin
        self.text = text
        self.dueAt = dueAt
        self.seenAt = seenAt
        self.postID = postID
    }
}

/// A decision taken on a drill post, for the after-action report.
public struct ExerciseDecision: Sendable, Equatable {
    public var eventID: String
    public var postID: Int64
    public var decision: String
    public var reviewer: String
    public var decidedAt: Date
}

extension AppDatabase {
    /// "v13-exercise": the exercise marker and the drill's events with their ground truth and timing.
    static func migrateExercise(_ db: Database) throws {
        try db.create(table: "exercise") { t in
            t.column("id", .integer).primaryKey().check { $0 == 1 }
            t.column("scenario", .text).notNull()
            t.column("title", .text).notNull()
            t.column("scenarioStart", .datetime).notNull()
            t.column("speed", .double).notNull()
            t.column("baseWall", .datetime).notNull()
            t.column("baseOffset", .double).notNull()
            t.column("state", .text).notNull()
            t.column("endOffset", .double).notNull()
        }
        try db.create(table: "exerciseEvent") { t in
            t.column("eventId", .text).primaryKey()
            t.column("kind", .text).notNull()
            t.column("offsetSeconds", .double).notNull()
            t.column("channel", .text)
            t.column("truth", .text)
            t.column("expect", .text)
            t.column("note", .text)
            t.column("origin", .text).notNull()
            t.column("text", .text).notNull()
            t.column("dueAt", .datetime)
            t.column("seenAt", .datetime)
            t.column("postId", .integer)
        }
        try db.create(index: "exerciseEvent_offset", on: "exerciseEvent", columns: ["offsetSeconds"])
    }

    static let postgresExercise = [
        """
        CREATE TABLE exercise (
          id INTEGER PRIMARY KEY CHECK (id = 1), scenario TEXT NOT NULL, title TEXT NOT NULL,
          scenarioStart TIMESTAMPTZ NOT NULL, speed DOUBLE PRECISION NOT NULL, baseWall TIMESTAMPTZ NOT NULL,
          baseOffset DOUBLE PRECISION NOT NULL, state TEXT NOT NULL, endOffset DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE exerciseEvent (
          eventId TEXT PRIMARY KEY, kind TEXT NOT NULL, offsetSeconds DOUBLE PRECISION NOT NULL, channel TEXT, truth TEXT,
          expect TEXT, note TEXT, origin TEXT NOT NULL, text TEXT NOT NULL, dueAt TIMESTAMPTZ, seenAt TIMESTAMPTZ, postId BIGINT)
        """,
        "CREATE INDEX exerciseEvent_offset ON exerciseEvent(offsetSeconds)",
    ]

    /// The drill this store holds, or nil for a production store.
    public func exercise() async throws(StoreError) -> ExerciseInfo? {
        try await read { tx in
            guard let r = try await tx.row("SELECT * FROM exercise WHERE id = 1") else { return nil }
            return try Self.exerciseInfo(r)
        }
    }

    static func exerciseInfo(_ r: SQLRow) throws -> ExerciseInfo {
        ExerciseInfo(
            scenario: try r["scenario"], title: try r["title"], scenarioStart: try r["scenarioStart"], speed: try r["speed"],
            baseWall: try r["baseWall"], baseOffset: try r["baseOffset"], state: ExerciseInfo.State(rawValue: try r["state"]) ?? .finished,
            endOffset: try r["endOffset"])
    }

    /// Marks this store as the exercise store of `info` and records the drill's events. Refused on a store that
    /// holds posts but no exercise (a production database: a drill never writes into one) and on a store that
    /// holds another scenario's drill; the same scenario's store is continued (its events are kept, new ones added).
    public func beginExercise(_ info: ExerciseInfo, events: [ExerciseEventRecord]) async throws(StoreError) {
        try await write { tx in
            if let existing = try await tx.row("SELECT * FROM exercise WHERE id = 1") {
                let old = try Self.exerciseInfo(existing)
                guard old.scenario == info.scenario else {
                    throw StoreError.database(
                        "\(self.path) holds the drill \"\(old.scenario)\", not \"\(info.scenario)\": use a new exercise store (--database) for another scenario")
                }
                try await tx.execute(
                    "UPDATE exercise SET speed = ?, baseWall = ?, baseOffset = ?, state = ?, endOffset = ? WHERE id = 1",
                    [info.speed, info.baseWall, info.baseOffset, info.state.rawValue, info.endOffset])
            } else {
                let posts = try await tx.scalar("SELECT COUNT(*) FROM post", as: Int.self) ?? 0
                guard posts == 0 else {
                    throw StoreError.database(
                        "\(self.path) holds \(posts) post(s) and is not an exercise store: a drill never runs in a production database (pass a new file with --database)")
                }
                try await tx.execute(
                    """
                    INSERT INTO exercise (id, scenario, title, scenarioStart, speed, baseWall, baseOffset, state, endOffset)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [info.scenario, info.title, info.scenarioStart, info.speed, info.baseWall, info.baseOffset, info.state.rawValue, info.endOffset])
            }
            for e in events {
                try await tx.execute(
                    """
                    INSERT INTO exerciseEvent (eventId, kind, offsetSeconds, channel, truth, expect, note, origin, text)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (eventId) DO NOTHING
                    """, [e.eventID, e.kind, e.offset, e.channel, e.truth, e.expect, e.note, e.origin, e.text])
            }
        }
    }

    /// Changes the clock (pause, resume, speed, finish); the runner and the web app read it back.
    public func updateExercise(_ info: ExerciseInfo) async throws(StoreError) {
        try await write { tx in
            try await tx.execute(
                "UPDATE exercise SET speed = ?, baseWall = ?, baseOffset = ?, state = ?, endOffset = ? WHERE id = 1",
                [info.speed, info.baseWall, info.baseOffset, info.state.rawValue, info.endOffset])
        }
    }

    /// Adds an event while the drill runs (a trainer's injection); false when its id exists.
    public func injectExerciseEvent(_ e: ExerciseEventRecord) async throws(StoreError) -> Bool {
        try await write { tx in
            try await tx.execute(
                """
                INSERT INTO exerciseEvent (eventId, kind, offsetSeconds, channel, truth, expect, note, origin, text)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (eventId) DO NOTHING
                """, [e.eventID, e.kind, e.offset, e.channel, e.truth, e.expect, e.note, e.origin, e.text]) > 0
        }
    }

    /// Records when events fell due (`dueAt`, wall time) and, for official records, when they were imported.
    public func markExerciseEvents(due: [(id: String, at: Date)], seen: [(id: String, at: Date)]) async throws(StoreError) {
        guard !due.isEmpty || !seen.isEmpty else { return }
        try await write { tx in
            for d in due { try await tx.execute("UPDATE exerciseEvent SET dueAt = ? WHERE eventId = ? AND dueAt IS NULL", [d.at, d.id]) }
            for s in seen { try await tx.execute("UPDATE exerciseEvent SET seenAt = ? WHERE eventId = ? AND seenAt IS NULL", [s.at, s.id]) }
        }
    }

    /// Links drill posts to the stored posts (the replay's entry ids are `drill:<event id>`) and records when each
    /// was stored; how many were linked now.
    @discardableResult
    public func linkExercisePosts() async throws(StoreError) -> Int {
        try await write { tx in
            let rows = try await tx.rows(
                """
                SELECT e.eventId, p.id, p.fetchedAt FROM exerciseEvent e JOIN post p ON p.externalID = 'drill:' || e.eventId
                WHERE e.kind = 'post' AND e.postId IS NULL
                """)
            for r in rows {
                let id: String = try r[0]
                let post: Int64 = try r[1]
                let fetched: Date = try r[2]
                try await tx.execute("UPDATE exerciseEvent SET postId = ?, seenAt = COALESCE(seenAt, ?) WHERE eventId = ?", [post, fetched, id])
            }
            return rows.count
        }
    }

    /// Every event of the drill, in timeline order.
    public func exerciseEvents() async throws(StoreError) -> [ExerciseEventRecord] {
        try await read { tx in
            try await tx.rows("SELECT * FROM exerciseEvent ORDER BY offsetSeconds, eventId").map { r in
                ExerciseEventRecord(
                    eventID: try r["eventId"], kind: try r["kind"], offset: try r["offsetSeconds"], channel: try r["channel"],
                    truth: try r["truth"], expect: try r["expect"], note: try r["note"], origin: try r["origin"], text: try r["text"],
                    dueAt: try r["dueAt"], seenAt: try r["seenAt"], postID: try r["postId"])
            }
        }
    }

    /// Every moderator decision on a drill post, in the order taken.
    public func exerciseDecisions() async throws(StoreError) -> [ExerciseDecision] {
        try await read { tx in
            try await tx.rows(
                """
                SELECT e.eventId, r.postId, r.decision, r.reviewer, r.decidedAt FROM review r
                JOIN exerciseEvent e ON e.postId = r.postId ORDER BY r.decidedAt, r.id
                """
            ).map { r in
                ExerciseDecision(eventID: try r[0], postID: try r[1], decision: try r[2], reviewer: try r[3], decidedAt: try r[4])
            }
        }
    }

    /// What the pipeline said about each drill post: classifier scores and the cross-reference verdict.
    public func exerciseSignals() async throws(StoreError) -> [String: ExerciseSignal] {
        try await read { tx in
            var out: [String: ExerciseSignal] = [:]
            for r in try await tx.rows(
                """
                SELECT e.eventId, a.disaster, a.rumour, x.verdict, p.state, a.details FROM exerciseEvent e JOIN post p ON p.id = e.postId
                LEFT JOIN assessment a ON a.postId = p.id LEFT JOIN xref x ON x.postId = p.id
                """)
            {
                let details: String? = try r[5]
                let label = details.flatMap { try? AssessmentJSON.details($0).rumourLabel }
                out[try r[0]] = ExerciseSignal(
                    disaster: try r[1], rumour: try r[2], verdict: try r[3], state: try r[4], rumourLabel: label)
            }
            return out
        }
    }
}

/// The pipeline's view of one drill post.
public struct ExerciseSignal: Sendable, Equatable {
    public var disaster: Double?
    public var rumour: Double?
    /// corroborated, contradicted, unconfirmed (nil: not cross-referenced).
    public var verdict: String?
    public var state: String
    /// 像謠言, 待查證, 非謠言 or 不確定 as the calibrated rumour model gave it (nil: an older or uncalibrated model).
    public var rumourLabel: String? = nil

    /// Whether a moderator saw the post marked as a possible rumour: 像謠言 or 待查證, or, without a label, a rumour
    /// score of at least 0.5.
    public var rumourMarked: Bool {
        if let rumourLabel { return rumourLabel == "像謠言" || rumourLabel == "待查證" }
        return (rumour ?? 0) >= 0.5
    }
}
