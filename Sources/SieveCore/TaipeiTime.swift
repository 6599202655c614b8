import Foundation

/// Time as Sieve shows and publishes it: RFC 3339 in Taipei time. Taiwan has had no daylight saving time since
/// 1979, so the offset is always +08:00 and no formatter (or its per-call setup cost) is needed.
public enum TaipeiTime {
    public static let zone = TimeZone(identifier: "Asia/Taipei")!

    /// "2026-09-14T22:10:00+08:00"
    public static func rfc3339(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String {
            let x = v ?? 0
            return x < 10 ? "0\(x)" : "\(x)"
        }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))+08:00"
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
