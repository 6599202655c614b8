import Foundation
import SieveCore
import Testing

/// Cron expressions as Vixie cron reads them, in Taipei time unless told otherwise.
@Suite("Cron expressions and schedules")
struct CronExpressionTests {
    /// "2026-09-14 22:10" Taipei → Date.
    static func taipei(_ text: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TaipeiTime.zone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)!
    }

    static func show(_ date: Date?, zone: TimeZone = TaipeiTime.zone) -> String {
        guard let date else { return "nil" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm EEE"
        return f.string(from: date)
    }

    func next(_ expr: String, after: String, count: Int = 1) throws -> [String] {
        let cron = try CronExpression.parse(expr)
        var out: [String] = []
        var t = Self.taipei(after)
        for _ in 0..<count {
            guard let n = cron.next(after: t) else { break }
            out.append(Self.show(n))
            t = n
        }
        return out
    }

    @Test func stepsRangesAndListsInTaipeiTime() throws {
        #expect(try next("*/10 * * * *", after: "2026-09-14 22:03", count: 3) == [
            "2026-09-14 22:10 Mon", "2026-09-14 22:20 Mon", "2026-09-14 22:30 Mon",
        ])
        // Exactly on a firing time: the next one, never the same instant again.
        #expect(try next("*/10 * * * *", after: "2026-09-14 22:10") == ["2026-09-14 22:20 Mon"])
        #expect(try next("0 8-18/4 * * *", after: "2026-09-14 09:00", count: 4) == [
            "2026-09-14 12:00 Mon", "2026-09-14 16:00 Mon", "2026-09-15 08:00 Tue", "2026-09-15 12:00 Tue",
        ])
        #expect(try next("5,35 3 * * *", after: "2026-09-14 03:20", count: 3) == [
            "2026-09-14 03:35 Mon", "2026-09-15 03:05 Tue", "2026-09-15 03:35 Tue",
        ])
        // Vixie's "N/S": from N to the end of the range.
        #expect(try next("50/5 * * * *", after: "2026-09-14 22:51", count: 3) == [
            "2026-09-14 22:55 Mon", "2026-09-14 23:50 Mon", "2026-09-14 23:55 Mon",
        ])
    }

    @Test func namesAndMacros() throws {
        #expect(try next("30 9 * * mon-fri", after: "2026-09-18 10:00", count: 2) == ["2026-09-21 09:30 Mon", "2026-09-22 09:30 Tue"])
        #expect(try next("0 0 1 jan,JUL *", after: "2026-02-01 00:00", count: 2) == ["2026-07-01 00:00 Wed", "2027-01-01 00:00 Fri"])
        #expect(try next("@hourly", after: "2026-09-14 22:10") == ["2026-09-14 23:00 Mon"])
        #expect(try next("@daily", after: "2026-09-14 22:10") == ["2026-09-15 00:00 Tue"])
        #expect(try next("@midnight", after: "2026-09-14 22:10") == ["2026-09-15 00:00 Tue"])
        #expect(try next("@weekly", after: "2026-09-14 22:10") == ["2026-09-20 00:00 Sun"])
        #expect(try next("@monthly", after: "2026-09-14 22:10") == ["2026-10-01 00:00 Thu"])
        #expect(try next("@yearly", after: "2026-09-14 22:10") == ["2027-01-01 00:00 Fri"])
        // 7 is Sunday too.
        #expect(try next("0 12 * * 7", after: "2026-09-14 00:00") == ["2026-09-20 12:00 Sun"])
    }

    @Test func dayOfMonthAndWeekdayMatchEitherWhenBothRestricted() throws {
        // The 13th, and every Friday (Vixie): Fri 18 Sep, Fri 25 Sep, Fri 2 Oct, Fri 9 Oct, Tue 13 Oct.
        #expect(try next("0 0 13 * 5", after: "2026-09-14 00:00", count: 5) == [
            "2026-09-18 00:00 Fri", "2026-09-25 00:00 Fri", "2026-10-02 00:00 Fri", "2026-10-09 00:00 Fri",
            "2026-10-13 00:00 Tue",
        ])
        // A `*`-led weekday field (even */1) means "any day": only the day of month counts.
        #expect(try next("0 0 13 * */1", after: "2026-09-14 00:00", count: 2) == ["2026-10-13 00:00 Tue", "2026-11-13 00:00 Fri"])
        // … and the other way round.
        #expect(try next("0 0 * * 5", after: "2026-09-14 00:00", count: 2) == ["2026-09-18 00:00 Fri", "2026-09-25 00:00 Fri"])
        // Feb 29 only in leap years.
        #expect(try next("0 0 29 2 *", after: "2026-03-01 00:00") == ["2028-02-29 00:00 Tue"])
    }

    @Test func taipeiHasNoDaylightSavingAndOtherZonesAreHonoured() throws {
        // Every day at 02:30 Taipei is exactly 24 h apart all year (no DST since 1979).
        let cron = try CronExpression.parse("30 2 * * *")
        var t = Self.taipei("2026-01-01 00:00")
        var previous: Date? = nil
        for _ in 0..<365 {
            let n = try #require(cron.next(after: t))
            if let previous { #expect(n.timeIntervalSince(previous) == 86400) }
            previous = n
            t = n
        }
        // TZ= prefix: 03:00 UTC is 11:00 in Taipei.
        let utc = try CronExpression.parse("TZ=UTC 0 3 * * *")
        #expect(Self.show(utc.next(after: Self.taipei("2026-09-14 12:00"))) == "2026-09-15 11:00 Tue")
        // A zone with DST: 02:30 does not exist in New York on 2026-03-08, so that day is skipped.
        let ny = try CronExpression.parse("30 2 * * *", defaultZone: TimeZone(identifier: "America/New_York")!)
        let nyZone = TimeZone(identifier: "America/New_York")!
        let first = try #require(ny.next(after: Self.taipei("2026-03-07 00:00")))
        let second = try #require(ny.next(after: first))
        #expect(Self.show(first, zone: nyZone) == "2026-03-07 02:30 Sat")
        #expect(Self.show(second, zone: nyZone) == "2026-03-09 02:30 Mon")
    }

    @Test(arguments: [
        ("* * * *", "expected 5 fields"),
        ("* * * * * *", "expected 5 fields"),
        ("60 * * * *", "minute field \"60\": 60 is out of range 0-59"),
        ("* 24 * * *", "hour field \"24\": 24 is out of range 0-23"),
        ("* * 0 * *", "day of month field \"0\": 0 is out of range 1-31"),
        ("* * * 13 *", "month field \"13\": 13 is out of range 1-12"),
        ("* * * * 8", "day of week field \"8\": 8 is out of range 0-7"),
        ("*/0 * * * *", "minute field \"*/0\": step \"0\" must be a whole number ≥ 1"),
        ("5-1 * * * *", "range 5-1 runs backwards"),
        ("* * * * FRY", "\"FRY\" is not a number or a name (SUN MON TUE WED THU FRI SAT)"),
        ("1,,2 * * * *", "empty list item"),
        ("@reboot", "unknown macro \"@reboot\""),
        ("@often", "unknown macro"),
        ("0 0 31 2 *", "never fires"),
        ("TZ=Mars/Olympus 0 3 * * *", "unknown time zone \"Mars/Olympus\""),
    ])
    func invalidExpressionsSayWhatIsWrong(_ text: String, _ expected: String) {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression.parse(text) }
        do {
            _ = try CronExpression.parse(text)
        } catch {
            #expect(error.message.contains(expected), "\(text): \(error.message)")
        }
    }

    @Test func schedulesAreIntervalsOrCron() throws {
        #expect(try Schedule.parse("15m") == .every(seconds: 900))
        #expect(try Schedule.parse("1h30m") == .every(seconds: 5400))
        guard case .cron(let c) = try Schedule.parse("*/10 * * * *") else { Issue.record("not cron"); return }
        #expect(c.text == "*/10 * * * *")
        #expect(throws: CronExpression.ParseError.self) { try Schedule.parse("often") }

        let now = Self.taipei("2026-09-14 22:15")
        let every = Schedule.every(seconds: 900)
        #expect(every.nextRun(lastRun: nil, now: now) == now, "never ran: due at once")
        #expect(every.nextRun(lastRun: Self.taipei("2026-09-14 22:05"), now: now) == Self.taipei("2026-09-14 22:20"))
        let cron = try Schedule.parse("*/10 * * * *")
        #expect(cron.nextRun(lastRun: Self.taipei("2026-09-14 22:05"), now: now) == Self.taipei("2026-09-14 22:10"))
        #expect(cron.isDue(lastRun: Self.taipei("2026-09-14 22:05"), now: now))
        #expect(!cron.isDue(lastRun: Self.taipei("2026-09-14 22:10"), now: now))
        // Down for hours: one catch-up run, then back on the clock.
        let caughtUp = Self.taipei("2026-09-14 22:15")
        #expect(cron.isDue(lastRun: Self.taipei("2026-09-14 10:00"), now: now))
        #expect(cron.nextRun(lastRun: caughtUp, now: now) == Self.taipei("2026-09-14 22:20"))
    }
}
