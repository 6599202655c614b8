import Foundation

/// Taipei wall-clock text by integer arithmetic (UTC+8, no daylight saving since 1979): the queue formats a time
/// per row, and Calendar-based formatting costs more than the rest of the row.
public enum TaipeiClock {
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

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

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
