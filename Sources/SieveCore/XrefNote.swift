import Foundation

/// One line of a cross-reference explanation, as data: a message key and its arguments, rendered in the reader's
/// language (`Messages`, keys `xref.*`). An argument starting with "@" names another message, rendered in the same
/// language ("@xref.claim.closure" → 停班停課 / work and school closed). Official texts and post quotes stay as written.
public struct XrefNote: Sendable, Codable, Equatable, Hashable {
    public var key: String
    public var args: [String: String]

    public init(_ key: String, _ args: [String: String] = [:]) {
        self.key = key
        self.args = args
    }

    public func render(_ language: Language = .zhHant) -> String {
        Messages.text(key, language, args.mapValues { $0.hasPrefix("@") ? Messages.text(String($0.dropFirst()), language) : $0 })
    }

    /// Whether the note names this official record id (to avoid listing a candidate twice).
    public func mentions(_ id: String) -> Bool { args.values.contains { $0.contains(id) } }

    /// The stored form: a JSON array of notes.
    public static func encode(_ notes: [XrefNote]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(notes)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Notes from the stored form; rows written before notes were structured hold English lines separated by
    /// newlines, read as `xref.text` notes that render as written.
    public static func decode(_ stored: String) -> [XrefNote] {
        if stored.hasPrefix("["), let notes = try? JSONDecoder().decode([XrefNote].self, from: Data(stored.utf8)) { return notes }
        return stored.isEmpty ? [] : stored.components(separatedBy: "\n").map { XrefNote("xref.text", ["text": $0]) }
    }
}
