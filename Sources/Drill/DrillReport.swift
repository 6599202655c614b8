import Foundation
import SieveCore
import Store

/// The after-action report: per moderator and for the team, how fast and how right the decisions were against
/// the scenario's ground truth, the queue's backlog over the drill, and how the pipeline itself did.
public struct DrillReport: Sendable, Codable {
    public struct Scores: Sendable, Codable {
        /// Decisions taken (the first decision on each post; later changes count as changes).
        public var decisions = 0
        /// Decisions equal to the expected one.
        public var correct = 0
        /// Rumours rejected, and rumours let through (approved or escalated: the costly mistake).
        public var rumoursCaught = 0
        public var rumoursPassed = 0
        /// Real reports approved or escalated, and real reports rejected.
        public var reportsApproved = 0
        public var reportsRejected = 0
        /// Reports that should go to the EOC, escalated; and those that should have been but were only approved.
        public var leadsEscalated = 0
        public var leadsMissed = 0
        /// Noise rejected.
        public var noiseRejected = 0
        /// Decisions changed afterwards.
        public var changes = 0
        /// Seconds (wall clock) from a post reaching the queue to its first decision: median, 90th percentile.
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        /// Share of decisions that were right.
        public var accuracy: Double? { decisions > 0 ? Double(correct) / Double(decisions) : nil }
    }

    public struct Moderator: Sendable, Codable {
        public var name: String
        public var scores: Scores
    }

    public struct Decision: Sendable, Codable {
        public var event: String
        public var post: Int64
        public var moderator: String
        public var decision: String
        public var expected: String?
        public var truth: String?
        public var correct: Bool
        /// Wall seconds from the post reaching the queue to this decision.
        public var seconds: Double?
        /// Scenario time the post appeared (RFC 3339, Taipei).
        public var appeared: String?
        public var note: String?
    }

    public struct BacklogPoint: Sendable, Codable {
        /// Minutes since the drill started (wall clock).
        public var minute: Double
        /// Posts in the queue without a decision.
        public var waiting: Int
    }

    public struct Pipeline: Sendable, Codable {
        /// Drill posts that reached the store, of those due.
        public var postsArrived = 0
        public var postsDue = 0
        /// Rumours the pipeline flagged (marked 像謠言 or 待查證 by the classifier, or contradicted by the
        /// cross-reference), of all rumours.
        public var rumoursFlagged = 0
        public var rumours = 0
        /// Real reports the classifier scored disaster ≥ 0.5, and those the cross-reference corroborated.
        public var reportsDetected = 0
        public var reportsCorroborated = 0
        public var reports = 0
        /// Reports wrongly flagged as rumour or contradicted.
        public var reportsFlaggedAsRumour = 0
        /// Noise the classifier scored disaster ≥ 0.5.
        public var noiseAsDisaster = 0
        public var noise = 0
        /// Events late by more than 1 s (wall) against their schedule; the worst lateness.
        public var lateEvents = 0
        public var worstLatenessSeconds = 0.0
    }

    public var scenario: String
    public var title: String
    public var state: String
    public var speed: Double
    public var scenarioStart: String
    public var generatedAt: String
    public var team: Scores
    public var moderators: [Moderator]
    public var decisions: [Decision]
    /// Drill posts with ground truth that nobody decided on.
    public var undecided: Int
    public var backlog: [BacklogPoint]
    public var pipeline: Pipeline

    /// Builds the report from an exercise store.
    public static func build(database: AppDatabase, now: Date = Date()) async throws -> DrillReport {
        guard let info = try await database.exercise() else {
            throw DrillError("\(database.path) is not an exercise store (no drill was run into it): nothing to report")
        }
        let events = try await database.exerciseEvents()
        let decisions = try await database.exerciseDecisions()
        let signals = try await database.exerciseSignals()
        return build(info: info, events: events, decisions: decisions, signals: signals, now: now)
    }

