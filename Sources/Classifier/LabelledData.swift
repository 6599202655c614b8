import Foundation

/// Labelled examples read from a TSV or CSV file with a header line.
public struct LabelledData: Sendable {
    public var texts: [String]
    public var labels: [String]
    /// Each row's key (`idColumn` of `load`), or empty when none was asked for.
    public var ids: [String]

    public init(texts: [String] = [], labels: [String] = [], ids: [String] = []) {
        self.texts = texts
        self.labels = labels
        self.ids = ids
    }

    public var count: Int { texts.count }

    public struct LoadError: Error, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var message: String
        public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
    }

    /// Reads `path`: the delimiter is a tab for .tsv (or when the header has tabs and no commas), else a comma;
    /// RFC 4180 quoting (quotes, doubled quotes, newlines inside quotes) is understood. A title line before the
    /// header (a line without the delimiter, as in EMIC's exports) is skipped. Rows whose label is empty or in
    /// `excluding` are dropped; rows with too few columns are reported by line number. With `idColumn`, each kept
    /// row's value in that column goes to `ids` (a stable key for splits such as `Trainer.holdout`).
    public static func load(
        path: String, textColumn: String = "text", labelColumn: String = "label", excluding: Set<String> = [],
        idColumn: String? = nil
    ) throws(LoadError) -> LabelledData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(file: path, message: "cannot read file")
        }
        let head = String(decoding: data.prefix(8192), as: UTF8.self)
        var lines = head.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).prefix(3).map(String.init)
        if lines.first?.hasPrefix("\u{FEFF}") == true { lines[0].removeFirst() }
        let isTSV = path.lowercased().hasSuffix(".tsv")
            || (lines.first.map { $0.contains("\t") && !$0.contains(",") } ?? false)
            || (lines.count > 1 && !(lines[0].contains(",") || lines[0].contains("\t")) && lines[1].contains("\t"))
        let delimiter: UInt8 = isTSV ? 0x09 : 0x2C
        var rows = parse(data, delimiter: delimiter)
        guard !rows.isEmpty else { throw LoadError(file: path, message: "empty file") }
        var headerRow = 0
        if rows[0].fields.count == 1 && rows.count > 1 && rows[1].fields.count > 1 { headerRow = 1 }  // title line
        let header = rows[headerRow].fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\u{FEFF}", with: "") }
        guard let ti = header.firstIndex(of: textColumn) else {
            throw LoadError(file: path, line: rows[headerRow].line, message: "no column \"\(textColumn)\" (columns: \(header.joined(separator: ", "))); use --text-col")
        }
        guard let li = header.firstIndex(of: labelColumn) else {
            throw LoadError(file: path, line: rows[headerRow].line, message: "no column \"\(labelColumn)\" (columns: \(header.joined(separator: ", "))); use --label-col")
        }
        var ii: Int?
        if let idColumn {
            guard let i = header.firstIndex(of: idColumn) else {
                throw LoadError(file: path, line: rows[headerRow].line, message: "no column \"\(idColumn)\" (columns: \(header.joined(separator: ", ")))")
            }
            ii = i
        }
        rows.removeFirst(headerRow + 1)
        var out = LabelledData()
        for row in rows {
            if row.fields.count == 1 && row.fields[0].isEmpty { continue }
            guard row.fields.count > max(ti, li, ii ?? 0) else {
                throw LoadError(file: path, line: row.line, message: "\(row.fields.count) column(s), expected \(header.count)")
            }
            let label = trim(row.fields[li])
            if label.isEmpty || excluding.contains(label) { continue }
            out.texts.append(row.fields[ti])
            out.labels.append(label)
            if let ii { out.ids.append(trim(row.fields[ii])) }
        }
        return out
    }

    /// Just the text column of a TSV/CSV file (for `sieve classify --text-col`).
    public static func rows(path: String, textColumn: String) throws(LoadError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(file: path, message: "cannot read file") }
        let head = String(decoding: data.prefix(4096), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let delimiter: UInt8 = path.lowercased().hasSuffix(".tsv") || (head.contains("\t") && !head.contains(",")) ? 0x09 : 0x2C
        var rows = parse(data, delimiter: delimiter)
        guard !rows.isEmpty else { throw LoadError(file: path, message: "empty file") }
        if rows[0].fields.count == 1 && rows.count > 1 && rows[1].fields.count > 1 { rows.removeFirst() }
        let header = rows[0].fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let ti = header.firstIndex(of: textColumn) else {
            throw LoadError(file: path, line: rows[0].line, message: "no column \"\(textColumn)\" (columns: \(header.joined(separator: ", ")))")
        }
        return rows.dropFirst().compactMap { $0.fields.count > ti ? $0.fields[ti] : nil }
    }

    /// ASCII/ideographic whitespace trimmed (cheaper than Foundation's CharacterSet on every row).
    static func trim(_ s: String) -> String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{3000}" }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    struct Row {
        var line: Int
        var fields: [String]
    }

    /// RFC 4180-style rows over raw bytes.
    static func parse(_ data: Data, delimiter: UInt8) -> [Row] {
        var rows: [Row] = []
        data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var fields: [String] = []
            var field: [UInt8] = []
            var inQuotes = false
            var line = 1
            var rowLine = 1
            var i = 0
            func endField() {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            }
            while i < b.count {
                let c = b[i]
                if inQuotes {
                    if c == 0x22 {
                        if i + 1 < b.count && b[i + 1] == 0x22 {
                            field.append(0x22)
                            i += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if c == 0x0A { line += 1 }
                        field.append(c)
                    }
                } else if c == 0x22 && field.isEmpty {
                    inQuotes = true
                } else if c == delimiter {
                    endField()
                } else if c == 0x0A || c == 0x0D {
                    if c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
                    endField()
                    rows.append(Row(line: rowLine, fields: fields))
                    fields.removeAll()
                    line += 1
                    rowLine = line
                } else {
                    field.append(c)
                }
                i += 1
            }
            if !field.isEmpty || !fields.isEmpty {
                endField()
                rows.append(Row(line: rowLine, fields: fields))
            }
        }
        return rows
    }
}

