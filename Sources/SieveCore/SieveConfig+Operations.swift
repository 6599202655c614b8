import Foundation
import TOMLKit

/// `[scheduler]`, `[publish]`, `[backup]` and a source's `schedule`:
///
/// ```toml
/// [scheduler]
/// zone = "Asia/Taipei"              # cron expressions' time zone (the default)
///
/// [publish]
/// schedule = "*/5 * * * *"          # or "5m"
/// feeds = "public"                  # optional: also write every feed format here
///
/// [backup]
/// schedule = "@hourly"
/// dir = "backups"                   # relative to the working directory
/// keep = 48                         # newest backups kept
/// ```
extension TableReader {
    func readScheduler(_ root: TOMLTable) throws(ConfigError) -> TimeZone {
        guard let value = root["scheduler"] else { return TaipeiTime.zone }
        guard let t = value.table else { throw error("", "scheduler", "scheduler", "expected a table [scheduler]") }
        try checkKeys(t, allowed: ["zone"], context: "scheduler", display: "scheduler")
        guard let name = try string(t, "zone", context: "scheduler", display: "scheduler") else { return TaipeiTime.zone }
        guard let zone = TimeZone(identifier: name) else {
            throw error("scheduler", "zone", "scheduler.zone", "unknown time zone \"\(name)\" (use an IANA name such as Asia/Taipei or UTC)")
        }
        return zone
    }

    func schedule(_ t: TOMLTable, _ key: String, context: String, display: String, required: Bool) throws(ConfigError)
        -> Schedule?
    {
        guard let value = t[key] else {
            if required { throw error(context, nil, "\(display).\(key)", "missing (required): an interval like \"1h\" or a cron expression like \"0 * * * *\"") }
            return nil
        }
        if let seconds = value.int {
            guard seconds > 0 else { throw error(context, key, "\(display).\(key)", "must be > 0 seconds") }
            return .every(seconds: seconds)
        }
        guard let text = value.string else {
            throw error(context, key, "\(display).\(key)", "expected an interval (\"15m\") or a cron expression (\"*/10 * * * *\"), found \(value.type)")
        }
        do throws(CronExpression.ParseError) {
            return try Schedule.parse(text, defaultZone: zone)
        } catch {
            throw self.error(context, key, "\(display).\(key)", error.message)
        }
    }

    func readSourceSchedule(_ t: TOMLTable, context: String, display: String) throws(ConfigError) -> Schedule? {
        guard let s = try schedule(t, "schedule", context: context, display: display, required: false) else { return nil }
        if t["interval"] != nil {
            throw error(context, "schedule", "\(display).schedule", "give either `interval` or `schedule`, not both")
        }
        return s
    }

    func readOperations(_ root: TOMLTable, into config: inout SieveConfig, baseDir: URL) throws(ConfigError) {
        config.scheduleZone = zone
        if let value = root["publish"] {
            guard let t = value.table else { throw error("", "publish", "publish", "expected a table [publish]") }
            try checkKeys(t, allowed: ["schedule", "feeds"], context: "publish", display: "publish")
            let s = try schedule(t, "schedule", context: "publish", display: "publish", required: true)!
            var settings = PublishSettings(schedule: s)
            if let feeds = try string(t, "feeds", context: "publish", display: "publish") {
                guard !feeds.isEmpty else { throw error("publish", "feeds", "publish.feeds", "must not be empty") }
                settings.feeds = feeds
            }
            config.publish = settings
        }
        if let value = root["backup"] {
            guard let t = value.table else { throw error("", "backup", "backup", "expected a table [backup]") }
            try checkKeys(t, allowed: ["schedule", "dir", "keep"], context: "backup", display: "backup")
            let s = try schedule(t, "schedule", context: "backup", display: "backup", required: true)!
            let dir = try string(t, "dir", context: "backup", display: "backup", required: true)!
            guard !dir.isEmpty else { throw error("backup", "dir", "backup.dir", "must not be empty") }
            var settings = BackupSettings(schedule: s, dir: dir)
            if let keep = t["keep"] {
                guard let n = keep.int, n >= 1 else {
                    throw error("backup", "keep", "backup.keep", "expected a whole number ≥ 1 (how many backups to keep)")
                }
                settings.keep = n
            }
            config.backup = settings
        }
    }
}
