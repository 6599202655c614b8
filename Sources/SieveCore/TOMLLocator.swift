/// Finds the line of a table header or key in a TOML file, so errors can name it.
/// TOMLKit does not expose node positions, so this reads the text line by line: it understands
/// `[table]`, `[[array]]`, `[array.sub]` headers and `key = value` lines (multi-line strings are skipped).
package struct TOMLLocator {
    /// context ("" for the root, "source#2", "source#2.rules", "crawler") → key → line
    private var keys: [String: [String: Int]] = [:]
    private var headers: [String: Int] = [:]

    package init(text: String) {
        var context = ""
        var arrayCounts: [String: Int] = [:]
        var inMultiline: String? = nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let delim = inMultiline {
                if line.contains(delim) { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.headerName(line.dropFirst(2))
                arrayCounts[name, default: 0] += 1
                context = "\(name)#\(arrayCounts[name]!)"
                headers[context] = lineNo
                continue
            }
            if line.hasPrefix("[") {
                let name = Self.headerName(line.dropFirst(1))
                // [source.rules] belongs to the latest [[source]].
                if let dot = name.firstIndex(of: "."), let n = arrayCounts[String(name[..<dot])] {
                    context = "\(name[..<dot])#\(n).\(name[name.index(after: dot)...])"
                } else {
                    context = name
                }
                headers[context] = lineNo
                continue
            }
            if let eq = line.firstIndex(of: "=") {
                var key = line[..<eq].trimmingCharacters(in: .whitespaces)
                if key.hasPrefix("\"") && key.hasSuffix("\"") && key.count >= 2 { key = String(key.dropFirst().dropLast()) }
                if keys[context, default: [:]][key] == nil { keys[context, default: [:]][key] = lineNo }
                let value = line[line.index(after: eq)...]
                for delim in ["\"\"\"", "'''"] where value.components(separatedBy: delim).count == 2 {
                    inMultiline = delim
                }
            }
        }
    }

    private static func headerName(_ s: Substring) -> String {
        let end = s.firstIndex(of: "]") ?? s.endIndex
        return s[..<end].trimmingCharacters(in: .whitespaces)
    }

    package func line(context: String, key: String? = nil) -> Int? {
        if let key, let line = keys[context]?[key] { return line }
        return headers[context]
    }
}