/// A CSV or TSV file read whole: the header and every row with its line number. The delimiter is a tab when the
/// header line has more tabs than commas; a title line before the header (EMIC's exports have one) is skipped.
public struct CSVTable: Sendable {
    public var header: [String]
    public var headerLine: Int
    public var rows: [(line: Int, fields: [String])]
    public var delimiter: Character

    /// `headerContains`: a column name that identifies the header line (lines before it are titles).
    public static func parse(_ data: Data, name: String, headerContains: String? = nil) throws(LabelledData.LoadError) -> CSVTable {
        var body = data
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let head = String(decoding: body.prefix(16384), as: UTF8.self)
        let lines = head.split(separator: "\n", maxSplits: 5, omittingEmptySubsequences: false).prefix(5).map(String.init)
        var headerText = lines.first ?? ""
        if let key = headerContains, let l = lines.first(where: { $0.contains(key) }) {
            headerText = l
        } else if lines.count > 1, !headerText.contains(",") && !headerText.contains("\t") {
            headerText = lines[1]
        }
        let tabs = headerText.filter { $0 == "\t" }.count
        let commas = headerText.filter { $0 == "," }.count
        let delimiter: UInt8 = tabs > commas ? 0x09 : 0x2C
        var rows = LabelledData.parse(Data(body), delimiter: delimiter)
        guard !rows.isEmpty else { throw LabelledData.LoadError(file: name, message: "empty file") }
        var headerIndex = 0
        if let key = headerContains {
            guard let i = rows.prefix(5).firstIndex(where: { $0.fields.contains { LabelledData.trim($0).caseInsensitiveCompare(key) == .orderedSame } })
            else {
                throw LabelledData.LoadError(
                    file: name, line: 1,
                    message: "no header line with a \(key) column in the first lines (found: \(LabelledData.trim(headerText).prefix(120)))")
            }
            headerIndex = i
        } else if rows[0].fields.count == 1 && rows.count > 1 && rows[1].fields.count > 1 {
            headerIndex = 1
        }
        let header = rows[headerIndex].fields.map { LabelledData.trim($0).replacingOccurrences(of: "\u{FEFF}", with: "") }
        let headerLine = rows[headerIndex].line
        rows.removeFirst(headerIndex + 1)
        return CSVTable(
            header: header, headerLine: headerLine,
            rows: rows.filter { !($0.fields.count == 1 && LabelledData.trim($0.fields[0]).isEmpty) }.map { ($0.line, $0.fields) },
            delimiter: delimiter == 0x09 ? "\t" : ",")
    }

    /// The index of a column, case-insensitively.
    public func column(_ name: String) -> Int? {
        header.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}
