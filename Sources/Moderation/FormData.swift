import Foundation

/// An `application/x-www-form-urlencoded` body (or query string), keeping repeated fields (checkbox lists).
package struct FormData: Sendable {
    private(set) var pairs: [(String, String)] = []

    package init(_ encoded: String) {
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            pairs.append((key, value))
        }
    }

    /// "+" is a space, "%XX" a byte; malformed escapes are kept as written, invalid UTF-8 is repaired.
    static func decode(_ s: Substring) -> String {
        let bytes = Array(s.utf8)
        guard bytes.contains(where: { $0 == 0x25 || $0 == 0x2B }) else { return String(s) }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: return b - 0x30
            case 0x41...0x46: return b - 0x41 + 10
            case 0x61...0x66: return b - 0x61 + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x2B {
                out.append(0x20)
            } else if b == 0x25, i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    package subscript(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    package func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// The field trimmed, nil when missing or blank.
    package func text(_ key: String) -> String? {
        guard let v = self[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
func queryEscape(_ s: String) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(s.utf8.count)
    for b in s.utf8 {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.append(b)
        default:
            out.append(0x25)
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension FormData {
    /// A form from fields already decoded (a multipart body's text fields).
    package init(pairs: [(String, String)]) {
        self.init("")
        self.pairs = pairs
    }
}

/// A `multipart/form-data` body (RFC 7578): its text fields, and its files by field name (name, type, bytes).
package struct MultipartForm: Sendable {
    package struct File: Sendable {
        package var filename: String?
        package var contentType: String?
        package var data: Data
    }

    package var fields: [(String, String)] = []
    package var files: [String: File] = [:]

    /// The boundary of a `multipart/form-data` Content-Type; nil for any other type.
    package static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for part in contentType.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == "boundary" else { continue }
            let b = kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2 ? String(kv[1].dropFirst().dropLast()) : kv[1]
            return (1...70).contains(b.utf8.count) ? b : nil
        }
        return nil
    }

    /// Parses `body`; nil when it is not a multipart body with that boundary (no opening delimiter, a part without
    /// its blank line, no closing delimiter).
    package init?(_ body: Data, boundary: String) {
        let delimiter = Data(("--" + boundary).utf8)
        let separator = Data("\r\n".utf8) + delimiter
        guard let first = body.range(of: delimiter), first.lowerBound == body.startIndex else { return nil }
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, "\r\n" starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            let partStart = cursor + 2
            guard let end = body.range(of: separator, in: partStart..<body.endIndex),
                let blank = body.range(of: Data("\r\n\r\n".utf8), in: partStart..<end.lowerBound)
            else { return nil }
            let head = String(decoding: body[partStart..<blank.lowerBound], as: UTF8.self)
            let content = Data(body[blank.upperBound..<end.lowerBound])
            var name: String?
            var filename: String?
            var type: String?
            for line in head.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: line)
                    filename = Self.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            if let name {
                if filename != nil {
                    files[name] = File(filename: filename, contentType: type, data: content)
                } else {
                    fields.append((name, String(decoding: content, as: UTF8.self)))
                }
            }
            cursor = end.upperBound
        }
    }

    /// `key="value"` from a Content-Disposition line (quoted, as browsers send it).
    static func parameter(_ key: String, in line: String) -> String? {
        for part in line.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == key else { continue }
            let v = kv[1]
            return v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 ? String(v.dropFirst().dropLast()) : v
        }
        return nil
    }
}
