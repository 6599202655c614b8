import Foundation
import SieveCore
import Store

/// Scheduled backups: `<dir>/<stem>-YYYYMMDDTHHMMSSZ.sqlite`, the newest `keep` kept.
public enum Backups {
    /// What one scheduled backup did.
    public struct Outcome: Sendable {
        public var backup: BackupResult
        /// Older backups removed to keep `keep`.
        public var removed: [String]
    }

    /// The name stem of backups of `databasePath` ("sieve" for sieve.sqlite; a PostgreSQL URL's database name).
    public static func stem(of databasePath: String) -> String {
        if PostgresLocation.isPostgresURL(databasePath) {
            return (try? PostgresLocation(url: databasePath).database) ?? "sieve"
        }
        let name = URL(fileURLWithPath: databasePath).deletingPathExtension().lastPathComponent
        return name.isEmpty ? "sieve" : name
    }

    public static func stamp(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(format: "%02d", v ?? 0) }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    static func parseStamp(_ text: Substring) -> Date? {
        guard text.count == 16, text.hasSuffix("Z") else { return nil }
        let digits = text.replacingOccurrences(of: "T", with: "").dropLast()
        guard digits.count == 14, digits.allSatisfy(\.isNumber) else { return nil }
        let v = Array(digits).map { Int(String($0))! }
        func n(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + v[$1] } }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.date(
            from: DateComponents(year: n(0..<4), month: n(4..<6), day: n(6..<8), hour: n(8..<10), minute: n(10..<12), second: n(12..<14)))
    }

    /// Backups of `stem` in `dir`, newest first, with the time in their names (`.sqlite` files, or `.dump`
    /// archives of a PostgreSQL database).
    public static func list(dir: String, stem: String) -> [(path: String, date: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let prefix = stem + "-"
        return names.compactMap { name -> (String, Date)? in
            guard name.hasPrefix(prefix), let ext = [".sqlite", ".dump"].first(where: { name.hasSuffix($0) }) else { return nil }
            let middle = name.dropFirst(prefix.count).dropLast(ext.count)
            guard let date = parseStamp(middle) else { return nil }
            return (URL(fileURLWithPath: dir).appendingPathComponent(name).path, date)
        }.sorted { $0.1 > $1.1 }
    }

    /// When the newest backup in `dir` was taken.
    public static func latest(dir: String, stem: String) -> Date? { list(dir: dir, stem: stem).first?.date }

    /// Takes a backup now and removes the oldest beyond `keep`.
    /// `url`: the database's URL with its password, for PostgreSQL (pg_dump connects by itself).
    public static func run(database: any MaintenanceRepository, dir: String, keep: Int, now: Date = Date(), url: String? = nil) async throws(StoreError) -> Outcome {
        let stem = stem(of: database.path)
        let result: BackupResult
        if database.sharesWork {
            // PostgreSQL: a pg_dump archive (the store's own path is the redacted URL; the real one is `url`).
            guard let url else { throw StoreError.database("a PostgreSQL backup needs the database URL") }
            let path = URL(fileURLWithPath: dir).appendingPathComponent("\(stem)-\(stamp(now)).dump").path
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let posts = try await database.postCount(state: nil)
            do {
                let dump = try PostgresDump.backup(url: url, to: path)
                result = BackupResult(path: path, bytes: dump.bytes, seconds: dump.seconds, posts: posts)
            } catch {
                throw StoreError.database("pg_dump backup to \(path) failed: \(error)")
            }
        } else {
            let path = URL(fileURLWithPath: dir).appendingPathComponent("\(stem)-\(stamp(now)).sqlite").path
            result = try await database.backup(to: path)
        }
        var removed: [String] = []
        for old in list(dir: dir, stem: stem).dropFirst(max(1, keep)) {
            if (try? FileManager.default.removeItem(atPath: old.path)) != nil { removed.append(old.path) }
        }
        return Outcome(backup: result, removed: removed)
    }
}
