import Classifier
import Foundation

/// A CSV/TSV of fact-checked claims: claim text, verdict, reference URL (column names as Cofacts and common
/// exports write them).
public struct RumourFile: Sendable {
    public var claims: [(claim: String, verdict: String, url: String?)] = []
    public var warnings: [String] = []

    public static func read(path: String) throws(IncidentImportError) -> RumourFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw IncidentImportError(source: path, message: "cannot read file") }
        let table: CSVTable
        do { table = try CSVTable.parse(data, name: path) } catch { throw IncidentImportError(source: path, line: error.line, message: error.message) }
        func find(_ names: [String]) -> Int? { names.lazy.compactMap { table.column($0) }.first }
        guard let c = find(["claim", "text", "articleText", "content", "內容", "謠言"]) else {
            throw IncidentImportError(source: path, line: table.headerLine, message: "no claim column (claim / text) in \(table.header.joined(separator: ", "))")
        }
        let v = find(["verdict", "replyType", "type", "label", "判定"])
        let u = find(["url", "reference", "link", "articleUrl", "replyUrl", "來源"])
        var out = RumourFile()
        for row in table.rows {
            let f = row.fields
            guard c < f.count else {
                out.warnings.append("\(path):\(row.line): \(f.count) field(s), no claim (row skipped)")
                continue
            }
            let claim = f[c].trimmingCharacters(in: .whitespacesAndNewlines)
            guard claim.count >= 4 else {
                out.warnings.append("\(path):\(row.line): claim too short to match (row skipped)")
                continue
            }
            let verdict = v.flatMap { $0 < f.count ? f[$0].trimmingCharacters(in: .whitespaces) : nil }.flatMap { $0.isEmpty ? nil : $0 } ?? "RUMOR"
            let url = u.flatMap { $0 < f.count ? f[$0].trimmingCharacters(in: .whitespaces) : nil }.flatMap { $0.isEmpty ? nil : $0 }
            out.claims.append((claim, verdict.uppercased(), url))
        }
        return out
    }
}
