/// Parses "90", "90s", "15m", "2h", "1d", "1h30m" into seconds; nil when malformed.
public func parseIntervalSeconds(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { return nil }
    if let plain = Int(trimmed) { return plain > 0 ? plain : nil }
    var total = 0
    var number = ""
    for ch in trimmed {
        if ch.isASCII, ch.isNumber {
            number.append(ch)
            continue
        }
        guard let n = Int(number) else { return nil }
        switch ch {
        case "s": total += n
        case "m": total += n * 60
        case "h": total += n * 3600
        case "d": total += n * 86400
        default: return nil
        }
        number = ""
    }
    guard number.isEmpty, total > 0 else { return nil }
    return total
}

import Foundation
