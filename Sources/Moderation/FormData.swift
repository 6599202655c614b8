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
