import Foundation

/// A 5-field cron expression (minute hour day-of-month month day-of-week) with Vixie cron's semantics:
/// `*`, numbers, ranges `1-5`, lists `1,3,5`, steps `*/10` and `8-18/2`, month and weekday names (`JAN`, `MON`),
/// 0 and 7 both Sunday, the macros `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`, and
/// a day matching when *either* the day of month *or* the weekday matches if both fields are restricted (neither
/// starts with `*`). An optional `TZ=Zone ` (or `CRON_TZ=Zone `) prefix picks the time zone; otherwise the zone
/// given to ``parse(_:defaultZone:)`` (Taipei unless configured) is used.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text as written (macros kept).
    public let text: String
    public let zone: TimeZone
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday (7 is folded to 0).
    let weekdays: Set<Int>
    let dayOfMonthStar: Bool
    let weekdayStar: Bool

    public var description: String { text }

    /// A malformed expression: which field, what was wrong.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { message }
    }

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]
    }

    private static let monthNames = [
        "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11,
        "DEC": 12,
    ]
    private static let dayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
    private static let fields = [
        Field(name: "minute", range: 0...59, names: [:]), Field(name: "hour", range: 0...23, names: [:]),
        Field(name: "day of month", range: 1...31, names: [:]), Field(name: "month", range: 1...12, names: monthNames),
        Field(name: "day of week", range: 0...7, names: dayNames),
    ]
    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; `defaultZone` applies unless the text starts with `TZ=…`.
    public static func parse(_ text: String, defaultZone: TimeZone = TaipeiTime.zone) throws(ParseError) -> CronExpression {
        var body = text.trimmingCharacters(in: .whitespaces)
        var zone = defaultZone
        for prefix in ["CRON_TZ=", "TZ="] where body.uppercased().hasPrefix(prefix) {
            let rest = body.dropFirst(prefix.count)
            let name = String(rest.prefix { !$0.isWhitespace })
            guard let z = TimeZone(identifier: name) else {
                throw ParseError(message: "unknown time zone \"\(name)\" (use an IANA name such as Asia/Taipei or UTC)")
            }
            zone = z
            body = rest.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            break
        }
        if body.hasPrefix("@") {
            guard let expanded = macros[body.lowercased()] else {
                let known = macros.keys.sorted().joined(separator: ", ")
                throw ParseError(message: "unknown macro \"\(body)\" (known: \(known); @reboot is not supported)")
            }
            body = expanded
        }
        let parts = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ParseError(
                message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(parts.count) in \"\(body)\"")
        }
        var sets: [Set<Int>] = []
        for (part, field) in zip(parts, fields) {
            sets.append(try parseField(part, field))
        }
        var weekdays = sets[4]
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        let expression = CronExpression(
            text: text.trimmingCharacters(in: .whitespaces), zone: zone, minutes: sets[0], hours: sets[1],
            daysOfMonth: sets[2], months: sets[3], weekdays: weekdays, dayOfMonthStar: parts[2].hasPrefix("*"),
            weekdayStar: parts[4].hasPrefix("*"))
        // "0 0 31 2 *" parses but never fires: say so now rather than sleep forever.
        if expression.next(after: Date(timeIntervalSince1970: 1_767_225_600)) == nil {  // 2026-01-01
            throw ParseError(message: "\"\(body)\" never fires (no such day in any year)")
        }
        return expression
    }

    private static func parseField(_ text: String, _ field: Field) throws(ParseError) -> Set<Int> {
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ParseError(message: "\(field.name) field \"\(text)\": empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else {
                throw ParseError(message: "\(field.name) field \"\(item)\": more than one `/`")
            }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s >= 1 else {
                    throw ParseError(message: "\(field.name) field \"\(item)\": step \"\(pieces[1])\" must be a whole number ≥ 1")
                }
                step = s
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.range.upperBound
                if field.name == "day of week" { high = 6 }
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], field, item: item)
                high = try value(base[base.index(after: dash)...], field, item: item)
                guard low <= high else {
                    throw ParseError(message: "\(field.name) field \"\(item)\": range \(low)-\(high) runs backwards")
                }
            } else {
                low = try value(base, field, item: item)
                // Vixie: "5/15" means 5-max/15.
                high = pieces.count == 2 ? field.range.upperBound : low
            }
            var v = low
            while v <= high {
                result.insert(v)
                v += step
            }
        }
        return result
    }

    private static func value(_ text: Substring, _ field: Field, item: Substring) throws(ParseError) -> Int {
        if let n = Int(text) {
            guard field.range.contains(n) else {
                throw ParseError(
                    message: "\(field.name) field \"\(item)\": \(n) is out of range \(field.range.lowerBound)-\(field.range.upperBound)")
            }
            return n
        }
        if let n = field.names[text.uppercased()] { return n }
        var message = "\(field.name) field \"\(item)\": \"\(text)\" is not a number"
        if !field.names.isEmpty { message += " or a name (\(field.names.sorted { $0.value < $1.value }.map(\.key).joined(separator: " ")))" }
        throw ParseError(message: message)
    }

    /// The first time strictly after `date` that the expression fires, or nil if none within five years.
    /// Local times that do not exist (a daylight-saving gap) are skipped; an ambiguous one fires at its first
    /// occurrence. Taipei has had no daylight saving time since 1979, so neither happens there.
    public func next(after date: Date) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let start = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        guard var year = c.year, var month = c.month, var day = c.day, var hour = c.hour, var minute = c.minute else {
            return nil
        }
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 5 + 2) {
            if months.contains(month) && dayMatches(year: year, month: month, day: day) {
                for h in sortedHours where h >= hour {
                    for m in sortedMinutes where h > hour || m >= minute {
                        let wanted = DateComponents(year: year, month: month, day: day, hour: h, minute: m)
                        guard let candidate = cal.date(from: wanted) else { continue }
                        let back = cal.dateComponents([.year, .month, .day, .hour, .minute], from: candidate)
                        guard back.hour == h, back.minute == m, back.day == day else { continue }  // in a DST gap
                        if candidate > date { return candidate }
                    }
                }
            }
            day += 1
            if day > Self.daysIn(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
            hour = 0
            minute = 0
        }
        return nil
    }

    func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        guard day <= Self.daysIn(year: year, month: month) else { return false }
        let dom = daysOfMonth.contains(day)
        let dow = weekdays.contains(Self.weekday(year: year, month: month, day: day))
        return dayOfMonthStar || weekdayStar ? dom && dow : dom || dow
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 0 = Sunday (Sakamoto's method).
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        return (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
    }
}