    static func build(
        info: ExerciseInfo, events: [ExerciseEventRecord], decisions: [ExerciseDecision], signals: [String: ExerciseSignal], now: Date
    ) -> DrillReport {
        let byID = Dictionary(uniqueKeysWithValues: events.map { ($0.eventID, $0) })
        var first: [String: ExerciseDecision] = [:]
        var changes: [String: Int] = [:]  // moderator → changes
        for d in decisions {
            if first[d.eventID] == nil { first[d.eventID] = d } else { changes[d.reviewer, default: 0] += 1 }
        }
        var rows: [Decision] = []
        var team = Scores()
        var per: [String: Scores] = [:]
        var seconds: [String: [Double]] = [:]
        var allSeconds: [Double] = []
        for d in first.values.sorted(by: { $0.decidedAt < $1.decidedAt }) {
            guard let e = byID[d.eventID] else { continue }
            let wait = e.seenAt.map { max(0, d.decidedAt.timeIntervalSince($0)) }
            let correct = Self.isCorrect(d.decision, expected: e.expect)
            rows.append(
                Decision(
                    event: e.eventID, post: d.postID, moderator: d.reviewer, decision: d.decision, expected: e.expect, truth: e.truth,
                    correct: correct, seconds: wait, appeared: TaipeiTime.rfc3339(info.scenarioStart.addingTimeInterval(e.offset)), note: e.note))
            for key in [d.reviewer, "\u{0}team"] {
                var s = key == "\u{0}team" ? team : per[key, default: Scores()]
                s.decisions += 1
                if correct { s.correct += 1 }
                let accepted = d.decision == "approve" || d.decision == "escalate"
                switch e.truth {
                case "rumour": if accepted { s.rumoursPassed += 1 } else if d.decision == "reject" { s.rumoursCaught += 1 }
                case "report":
                    if accepted { s.reportsApproved += 1 } else if d.decision == "reject" { s.reportsRejected += 1 }
                    if e.expect == "escalate" {
                        if d.decision == "escalate" { s.leadsEscalated += 1 } else { s.leadsMissed += 1 }
                    }
                case "noise": if d.decision == "reject" { s.noiseRejected += 1 }
                default: break
                }
                if key == "\u{0}team" { team = s } else { per[key] = s }
            }
            if let wait {
                seconds[d.reviewer, default: []].append(wait)
                allSeconds.append(wait)
            }
        }
        func timing(_ s: inout Scores, _ values: [Double]) {
            let v = values.sorted()
            guard !v.isEmpty else { return }
            s.medianSeconds = v[v.count / 2]
            s.p90Seconds = v[min(v.count - 1, Int(Double(v.count - 1) * 0.9))]
        }
        timing(&team, allSeconds)
        team.changes = changes.values.reduce(0, +)
        var moderators: [Moderator] = []
        for (name, var s) in per {
            timing(&s, seconds[name] ?? [])
            s.changes = changes[name] ?? 0
            moderators.append(Moderator(name: name, scores: s))
        }
        moderators.sort { ($0.scores.decisions, $1.name) > ($1.scores.decisions, $0.name) }
        let scored = events.filter { $0.kind == "post" && $0.truth != nil }
        let undecided = scored.filter { $0.seenAt != nil && first[$0.eventID] == nil }.count
        // Backlog: posts that had reached the queue and were not yet decided, at 40 points over the drill.
        let startWall = events.compactMap(\.dueAt).min() ?? info.baseWall
        // Up to the last decision or arrival; up to now while posts still wait.
        let lastActivity = (decisions.map(\.decidedAt) + scored.compactMap(\.seenAt)).max() ?? now
        let endWall = undecided > 0 ? max(now, lastActivity) : lastActivity
        var backlog: [BacklogPoint] = []
        let span = max(1, endWall.timeIntervalSince(startWall))
        for i in 0...40 {
            let t = startWall.addingTimeInterval(span * Double(i) / 40)
            let waiting = scored.filter { e in
                guard let seen = e.seenAt, seen <= t else { return false }
                guard let d = first[e.eventID] else { return true }
                return d.decidedAt > t
            }.count
            backlog.append(BacklogPoint(minute: t.timeIntervalSince(startWall) / 60, waiting: waiting))
        }
        var p = Pipeline()
        for e in events {
            if let due = e.dueAt, let seen = e.seenAt {
                let late = seen.timeIntervalSince(due)
                if abs(late) > 1 { p.lateEvents += 1 }
                p.worstLatenessSeconds = max(p.worstLatenessSeconds, late)
            }
            guard e.kind == "post", let truth = e.truth else { continue }
            if e.dueAt != nil { p.postsDue += 1 }
            guard let s = signals[e.eventID] else { continue }
            p.postsArrived += 1
            let flagged = s.rumourMarked || s.verdict == "contradicted"
            switch truth {
            case "rumour":
                p.rumours += 1
                if flagged { p.rumoursFlagged += 1 }
            case "report":
                p.reports += 1
                if (s.disaster ?? 0) >= 0.5 { p.reportsDetected += 1 }
                if s.verdict == "corroborated" { p.reportsCorroborated += 1 }
                if flagged { p.reportsFlaggedAsRumour += 1 }
            default:
                p.noise += 1
                if (s.disaster ?? 0) >= 0.5 { p.noiseAsDisaster += 1 }
            }
        }
        return DrillReport(
            scenario: info.scenario, title: info.title, state: info.state.rawValue, speed: info.speed,
            scenarioStart: TaipeiTime.rfc3339(info.scenarioStart), generatedAt: TaipeiTime.rfc3339(now), team: team,
            moderators: moderators, decisions: rows, undecided: undecided, backlog: backlog, pipeline: p)
    }

    /// Right: the expected decision; for a real report that should be approved, escalating it is right too (the
    /// EOC gets one lead too many), but approving one that should be escalated is not (the EOC misses it).
    static func isCorrect(_ decision: String, expected: String?) -> Bool {
        guard let expected else { return false }
        return decision == expected || (expected == "approve" && decision == "escalate")
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
