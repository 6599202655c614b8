import Foundation
import SieveCore
import Testing

/// `schedule`, `[scheduler]`, `[publish]` and `[backup]` in sieve.toml, and their mistakes.
@Suite("Schedules in the config")
struct ScheduleConfigTests {
    func parse(_ text: String) throws(ConfigError) -> SieveConfig { try SieveConfig.parse(text, file: "/tmp/ops.toml") }

    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func sourcesPublishAndBackupSchedules() throws {
        let c = try parse(
            """
            [[source]]
            name = "news"
            kind = "rss"
            url = "https://example.org/rss"
            schedule = "*/10 * * * *"

            [[source]]
            name = "board"
            kind = "rss"
            url = "https://example.org/board"
            interval = "15m"

            [[source]]
            name = "cwa"
            kind = "cwa"
            url = "https://example.org/cwa.json"
            schedule = "5m"

            [publish]
            schedule = "@hourly"
            feeds = "public"

            [backup]
            schedule = "0 3 * * *"
            dir = "backups"
            keep = 7
            """)
        guard case .cron(let cron) = c.sources[0].schedule else { Issue.record("news: no cron"); return }
        #expect(cron.text == "*/10 * * * *")
        #expect(cron.zone == TaipeiTime.zone)
        #expect(c.sources[1].schedule == nil)
        #expect(c.sources[1].effectiveSchedule == .every(seconds: 900))
        #expect(c.sources[2].effectiveSchedule == .every(seconds: 300))
        #expect(c.publish?.feeds == "public")
        guard case .cron(let hourly) = c.publish?.schedule else { Issue.record("publish: no cron"); return }
        #expect(hourly.text == "@hourly")
        #expect(c.backup == BackupSettings(schedule: try Schedule.parse("0 3 * * *"), dir: "backups", keep: 7))
    }

    @Test func theSchedulerZoneAppliesToCronWithoutPrefix() throws {
        let c = try parse(
            """
            [scheduler]
            zone = "UTC"
            [backup]
            schedule = "0 3 * * *"
            dir = "b"
            [publish]
            schedule = "TZ=Asia/Tokyo 0 3 * * *"
            """)
        guard case .cron(let backup) = c.backup?.schedule, case .cron(let publish) = c.publish?.schedule else {
            Issue.record("expected cron schedules")
            return
        }
        #expect(backup.zone == TimeZone(identifier: "UTC"))
        #expect(publish.zone.identifier == "Asia/Tokyo")
        #expect(c.backup?.keep == 24)
    }

    @Test func mistakesNameFileLineAndKey() {
        let source = "[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"https://example.org/\"\n"
        #expect(error(source + "schedule = \"*/0 * * * *\"\n")
            == "/tmp/ops.toml:5: source[1].schedule: minute field \"*/0\": step \"0\" must be a whole number ≥ 1")
        #expect(error(source + "schedule = \"often\"\n").hasPrefix("/tmp/ops.toml:5: source[1].schedule: \"often\" is neither an interval"))
        #expect(error(source + "interval = 60\nschedule = \"5m\"\n")
            == "/tmp/ops.toml:6: source[1].schedule: give either `interval` or `schedule`, not both")
        #expect(error(source + "schedule = true\n").hasPrefix("/tmp/ops.toml:5: source[1].schedule: expected an interval"))
        #expect(error("database = \"x\"\n[backup]\nschedule = \"@daily\"\n")
            == "/tmp/ops.toml:2: backup.dir: missing (required)")
        #expect(error("[backup]\nschedule = \"@daily\"\ndir = \"b\"\nkeep = 0\n")
            == "/tmp/ops.toml:4: backup.keep: expected a whole number ≥ 1 (how many backups to keep)")
        #expect(error("[backup]\nschedul = \"@daily\"\ndir = \"b\"\n").hasPrefix("/tmp/ops.toml:2: backup.schedul: unknown key (did you mean `schedule`?)"))
        #expect(error("\n[publish]\nfeeds = \"x\"\n").hasPrefix("/tmp/ops.toml:2: publish.schedule: missing (required)"))
        #expect(error("[publish]\nschedule = \"61 * * * *\"\n")
            == "/tmp/ops.toml:2: publish.schedule: minute field \"61\": 61 is out of range 0-59")
        #expect(error("[scheduler]\nzone = \"Taipei\"\n").hasPrefix("/tmp/ops.toml:2: scheduler.zone: unknown time zone \"Taipei\""))
    }
}
