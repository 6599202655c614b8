import Foundation

/// Checks what the TOML parser behind TOMLKit (toml++) asserts on instead of reporting: it aborts the process on a
/// key that starts with a character neither allowed in a bare key nor a quote — `[é]`, `[\u{FFFD}source]]` — found by
/// fuzzing the config parser. Keys (in headers, before `=`, and inside inline tables) are checked here first, outside
/// strings and comments, so such a file gets a named error with its line like any other mistake. Values are not
/// looked at: any character may be quoted.
package enum TOMLPrecheck {
    enum Mode {
        case lineStart, header, key, value
    }

    package static func check(_ text: String, file: String) throws(ConfigError) {
        let bytes = Array(text.utf8)
        var line = 1
        var i = 0
        var mode = Mode.lineStart
        var containers: [UInt8] = []  // open [ and { inside a value
        var multiline: UInt8? = nil  // the quote of an open """ or ''' string
        var needKey = false  // a key (bare or quoted) must come next: after [, [[, a dot, { or an inline table's comma
        var previous: UInt8 = 0x0A  // the last byte outside white space, strings and comments
        func bare(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
        func missingKey(_ at: Int) -> ConfigError {
            let what = at >= bytes.count || bytes[at] == 0x0A ? "the end of the line" : "\"\(String(decoding: [bytes[at]], as: UTF8.self))\""
            return ConfigError(file: file, line: line, message: "TOML syntax: a key is missing before \(what) (e.g. [source] or a.b = 1)")
        }
        /// One byte of a (dotted) key in a header or before `=`: a dot needs a key part before and after it.
        func dottedKey(_ b: UInt8, at i: Int) throws(ConfigError) {
            if b == 0x2E {
                if needKey { throw missingKey(i) }
                needKey = true
            } else if bare(b) {
                needKey = false
            } else {
                throw problem(i)
            }
        }
        func unclosed() -> ConfigError {
            ConfigError(file: file, line: line, message: "TOML syntax: the table header is not closed with ] on its line")
        }
        func problem(_ at: Int) -> ConfigError {
            var end = at + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let shown = String(decoding: bytes[at..<end], as: UTF8.self)
            return ConfigError(
                file: file, line: line,
                message: "TOML syntax: a key may not contain \"\(shown)\" unquoted (bare keys are ASCII letters, digits, - and _; quote the key, e.g. [\"台北\"])")
        }
        while i < bytes.count {
            let b = bytes[i]
            if let q = multiline {
                if b == 0x0A { line += 1 }
                if q == 0x22, b == 0x5C { i += 2; continue }  // an escape in a basic string
                if b == q, i + 2 < bytes.count, bytes[i + 1] == q, bytes[i + 2] == q { multiline = nil; i += 3; continue }
                i += 1
                continue
            }
            switch b {
            case 0x0A:
                // toml++ asserts on a header cut off by the end of its line ("[" alone).
                if mode == .header { throw needKey ? missingKey(i) : unclosed() }
                if mode == .key, needKey, containers.isEmpty { throw missingKey(i) }
                line += 1
                if containers.isEmpty { mode = .lineStart }  // a multi-line array goes on
                i += 1
                continue
            case 0x20, 0x09, 0x0D:
                i += 1
                continue
            case 0x23:  // a comment, to the end of the line
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                continue
            case 0x22, 0x27:  // a string: a quoted key or a value
                if mode == .lineStart { mode = .key }
                if mode != .value { needKey = false }
                previous = b
                if i + 2 < bytes.count, bytes[i + 1] == b, bytes[i + 2] == b {
                    multiline = b
                    i += 3
                    continue
                }
                i += 1
                while i < bytes.count, bytes[i] != b, bytes[i] != 0x0A {
                    if b == 0x22, bytes[i] == 0x5C { i += 1 }
                    i += 1
                }
                i += 1
                continue
            default:
                break
            }
            switch mode {
            case .lineStart:
                if b == 0x5B {
                    mode = .header
                    needKey = true
                } else {
                    guard bare(b) else { throw b == 0x2E ? missingKey(i) : problem(i) }
                    mode = .key
                    needKey = false
                }
            case .header:
                if b == 0x5B, previous == 0x5B, needKey {
                    // [[array of tables]]
                } else if b == 0x5D {
                    if needKey { throw missingKey(i) }
                    mode = .value  // only `]` and a comment may follow
                } else {
                    try dottedKey(b, at: i)
                }
            case .key:
                if b == 0x3D {
                    if needKey { throw missingKey(i) }
                    mode = .value
                } else if b == 0x7D, containers.last == 0x7B {
                    containers.removeLast()  // {} or a trailing comma: toml++ judges that itself
                    mode = .value
                    needKey = false
                } else {
                    try dottedKey(b, at: i)
                }
            case .value:
                switch b {
                case 0x5B: containers.append(b)
                case 0x7B:
                    containers.append(b)
                    mode = .key  // an inline table starts with a key
                    needKey = true
                case 0x5D, 0x7D: if !containers.isEmpty { containers.removeLast() }
                case 0x2C where containers.last == 0x7B:
                    mode = .key  // the next key of the inline table
                    needKey = true
                default: break
                }
            }
            previous = b
            i += 1
        }
        if mode == .header { throw needKey ? missingKey(i) : unclosed() }
    }
}
