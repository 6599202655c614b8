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
