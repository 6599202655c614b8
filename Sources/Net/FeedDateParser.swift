import Foundation

/// Parses the date formats feeds use: RFC 822/1123 (with named or numeric zones, optional weekday and
/// seconds, two-digit years) and RFC 3339 / ISO 8601 / W3C-DTF (date only, minutes only, fractions, `Z`).
/// Dates without a zone are taken as UTC unless `defaultZone` says otherwise.
public enum FeedDateParser {
    public static func parse(_ raw: String, defaultZone: TimeZone = TimeZone(identifier: "UTC")!) -> Date? {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty else { return nil }
        if let slashed = slashDate(s) { return parseISO(slashed, defaultZone: defaultZone) }
        if let first = s.first, first.isNumber, let d = parseISO(s, defaultZone: defaultZone) { return d }
        return parseRFC822(s, defaultZone: defaultZone)
    }

    /// "2026/9/14 22:10" and "2026.09.14" (common on Taiwanese pages) → ISO form.
    static func slashDate(_ s: String) -> String? {
        let parts = s.split(separator: " ", maxSplits: 1)
        let date = parts[0].split(whereSeparator: { $0 == "/" || $0 == "." })
        guard date.count == 3, date[0].count == 4, date.allSatisfy({ $0.allSatisfy(\.isNumber) && $0.count <= 4 }) else {
            return nil
        }
        var out = "\(date[0])-\(date[1].count == 1 ? "0" : "")\(date[1])-\(date[2].count == 1 ? "0" : "")\(date[2])"
        if parts.count == 2 {
            var time = String(parts[1])
            if time.split(separator: ":").first?.count == 1 { time = "0" + time }
            out += "T" + time
        }
        return out
    }

    static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
        "nov": 11, "dec": 12,
    ]

    static let zones: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
        "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "A": -1 * 3600, "M": -12 * 3600,
        "N": 1 * 3600, "Y": 12 * 3600, "CCT": 8 * 3600, "HKT": 8 * 3600, "JST": 9 * 3600,
    ]

    package static func makeDate(
        year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanos: Int = 0,
        offset: Int?, defaultZone: TimeZone
    ) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var c = DateComponents()
        c.year = year
        c.month = month
        c.day = day
        c.hour = hour
        c.minute = minute
        c.second = min(second, 59)
        c.nanosecond = nanos
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = offset.flatMap { TimeZone(secondsFromGMT: $0) } ?? defaultZone
        return cal.date(from: c)
    }

    /// 2003-12-31T10:14:55Z, 2003-12-31T10:14:55.123+08:00, 2003-12-31T10:14Z, 2003-12-31, 20031231T101455Z, 2003-12
    static func parseISO(_ s: String, defaultZone: TimeZone) -> Date? {
        var scanner = Array(s.utf8)[...]
        func digits(_ n: Int) -> Int? {
            guard scanner.count >= n else { return nil }
            var v = 0
            for _ in 0..<n {
                let c = scanner.first!
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                scanner = scanner.dropFirst()
            }
            return v
        }
        func skip(_ c: UInt8) -> Bool {
            if scanner.first == c { scanner = scanner.dropFirst(); return true }
            return false
        }
        guard let year = digits(4) else { return nil }
        let dashed = skip(UInt8(ascii: "-"))
        guard let month = digits(2) else {
            return scanner.isEmpty ? makeDate(year: year, month: 1, day: 1, offset: nil, defaultZone: defaultZone) : nil
        }
        var day = 1
        if !dashed || skip(UInt8(ascii: "-")) {
            guard let d = digits(2) else { return nil }
            day = d
        }
        var hour = 0, minute = 0, second = 0, nanos = 0
        var offset: Int? = nil
        if skip(UInt8(ascii: "T")) || skip(UInt8(ascii: " ")) || skip(UInt8(ascii: "t")) {
            guard let h = digits(2) else { return nil }
            hour = h
            _ = skip(UInt8(ascii: ":"))
            guard let m = digits(2) else { return nil }
            minute = m
            if skip(UInt8(ascii: ":")) || (scanner.first.map { $0 >= 48 && $0 <= 57 } ?? false) {
                guard let sec = digits(2) else { return nil }
                second = sec
                if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
                    var frac = 0, scale = 1_000_000_000
                    while let c = scanner.first, c >= 48 && c <= 57 {
                        scale /= 10
                        frac += Int(c - 48) * scale
                        scanner = scanner.dropFirst()
                    }
                    nanos = frac
                }
            }
            while scanner.first == UInt8(ascii: " ") { scanner = scanner.dropFirst() }
            if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) {
                offset = 0
            } else if let sign = scanner.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                scanner = scanner.dropFirst()
                guard let oh = digits(2) else { return nil }
                _ = skip(UInt8(ascii: ":"))
                let om = digits(2) ?? 0
                offset = (sign == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
            } else if !scanner.isEmpty {
                let rest = String(decoding: scanner, as: UTF8.self).uppercased()
                guard let z = zones[rest] else { return nil }
                offset = z
                scanner = scanner.dropFirst(scanner.count)
            }
        }
        guard scanner.isEmpty else { return nil }
        return makeDate(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanos: nanos,
            offset: offset, defaultZone: defaultZone)
    }

    /// "Thu, 01 Jan 2004 19:48:21 GMT", "1 Jan 04 19:48 +0800", "Sun, 14 Sep 2026 21:30:00 +0800"
    static func parseRFC822(_ s: String, defaultZone: TimeZone) -> Date? {
        var parts = s.replacingOccurrences(of: ",", with: " ").split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map(String.init)
        if let first = parts.first, first.first?.isLetter == true, months[String(first.prefix(3)).lowercased()] == nil
        {
            parts.removeFirst()  // weekday
        }
        guard parts.count >= 3 else { return nil }
        var day: Int?, month: Int?
        if let d = Int(parts[0]) {
            day = d
            month = months[String(parts[1].prefix(3)).lowercased()]
        } else {  // "Jan 01 2004"
            month = months[String(parts[0].prefix(3)).lowercased()]
            day = Int(parts[1])
        }
        guard let day, let month, var year = Int(parts[2]) else { return nil }
        if parts[2].count == 2 { year += year < 50 ? 2000 : 1900 }
        var hour = 0, minute = 0, second = 0
        var offset: Int? = nil
        if parts.count >= 4 {
            let t = parts[3].split(separator: ":").map { Int($0) }
            guard t.count >= 2, let h = t[0], let m = t[1] else { return nil }
            hour = h
            minute = m
            if t.count >= 3 { second = t[2] ?? 0 }
        }
        if parts.count >= 5 {
            let z = parts[4]
            if let sign = z.first, sign == "+" || sign == "-", z.count >= 5, let v = Int(z.dropFirst().prefix(4)) {
                offset = (sign == "-" ? -1 : 1) * ((v / 100) * 3600 + (v % 100) * 60)
            } else if let known = zones[z.uppercased()] {
                offset = known
            } else if let v = Int(z), z.count == 4 {
                offset = (v / 100) * 3600 + (v % 100) * 60
            } else {
                return nil
            }
        }
        return makeDate(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset,
            defaultZone: defaultZone)
    }
}
