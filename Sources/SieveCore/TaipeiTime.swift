import Foundation

/// Time as Sieve shows and publishes it: RFC 3339 in Taipei time, and the short form the web app shows. Taiwan has
/// had no daylight saving time since 1979, so the offset is always +08:00 and neither a calendar nor a formatter
/// (or their per-call setup cost) is needed.
public enum TaipeiTime {
    public static let zone = TimeZone(identifier: "Asia/Taipei")!

    /// (year, month, day, hour, minute, second) in Taipei.
    public static func parts(_ date: Date) -> (Int, Int, Int, Int, Int, Int) {
        let t = Int((date.timeIntervalSince1970).rounded(.down)) + 8 * 3600
        var days = t / 86400
        var secs = t % 86400
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
    }

    @usableFromInline static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// "2026-09-14T22:10:00+08:00"
    public static func rfc3339(_ date: Date) -> String {
        let (y, m, d, h, mi, s) = parts(date)
        return "\(y)-\(two(m))-\(two(d))T\(two(h)):\(two(mi)):\(two(s))+08:00"
    }

    /// "2026-09-14 22:10"
    public static func short(_ date: Date) -> String {
        let (y, m, d, h, mi, _) = parts(date)
        return "\(y)-\(two(m))-\(two(d)) \(two(h)):\(two(mi))"
    }
}

/// Dates read from posts and feeds, kept only when they could be true.
public enum PlausibleDate {
    /// The earliest publication date believed (older ones are typos, zeroed fields or epoch defaults).
    public static let earliest = Date(timeIntervalSince1970: 631_152_000)  // 1990-01-01T00:00:00Z

    /// `date` when it lies between 1990 and a day after `fetchedAt`; nil (unknown) otherwise: a post cannot be
    /// published after it was fetched, and a date far off either way would sort it first or last for ever.
    public static func published(_ date: Date?, fetchedAt: Date) -> Date? {
        guard let date, date >= earliest, date <= fetchedAt.addingTimeInterval(86_400) else { return nil }
        return date
    }

    /// `date` moved into years 1…9999, the range every store and format here can hold (PostgreSQL's microseconds
    /// since 2000 overflow an Int64 past ±292,000 years; Foundation's formatters misbehave before year 1).
    public static func storable(_ date: Date) -> Date {
        min(max(date, Date(timeIntervalSince1970: -62_135_596_800)), Date(timeIntervalSince1970: 253_402_300_799))
    }
}
