import Foundation

/// When a job runs: every N seconds after its last run, or at the times a cron expression names.
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
    case every(seconds: Int)
    case cron(CronExpression)

    /// "15m", "90", "1h30m" → an interval; "@hourly", "*/10 * * * *", "TZ=UTC 0 3 * * *" → cron.
    public static func parse(_ text: String, defaultZone: TimeZone = TaipeiTime.zone) throws(CronExpression.ParseError)
        -> Schedule
    {
        if let seconds = parseIntervalSeconds(text) { return .every(seconds: seconds) }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("@") || trimmed.contains(" ") || trimmed.contains("\t") else {
            throw CronExpression.ParseError(
                message: "\"\(text)\" is neither an interval (90s, 15m, 2h, 1d) nor a cron expression (\"*/10 * * * *\", \"@hourly\")")
        }
        return .cron(try CronExpression.parse(trimmed, defaultZone: defaultZone))
    }

    /// When the job is next due. A job that never ran is due at once; one whose time passed while nothing ran
    /// (the machine was down) runs once to catch up, not once per missed time.
    public func nextRun(lastRun: Date?, now: Date) -> Date {
        guard let lastRun else { return now }
        switch self {
        case .every(let seconds):
            return lastRun.addingTimeInterval(Double(seconds))
        case .cron(let expression):
            return expression.next(after: lastRun) ?? .distantFuture
        }
    }

    public func isDue(lastRun: Date?, now: Date) -> Bool { nextRun(lastRun: lastRun, now: now) <= now }

    public var description: String {
        switch self {
        case .every(let seconds):
            if seconds % 86400 == 0 { return "every \(seconds / 86400)d" }
            if seconds % 3600 == 0 { return "every \(seconds / 3600)h" }
            if seconds % 60 == 0 { return "every \(seconds / 60)m" }
            return "every \(seconds)s"
        case .cron(let expression):
            return "cron \"\(expression.text)\"" + (expression.zone == TaipeiTime.zone ? "" : " (\(expression.zone.identifier))")
        }
    }
}

extension SourceConfig {
    /// The source's schedule: `schedule` when given, otherwise every `interval` seconds.
    public var effectiveSchedule: Schedule { schedule ?? .every(seconds: interval) }

    /// Whether the source should be fetched now, given when it was last fetched.
    public func isDue(lastRun: Date?, now: Date) -> Bool { effectiveSchedule.isDue(lastRun: lastRun, now: now) }
}

/// `[publish]`: deliver the outbox (and optionally write the feeds) on a schedule.
public struct PublishSettings: Sendable, Equatable {
    public var schedule: Schedule
    /// Also write every feed format into this folder (like `sieve publish --feeds DIR`).
    public var feeds: String?

    public init(schedule: Schedule, feeds: String? = nil) {
        self.schedule = schedule
        self.feeds = feeds
    }
}

/// `[backup]`: online backups of the database into `dir`, keeping the newest `keep`.
public struct BackupSettings: Sendable, Equatable {
    public var schedule: Schedule
    public var dir: String
    public var keep: Int

    public init(schedule: Schedule, dir: String, keep: Int = 24) {
        self.schedule = schedule
        self.dir = dir
        self.keep = keep
    }
}
